"""The edit page in a real Chromium (issue 16, point 1): the owner changes the title and the
description and sees them on the watch page (the link in the description marked as user
content); picks a thumbnail from the strip of frames the encoder made, then uploads a picture
(a file that is not one is refused on the page); axe-core finds nothing serious; a stranger
gets 404."""

import subprocess

import pytest
from django.core.files.storage import default_storage
from playwright.sync_api import expect

from media_app import storage
from media_app.models import Media
from tests.browser.a11y import assert_axe_clean, assert_keyboard_accessible
from tests.browser.conftest import log_in
from tests.encoding.clips import make_clip
from tests.encoding.conftest import encode_inline
from tests.factories import MediaFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def test_owner_edits_the_title_and_sees_it_on_the_watch_page(live_server, new_page):
    owner = UserFactory(is_verified_journalist=True)
    media = MediaFactory(user=owner, title="Harbour at dawn")
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/edit?m={media.friendly_token}")
    title = page.get_by_label("Title", exact=True)
    expect(title).to_have_value("Harbour at dawn")
    assert_axe_clean(page)

    title.fill("Harbour at dawn, the fishermen return")
    page.get_by_label("Description", exact=True).fill(
        "Filmed at 6 am. Tide tables: https://tides.example.org/harbour <b>not bold</b>"
    )
    page.get_by_label("Tags", exact=True).fill("harbour, fishing")
    page.get_by_label("Who may see it").select_option("unlisted")
    page.get_by_label("Language spoken or written").select_option("fr")  # search stems by it
    page.get_by_role("switch", name="Allow downloads").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    media.refresh_from_db()
    assert media.title == "Harbour at dawn, the fishermen return"
    assert media.state == "unlisted" and media.allow_download is False
    assert media.language == "fr" and media.search_document.config == "openpress_french"
    assert sorted(media.tags.values_list("title", flat=True)) == ["fishing", "harbour"]

    # A blank title is refused with the server's message; nothing changes.
    title.fill(" ")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("title")
    media.refresh_from_db()
    assert media.title == "Harbour at dawn, the fishermen return"

    page.get_by_role("link", name="Open the media page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Harbour at dawn, the fishermen return"
    )
    description = page.locator(".description")
    link = description.get_by_role("link", name="https://tides.example.org/harbour")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")
    expect(description).to_contain_text("<b>not bold</b>")
    expect(description.locator("b")).to_have_count(0)

    stranger = new_page()
    log_in(stranger, base, UserFactory().username, PASSWORD)
    assert stranger.goto(f"{base}/edit?m={media.friendly_token}").status == 404


def _read(name: str) -> bytes:
    with storage.open_read(name) as fh:
        return fh.read()


def test_owner_picks_a_frame_then_uploads_a_picture(live_server, new_page, tmp_path):
    owner = UserFactory(is_verified_journalist=True)
    clip = make_clip(tmp_path / "tide.mp4", size="320x240", seconds=6, audio=False)
    with open(clip, "rb") as fh:
        name = default_storage.save("original/te/tide.mp4", fh)
    media = MediaFactory(
        user=owner, title="Tide", media_file=name, duration=0, encoding_status="pending"
    )
    media = encode_inline(media)
    assert media.encoding_status == "success" and media.sprites_vtt
    poster_before = _read(media.poster.name)

    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/edit?m={media.friendly_token}")
    strip = page.get_by_role("group", name="Frames of the video")
    frames = strip.get_by_role("button")
    expect(frames.first).to_be_visible()
    assert frames.count() >= 3
    frames.last.click()
    expect(frames.last).to_have_attribute("aria-pressed", "true")
    chosen = float(page.get_by_label("Time of the frame (seconds)").input_value())
    assert chosen > 2
    assert_axe_clean(page)
    page.get_by_role("button", name="Use this frame").click()
    expect(page.get_by_role("status").filter(has_text="The thumbnail now shows")).to_be_visible()
    media.refresh_from_db()
    assert media.thumbnail_time == pytest.approx(chosen)
    poster_frame = _read(media.poster.name)
    assert poster_frame != poster_before
    expect(page.locator("img[data-current-thumbnail]")).to_be_visible()

    # A file that is not a picture: the server's refusal is shown, the poster stays.
    notes = tmp_path / "notes.png"
    notes.write_text("not a picture\n" * 40)
    page.get_by_label("Or upload a picture").set_input_files(str(notes))
    page.get_by_role("button", name="Use this picture").click()
    expect(page.get_by_role("alert")).to_contain_text("must be an image")
    assert _read(Media.objects.get(pk=media.pk).poster.name) == poster_frame

    picture = tmp_path / "cover.png"
    subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:s=320x240"),
            *("-frames:v", "1", str(picture)),
        ],
        check=True,
    )
    page.get_by_label("Or upload a picture").set_input_files(str(picture))
    expect(page.get_by_role("img", name="The picture you chose")).to_be_visible()
    page.get_by_role("button", name="Use this picture").click()
    expect(page.get_by_role("status").filter(has_text="now your picture")).to_be_visible()
    assert _read(Media.objects.get(pk=media.pk).poster.name) != poster_frame


