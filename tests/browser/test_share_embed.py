"""Share and embed in Chromium (issue 16, point 4): the share dialog copies the link (at the
current time) and the embed code; that code, pasted into a page of another origin, plays there
when the origin is allowed and is refused by the browser (CSP frame-ancestors) when it is not;
axe-core finds nothing serious in the dialog or the embed page."""

from __future__ import annotations

import html
import re
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser.a11y import assert_axe_clean
from tests.browser.conftest import save_screenshot
from tests.security.test_user_files import _hls_tree, _media

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test's output stays readable
        pass


def _serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    """A tiny web server of another origin (127.0.0.1, another port: the site is localhost)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def other_sites(tmp_path):
    """Two framing sites: their origins and a function writing their page with some HTML."""
    servers = []

    def make(name: str):
        folder = tmp_path / name
        folder.mkdir()
        server, origin = _serve(folder)
        servers.append(server)
        return folder, origin

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def _frame_of(page, needle: str, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame is not page.main_frame and needle in (frame.url or ""):
                return frame
        time.sleep(0.1)
    return None


def test_share_dialog_copies_the_link_and_embed_code_which_plays_only_where_allowed(
    live_server, new_page, tmp_path, settings, other_sites
):
    allowed_dir, allowed = other_sites("allowed")
    refused_dir, refused = other_sites("refused")
    # The site lets no other site embed; this media adds the allowed one (embedding.py's rule).
    settings.EMBED_ALLOWED_DOMAINS = []
    media = _media(title="Harbour fire", embed_domains=[allowed.removeprefix("http://")])
    _hls_tree(media, tmp_path / "hls")

    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/view?m={media.friendly_token}")
    page.locator(".player video").wait_for()
    # Play a little, then stop at 3 s: the link "at the current time" carries it.
    page.evaluate(
        "async () => { const v = document.querySelector('.player video'); v.muted = true;"
        " await v.play(); }"
    )
    page.wait_for_function("() => document.querySelector('.player video').currentTime > 0.5")
    page.evaluate(
        "() => { const v = document.querySelector('.player video'); v.pause();"
        " v.currentTime = 3.4; }"
    )
    page.wait_for_function(
        "() => Math.abs(document.querySelector('.player video').currentTime - 3.4) < 0.3"
    )

    share = page.get_by_role("button", name="Share")
    share.click()
    dialog = page.get_by_role("dialog", name="Share")
    dialog.wait_for()
    # The focus moved in, onto the link.
    link = dialog.get_by_label("Link to this media")
    assert page.evaluate("() => document.activeElement.id") == link.get_attribute("id")
    assert link.input_value() == f"{live_server.url}/view?m={media.friendly_token}"
    dialog.locator(".share-qr").wait_for()
    assert_axe_clean(page)
    save_screenshot(page, "share/share-dialog")

    # The link at the current time, copied through the Clipboard API.
    dialog.locator(".share-link").get_by_label("Start at 0:03").check()
    dialog.get_by_role("button", name="Copy link").click()
    dialog.get_by_text("Copied.").first.wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == f"{live_server.url}/view?m={media.friendly_token}&t=3"

    # The embed code, autoplaying muted.
    dialog.get_by_label("Autoplay (muted)").check()
    dialog.get_by_role("button", name="Copy embed code").click()
    code = page.evaluate("() => navigator.clipboard.readText()")
    assert code == dialog.get_by_label("Embed code").input_value()
    src = html.unescape(re.search(r'src="([^"]+)"', code).group(1))
    assert src == f"{live_server.url}/embed?m={media.friendly_token}&autoplay=1"

    # Escape closes it and gives the focus back to the Share button.
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Share"

    # The watch page opened with ?t= starts there.
    at = new_page()
    at.goto(copied)
    at.locator(".player video").wait_for()
    at.wait_for_function("() => document.querySelector('.player video').currentTime >= 2.9")

    # The copied code on the allowed site: the player, playing by itself (muted).
    page_html = f"<!doctype html><title>Partner</title><h1>Partner story</h1>{code}"
    (allowed_dir / "story.html").write_text(page_html)
    (refused_dir / "story.html").write_text(page_html)
    partner = new_page()
    violations = []
    partner.on("console", lambda msg: violations.append(msg.text))
    partner.goto(f"{allowed}/story.html")
    frame = _frame_of(partner, "/embed?")
    assert frame is not None
    frame.locator(".player video").wait_for()
    frame.wait_for_function(
        "() => { const v = document.querySelector('.player video');"
        " return v.muted && v.currentTime > 0.5; }",
        timeout=30_000,
    )
    assert frame.locator(".embed-title a").inner_text() == "Harbour fire"
    assert frame.locator(".site-header").count() == 0
    save_screenshot(partner, "share/embed-allowed")

    # The same code on a site not allowed: Chromium refuses the frame (frame-ancestors).
    other = new_page()
    refusals = []
    other.on("console", lambda msg: refusals.append(msg.text))
    other.goto(f"{refused}/story.html")
    deadline = time.monotonic() + 15
    while not any("frame-ancestors" in text for text in refusals):
        assert time.monotonic() < deadline, refusals
        time.sleep(0.1)
    framed = [f for f in other.frames if f is not other.main_frame]
    assert framed, "the iframe is there"
    # Nothing of ours runs in it: no player, no page, an error document instead.
    assert all(f.locator("#op-page, .player, .embed-refused").count() == 0 for f in framed)
    assert not any(
        f.url.startswith(live_server.url)
        and f.locator("body").count()
        and f.locator("video").count()
        for f in framed
    )
    save_screenshot(other, "share/embed-refused")


def test_embed_page_opened_on_its_own_says_where_it_may_be_embedded(
    live_server, new_page, tmp_path, settings
):
    settings.EMBED_ALLOWED_DOMAINS = ["news.example.org"]
    media = _media(title="Budget vote")
    _hls_tree(media, tmp_path / "hls")
    page = new_page()
    page.goto(f"{live_server.url}/embed?m={media.friendly_token}&t=2&loop=1")
    page.locator(".player video").wait_for()
    assert (
        page.locator(".embed-note").inner_text()
        == "This player may be embedded only on: news.example.org."
    )
    assert page.evaluate("() => document.querySelector('.player video').loop") is True
    page.wait_for_function("() => document.querySelector('.player video').currentTime >= 1.9")
    assert page.locator(".site-header, .site-footer").count() == 0
    assert_axe_clean(page)
    save_screenshot(page, "share/embed-top-level")

    # Embedding turned off for this media: opened directly, the page says why.
    media.embed_domains = ["none"]
    media.save()
    page.goto(f"{live_server.url}/embed?m={media.friendly_token}")
    assert "turned off by its publisher" in page.locator("main").inner_text()
    assert page.get_by_role("link", name=re.compile("Watch “Budget vote”")).count() == 1
    assert_axe_clean(page)


def test_share_dialog_holds_at_360_px_and_in_dark_mode(live_server, new_page):
    media = _media(title="Narrow screens")
    page = new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server.url}/view?m={media.friendly_token}")
    page.get_by_role("button", name="Share").click()
    dialog = page.get_by_role("dialog", name="Share")
    dialog.wait_for()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    # Nothing in it wider than the dialog (the long link and the code scroll inside their fields).
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.share-dialog *')]"
        ".map((e) => e.getBoundingClientRect().right))"
    )
    assert widest <= 360, widest
    dialog.get_by_role("button", name="Copy link").wait_for()
    assert_axe_clean(page)
    save_screenshot(page, "share/share-dialog-360-dark")
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Share"
