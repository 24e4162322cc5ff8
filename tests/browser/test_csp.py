"""Content-Security-Policy in Chromium: media plays under it, injected script does not run,
and only the player may be framed by another origin (docs/security.md; issue 13 finding 7c)."""

from __future__ import annotations

import time

import pytest

from tests.security.test_user_files import _hls_tree, _media

# Collects every violation the page (and its frames) reports, before any script of ours runs.
_WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_plays_media_under_the_policy_and_frames_only_the_player(
    live_server,
    new_page,
    tmp_path,
):
    media = _media()
    _hls_tree(media, tmp_path / "hls")
    page = new_page()
    page.add_init_script(_WATCH_VIOLATIONS)
    console = []
    page.on("console", lambda msg: console.append(msg.text))
    page.goto(f"{live_server.url}/view?m={media.friendly_token}")
    player = page.locator(".player video")
    player.wait_for()
    page.evaluate("document.querySelector('.player video').muted = true")
    page.evaluate("document.querySelector('.player video').play()")
    page.wait_for_function(
        "() => document.querySelector('.player video').currentTime > 1", timeout=30_000
    )
    assert page.locator(".player").get_attribute("data-engine") == "hls.js"
    assert page.evaluate("window.__csp") == []
    assert not [text for text in console if "Content Security Policy" in text], console
    # What the policy is for: a script injected into the page (as by a stored XSS) does not run.
    ran = page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__injected = true';
            document.body.append(s);
            return window.__injected === true;
        }"""
    )
    assert ran is False
    assert page.evaluate("window.__csp") == ["script-src-elem inline"]
    console.clear()
    for path in ("/", "/accounts/login/", "/admin/login/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], path
    assert not [text for text in console if "Content Security Policy" in text], console

    # Framed by a page of another origin (an opaque one here): the player loads, the watch
    # page does not.
    framer = new_page()
    framer.set_content(
        f'<iframe id="embed" src="{live_server.url}/embed?m={media.friendly_token}"></iframe>'
        f'<iframe id="watch" src="{live_server.url}/view?m={media.friendly_token}"></iframe>'
    )
    deadline = time.monotonic() + 15
    while True:
        frames = {f.name or f.url: f for f in framer.frames}
        embed = next((f for f in framer.frames if "/embed?" in f.url), None)
        if embed is not None and embed.locator("#op-page").count() == 1:
            break
        assert time.monotonic() < deadline, frames
        time.sleep(0.1)
    watch = next((f for f in framer.frames if "/view?" in f.url), None)
    assert watch is None or watch.locator("#op-page").count() == 0
