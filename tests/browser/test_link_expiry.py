"""The watch page outlives its signed media links, in a real Chromium, in both storage modes.

A private media's files are handed out as signed links that expire (MEDIA_LINK_SECONDS); the live
server answers 410 past that, as nginx does. In S3 mode the playlists come through the site's
signed /stream/s/ links (410 past the expiry) and everything else by presigned bucket URLs dying
at the same time (the bucket answers 403, without CORS headers). Here they live seconds, so
playback crosses their expiry: the player must fetch the detail again and play on from where it
was.
"""

import calendar
import itertools
import posixpath
import re
import time
from urllib.parse import parse_qs, unquote, urlparse, urlsplit

import pytest
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from media_app import storage
from media_app.models import EncodeProfile, Encoding, Media
from tests.browser.conftest import log_in
from tests.encoding.clips import make_clip
from tests.encoding.conftest import encode_inline, upload
from tests.factories import MediaFactory, UserFactory
from tests.served import in_bucket, store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
# How long the links the page starts with live: time enough to start and choose a quality.
SHORT_LINK_SECONDS = 15
CLIP_SECONDS = 60
# On a fast network hls.js fetches a clip this small whole in its first seconds (it buffers up to
# 60 MB or 600 s ahead), and nothing is fetched after the expiry. At this rate (bytes/s, about
# one and a half times the 240p rendition's 35 kB/s with its sound) it fetches the clip over
# some 40 s, through the expiry, as it does a long film on an ordinary connection.
THROUGHPUT = 50_000
# Generous: the page plays in real time on a machine that may be busy.
PLAY_TIMEOUT = 300
# The site's signed links: /media/s/<signature>/<expires>/<storage name> (files, filesystem
# mode) and /stream/s/<signature>/<expires>/<storage name> (playlists, S3 mode).
SIGNED = re.compile(r"^/(?:media|stream)/s/[A-Za-z0-9_-]{22}/(?P<expires>\d+)/(?P<name>.+)$")
# How the site answers an expired link; the bucket answers an expired presigned URL 403.
REFUSALS = {"filesystem": {410}, "s3": {403, 410}}

# Where the video played, sampled in the page (the position must never go back at the swap).
# A sample is kept only while the element has a picture for its position: reloading a source
# resets the position to 0 with nothing to show until the player puts it back.
RECORD_POSITIONS = """
window.positions = [];
document.addEventListener("timeupdate", (event) => {
  const el = event.target;
  if (el.readyState >= 2 && !el.seeking) window.positions.push(el.currentTime);
}, true);
"""


