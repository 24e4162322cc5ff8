"""The API layer under the pages (issue 16) seen from a real Chromium: the upload quota's one
answer reaches the person on the upload page, and the watch page plays a really encoded clip
whose detail answer (``hls_info``) was built from the database, with no storage read."""

import traceback

import pytest
from django.core.files.storage import Storage
from playwright.sync_api import expect

from media_app import delivery
from media_app.models import Media
from tests.browser.conftest import log_in
from tests.encoding.clips import make_clip
from tests.encoding.conftest import encode_inline, upload
from tests.factories import MediaFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
TIME = "document.querySelector('.player video').currentTime"


def test_a_full_account_is_told_the_upload_limit_on_the_upload_page(
    live_server, new_page, clip, settings
):
    settings.UPLOADS_PER_USER = 1
    person = UserFactory()
    MediaFactory(user=person)
    page = new_page()
    log_in(page, live_server.url, person.username, PASSWORD)
    page.goto(f"{live_server.url}/upload")
    page.get_by_label("Choose files to upload").set_input_files(str(clip))

    refused = page.locator("li.upload", has_text=clip.name)
    expect(refused).to_have_attribute("data-status", "failed")
    # The server's own sentence (403, the same on every upload path), not a generic failure.
    expect(refused.get_by_role("alert")).to_contain_text("You have reached the limit of 1 upload")
    assert Media.objects.filter(user=person).count() == 1


def test_the_watch_page_plays_from_hls_info_built_without_reading_storage(
    live_server, new_page, tmp_path
):
    media = encode_inline(upload(make_clip(tmp_path / "quay.mp4", size="320x240", seconds=6)))
    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    page = new_page()
    details = []
    page.on(
        "response",
        lambda r: details.append(r) if f"/api/v1/media/{media.friendly_token}" in r.url else None,
    )
    # Storage reads made while the API answers (a frame of media_app/api on the stack); the
    # media view that serves the playlists and segments the player fetches next may read.
    opened: list = []
    original_open, original_read = Storage.open, delivery.read_object

    def in_api() -> bool:
        return any("/media_app/api/" in frame.filename for frame in traceback.extract_stack())

    def counting_open(self, name, *args, **kwargs):
        if in_api():
            opened.append(name)
        return original_open(self, name, *args, **kwargs)

    def counting_read(name, *args, **kwargs):
        if in_api():
            opened.append(name)
        return original_read(name, *args, **kwargs)

    Storage.open, delivery.read_object = counting_open, counting_read
    try:
        page.goto(f"{live_server.url}/view?m={media.friendly_token}")
        page.wait_for_function("() => document.querySelector('.player video') !== null")
        assert details, "the watch page never asked for the media's detail"
        hls = details[0].json()["hls_info"]
        assert set(hls) == {"master_file", "240_playlist"}
        assert opened == []
        page.evaluate(
            "() => { const v = document.querySelector('.player video'); v.muted = true; v.play(); }"
        )
        page.wait_for_function(f"() => {TIME} > 1", timeout=20_000)
    finally:
        Storage.open, delivery.read_object = original_open, original_read
