"""Finding 5: pending uploads had no quota, and unreviewed uploads were encoded at once.

A fresh account could start twenty 4 GiB resumable uploads. Now the declared bytes of unfinished
uploads and the account's originals count against a per-account quota (larger for publishers),
upload creation is throttled, and encodes of unreviewed media wait behind everyone else's.
Real PostgreSQL, Redis and (for the order) a real Celery worker process.
"""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import urlparse

import pytest
import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu.transport.redis import PRIORITY_STEPS
from kombu.transport.redis import Channel as RedisChannel

from media_app import storage
from media_app.models import Media, ResumableUpload
from media_app.services.encoding import encoding_start
from media_app.services.uploads import spool_path
from media_app.tasks.pipeline import pipeline_start
from tests.conftest import client_for
from tests.encoding.clips import make_clip
from tests.factories import MediaFactory, UserFactory
from tests.workers import celery_worker, wait_for

GIB = 1024**3
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(20_000)


@pytest.fixture(autouse=True)
def _limits(settings):
    """The shipped defaults, set here so that an environment cannot change what is tested."""
    settings.UPLOAD_QUOTA_BYTES = 5 * GIB
    settings.UPLOAD_QUOTA_BYTES_VERIFIED = 200 * GIB
    settings.UPLOAD_MAX_PENDING = 5
    settings.UPLOAD_CREATE_RATE = "60/hour"
    settings.UPLOAD_CREATE_RATE_PER_CLIENT = "120/hour"


def _meta(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def _create(client, length: int, **extra):
    return client.post(
        "/api/v1/uploads/",
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=_meta(filename="clip.mp4"),
        **TUS,
        **extra,
    )


def _send_all(client, url: str, data: bytes):
    return client.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **TUS,
    )


def _multipart(client, content: bytes, name: str = "photo.png", **extra):
    return client.post(
        "/api/v1/media",
        {"media_file": SimpleUploadedFile(name, content)},
        format="multipart",
        **extra,
    )


def _stored_originals() -> list[str]:
    return [entry.name for entry in storage.list_prefix(storage.ORIGINALS)]


# --- the quota ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_twenty_4gib_uploads_from_a_fresh_account_stop_at_the_quota():
    fresh = UserFactory()
    client = client_for(fresh)
    answers = [_create(client, 4 * GIB) for _ in range(20)]

    assert [a.status_code for a in answers] == [201] + [413] * 19
    refused = answers[1]
    assert refused["Tus-Resumable"] == "1.0.0"
    body = refused.json()
    assert body["quota"] == 5 * GIB
    assert body["used"] == 4 * GIB  # the first upload's declared length, before any byte
    assert body["requested"] == 4 * GIB
    assert "quota" in body["detail"] and str(5 * GIB) in body["detail"]
    # Refused before anything was stored, and the accepted upload is untouched.
    assert ResumableUpload.objects.filter(user=fresh).count() == 1
    first = urlparse(answers[0]["Location"]).path
    head = client.head(first, **TUS)
    assert head.status_code == 200 and head["Upload-Length"] == str(4 * GIB)
    assert len(list(spool_path(ResumableUpload.objects.get()).parent.iterdir())) == 1


@pytest.mark.django_db
def test_pending_bytes_and_stored_originals_both_count(settings):
    settings.UPLOAD_QUOTA_BYTES = 10_000_000
    user = UserFactory()
    MediaFactory(user=user, size=4_000_000)
    client = client_for(user)

    assert _create(client, 5_000_000).status_code == 201  # 9 MB used now
    refused = _create(client, 2_000_000)
    assert refused.status_code == 413
    assert refused.json() | {"detail": ""} == {
        "detail": "",
        "quota": 10_000_000,
        "used": 9_000_000,
        "requested": 2_000_000,
    }
    assert _create(client, 1_000_000).status_code == 201  # exactly up to the quota fits


@pytest.mark.django_db
def test_a_verified_journalist_has_the_larger_quota_and_the_same_pending_cap(journalist):
    client = client_for(journalist)
    # Twenty GiB reserved: four times what an ordinary account may hold.
    assert [_create(client, 4 * GIB).status_code for _ in range(5)] == [201] * 5
    too_many = _create(client, 4 * GIB)
    assert too_many.status_code == 400
    assert too_many.json()["max_pending"] == 5 and too_many.json()["pending"] == 5
    assert "UPLOAD_MAX_PENDING" in too_many.json()["detail"]
    assert ResumableUpload.objects.filter(user=journalist).count() == 5


