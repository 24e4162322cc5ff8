"""POST /api/v1/media in S3 mode: the file streams to the bucket part by part (issue 14, point 2).

Neither memory nor a temporary file holds the body: measured on a live server in this process
(the peak RSS, VmHWM, reset before the request) with the upload sent by curl from another
process, and with FILE_UPLOAD_TEMP_DIR pointing nowhere, so that any temporary file would fail
the request.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media_app import storage
from media_app.models import Media
from tests.api._people import make_token
from tests.conftest import client_for

MIB = 1024 * 1024
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _no_temporary_files(settings, tmp_path):
    """In S3 mode no upload goes through a temporary file: its folder does not exist, so one
    would fail the request."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "no-such-folder")


def png(size: int) -> bytes:
    return PNG_HEAD + os.urandom(size - len(PNG_HEAD))


def upload(client, content: bytes, name: str = "harbour.png", **fields):
    return client.post(
        "/api/v1/media",
        {"media_file": SimpleUploadedFile(name, content), **fields},
        format="multipart",
    )


def bucket_state(bucket: str) -> tuple[list[str], list[str]]:
    client = storage.s3_client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    uploads = [u["Key"] for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    return keys, uploads


@pytest.mark.django_db
def test_a_file_in_several_parts_lands_in_the_bucket_under_our_name(s3_media, s3_bucket, user):
    data = png(19 * MIB)  # three 8 MiB parts, the last 3 MiB
    response = upload(client_for(user), data, name="../../etc/passwd.png", title="Harbour")
    assert response.status_code == 201, response.content
    media = Media.objects.get(friendly_token=response.json()["friendly_token"])
    assert media.media_type == "image" and media.size == len(data)
    assert media.title == "Harbour" and "passwd" not in media.media_file.name
    assert media.media_file.name == storage.original_name(media.uid, "png")
    assert bucket_state(s3_bucket) == ([media.media_file.name], [])
    assert media.media_file.read() == data


@pytest.mark.django_db
def test_a_small_file_is_one_part(s3_media, s3_bucket, user):
    data = png(5000)  # shorter than the bytes sniffed
    response = upload(client_for(user), data)
    assert response.status_code == 201, response.content
    media = Media.objects.get(friendly_token=response.json()["friendly_token"])
    assert media.media_file.read() == data


@pytest.mark.django_db
def test_not_media_is_refused_with_the_same_message_and_nothing_stored(s3_media, s3_bucket, user):
    text = b"just some notes, not a video\n" * 400_000  # 11 MiB
    response = upload(client_for(user), text, name="notes.mp4")
    assert response.status_code == 400
    assert response.json()["detail"] == "The file is not a video, audio, image or PDF."
    assert bucket_state(s3_bucket) == ([], [])
    assert not Media.objects.exists()


@pytest.mark.django_db
def test_too_large_stops_the_stream_and_leaves_nothing(s3_media, s3_bucket, user, settings):
    settings.UPLOAD_MAX_SIZE = 10 * MIB
    response = upload(client_for(user), png(12 * MIB))
    assert response.status_code == 413
    assert "larger than the limit of 10485760 bytes" in response.json()["detail"]
    assert bucket_state(s3_bucket) == ([], [])


@pytest.mark.django_db
def test_a_refused_form_deletes_the_object_already_streamed(s3_media, s3_bucket, user):
    response = upload(client_for(user), png(9 * MIB), state="everyone")
    assert response.status_code == 400 and "state" in response.json()
    assert bucket_state(s3_bucket) == ([], [])
    assert not Media.objects.exists()


def _peak_rss_during(fn) -> tuple[int, int]:
    """(RSS before, peak RSS during ``fn``) of this process, in bytes (Linux: VmHWM reset)."""

    def status(field: str) -> int:
        text = Path("/proc/self/status").read_text()
        return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024

    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from the current RSS
    before = status("VmRSS")
    fn()
    return before, status("VmHWM")


@pytest.mark.django_db(transaction=True)
def test_a_64_mib_upload_holds_neither_memory_nor_a_temporary_file(
    s3_media, s3_bucket, live_server, settings, tmp_path
):
    from tests.factories import UserFactory

    user = UserFactory(is_verified_journalist=True)
    key = make_token(user)
    source = tmp_path / "big.png"
    with source.open("wb") as fh:
        fh.write(PNG_HEAD)
        for _ in range(64):
            fh.write(os.urandom(MIB))
    size = source.stat().st_size
    warm_up = tmp_path / "small.png"
    warm_up.write_bytes(png(9 * MIB))
    answer = {}

    def send(path=source):
        # curl streams the file from disk: the client's memory is not this process's.
        done = subprocess.run(
            [
                "curl",
                "-sS",
                "-H",
                f"Authorization: Token {key}",
                "-F",
                f"media_file=@{path}",
                "-F",
                "title=Big",
                "-w",
                "\n%{http_code}",
                f"{live_server.url}/api/v1/media",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        body, code = done.stdout.rsplit("\n", 1)
        answer.update(code=int(code), body=body)

    # First a smaller upload, so that what the first request loads (modules, the S3 client,
    # the server thread) is not counted as the cost of the big one.
    send(warm_up)
    assert answer["code"] == 201, answer["body"]
    before, peak = _peak_rss_during(send)
    assert answer["code"] == 201, answer["body"]
    media = Media.objects.get(friendly_token=json.loads(answer["body"])["friendly_token"])
    assert media.size == size
    head = storage.s3_client().head_object(Bucket=s3_bucket, Key=media.media_file.name)
    assert head["ContentLength"] == size
    growth = peak - before
    print(f"64 MiB upload: RSS {before / MIB:.0f} MiB before, peak growth {growth / MIB:.1f} MiB")
    # One 8 MiB part buffered plus the copy boto3 sends: far below the file's 64 MiB.
    assert growth < 32 * MIB, f"peak RSS grew by {growth / MIB:.1f} MiB"
