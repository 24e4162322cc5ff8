"""The player in a real Chromium on a really encoded clip (issue 16, point 7 and the player side
of points 2 and 3): one control bar of our own, the keyboard shortcuts and their help, captions
from a subtitle track, the transcript and chapter panels that seek, resume after a reload, and
axe-core on the watch page."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from media_app.models import Subtitle
from media_app.storage import subtitle_name
from tests.browser.a11y import assert_axe_clean
from tests.browser.conftest import save_screenshot
from tests.encoding.clips import make_clip
from tests.encoding.conftest import encode_inline, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VTT = """WEBVTT

00:00:02.000 --> 00:00:08.000
The harbour at dawn

00:00:12.000 --> 00:00:20.000
<v Reporter>Boats come back</v> &amp; unload
"""

TIME = "document.querySelector('.player video').currentTime"


def encoded_with_tracks(tmp_path):
    media = encode_inline(upload(make_clip(tmp_path / "harbour.mp4", size="320x240", seconds=30)))
    assert media.encoding_status == media.EncodingStatus.SUCCESS
    name = default_storage.save(
        subtitle_name(media.uid.hex, "en"), ContentFile(VTT.encode(), name="en.vtt")
    )
    Subtitle.objects.create(
        media=media,
        language="en",
        label="English",
        file=name,
        text="The harbour at dawn\nBoats come back & unload",
    )
    media.chapters = [{"start": 0, "title": "Opening"}, {"start": 15, "title": "The boats"}]
    media.save(update_fields=["chapters"])
    return media


def wait_time(page, condition: str, timeout: int = 15_000):
    page.wait_for_function(f"() => {{ const t = {TIME}; return {condition}; }}", timeout=timeout)


def test_one_control_bar_shortcuts_captions_chapters_and_resume(live_server, new_page, tmp_path):
    media = encoded_with_tracks(tmp_path)
    page = new_page()
    page.goto(f"{live_server.url}/view?m={media.friendly_token}")
    player = page.locator(".player")
    expect(player).to_have_attribute("data-engine", "hls.js")
    video = page.locator(".player video")

    # One control bar: the video's own controls are off, and there is exactly one scrub bar.
    assert video.get_attribute("controls") is None
    expect(page.get_by_role("slider", name="Seek")).to_have_count(1)
    expect(page.locator(".scrub-bar")).to_have_count(1)
    # The chapter that does not start at 0 is a mark on the bar.
    wait_time(page, "document.querySelector('.player video').duration > 29")
    expect(page.locator(".scrub-mark")).to_have_count(1)

    # k plays and pauses.
    player.focus()
    page.keyboard.press("k")
    wait_time(page, "t > 0.5")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('.player video').paused")
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()

    # l jumps forward 10 s, j back 10 s, the arrows 5 s.
    before = page.evaluate(TIME)
    page.keyboard.press("l")
    wait_time(page, f"Math.abs(t - {before + 10}) < 0.5")
    page.keyboard.press("ArrowLeft")
    wait_time(page, f"Math.abs(t - {before + 5}) < 0.5")
    page.keyboard.press("j")
    wait_time(page, "t < 0.5")

    # m mutes and unmutes; the button says so.
    page.keyboard.press("m")
    page.wait_for_function("() => document.querySelector('.player video').muted")
    expect(page.get_by_role("button", name="Unmute")).to_be_visible()
    page.keyboard.press("m")
    page.wait_for_function("() => !document.querySelector('.player video').muted")

    # f puts the player (with our controls) in full screen, f again leaves it.
    page.keyboard.press("f")
    page.wait_for_function("() => document.fullscreenElement?.classList.contains('player')")
    expect(page.get_by_role("button", name="Exit full screen")).to_be_visible()
    page.keyboard.press("f")
    page.wait_for_function("() => document.fullscreenElement === null")

    # ? opens the help overlay (a labelled modal dialog); Escape closes it and focus comes back.
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Back or forward 10 seconds")
    save_screenshot(page, "player/shortcuts-help")
    assert_axe_clean(page)
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    # With the focus on the page itself the shortcuts work too: ↓ lowers the volume, k plays.
    page.evaluate("document.activeElement.blur()")
    assert page.evaluate("document.activeElement === document.body")
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "() => Math.abs(document.querySelector('.player video').volume - 0.9) < 0.01"
    )
    page.keyboard.press("k")
    page.wait_for_function("() => !document.querySelector('.player video').paused")
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('.player video').paused")
    # Typing in a field is not a shortcut.
    search = page.get_by_label("Search media")
    search.fill("")
    search.press("k")
    # The key reached the field, so the page's handler had run by then (synchronously): a
    # shortcut would have called play(), which unpauses at once.
    expect(search).to_have_value("k")
    assert page.evaluate("document.querySelector('.player video').paused")

    # c turns the captions on: the cue is on screen at its time, and the transcript follows.
    player.focus()
    page.keyboard.press("c")
    expect(page.get_by_label("Captions")).to_have_value("0")
    page.evaluate(f"{TIME} = 3")
    page.wait_for_function(
        """() => {
          const track = document.querySelector('.player video').textTracks[0];
          return track.mode === 'showing' && track.activeCues && track.activeCues.length === 1
            && track.activeCues[0].text === 'The harbour at dawn';
        }"""
    )
    current = page.locator(".transcript-cue[aria-current='true']")
    expect(current).to_contain_text("The harbour at dawn")
    save_screenshot(page, "player/watch-captions")
    # A cue of the transcript seeks to it.
    page.locator(".transcript-cue", has_text="Boats come back & unload").click()
    wait_time(page, "Math.abs(t - 12) < 0.5")
    expect(current).to_contain_text("Boats come back & unload")
    # c again: captions off.
    player.focus()
    page.keyboard.press("c")
    expect(page.get_by_label("Captions")).to_have_value("-1")
    assert page.evaluate("document.querySelector('.player video').textTracks[0].mode") == "disabled"

    # A chapter of the list seeks to its start and becomes the current one.
    chapters = page.locator(".chapter-list")
    chapters.get_by_role("button", name=re.compile("The boats")).click()
    wait_time(page, "Math.abs(t - 15) < 0.5")
    expect(chapters.locator(".chapter[aria-current='true']")).to_contain_text("The boats")
    chapters.get_by_role("button", name=re.compile("Opening")).click()
    wait_time(page, "t < 0.5")
    expect(chapters.locator(".chapter[aria-current='true']")).to_contain_text("Opening")

    # Speed menu.
    page.get_by_label("Speed").select_option("1.5")
    assert page.evaluate("document.querySelector('.player video').playbackRate") == 1.5

    # Resume: the viewer stops at 17 s; after a reload the player starts there.
    page.evaluate(f"{TIME} = 17")
    wait_time(page, "Math.abs(t - 17) < 0.5")
    page.wait_for_function(
        f"() => localStorage.getItem('op-resume:{media.friendly_token}')?.includes('\"time\":17')"
    )
    page.reload()
    expect(player).to_have_attribute("data-engine", "hls.js")
    wait_time(page, "Math.abs(t - 17) < 1.5")

    # axe-core: no serious or critical violation on the watch page with the player and panels.
    expect(page.locator(".chapter-list")).to_be_visible()
    assert_axe_clean(page)


def test_player_holds_at_360_px(live_server, new_page, tmp_path):
    media = encoded_with_tracks(tmp_path)
    page = new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/view?m={media.friendly_token}")
    expect(page.locator(".player")).to_have_attribute("data-engine", "hls.js")
    expect(page.get_by_label("Captions")).to_be_visible()
    expect(page.get_by_role("button", name="Full screen")).to_be_visible()
    expect(page.locator(".transcript-cue")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(page, "player/watch-360")
    # The start time of a shared link (?t=) wins over nothing saved.
    page.goto(f"{live_server.url}/view?m={media.friendly_token}&t=21")
    expect(page.locator(".player")).to_have_attribute("data-engine", "hls.js")
    wait_time(page, "Math.abs(t - 21) < 1.5")