@pytest.mark.django_db
def test_finished_cancelled_and_deleted_uploads_free_the_quota(settings):
    settings.UPLOAD_QUOTA_BYTES = 2 * len(PNG) + 10
    settings.UPLOAD_MAX_PENDING = 1
    user = UserFactory()
    client = client_for(user)

    first = urlparse(_create(client, len(PNG))["Location"]).path
    assert _create(client, 1).status_code == 400  # one unfinished upload at a time
    done = _send_all(client, first, PNG)
    assert done.status_code == 204, done.content
    token = done["Upload-Media"]

    # Finished: counted once, through its media (not also as a pending upload), and no longer
    # unfinished.
    second = _create(client, len(PNG))
    assert second.status_code == 201
    assert _create(client, 1).status_code == 400  # the cap again: second is unfinished
    settings.UPLOAD_MAX_PENDING = 5
    assert _create(client, len(PNG)).status_code == 413  # media + second + this > quota

    # Cancelling (tus termination) frees the reserved bytes.
    assert client.delete(urlparse(second["Location"]).path, **TUS).status_code == 204
    assert _create(client, len(PNG)).status_code == 201
    assert _create(client, len(PNG)).status_code == 413

    # Deleting the media frees its bytes and takes its finished upload with it (a row left
    # behind would look unfinished and keep counting).
    assert client.delete(f"/api/v1/media/{token}").status_code == 204
    assert not ResumableUpload.objects.filter(pk=first.rstrip("/").rsplit("/", 1)[1]).exists()
    assert _create(client, len(PNG)).status_code == 201


@pytest.mark.django_db
def test_the_multipart_upload_counts_against_the_same_quota(settings):
    settings.UPLOAD_QUOTA_BYTES = 2 * len(PNG)
    user = UserFactory()
    client = client_for(user)

    assert _multipart(client, PNG).status_code == 201
    # The stored original counts against a tus creation...
    refused = _create(client, len(PNG) + 1)
    assert refused.status_code == 413 and refused.json()["used"] == len(PNG)
    # ...and a pending tus upload against a multipart one.
    assert _create(client, len(PNG) // 2).status_code == 201
    before = sorted(_stored_originals())
    over = _multipart(client, PNG, name="second.png")
    assert over.status_code == 413, over.content
    assert over.json()["quota"] == 2 * len(PNG)
    assert over.json()["used"] == len(PNG) + len(PNG) // 2
    assert over.json()["requested"] == len(PNG)
    assert Media.objects.filter(user=user).count() == 1
    assert sorted(_stored_originals()) == before  # nothing stored, nothing deleted


@pytest.mark.django_db
def test_a_multipart_body_declared_past_the_quota_is_refused_before_it_is_read(settings):
    settings.UPLOAD_QUOTA_BYTES = 1_000_000
    client = client_for(UserFactory())
    # The body is never parsed: the declared length alone is past the quota.
    big = client.generic(
        "POST",
        "/api/v1/media",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50_000_000),
    )
    assert big.status_code == 413
    assert big.json()["quota"] == 1_000_000 and big.json()["requested"] > 1_000_000


# --- one rule, one answer on every upload path (issue 16) -------------------------------------


def _start_upload(client, path: str):
    """Start an upload of PNG by ``path``: multipart POST, tus creation or a bucket upload."""
    if path == "multipart":
        return _multipart(client, PNG)
    if path == "tus":
        return _create(client, len(PNG))
    return client.post("/api/v1/uploads/s3", {"filename": "p.png", "size": len(PNG)}, format="json")