def signed_link(url: str) -> tuple[int, str] | None:
    """``(expiry, storage name)`` of a signed file link (the site's signed links, or in S3 mode a
    presigned bucket URL, which dies at X-Amz-Date + X-Amz-Expires); ``None`` for other URLs."""
    parts = urlsplit(url)
    found = SIGNED.search(parts.path)
    if found:
        return int(found["expires"]), unquote(found["name"])
    query = parse_qs(parts.query)
    if not in_bucket(url) or "X-Amz-Expires" not in query:
        return None
    signed_at = calendar.timegm(time.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ"))
    name = unquote(parts.path).removeprefix(f"/{storage.bucket_name()}/")
    return signed_at + int(query["X-Amz-Expires"][0]), name


def expiry(url: str) -> int:
    return signed_link(url)[0]


def segment_ends(master: str) -> dict[str, float]:
    """``{storage name: media time where it ends}`` for every segment of a stored HLS tree."""
    ends = {}
    for entry in storage.list_prefix(posixpath.dirname(master)):
        if not entry.name.endswith(".m3u8"):
            continue
        with default_storage.open(entry.name) as playlist:
            text = playlist.read().decode()
        at, duration = 0.0, None
        for line in text.splitlines():
            if line.startswith("#EXTINF:"):
                duration = float(line.split(":", 1)[1].split(",")[0])
            elif line and not line.startswith("#") and duration is not None:
                at += duration
                ends[posixpath.normpath(posixpath.join(posixpath.dirname(entry.name), line))] = at
                duration = None
    return ends


def throttle(page, rate: int) -> None:
    """Chromium's own network emulation: ``rate`` bytes/s each way."""
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    conditions = {"offline": False, "latency": 20, "downloadThroughput": rate}
    network.send("Network.emulateNetworkConditions", {**conditions, "uploadThroughput": rate})


def test_playback_crosses_the_expiry_of_its_signed_links(live_server, new_page, tmp_path, settings):
    owner = UserFactory()
    # 640x360 gives the 240p and 360p rungs, so a manual choice can be carried over.
    clip = make_clip(tmp_path / "long-take.mp4", size="640x360", seconds=CLIP_SECONDS)
    media = encode_inline(
        upload(clip, user=owner, state=Media.State.PRIVATE, requested_state=Media.State.PRIVATE)
    )
    assert media.encoding_status == media.EncodingStatus.SUCCESS
    ends = segment_ends(media.hls_file)
    detail_path = f"/api/v1/media/{media.friendly_token}"

    page = new_page()
    page.add_init_script(RECORD_POSITIONS)
    log_in(page, live_server.url, owner.username, PASSWORD)
    throttle(page, THROUGHPUT)

    def is_detail(r) -> bool:  # a request or a response
        return urlparse(r.url).path == detail_path

    details, files = [], []
    page.on("request", lambda r: is_detail(r) and r.method == "GET" and details.append(r))
    page.on("response", lambda r: signed_link(r.url) and files.append((r.url, r.status)))

    # The links the page starts with live seconds (read at each request: the live server runs
    # in this process); the ones it fetches later live an hour, as for a viewer coming back.
    # (With short links throughout, the fresh ones would expire again within the 30 s the
    # player waits before asking twice, and it would give up, as it should.)
    settings.MEDIA_LINK_SECONDS = SHORT_LINK_SECONDS
    # (The player's script, some 600 kB, takes a while at this rate before it asks.) Only the
    # detail's answer matters here, not the page's load event.
    with page.expect_response(is_detail, timeout=PLAY_TIMEOUT * 1000) as first:
        page.goto(f"{live_server.url}/view?m={media.friendly_token}", wait_until="commit")
    first_links = first.value.json()["hls_info"]["master_file"]
    old_expires = expiry(first_links)
    settings.MEDIA_LINK_SECONDS = 3600

    player = page.locator(".player")
    expect(player).to_have_attribute("data-engine", "hls.js")
    player.focus()
    page.keyboard.press("k")
    page.get_by_label("Quality").select_option(label="240p")
    page.wait_for_function(
        "() => document.querySelector('.player video').videoHeight === 240", timeout=30_000
    )
    assert len(details) == 1, "the links expired before the test chose a quality (busy machine?)"

    # Past the expiry hls.js meets a 410 on its next fetch; the page asks for the detail again.
    deadline = time.monotonic() + PLAY_TIMEOUT
    while len(details) < 2:
        statuses = sorted({status for _, status in files})
        assert time.monotonic() < deadline, (
            f"no fresh links fetched ({len(files)} files, {statuses})"
        )
        page.wait_for_timeout(200)
    refused = [(url, status) for url, status in files if status in (403, 410)]
    assert refused, "no link was refused: playback never crossed the expiry"
    assert {expiry(url) for url, _ in refused} == {old_expires}
    assert {status for _, status in refused} <= REFUSALS[settings.TEST_STORAGE]

    # It plays on, with the fresh links, beyond all that the expired ones had fetched.
    fetched = [
        ends.get(signed_link(url)[1], 0)
        for url, status in files
        if expiry(url) == old_expires and status in (200, 206)
    ]
    reach = max(fetched)
    assert reach + 3 < CLIP_SECONDS - 2, f"the expired links fetched up to {reach} s already"
    page.wait_for_function(
        "(t) => document.querySelector('.player video').currentTime > t",
        arg=reach + 3,
        timeout=PLAY_TIMEOUT * 1000,
    )
    assert len(details) == 2, "one refresh is enough"
    assert not [url for url, status in files if status >= 400 and expiry(url) != old_expires]

    # From where it was (never back to the start), in the quality the viewer chose.
    positions = page.evaluate("window.positions")
    back = max((a - b for a, b in itertools.pairwise(positions)), default=0)
    assert back < 1, f"the position went back {back:.1f} s"
    expect(player).to_have_attribute("data-quality", "240p")
    expect(page.locator(".player-status")).to_have_text("Playing 240p")
    assert page.get_by_label("Quality").evaluate("s => s.selectedOptions[0].textContent") == "240p"
    assert page.evaluate("document.querySelector('.player video').videoHeight") == 240
    expect(player.get_by_role("alert")).to_have_count(0)
    # The poster and the scrub preview's track moved to the fresh links too.
    assert expiry(page.locator(".player video").get_attribute("poster")) != old_expires
    assert [
        url
        for url, status in files
        if signed_link(url)[1].endswith("/sprites.vtt")
        and status == 200
        and expiry(url) != old_expires
    ]


def test_an_mp4_seeked_after_its_link_expired_plays_on(live_server, new_page, tmp_path, settings):
    """Where there is only an MP4 rendition, the element plays it itself: a refused range
    request reads as a network error, which the player checks and mends the same way."""
    owner = UserFactory()
    media = MediaFactory(
        user=owner, state=Media.State.PRIVATE, requested_state=Media.State.PRIVATE, duration=30
    )
    name = f"encoded/{media.uid.hex}/h264-240.mp4"
    store(name, make_clip(tmp_path / "h264-240.mp4", size="320x240", seconds=30).read_bytes())
    profile, _ = EncodeProfile.objects.get_or_create(
        resolution=240, codec="h264", defaults={"name": "h264-240-test", "extension": "mp4"}
    )
    Encoding.objects.create(
        media=media, profile=profile, status=Encoding.Status.SUCCESS, progress=100, media_file=name
    )
    detail_path = f"/api/v1/media/{media.friendly_token}"

    page = new_page()
    log_in(page, live_server.url, owner.username, PASSWORD)
    # Slow enough that the element has not read the second half when the link expires.
    throttle(page, 30_000)
    details = []
    page.on("request", lambda r: urlparse(r.url).path == detail_path and details.append(r))

    settings.MEDIA_LINK_SECONDS = 8
    detail_glob = f"**{detail_path}"
    with page.expect_response(detail_glob, timeout=PLAY_TIMEOUT * 1000) as first:
        page.goto(f"{live_server.url}/view?m={media.friendly_token}", wait_until="commit")
    old_link = first.value.json()["encodings_info"]["240"]["h264"]["url"]
    expires = expiry(old_link)
    settings.MEDIA_LINK_SECONDS = 3600
    player = page.locator(".player")
    expect(player).to_have_attribute("data-engine", "mp4")
    player.focus()
    page.keyboard.press("k")

    # Once the link has expired, the viewer jumps ahead: the element must fetch that part.
    deadline = time.monotonic() + PLAY_TIMEOUT
    while time.time() <= expires + 1:
        assert time.monotonic() < deadline
        page.wait_for_timeout(200)
    page.evaluate("document.querySelector('.player video').currentTime = 22")
    page.wait_for_function(
        "() => document.querySelector('.player video').currentTime > 24",
        timeout=PLAY_TIMEOUT * 1000,
    )
    assert len(details) == 2
    src = page.locator(".player video").evaluate("v => v.currentSrc")
    assert expiry(src) > expires
    expect(player.get_by_role("alert")).to_have_count(0)
