"""The player's quality menu in a real Chromium, on a media encoded to two renditions."""

import re

import pytest
from playwright.sync_api import expect

from tests.encoding.clips import make_clip
from tests.encoding.conftest import encode_inline, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_viewer_picks_a_quality_and_goes_back_to_auto(live_server, new_page, tmp_path):
    # 640x360 gives the 240p and 360p rungs; encoded here, in the test's process.
    media = encode_inline(upload(make_clip(tmp_path / "two-rungs.mp4", size="640x360", seconds=30)))
    assert media.encoding_status == media.EncodingStatus.SUCCESS

    page = new_page()
    page.goto(f"{live_server.url}/view?m={media.friendly_token}")
    player = page.locator(".player")
    expect(player).to_have_attribute("data-engine", "hls.js")
    menu = page.get_by_label("Quality")
    expect(menu.locator("option")).to_have_text([re.compile(r"^Auto"), "360p", "240p"])

    # It plays while the quality changes (a paused picture keeps its size); the clip is long
    # enough that both switches happen well before its end.
    player.focus()
    page.keyboard.press("k")
    menu.select_option(label="240p")
    expect(player).to_have_attribute("data-quality", "240p")
    expect(page.locator(".player-status")).to_have_text("Playing 240p")
    # hls.js really plays that rendition: its segments are fetched and the picture is 240 high.
    page.wait_for_function(
        "() => document.querySelector('.player video').videoHeight === 240", timeout=30_000
    )

    menu.select_option(label="360p")
    expect(player).to_have_attribute("data-quality", "360p")
    page.wait_for_function(
        "() => document.querySelector('.player video').videoHeight === 360", timeout=30_000
    )

    menu.select_option(index=0)
    expect(page.locator(".player-status")).to_have_text(re.compile(r"^Playing \d+p \(auto\)$"))
