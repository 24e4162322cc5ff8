"""Content Credentials in a real Chromium (issue 15, part 2): a verified journalist's video and
photo go through the real pipeline (ffmpeg, cleaning, c2pa-python signing with the development
chain the test settings use); an anonymous visitor then reads the watch page's Content
Credentials panel, downloads the public file as any browser would (S3 mode: the site's redirect
into the bucket, followed) and checks it, and a copy with one byte flipped, on /verify. Both
pages must have no serious or critical axe-core violation."""

from __future__ import annotations

import datetime
import hashlib
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from media_app.models import JournalistVerification, Media
from tests.browser.a11y import assert_axe_clean
from tests.encoding.clips import ffmpeg, make_clip
from tests.encoding.conftest import encode_inline, upload
from tests.factories import UserFactory
from tests.served import fetch, follow, in_bucket

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

JOURNALIST = "Amira Haddad"
OUTLET = "The Harbour Post"
DEVELOPMENT = "Signed with a development certificate: untrusted, for testing only."
ACTIONS = "opened the original, re-encoded, removed identifying metadata, published"


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """A short phone-like video with sound and a photo, generated here."""
    folder = tmp_path_factory.mktemp("originals")
    photo = folder / "harbour.jpg"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480:d=1", "-frames:v", "1", str(photo))
    return {"video": make_clip(folder / "harbour.mp4", size="320x240", seconds=3), "image": photo}


@pytest.fixture
def dev_chain(settings, tmp_path_factory):
    """The test settings' development chain (C2PA_DEV_CHAIN), made in a folder of this run's."""
    settings.C2PA_DEV_CHAIN = True
    settings.C2PA_DEV_DIR = tmp_path_factory.mktemp("c2pa-dev")
    settings.C2PA_SIGNING_CERT = settings.C2PA_SIGNING_KEY = settings.C2PA_SIGNER = ""
    settings.C2PA_TRUST_ANCHORS = ""
    settings.C2PA_ALLOW_UNSIGNED = False


def published(path, kind: str) -> Media:
    """A verified journalist's upload, encoded and signed by the real pipeline, then public."""
    journalist = UserFactory(username="amira", name=JOURNALIST, is_verified_journalist=True)
    JournalistVerification.objects.create(
        user=journalist,
        outlet=OUTLET,
        role="reporter",
        status="approved",
        decided_at=datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC),
    )
    media = upload(path, user=journalist, title=f"Harbour strike ({kind})")
    media = encode_inline(media)
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.media_type == kind
    Media.objects.filter(pk=media.pk).update(
        state=Media.State.PUBLIC, is_reviewed=True, allow_download=True
    )
    media.refresh_from_db()
    record = media.provenance
    assert record["signed"] is True and record["development"] is True, record
    return media


def download(base: str, token: str) -> bytes:
    """The public file as an anonymous visitor gets it: the download URL of the API detail,
    and in S3 mode the bucket's answer to the site's redirect."""
    detail = Client().get(f"/api/v1/media/{token}").json()
    url = detail["public_file_url"]
    assert url, detail
    assert detail["original_media_url"] == url  # anyone else gets the clean copy
    status, headers, body = fetch(urljoin(base + "/", url))
    served = follow(status, headers, body, site=None)
    assert served.status == 200, (url, served.status, served.body[:200])
    # S3 mode: the bytes come from the bucket (a presigned URL, given or redirected to).
    from_bucket = in_bucket(urljoin(base + "/", url)) or served.url is not None
    assert from_bucket == (settings.TEST_STORAGE == "s3"), url
    return served.body


@pytest.mark.parametrize("kind", ["video", "image"])
def test_watch_page_shows_the_content_credentials(
    live_server, new_page, originals, dev_chain, kind
):
    media = published(originals[kind], kind)
    record = media.provenance

    page = new_page()
    response = page.goto(f"{live_server.url}/view?m={media.friendly_token}")
    assert response.status == 200
    panel = page.get_by_test_id("content-credentials")
    expect(panel).to_be_visible()
    summary = panel.locator("summary")
    expect(summary).to_contain_text(DEVELOPMENT)
    summary.click()
    expect(panel).to_have_attribute("open", "")

    author = panel.get_by_role("link", name=JOURNALIST)
    # The profile on the site as this visitor reaches it (the API rebuilds it on its host).
    expect(author).to_have_attribute("href", urljoin(live_server.url, record["author"]["url"]))
    expect(panel).to_contain_text(f"{JOURNALIST}, {OUTLET} (verified journalist since")
    expect(panel).to_contain_text(ACTIONS)
    expect(panel).to_contain_text("OpenPress development certificate")
    expect(panel).to_contain_text("The original carried no Content Credentials.")

    # Every hash the record holds is on the panel, in full in the code's title.
    shown = panel.locator("code.hash").evaluate_all("(els) => els.map((e) => e.title)")
    assert record["original"]["sha256"] in shown
    files = {f["role"]: f["sha256"] for f in record["files"]}
    assert "public" in files and "thumbnail" in files, files
    for sha in files.values():
        assert sha in shown
    rows = panel.locator("table.cc-files tbody tr")
    download_row = rows.filter(has_text="download")
    expect(download_row).to_contain_text("embedded")
    renditions = record.get("renditions") or []
    if kind == "video":
        assert renditions
        for r in renditions:
            assert r["sha256"] in shown
            expect(rows.filter(has_text=f"{r['rendition']} (stream)")).to_contain_text(
                "manifest.c2pa beside the playlist"
            )
    expect(rows).to_have_count(len(files) + len(renditions))
    assert len(shown) == 1 + len(files) + len(renditions)
    assert_axe_clean(page)


@pytest.mark.parametrize("kind", ["video", "image"])
def test_verify_page_recognises_the_download_and_catches_one_flipped_byte(
    live_server, new_page, originals, dev_chain, tmp_path, kind
):
    media = published(originals[kind], kind)
    base = live_server.url
    data = download(base, media.friendly_token)
    public = next(f for f in media.provenance["files"] if f["role"] == "public")
    assert hashlib.sha256(data).hexdigest() == public["sha256"]
    suffix = ".mp4" if kind == "video" else ".jpg"
    good = tmp_path / f"downloaded{suffix}"
    good.write_bytes(data)
    bad = tmp_path / f"altered{suffix}"
    altered = bytearray(data)
    altered[len(altered) - 200] ^= 0x01
    bad.write_bytes(bytes(altered))

    page = new_page()
    page.goto(f"{base}/verify")
    # One h1 (the site's page template gives it; the page once added a second).
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify a file")
    page.get_by_label("File", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Verify").click()
    verdict = page.locator(".verify-verdict")
    expect(verdict.get_by_role("heading")).to_have_text("Unaltered OpenPress publication")
    title = verdict.get_by_role("link", name=media.title)
    expect(title).to_be_visible()
    assert media.friendly_token in title.get_attribute("href")
    expect(verdict.get_by_role("link", name=JOURNALIST)).to_be_visible()
    expect(verdict).to_contain_text("(public)")
    expect(verdict.locator("code")).to_have_attribute("title", public["sha256"])
    assert_axe_clean(page)

    page.get_by_label("File", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Verify").click()
    expect(verdict.get_by_role("heading")).to_have_text("Not an unaltered publication")
    expect(verdict).to_contain_text("invalid")
    expect(verdict).to_contain_text("it was changed after publication")
    # It still names the publication the file's credentials claim, as a claim only.
    expect(verdict).to_contain_text(f"It claims to be {media.title} by {JOURNALIST}")
    assert_axe_clean(page)