def test_delete_asks_first(live_server, new_page):
    owner = UserFactory(is_verified_journalist=True)
    media = MediaFactory(user=owner, title="Old draft")
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/edit?m={media.friendly_token}")
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    # Every control by keyboard, from the top of the freshly loaded page.
    assert_keyboard_accessible(
        page, must_reach=["Title", "Description", "Use this frame", "Delete this media…"]
    )
    page.get_by_role("button", name="Delete this media").click()
    dialog = page.get_by_role("dialog", name="Delete “Old draft”?")
    expect(dialog).to_be_visible()
    assert_axe_clean(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Media.objects.filter(pk=media.pk).exists()
    page.get_by_role("button", name="Delete this media").click()
    dialog.get_by_role("button", name="Delete for good").click()
    page.wait_for_url(f"{base}/my-media")
    assert not Media.objects.filter(pk=media.pk).exists()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_studio_pages_hold_at_360_px_in_light_and_dark(live_server, chromium, scheme):
    owner = UserFactory(is_verified_journalist=True)
    media = MediaFactory(
        user=owner,
        title="A rather long title about the council's vote on the harbour budget",
        description="Sources: https://council.example.org/minutes/2026/11/harbour-budget-vote",
    )
    base = live_server.url
    context = chromium.new_context(viewport={"width": 360, "height": 740}, color_scheme=scheme)
    try:
        page = context.new_page()
        log_in(page, base, owner.username, PASSWORD)
        for path, ready in (
            (f"/edit?m={media.friendly_token}", "Save changes"),
            ("/my-media", None),
            ("/upload", None),
        ):
            page.goto(f"{base}{path}")
            if ready:
                expect(page.get_by_role("button", name=ready)).to_be_visible()
            else:
                expect(page.locator("#op-page > *").first).to_be_visible()
            if path == "/my-media":
                page.get_by_role("checkbox", name="Select all").check()
                expect(page.get_by_role("button", name="Apply to 1 selected")).to_be_visible()
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 360, f"{path} is {width}px wide at 360px ({scheme})"
            assert_axe_clean(page)
    finally:
        context.close()


def test_owner_replaces_the_file_and_keeps_the_address(live_server, new_page, tmp_path):
    owner = UserFactory(is_verified_journalist=True)
    media = MediaFactory(user=owner, title="Interview, first cut")
    token, before = media.friendly_token, media.media_file.name
    clip = make_clip(tmp_path / "second_cut.mp4", size="320x240", seconds=2, audio=False)
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/edit?m={token}")
    page.get_by_label("New file (video, audio, image or PDF)").set_input_files(str(clip))
    page.get_by_role("button", name="Replace the file").click()
    expect(page.get_by_role("status").filter(has_text="being encoded")).to_be_visible()
    media.refresh_from_db()
    assert media.friendly_token == token and media.media_file.name != before
    assert media.original_filename == "second_cut.mp4"
    assert media.encoding_status in ("pending", "running")
    assert page.url == f"{base}/edit?m={token}"
