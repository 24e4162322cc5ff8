"""Every page of the site with the data it needs, for the tours of tests/browser (axe-core in
light and dark, 360 px wide, right to left): :func:`site` makes the data, :func:`visit` opens a
page and waits until its React component has rendered."""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from media_app.models import Media, PlaylistMedia
from tests.factories import MediaFactory, PlaylistFactory, UserFactory
from tests.security.test_user_files import _hls_tree


@dataclass
class Site:
    owner: object
    video: Media
    image: Media
    pages: list[tuple[str, str, bool]]  # (name, path, signed in)


def _png(work: Path) -> bytes:
    path = work / "still.png"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240",
         "-frames:v", "1", str(path)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path.read_bytes()


def site(work: Path) -> Site:
    """An editor who is also a verified journalist, with a playable video and audio (HLS), an
    image, a PDF and a playlist; the pages a person meets, signed in or not."""
    owner = UserFactory(is_verified_journalist=True, is_editor=True)
    video = MediaFactory(user=owner, title="Harbour interview", description="Filed at dawn.")
    _hls_tree(video, work / "hls")
    image = MediaFactory(user=owner, title="Harbour photo", media_type=Media.MediaType.IMAGE)
    uid = image.uid.hex
    still = default_storage.save(f"encoded/{uid}/poster.png", ContentFile(_png(work)))
    Media.objects.filter(pk=image.pk).update(
        poster=still, media_file=still, original_unchanged_confirmed_at=timezone.now()
    )
    audio = MediaFactory(user=owner, title="Harbour sounds", media_type=Media.MediaType.AUDIO)
    _hls_tree(audio, work / "hls-audio")
    pdf = MediaFactory(user=owner, title="Harbour report", media_type=Media.MediaType.PDF)
    document = default_storage.save(
        f"original/{pdf.uid.hex[:2]}/{pdf.uid.hex}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n")
    )
    Media.objects.filter(pk=pdf.pk).update(
        media_file=document, original_unchanged_confirmed_at=timezone.now()
    )
    playlist = PlaylistFactory(user=owner, title="Harbour week")
    PlaylistMedia.objects.create(playlist=playlist, media=video, ordering=1)
    v, i = video.friendly_token, image.friendly_token
    pages = [
        ("home", "/", True),
        ("watch-video", f"/view?m={v}", True),
        ("watch-image", f"/view?m={i}", True),
        ("watch-audio", f"/view?m={audio.friendly_token}", True),
        ("watch-pdf", f"/view?m={pdf.friendly_token}", True),
        ("search", "/search?q=harbour", True),
        ("channel", f"/user/{owner.username}", True),
        ("playlist", f"/playlist/{playlist.friendly_token}", True),
        ("upload", "/upload", True),
        ("my-media", "/my-media", True),
        ("edit", f"/edit?m={v}", True),
        ("verification", "/verification", True),
        ("editor", "/editor", True),
        ("corrections", "/corrections", True),
        ("verify", "/verify", True),
        ("tokens", "/accounts/tokens/", True),
        ("categories", "/categories", True),
        ("tags", "/tags", True),
        ("embed", f"/embed?m={v}", False),
        ("login", "/accounts/login/", False),
        ("signup", "/accounts/signup/", False),
    ]
    return Site(owner=owner, video=video, image=image, pages=pages)


def sign_in(context, base: str, user) -> None:
    """The browser context carries ``user``'s session (as after logging in)."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base}])


def visit(page, url: str) -> int:
    """Open ``url`` and wait until the page's component has replaced its "Loading…" text (or
    10 s): the answer's status."""
    answer = page.goto(url)
    page.wait_for_load_state("load")
    with contextlib.suppress(PlaywrightTimeout):  # a page still loading is judged as it is
        page.wait_for_function("() => !document.querySelector('#op-page .loading')", timeout=10_000)
    page.wait_for_timeout(300)  # images and the last state updates
    return answer.status if answer else 0
