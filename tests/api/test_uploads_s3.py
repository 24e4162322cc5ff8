"""Direct uploads to the bucket (/api/v1/uploads/s3, S3 mode) against the real S3 server.

The parts go up as a browser sends them: plain HTTP PUTs (urllib, no boto3) to the presigned
URLs the API hands out. Every refusal is a 4xx that says why and leaves the user's other
uploads as they were.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from media_app import storage
from media_app.models import Media, ResumableUpload
from media_app.selectors.uploads import upload_usage
from media_app.services.uploads_s3 import s3_uploads_reap
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/uploads/s3"
MIB = 1024 * 1024
PART = 5 * MIB
# A PNG as far as sniffing goes (signature and IHDR header), 11 MiB: three parts of 5 MiB.
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def png(size: int = 11 * MIB) -> bytes:
    return PNG_HEAD + os.urandom(size - len(PNG_HEAD))


@pytest.fixture
def s3(s3_media, settings):
    settings.UPLOAD_S3_PART_SIZE = PART
    return s3_media


def put(url: str, body: bytes) -> tuple[int, str]:
    """PUT a part as a browser does: (status, ETag); status 0 when S3 cut the connection."""
    assert url.startswith(("http://", "https://")), url
    request = urllib.request.Request(url, data=body, method="PUT")  # noqa: S310 - checked above
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.headers["ETag"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError) as exc:
        # S3 refuses a bad signature before reading the body and closes the connection.
        return 0, str(exc)


def create(client, size: int, *, filename="harbour.png", content_type="image/png"):
    response = client.post(
        API, {"filename": filename, "size": size, "content_type": content_type}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def sign(client, upload: str, number) -> str:
    response = client.post(f"{API}/{upload}/parts/{number}")
    assert response.status_code == 200, response.content
    assert response.json()["headers"] == {}
    return response.json()["url"]


def send_part(client, upload: str, data: bytes, number: int) -> str:
    chunk = data[(number - 1) * PART : number * PART]
    status, etag = put(sign(client, upload, number), chunk)
    assert status == 200, etag
    return etag


def complete(client, upload: str, parts: list[dict], **fields):
    return client.post(f"{API}/{upload}/complete", {"parts": parts, **fields}, format="json")


def bucket_keys(s3_bucket) -> list[str]:
    listed = storage.s3_client().list_objects_v2(Bucket=s3_bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def multipart_uploads(s3_bucket) -> list[dict]:
    return storage.s3_client().list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])


# --- capability ---------------------------------------------------------------------------------


def test_settings_say_uploads_go_to_the_bucket(s3, user, settings):
    response = client_for(user).get(API)
    assert response.status_code == 200
    assert response.json() == {
        "enabled": True,
        "part_size": PART,
        "max_size": settings.UPLOAD_MAX_SIZE,
    }


@pytest.mark.filesystem
def test_filesystem_mode_says_off_and_refuses(user):
    client = client_for(user)
    assert client.get(API).json()["enabled"] is False
    for response in (
        client.post(API, {"filename": "a.png", "size": 10}, format="json"),
        client.post(f"{API}/{uuid.uuid4()}/parts/1"),
        client.get(f"{API}/{uuid.uuid4()}/parts"),
        client.post(f"{API}/{uuid.uuid4()}/complete", {"parts": []}, format="json"),
        client.delete(f"{API}/{uuid.uuid4()}"),
    ):
        assert response.status_code == 404
        assert "S3 uploads are off" in response.json()["detail"]


def test_anonymous_is_refused(s3, api):
    assert api.get(API).status_code == 403
    assert api.post(API, {"filename": "a.png", "size": 10}, format="json").status_code == 403


# --- the whole flow -------------------------------------------------------------------------------


def test_parts_put_to_the_bucket_become_media(
    s3, s3_bucket, user, django_capture_on_commit_callbacks
):
    client = client_for(user)
    data = png()
    created = create(client, len(data))
    upload = created["upload"]
    assert created == {"upload": upload, "key": upload, "part_size": PART, "parts": 3}
    row = ResumableUpload.objects.get(pk=upload)
    # S3's UploadId and key stay on the server.
    assert row.s3_upload_id and row.s3_upload_id not in json.dumps(created)
    assert row.s3_key == storage.original_name(row.id, "png")
    assert upload_usage(user=user).pending == len(data)

    etags = [send_part(client, upload, data, n) for n in (1, 2, 3)]
    listed = client.get(f"{API}/{upload}/parts").json()
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, PART), (2, PART), (3, MIB)]
    assert [p["ETag"] for p in listed] == etags
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = complete(
            client,
            upload,
            [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2, 3), etags, strict=True)],
            title="Harbour at dawn",
            language="de",
        )
    assert response.status_code == 201, response.content
    media = Media.objects.get(friendly_token=response.json()["friendly_token"])
    assert media.user == user and media.title == "Harbour at dawn" and media.language == "de"
    assert media.media_type == "image" and media.size == len(data)
    assert media.uid == row.id
    assert media.media_file.name == storage.original_name(row.id, "png")
    assert bucket_keys(s3_bucket) == [media.media_file.name]
    assert media.media_file.read() == data
    assert multipart_uploads(s3_bucket) == []
    assert callbacks  # the encoding starts after commit, as for any upload
    usage = upload_usage(user=user)
    assert (usage.stored, usage.pending) == (len(data), 0)


def test_resume_after_a_reload_lists_the_parts_and_refuses_missing_ones(s3, s3_bucket, user):
    client = client_for(user)
    data = png()
    upload = create(client, len(data))["upload"]
    first = send_part(client, upload, data, 1)
    third = send_part(client, upload, data, 3)

    # The page reloads: what is in the bucket is what the API says.
    listed = client.get(f"{API}/{upload}/parts").json()
    assert [p["PartNumber"] for p in listed] == [1, 3]

    missing = complete(
        client, upload, [{"PartNumber": 1, "ETag": first}, {"PartNumber": 3, "ETag": third}]
    )
    assert missing.status_code == 400
    assert "Parts missing from the list: 2" in missing.json()["detail"]
    not_held = complete(
        client,
        upload,
        [
            {"PartNumber": 1, "ETag": first},
            {"PartNumber": 2, "ETag": first},
            {"PartNumber": 3, "ETag": third},
        ],
    )
    assert not_held.status_code == 400
    assert "does not hold parts 2" in not_held.json()["detail"]

    second = send_part(client, upload, data, 2)
    parts = [{"PartNumber": n, "ETag": e} for n, e in ((1, first), (2, second), (3, third))]
    # A language that is not a tag is refused before the parts are put together: the upload
    # stays whole and completes once asked right.
    bad_language = complete(client, upload, parts, language="français")
    assert bad_language.status_code == 400 and "BCP 47" in bad_language.json()["detail"]
    assert [p["PartNumber"] for p in client.get(f"{API}/{upload}/parts").json()] == [1, 2, 3]
    response = complete(client, upload, parts)
    assert response.status_code == 201, response.content
    assert Media.objects.get(friendly_token=response.json()["friendly_token"]).size == len(data)


def test_name_follows_the_content_not_the_declared_type(s3, s3_bucket, user):
    client = client_for(user)
    data = png(3 * MIB)  # one part
    upload = create(client, len(data), filename="clip.mp4", content_type="video/mp4")["upload"]
    assert ResumableUpload.objects.get(pk=upload).s3_key.endswith(".mp4")
    etag = send_part(client, upload, data, 1)
    response = complete(client, upload, [{"PartNumber": 1, "ETag": etag}])
    assert response.status_code == 201, response.content
    media = Media.objects.get(friendly_token=response.json()["friendly_token"])
    assert media.media_type == "image"
    assert media.media_file.name == storage.original_name(media.uid, "png")
    assert bucket_keys(s3_bucket) == [media.media_file.name]  # the .mp4 key is gone
    head = storage.s3_client().head_object(Bucket=s3_bucket, Key=media.media_file.name)
    assert head["ContentType"] == "image/png" and head["ContentLength"] == len(data)


def test_a_file_that_is_not_media_is_refused_and_deleted(s3, s3_bucket, user):
    client = client_for(user)
    text = b"just some notes, not a video\n" * 40_000
    upload = create(client, len(text), filename="notes.mp4", content_type="video/mp4")["upload"]
    etag = put(sign(client, upload, 1), text)[1]
    response = complete(client, upload, [{"PartNumber": 1, "ETag": etag}])
    assert response.status_code == 400
    assert response.json()["detail"] == "The file is not a video, audio, image or PDF."
    assert bucket_keys(s3_bucket) == [] and multipart_uploads(s3_bucket) == []
    assert not ResumableUpload.objects.exists() and not Media.objects.exists()
    assert upload_usage(user=user).pending == 0


# --- what the bucket enforces ---------------------------------------------------------------


def test_a_part_url_takes_exactly_its_part_and_dies_with_the_upload(s3, s3_bucket, user):
    client = client_for(user)
    data = png(7 * MIB)  # parts of 5 MiB and 2 MiB
    upload = create(client, len(data))["upload"]
    first_url, last_url = sign(client, upload, 1), sign(client, upload, 2)
    # Content-Length is signed: a longer or shorter body is refused by the bucket itself, so an
    # upload can never hold more than the size its owner's quota counted.
    # (403 SignatureDoesNotMatch, or the connection cut before the body is read.)
    assert put(first_url, data[: PART + 1])[0] != 200
    assert put(last_url, data[PART : PART + 1000])[0] != 200
    assert client.get(f"{API}/{upload}/parts").json() == []

    etags = [put(first_url, data[:PART])[1], put(last_url, data[PART:])[1]]
    parts = [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags, strict=True)]
    assert complete(client, upload, parts).status_code == 201
    # The multipart upload is gone: the same presigned URL no longer stores anything.
    status, answer = put(last_url, data[PART:])
    # RGW answers NoSuchUpload, or (seen 2 times in 7 under load) cuts the connection before
    # reading the body: either way the part is refused, and the bucket below is unchanged.
    assert (status == 404 and "NoSuchUpload" in answer) or status == 0, (status, answer)
    assert len(bucket_keys(s3_bucket)) == 1 and multipart_uploads(s3_bucket) == []


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"filename": "a.png", "size": "1000"}, "size must be an integer"),
        ({"filename": "a.png", "size": True}, "size must be an integer"),
        ({"filename": "a.png", "size": 1000.0}, "size must be an integer"),
        ({"filename": 7, "size": 1000}, "filename must be a string"),
        ({"size": 1000}, "filename is required"),
        ({"filename": "a.png"}, "size is required"),
        ({"filename": "a.png", "size": 1000, "content_type": ["image/png"]}, "content_type"),
        ({"filename": "a.png", "size": -1}, "non-negative"),
        ({"filename": "a.png", "size": 0}, "The file is empty"),
        (["a.png", 1000], "JSON object"),
    ],
)
def test_creation_refuses_wrong_types_and_values(s3, user, payload, message):
    response = client_for(user).post(API, payload, format="json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not ResumableUpload.objects.exists()


def test_malformed_json_is_refused(s3, user):
    client = client_for(user)
    response = client.post(API, '{"filename": "a.png", "size": ', content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    upload = create(client, 3 * MIB)["upload"]
    bad = client.post(f"{API}/{upload}/complete", "{parts", content_type="application/json")
    assert bad.status_code == 400 and "JSON parse error" in bad.json()["detail"]


def test_size_cap_quota_and_pending_limit(s3, s3_bucket, user, settings):
    client = client_for(user)
    settings.UPLOAD_MAX_SIZE = 20 * MIB
    too_big = client.post(API, {"filename": "a.png", "size": 20 * MIB + 1}, format="json")
    assert too_big.status_code == 413 and "the limit is 20971520 bytes" in too_big.json()["detail"]

    settings.UPLOAD_QUOTA_BYTES = 12 * MIB
    kept = create(client, 8 * MIB)["upload"]
    over = client.post(API, {"filename": "b.png", "size": 5 * MIB}, format="json")
    assert over.status_code == 413
    assert "Upload quota exceeded" in over.json()["detail"]
    assert over.json()["used"] == 8 * MIB  # the first upload's declared size, pending

    settings.UPLOAD_QUOTA_BYTES = 0
    settings.UPLOAD_MAX_PENDING = 2
    create(client, MIB)
    pending = client.post(API, {"filename": "c.png", "size": MIB}, format="json")
    assert pending.status_code == 400
    assert "2 unfinished uploads; the limit is 2" in pending.json()["detail"]
    # The refusals left the first upload alone: it still takes parts and lists them.
    assert ResumableUpload.objects.filter(user=user).count() == 2
    assert client.get(f"{API}/{kept}/parts").json() == []
    assert len(multipart_uploads(s3_bucket)) == 2


def test_part_numbers_out_of_range_are_refused(s3, user):
    client = client_for(user)
    upload = create(client, 11 * MIB)["upload"]
    for number in ("0", "4", "-1", "x", "1.5"):
        response = client.post(f"{API}/{upload}/parts/{number}")
        assert response.status_code == 400, number
        detail = response.json()["detail"]
        assert "parts 1 to 3" in detail or "positive integer" in detail


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ("1,2,3", "parts must be a list"),
        ([1, 2, 3], '{"PartNumber": integer, "ETag": string}'),
        ([{"PartNumber": "1", "ETag": "x"}], '{"PartNumber": integer, "ETag": string}'),
        ([{"PartNumber": 1}], '{"PartNumber": integer, "ETag": string}'),
        ([{"PartNumber": 1, "ETag": "a"}, {"PartNumber": 1, "ETag": "a"}], "listed once"),
        ([{"PartNumber": 9, "ETag": "a"}], "there is no part 9"),
    ],
)
def test_completion_refuses_malformed_part_lists(s3, user, parts, message):
    client = client_for(user)
    upload = create(client, 3 * MIB)["upload"]
    response = complete(client, upload, parts)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert ResumableUpload.objects.get(pk=upload).media_id is None


def test_completion_refuses_an_etag_that_is_not_the_buckets(s3, user):
    client = client_for(user)
    data = png(3 * MIB)
    upload = create(client, len(data))["upload"]
    etag = send_part(client, upload, data, 1)
    wrong = complete(client, upload, [{"PartNumber": 1, "ETag": '"0123"'}])
    assert wrong.status_code == 400 and "is not the bucket's" in wrong.json()["detail"]
    assert complete(client, upload, [{"PartNumber": 1, "ETag": etag}]).status_code == 201


def test_someone_elses_upload_is_not_found_and_stays_untouched(s3, s3_bucket, user):
    owner = client_for(user)
    data = png(3 * MIB)
    upload = create(owner, len(data))["upload"]
    etag = send_part(owner, upload, data, 1)
    other = client_for(UserFactory())
    parts = [{"PartNumber": 1, "ETag": etag}]
    for response in (
        other.post(f"{API}/{upload}/parts/1"),
        other.get(f"{API}/{upload}/parts"),
        complete(other, upload, parts),
        other.delete(f"{API}/{upload}"),
    ):
        assert response.status_code == 404
        assert "No such upload" in response.json()["detail"]
    assert [p["PartNumber"] for p in owner.get(f"{API}/{upload}/parts").json()] == [1]
    assert complete(owner, upload, parts).status_code == 201


def test_tus_does_not_touch_a_direct_upload(s3, user):
    client = client_for(user)
    upload = create(client, 3 * MIB)["upload"]
    assert client.head(f"/api/v1/uploads/{upload}", HTTP_TUS_RESUMABLE="1.0.0").status_code == 404
    assert client.delete(f"/api/v1/uploads/{upload}", HTTP_TUS_RESUMABLE="1.0.0").status_code == 404
    assert ResumableUpload.objects.filter(pk=upload).exists()


def test_cancel_aborts_one_upload_and_leaves_the_others(s3, s3_bucket, user):
    client = client_for(user)
    data = png(3 * MIB)
    cancelled = create(client, len(data))["upload"]
    kept = create(client, len(data))["upload"]
    send_part(client, cancelled, data, 1)
    etag = send_part(client, kept, data, 1)
    assert client.delete(f"{API}/{cancelled}").status_code == 204
    assert [u["Key"] for u in multipart_uploads(s3_bucket)] == [
        ResumableUpload.objects.get(pk=kept).s3_key
    ]
    assert upload_usage(user=user).pending == len(data)
    assert client.post(f"{API}/{cancelled}/parts/1").status_code == 404
    assert client.delete(f"{API}/{cancelled}").status_code == 404
    assert complete(client, kept, [{"PartNumber": 1, "ETag": etag}]).status_code == 201


def test_a_finished_upload_refuses_more(s3, user):
    client = client_for(user)
    data = png(3 * MIB)
    upload = create(client, len(data))["upload"]
    parts = [{"PartNumber": 1, "ETag": send_part(client, upload, data, 1)}]
    token = complete(client, upload, parts).json()["friendly_token"]
    for response in (
        client.post(f"{API}/{upload}/parts/1"),
        client.get(f"{API}/{upload}/parts"),
        complete(client, upload, parts),
    ):
        assert response.status_code == 410
        assert response.json()["detail"] == f"This upload is complete: its media is {token}."
        assert response.json()["media"] == token
    deleted = client.delete(f"{API}/{upload}")
    assert deleted.status_code == 409 and "delete the media" in deleted.json()["detail"]
    assert Media.objects.filter(friendly_token=token).exists()


def test_an_upload_the_bucket_dropped_answers_gone(s3, s3_bucket, user):
    client = client_for(user)
    upload = create(client, 3 * MIB)["upload"]
    row = ResumableUpload.objects.get(pk=upload)
    # A lifecycle rule (AbortIncompleteMultipartUpload) dropped it behind our back.
    storage.s3_client().abort_multipart_upload(
        Bucket=s3_bucket, Key=row.s3_key, UploadId=row.s3_upload_id
    )
    response = client.get(f"{API}/{upload}/parts")
    assert response.status_code == 410 and "start it again" in response.json()["detail"]


# --- the reaper -------------------------------------------------------------------------------


def test_reaper_aborts_abandoned_and_unknown_multipart_uploads(s3, s3_bucket, user):
    client = client_for(user)
    abandoned = create(client, 3 * MIB)["upload"]
    active = create(client, 3 * MIB)["upload"]
    ResumableUpload.objects.filter(pk=abandoned).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    s3_client = storage.s3_client()
    # No row knows this one (a streamed POST cut off by a crash, a row that never committed).
    orphan = s3_client.create_multipart_upload(
        Bucket=s3_bucket, Key=storage.original_name(uuid.uuid4(), "mp4")
    )
    # Not under the originals' prefix: not ours to abort.
    foreign = s3_client.create_multipart_upload(Bucket=s3_bucket, Key="elsewhere/big.bin")

    assert s3_uploads_reap(orphans_older_than=timedelta(0)) == (1, 1)

    left = {u["UploadId"] for u in multipart_uploads(s3_bucket)}
    assert left == {ResumableUpload.objects.get(pk=active).s3_upload_id, foreign["UploadId"]}
    assert orphan["UploadId"] not in left
    assert list(ResumableUpload.objects.values_list("pk", flat=True)) == [uuid.UUID(active)]
    assert upload_usage(user=user).pending == 3 * MIB  # the abandoned size counts no more
    assert client.get(f"{API}/{abandoned}/parts").status_code == 404
    s3_client.abort_multipart_upload(
        Bucket=s3_bucket, Key="elsewhere/big.bin", UploadId=foreign["UploadId"]
    )


def test_reaper_runs_as_a_beat_job_and_leaves_young_orphans(s3, s3_bucket, user):
    from django_celery_beat.models import PeriodicTask

    from media_app.tasks.housekeeping import abort_s3_uploads

    assert PeriodicTask.objects.get(task="housekeeping.abort_s3_uploads").enabled
    client = client_for(user)
    upload = create(client, 3 * MIB)["upload"]
    ResumableUpload.objects.filter(pk=upload).update(updated_at=timezone.now() - timedelta(days=2))
    # A streamed POST under way has no row yet: a day's grace before it counts as an orphan.
    streaming = storage.s3_client().create_multipart_upload(
        Bucket=s3_bucket, Key=storage.original_name(uuid.uuid4(), "mp4")
    )
    assert abort_s3_uploads() == (1, 0)
    assert [u["UploadId"] for u in multipart_uploads(s3_bucket)] == [streaming["UploadId"]]
    assert not ResumableUpload.objects.exists()


@pytest.mark.filesystem
def test_reaper_does_nothing_on_the_filesystem():
    assert s3_uploads_reap() == (0, 0)
