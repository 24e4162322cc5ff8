"""My media and the upload page in a real Chromium (issue 16, point 5): select three items and
change their visibility in one go, add them to a playlist, retry a failed encode and delete one
after confirming; upload three generated files at once and type their titles while they
upload; axe-core on /my-media and /upload."""

import pytest
from playwright.sync_api import expect

from media_app.models import Media
from tests.browser.a11y import assert_axe_clean, assert_keyboard_accessible
from tests.browser.conftest import log_in
from tests.encoding.clips import make_clip
from tests.factories import MediaFactory, PlaylistFactory, UserFactory
from tests.workers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def test_bulk_visibility_playlist_retry_and_delete(live_server, new_page):
    owner = UserFactory(is_verified_journalist=True)
    items = [MediaFactory(user=owner, title=f"Council vote {i}") for i in range(3)]
    failed = MediaFactory(
        user=owner,
        title="Broken upload",
        encoding_status="fail",
        encoding_fail_reason="The file holds no video or audio stream.",
    )
    playlist = PlaylistFactory(user=owner, title="Council")
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/my-media")
    expect(page.locator(".fail-reason")).to_have_text("The file holds no video or audio stream.")
    # Every control by keyboard, from the top of the freshly loaded page.
    assert_keyboard_accessible(
        page, must_reach=["Select all", "Select Council vote 1", "Retry Broken upload"]
    )
    for media in items:
        page.get_by_role("checkbox", name=f"Select {media.title}").check()
    bar = page.get_by_role("region", name="3 selected")
    expect(bar).to_be_visible()
    assert_axe_clean(page)
    bar.get_by_label("Action").select_option("set_state")
    bar.get_by_label("Visibility").select_option("private")
    bar.get_by_role("button", name="Apply to 3 selected").click()
    expect(page.get_by_role("status").filter(has_text="3 changed")).to_be_visible()
    states = Media.objects.filter(pk__in=[m.pk for m in items]).values_list("state", flat=True)
    assert set(states) == {"private"}
    assert Media.objects.get(pk=failed.pk).state == "public"
    for media in items:
        expect(page.locator(f'tr[data-token="{media.friendly_token}"]')).to_have_attribute(
            "data-state", "private"
        )

    # Select all, then add everything to a playlist.
    page.get_by_role("checkbox", name="Select all").check()
    bar = page.get_by_role("region", name="4 selected")
    bar.get_by_label("Action").select_option("add_to_playlist")
    bar.get_by_label("Playlist").select_option(label="Council")
    bar.get_by_role("button", name="Apply to 4 selected").click()
    expect(page.get_by_role("status").filter(has_text="4 changed")).to_be_visible()
    assert playlist.items.count() == 4

    # The failed encode: retry from its row.
    page.get_by_role("button", name="Retry Broken upload").click()
    expect(page.get_by_role("status").filter(has_text="will be encoded again")).to_be_visible()
    assert Media.objects.get(pk=failed.pk).encoding_status in ("pending", "running")

    # Delete in bulk, after confirming in the dialog.
    page.get_by_role("checkbox", name=f"Select {items[0].title}").check()
    bar = page.get_by_role("region", name="1 selected")
    bar.get_by_label("Action").select_option("delete_media")
    bar.get_by_role("button", name="Apply to 1 selected").click()
    dialog = page.get_by_role("dialog", name="Delete 1 media?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Delete for good").click()
    expect(page.locator(f'tr[data-token="{items[0].friendly_token}"]')).to_have_count(0)
    assert not Media.objects.filter(pk=items[0].pk).exists()


def test_my_media_pages_through_a_long_archive(live_server, new_page):
    owner = UserFactory(is_verified_journalist=True)
    MediaFactory.create_batch(53, user=owner)
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, PASSWORD)
    page.goto(f"{base}/my-media")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(50)
    pager = page.get_by_role("navigation", name="Pages of your media")
    expect(pager.get_by_role("button", name="Previous page")).to_be_disabled()
    pager.get_by_role("button", name="Next page").click()
    expect(pager).to_contain_text("Page 2")
    expect(rows).to_have_count(3)
    expect(pager.get_by_role("button", name="Next page")).to_be_disabled()
    # Emptying the last page (here: a bulk delete) falls back to the page before.
    page.get_by_role("checkbox", name="Select all").check()
    bar = page.get_by_role("region", name="3 selected")
    bar.get_by_label("Action").select_option("delete_media")
    bar.get_by_role("button", name="Apply to 3 selected").click()
    page.get_by_role("dialog", name="Delete 3 media?").get_by_role(
        "button", name="Delete for good"
    ).click()
    expect(rows).to_have_count(50)
    expect(pager).to_be_hidden()  # 50 left: one page
    assert Media.objects.filter(user=owner).count() == 50


def test_bulk_upload_with_titles_typed_while_uploading(live_server, new_page, tmp_path):
    owner = UserFactory(is_verified_journalist=True)
    clips = [
        make_clip(tmp_path / f"clip_{i}.mp4", size="320x240", seconds=1 + i, audio=False)
        for i in range(3)
    ]
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, PASSWORD)

    # Slow the file's bytes down so the titles really are typed while the uploads run.
    def slow(route):
        if route.request.method == "PATCH":
            page.wait_for_timeout(1500)
        route.continue_()

    page.route("**/api/v1/uploads/**", slow)
    page.goto(f"{base}/upload")
    assert_axe_clean(page)
    page.get_by_label("Choose files to upload").set_input_files([str(c) for c in clips])
    rows = page.locator("li.upload")
    expect(rows).to_have_count(3)
    titles = ["Vote count, hall A", "Vote count, hall B", "Mayor's statement"]
    typed_while = []
    for i, title in enumerate(titles):
        row = rows.filter(has_text=f"clip_{i}.mp4")
        field = row.get_by_label("Title")
        field.fill(title)
        typed_while.append(row.get_attribute("data-status"))
        field.press("Enter")
    assert "done" not in typed_while, typed_while  # typed while the files upload
    for i in range(3):
        expect(rows.filter(has_text=f"clip_{i}.mp4")).to_have_attribute(
            "data-status", "done", timeout=30_000
        )
    assert_axe_clean(page)
    wait_for(
        lambda: Media.objects.filter(user=owner, title__in=titles).count() == 3 or None,
        timeout=20,
        message="the three titles to be saved",
    )
    for i, title in enumerate(titles):
        media = Media.objects.get(user=owner, title=title)
        assert media.original_filename == f"clip_{i}.mp4"
