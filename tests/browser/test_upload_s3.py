"""S3 mode in a real Chromium: the upload page sends the file straight to the bucket (S3
multipart to presigned part URLs), survives a reload half-way, and the app server never holds
the file (issue 14, point 2; docs/storage.md "Direct upload")."""

import hashlib
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from media_app.models import Media, ResumableUpload
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024
PART = 5 * MiB  # S3's smallest part, so that 41 MiB make 9 parts
PASSWORD = "correct horse battery"


def allow_browser_uploads(client, bucket: str, origin: str) -> None:
    """The bucket's CORS rule for the site's origin: PUT parts, read their ETag."""
    client.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["PUT", "GET", "HEAD"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )


def big_video(clip: Path, folder: Path, size: int) -> Path:
    """A real MP4 (so the server's sniff of the first bytes accepts it) padded with random bytes
    to ``size``: every part differs, so a part sent twice or in the wrong place would show."""
    path = folder / "council-meeting.mp4"
    with path.open("wb") as out:
        out.write(clip.read_bytes())
        while out.tell() < size:
            out.write(os.urandom(min(MiB, size - out.tell())))
    return path


def poll(page, predicate, *, timeout: float, message: str):
    """``wait_for`` that lets Playwright work between tries: its sync API runs route handlers
    and events only while the test calls into it, so a plain sleep would stall the page."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        page.wait_for_timeout(200)
    return result


def files_holding(folders: list[Path], sample: bytes, since: float) -> list[Path]:
    """Files under ``folders`` written since ``since`` that contain ``sample``."""
    found = []
    for folder in folders:
        for path in folder.rglob("*") if folder.exists() else []:
            if path.is_file() and path.stat().st_mtime >= since and sample in path.read_bytes():
                found.append(path)
    return found


def test_a_browser_upload_goes_straight_to_the_bucket_and_resumes_after_a_reload(
    s3_media, s3_bucket, live_server, new_page, clip, tmp_path, settings
):
    started = time.time()
    settings.UPLOAD_S3_PART_SIZE = PART
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-temp")  # where Django spools bodies
    Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir()
    client = s3_media.client()
    base = live_server.url
    allow_browser_uploads(client, s3_bucket, base)
    video = big_video(clip, tmp_path, 41 * MiB)
    content = video.read_bytes()
    person = UserFactory()

    page = new_page()
    # The largest request body the browser sends to the site itself (the bucket is elsewhere).
    to_site = [0]
    page.on(
        "request",
        lambda request: (
            to_site.append(len(request.post_data_buffer or b""))
            if request.url.startswith(base)
            else None
        ),
    )
    log_in(page, base, person.username, PASSWORD)
    # Parts from the third on get no answer, as if the connection were slow: the reload below
    # then happens with some parts in the bucket and the rest not.
    held = []

    def hold_late_parts(route):
        number = int(parse_qs(urlparse(route.request.url).query)["partNumber"][0])
        if number <= 2:
            route.continue_()
        else:
            held.append(number)

    bucket_parts = re.compile(rf"^{re.escape(s3_media.endpoint)}/.*[?&]partNumber=\d+")
    page.route(bucket_parts, hold_late_parts)
    page.goto(f"{base}/upload")
    expect(page.locator(".upload-page")).to_have_attribute("data-uploader", "s3")
    page.get_by_label("Choose files to upload").set_input_files(str(video))

    upload = poll(
        page,
        lambda: ResumableUpload.objects.exclude(s3_upload_id="").filter(user=person).first(),
        timeout=20,
        message="the upload to be created",
    )

    def in_bucket():
        answer = client.list_parts(
            Bucket=s3_bucket, Key=upload.s3_key, UploadId=upload.s3_upload_id
        )
        return [part["PartNumber"] for part in answer.get("Parts", [])]

    poll(page, lambda: len(in_bucket()) >= 1, timeout=30, message="a part in the bucket")
    poll(page, lambda: held, timeout=30, message="later parts on their way")
    assert in_bucket() != list(range(1, 10))

    # Reload half-way: the page forgets the file, the browser keeps the upload's id. The held
    # parts are dropped with the page (unrouting first would let them through).
    page.reload()
    page.unroute(bucket_parts)
    expect(page.locator(".upload-page")).to_have_attribute("data-uploader", "s3")
    unfinished = page.get_by_role("region", name="Unfinished uploads")
    expect(unfinished).to_contain_text("council-meeting.mp4")
    before = in_bucket()
    sent_again = []
    page.on(
        "request",
        lambda request: (
            sent_again.append(int(parse_qs(urlparse(request.url).query)["partNumber"][0]))
            if bucket_parts.match(request.url) and request.method == "PUT"
            else None
        ),
    )
    page.get_by_label("Choose files to upload").set_input_files(str(video))
    row = page.locator("li.upload", has_text="council-meeting.mp4")
    expect(row).to_have_attribute("data-status", "done", timeout=120_000)
    expect(unfinished).to_be_hidden()

    # The same upload went on: the parts already in the bucket were not sent again.
    assert ResumableUpload.objects.exclude(s3_upload_id="").filter(user=person).count() == 1
    assert before and not set(before) & set(sent_again)
    assert sorted(set(before) | set(sent_again)) == list(range(1, 10))

    # The media exists and its original in the bucket is the file, byte for byte.
    media = Media.objects.get(user=person)
    expect(row.get_by_role("link", name="open it")).to_have_attribute(
        "href", f"/view?m={media.friendly_token}"
    )
    stored = client.get_object(Bucket=s3_bucket, Key=media.media_file.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(content).hexdigest()

    # Nothing of the file went through the app server: no big request body, nothing on disk.
    assert max(to_site) < 64 * 1024
    sample = content[20 * MiB : 20 * MiB + 4096]
    assert (
        files_holding(
            [Path(settings.MEDIA_ROOT), Path(settings.FILE_UPLOAD_TEMP_DIR)], sample, started
        )
        == []
    )
