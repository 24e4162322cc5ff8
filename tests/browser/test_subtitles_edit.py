"""Subtitles and chapters in a real Chromium (issue 16, points 2 and 3): on the edit page the
owner uploads a bad SRT (the line is shown), then a good one (listed), saves chapters (a bad
entry is named, then the list is in the detail API); on the watch page the track is there with
its converted WebVTT, and with English captions on, the cue is the one showing at its time.
The search page finds a media by a word said only in its subtitles (point 2, search)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from media_app.models import Media, Subtitle
from media_app.services.subtitles import subtitle_set
from tests.browser.a11y import assert_axe_clean
from tests.browser.conftest import log_in, save_screenshot
from tests.encoding.conftest import encode_inline, upload
from tests.factories import MediaFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD_SRT = b"""1
00:00:01,000 --> 00:00:04,000
The harbour at dawn

2
00:00:05,000 --> 00:00:08,000
Fishermen return
"""

BAD_SRT = b"""1
00:00:01,000 --> 00:00:04,000
The harbour at dawn

2
00:00:03,000 --> 00:00:08,000
Fishermen return
"""


def test_owner_uploads_subtitles_and_saves_chapters_then_viewers_get_them(
    live_server, new_page, clip
):
    owner = UserFactory(is_verified_journalist=True)
    media = encode_inline(upload(clip, user=owner, title="Harbour at dawn"))
    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, "correct horse battery")
    page.goto(f"{base}/edit?m={media.friendly_token}")

    subtitles = page.locator(".subtitles-editor")
    expect(subtitles.get_by_role("heading", name="Subtitles")).to_be_visible()
    expect(subtitles.get_by_text("No subtitles yet.")).to_be_visible()
    file_input = subtitles.get_by_label("Subtitle file (WebVTT or SRT)")
    # A file whose second cue starts before the first ends: refused, naming line 6.
    file_input.set_input_files(
        {"name": "harbour.srt", "mimeType": "application/x-subrip", "buffer": BAD_SRT}
    )
    subtitles.get_by_label("Language", exact=True).fill("en")
    subtitles.get_by_role("button", name="Upload subtitles").click()
    expect(subtitles.get_by_role("alert")).to_contain_text("Line 6:")
    assert not Subtitle.objects.filter(media=media).exists()

    file_input.set_input_files(
        {"name": "harbour.srt", "mimeType": "application/x-subrip", "buffer": GOOD_SRT}
    )
    subtitles.get_by_label("Language", exact=True).fill("en")
    subtitles.get_by_role("button", name="Upload subtitles").click()
    expect(subtitles.get_by_role("status")).to_have_text("Subtitles saved: English (en).")
    expect(subtitles.locator('li[data-language="en"]')).to_contain_text("English")
    expect(subtitles.get_by_role("button", name="Remove the English subtitles")).to_be_visible()

    chapters = page.locator(".chapters-editor")
    chapters.get_by_role("button", name="Add a chapter").click()
    chapters.get_by_label("Title of chapter 1").fill("Dawn")
    chapters.get_by_role("button", name="Add a chapter").click()
    chapters.get_by_label("Start of chapter 2").fill("0:30")  # past the 10 s clip
    chapters.get_by_label("Title of chapter 2").fill("Return")
    chapters.get_by_role("button", name="Save chapters").click()
    expect(chapters.get_by_role("alert")).to_contain_text("(entry 1)")
    expect(chapters.get_by_label("Start of chapter 2")).to_have_attribute("aria-invalid", "true")
    chapters.get_by_label("Start of chapter 2").fill("0:05")
    chapters.get_by_role("button", name="Save chapters").click()
    expect(chapters.get_by_role("status")).to_have_text("Chapters saved.")
    assert_axe_clean(page)
    save_screenshot(page, "edit-subtitles-chapters")
    # At 360 px wide nothing of either editor runs off the page.
    page.set_viewport_size({"width": 360, "height": 800})
    for editor in (".subtitles-editor", ".chapters-editor"):
        overflow = page.evaluate(
            "(sel) => { const el = document.querySelector(sel);"
            " const r = el.getBoundingClientRect();"
            " const out = [...el.querySelectorAll('*')].filter((c) => {"
            " const b = c.getBoundingClientRect(); return b.width && (b.right > r.right + 1"
            " || b.left < r.left - 1 || b.right > window.innerWidth); });"
            " return out.map((c) => c.outerHTML.slice(0, 80)); }",
            editor,
        )
        assert overflow == [], (editor, overflow)
    save_screenshot(page, "edit-subtitles-chapters-360")
    page.set_viewport_size({"width": 1280, "height": 800})

    answer = page.request.get(f"{base}/api/v1/media/{media.friendly_token}")
    detail = answer.json()
    assert detail["chapter_data"] == [
        {"start": 0.0, "title": "Dawn"},
        {"start": 5.0, "title": "Return"},
    ]
    [info] = detail["subtitles_info"]
    assert info["srclang"] == "en" and info["label"] == "English"

    # The watch page, as an anonymous viewer.
    viewer = new_page()
    viewer.goto(f"{base}/view?m={media.friendly_token}")
    track = viewer.locator(".player video track")
    expect(track).to_have_count(1)
    expect(track).to_have_attribute("srclang", "en")
    expect(track).to_have_attribute("src", info["src"])
    vtt = viewer.evaluate(
        "async (src) => { const r = await fetch(src); "
        "return [r.status, r.headers.get('content-type'), await r.text()]; }",
        info["src"],
    )
    assert vtt[0] == 200 and vtt[1].startswith("text/vtt"), vtt
    assert vtt[2].startswith("WEBVTT")
    assert "00:00:01.000 --> 00:00:04.000\nThe harbour at dawn" in vtt[2]

    # Captions on (the player's menu), the video at 2 s: the first cue is the one shown.
    viewer.get_by_label("Captions").select_option(label="English")
    viewer.evaluate(
        "() => { const v = document.querySelector('.player video'); v.muted = true; "
        "v.currentTime = 2; }"
    )
    viewer.wait_for_function(
        "() => { const t = document.querySelector('.player video').textTracks[0]; "
        "return t && t.mode === 'showing' && t.activeCues && t.activeCues.length === 1 "
        "&& t.activeCues[0].text === 'The harbour at dawn'; }",
        timeout=30_000,
    )
    save_screenshot(viewer, "watch-captions")
    # The second cue at its own time.
    viewer.evaluate("() => { document.querySelector('.player video').currentTime = 6; }")
    viewer.wait_for_function(
        "() => { const t = document.querySelector('.player video').textTracks[0]; "
        "return t.activeCues && t.activeCues.length === 1 "
        "&& t.activeCues[0].text === 'Fishermen return'; }",
        timeout=30_000,
    )


def test_a_word_said_only_in_the_subtitles_finds_the_media_on_the_search_page(
    live_server, new_page
):
    owner = UserFactory(is_verified_journalist=True)
    said = MediaFactory(user=owner, title="Morning bulletin", description="Port news.")
    MediaFactory(user=owner, title="Evening bulletin", description="Weather.")
    hidden = MediaFactory(user=owner, title="Draft bulletin", state=Media.State.PRIVATE)
    for media in (said, hidden):
        subtitle_set(
            media=media,
            by=owner,
            upload=SimpleUploadedFile("t.srt", GOOD_SRT),
            language="en",
        )
    page = new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("searchbox").first.fill("fishermen")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=fishermen")
    results = page.locator("main")
    expect(results.get_by_role("link", name="Morning bulletin").first).to_be_visible()
    expect(results.get_by_text("Evening bulletin")).to_have_count(0)
    expect(results.get_by_text("Draft bulletin")).to_have_count(0)
    assert_axe_clean(page)