UPLOAD_PATHS = ["multipart", "tus", "s3"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", UPLOAD_PATHS)
def test_the_media_count_limit_is_the_same_403_on_every_upload_path(path, request, settings):
    if path == "s3":
        request.getfixturevalue("s3_media")  # direct uploads exist in S3 mode only
    settings.UPLOADS_PER_USER = 2
    user = UserFactory()
    MediaFactory.create_batch(2, user=user)
    before = sorted(_stored_originals())

    refused = _start_upload(client_for(user), path)

    # MediaCMS answers 403 past NUMBER_OF_MEDIA_USER_CAN_UPLOAD; the body names the numbers.
    assert refused.status_code == 403, refused.content
    assert refused.json() == {
        "detail": "You have reached the limit of 2 uploads (UPLOADS_PER_USER): you have 2 "
        "media. Delete media to upload more.",
        "uploads": 2,
        "max_uploads": 2,
    }
    assert Media.objects.filter(user=user).count() == 2
    assert not ResumableUpload.objects.filter(user=user).exists()
    assert sorted(_stored_originals()) == before
    # One media fewer, and the same path takes the upload.
    Media.objects.filter(user=user).first().delete()
    assert _start_upload(client_for(user), path).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("path", UPLOAD_PATHS)
def test_the_byte_quota_is_the_same_413_on_every_upload_path(path, request, settings):
    if path == "s3":
        request.getfixturevalue("s3_media")
    settings.UPLOAD_QUOTA_BYTES = len(PNG) + 10
    user = UserFactory()
    MediaFactory(user=user, size=100)

    refused = _start_upload(client_for(user), path)

    assert refused.status_code == 413, refused.content
    body = refused.json()
    assert body | {"detail": ""} == {
        "detail": "",
        "quota": len(PNG) + 10,
        "used": 100,
        "requested": len(PNG),
    }
    assert body["detail"].startswith("Upload quota exceeded: your quota is")


@pytest.mark.django_db
def test_a_tus_upload_finished_after_the_account_filled_up_gets_the_same_403(settings):
    settings.UPLOADS_PER_USER = 2
    user = UserFactory()
    MediaFactory(user=user)
    client = client_for(user)
    created = _create(client, len(PNG))
    assert created.status_code == 201
    MediaFactory(user=user)  # made meanwhile (another tab): the account is full now

    finished = _send_all(client, urlparse(created["Location"]).path, PNG)

    assert finished.status_code == 403, finished.content
    assert finished.json()["uploads"] == 2 and finished.json()["max_uploads"] == 2
    assert Media.objects.filter(user=user).count() == 2


# --- the upload-creation throttle ---------------------------------------------------------------


@pytest.mark.django_db
def test_upload_creation_is_throttled_per_account_with_retry_after(settings):
    settings.UPLOAD_CREATE_RATE = "3/hour"
    user = UserFactory()
    client = client_for(user)
    first = _create(client, 10)
    assert first.status_code == 201
    assert _multipart(client, PNG).status_code == 201  # multipart uploads share the budget
    assert _create(client, 10).status_code == 201

    throttled = _create(client, 10)
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 3600
    assert "Too many uploads" in throttled.json()["detail"]
    assert _multipart(client, PNG).status_code == 429
    # Only starting uploads is throttled: the ones under way go on.
    url = urlparse(first["Location"]).path
    assert client.head(url, **TUS).status_code == 200
    # Another account is not affected.
    assert _create(client_for(UserFactory()), 10).status_code == 201


@pytest.mark.django_db
def test_upload_creation_is_throttled_per_client_address(settings):
    settings.UPLOAD_CREATE_RATE_PER_CLIENT = "2/hour"
    addr = {"REMOTE_ADDR": "203.0.113.7"}
    assert _create(client_for(UserFactory()), 10, **addr).status_code == 201
    assert _create(client_for(UserFactory()), 10, **addr).status_code == 201
    # A third fresh account from the same address: its own budget is untouched, the address's
    # is spent.
    third = _create(client_for(UserFactory()), 10, **addr)
    assert third.status_code == 429 and int(third["Retry-After"]) > 0
    assert _create(client_for(UserFactory()), 10, REMOTE_ADDR="198.51.100.9").status_code == 201


# --- encode order --------------------------------------------------------------------------------


def _broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _key(queue: str, step: int) -> str:
    return f"{queue}{RedisChannel.sep}{step}" if step else queue


def _waiting(queue: str = "long_tasks") -> list[tuple[str, list, int, str]]:
    """(task, args, priority, Redis list) of each message, in the order a worker takes them."""
    found = []
    for step in PRIORITY_STEPS:
        for raw in reversed(_broker().lrange(_key(queue, step), 0, -1)):  # oldest first
            message = json.loads(raw)
            args = json.loads(base64.b64decode(message["body"]))[0]
            priority = message["properties"].get("priority") or 0
            found.append((message["headers"]["task"], args, priority, _key(queue, step)))
    return found


def _purge(queue: str = "long_tasks") -> None:
    _broker().delete(*(_key(queue, step) for step in PRIORITY_STEPS))


@pytest.mark.django_db
def test_an_unreviewed_upload_is_queued_behind_a_journalists(
    journalist, django_capture_on_commit_callbacks
):
    _purge()
    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert _multipart(client_for(newcomer), PNG).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        assert _multipart(client_for(journalist), PNG, name="j.png").status_code == 201
    theirs = Media.objects.get(user=newcomer)
    ours = Media.objects.get(user=journalist)

    # Queued second, taken first: the unreviewed encode sits in the lowest priority list.
    assert [(task, args, pri) for task, args, pri, _ in _waiting()] == [
        ("encoding.media_encode", [ours.pk], 0),
        ("encoding.media_encode", [theirs.pk], 9),
    ]
    assert len(_broker().lrange("long_tasks", 0, -1)) == 1  # only the journalist's
    _purge()


@pytest.mark.django_db
@pytest.mark.slow
@pytest.mark.parametrize("chunked", [False, True], ids=["ladder", "chunks"])
def test_every_later_step_of_an_unreviewed_encode_keeps_the_low_priority(
    chunked, settings, tmp_path
):
    if chunked:
        settings.ENCODE_CHUNK_THRESHOLD_SECONDS = 1
        settings.ENCODE_CHUNK_SECONDS = 1
    clip = make_clip(tmp_path / "c.mp4", size="320x240", seconds=3)
    with open(clip, "rb") as fh:
        stored = default_storage.save("original/te/c.mp4", fh)
    media = MediaFactory(
        user=UserFactory(),
        is_reviewed=False,
        state=Media.State.PRIVATE,
        media_file=stored,
        duration=0,
        encoding_status=Media.EncodingStatus.PENDING,
    )
    _purge()
    pipeline_start(media_id=media.pk)  # the body of encoding.media_encode, run here

    waiting = _waiting()
    expected = {"encoding.chunk", "encoding.audio_track"} if chunked else {"encoding.ladder"}
    assert {task for task, *_ in waiting} == expected
    assert {pri for _, _, pri, _ in waiting} == {9}
    assert all(key != "long_tasks" for *_, key in waiting)
    if chunked:
        # The chord's join, sent later by whichever worker ends the last chunk, carries it too.
        raw = _broker().lrange(_key("long_tasks", 9), 0, 0)[0]
        embed = json.loads(base64.b64decode(json.loads(raw)["body"]))[2]
        assert embed["chord"]["task"] == "encoding.join"
        assert embed["chord"]["options"]["priority"] == 9
    _purge()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_takes_the_journalists_encode_before_an_earlier_unreviewed_one(journalist):
    # Files missing from storage: each encode starts (stamping encoding_started_at) and fails
    # at once, so the worker's order is all this measures.
    unreviewed = MediaFactory(
        user=UserFactory(),
        is_reviewed=False,
        state=Media.State.PRIVATE,
        encoding_status=Media.EncodingStatus.PENDING,
        encoding_started_at=None,
    )
    reviewed = MediaFactory(
        user=journalist, encoding_status=Media.EncodingStatus.PENDING, encoding_started_at=None
    )
    from openpress.celery import app

    app.control.purge()
    encoding_start(media_id=unreviewed.pk)  # queued first
    encoding_start(media_id=reviewed.pk)
    with celery_worker(queues="long_tasks", name="quota-order", purge=False):

        def both_started():
            rows = Media.objects.filter(pk__in=[unreviewed.pk, reviewed.pk])
            stamps = dict(rows.values_list("pk", "encoding_started_at"))
            return stamps if all(stamps.values()) else None

        stamps = wait_for(both_started, timeout=60, message="both encodes to start")
    assert stamps[reviewed.pk] < stamps[unreviewed.pk]
