"""Re-encoding on request, the stuck-encoding beat job and the cleanup of abandoned work."""

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from media_app import storage
from media_app.models import Media
from media_app.services import encoding as svc
from media_app.services.errors import NotAllowed
from tests.encoding.conftest import children, encode_inline, read_text, upload
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued():
    """Media ids of ``encoding.media_encode`` messages that reached the real Redis broker."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("long_tasks")

    def read() -> list[int]:
        ids = []
        for raw in client.lrange("long_tasks", 0, -1):
            headers = json.loads(raw)["headers"]
            if headers["task"] == "encoding.media_encode":
                ids.append(int(headers["argsrepr"].strip("(),")))
        return sorted(ids)

    yield read
    client.delete("long_tasks")


def test_editor_restarts_an_encoding_others_may_not(queued, django_capture_on_commit_callbacks):
    media = MediaFactory(encoding_status="fail", encoding_fail_reason="boom", encoding_attempts=2)
    with pytest.raises(NotAllowed):
        svc.encoding_restart(media=media, by=media.user)
    with django_capture_on_commit_callbacks(execute=True):
        svc.encoding_restart(media=media, by=UserFactory(is_editor=True))
    media.refresh_from_db()
    assert (media.encoding_status, media.encoding_fail_reason, media.encoding_attempts) == (
        "pending",
        "",
        0,
    )
    assert queued() == [media.pk]


def test_reencode_command(queued, django_capture_on_commit_callbacks):
    media = MediaFactory()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reencode", media.friendly_token)
    assert Media.objects.get(pk=media.pk).encoding_status == "pending"
    assert queued() == [media.pk]
    with pytest.raises(CommandError, match="nope"):
        call_command("reencode", "nope")


def test_reencode_without_public_copy_takes_media_encoded_before_source_protection(
    queued, django_capture_on_commit_callbacks
):
    before = MediaFactory(encoding_status="success", public_file="")
    MediaFactory(encoding_status="success", public_file="encoded/x/download/x.mp4")
    MediaFactory(encoding_status="fail", public_file="")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reencode", "--without-public-copy")
    assert queued() == [before.pk]
    assert Media.objects.get(pk=before.pk).encoding_status == "pending"


def test_stuck_encodings_are_requeued_then_failed(queued, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - timedelta(hours=7)
    fresh = MediaFactory(encoding_status="running", encoding_attempts=1)
    stuck = MediaFactory(encoding_status="running", encoding_attempts=1)
    hopeless = MediaFactory(encoding_status="pending", encoding_attempts=2)
    Media.objects.filter(pk__in=[stuck.pk, hopeless.pk]).update(edit_date=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert svc.encodings_stuck_handle() == (1, 1)

    assert Media.objects.get(pk=fresh.pk).encoding_status == "running"
    assert Media.objects.get(pk=stuck.pk).encoding_status == "pending"
    hopeless.refresh_from_db()
    assert hopeless.encoding_status == "fail"
    assert "did not finish after 2 attempts" in hopeless.encoding_fail_reason
    assert queued() == [stuck.pk]


def test_beat_has_the_encoding_jobs():
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"housekeeping.encodings_stuck", "encoding.cleanup"} <= tasks


def test_cleanup_removes_abandoned_runs_but_keeps_the_published_one(
    own_storage, small_clip, tmp_path, settings
):
    # Scratch folders of this test only: the cleanup also empties SCRATCH_DIR of old ones.
    settings.SCRATCH_DIR = str(tmp_path / "scratch")
    media = encode_inline(upload(small_clip))
    base = f"encoded/{media.uid.hex}"
    for folder in ("hls/deadbeef0000", "work/deadbeef0000/chunks"):
        default_storage.save(f"{base}/{folder}/x.m4s", ContentFile(b"x"))
    published = media.hls_file.split("/")[3]
    assert children(f"{base}/hls") == sorted([published, "deadbeef0000"])

    # A folder's age is its newest file's (S3 has no folders): just written, both are kept
    # from a sweep that could race a run starting.
    assert svc.encoding_scratch_cleanup() == 0
    assert children(f"{base}/work") == ["deadbeef0000"]
    # Older than the limit (here: any age), both abandoned runs go; the published one stays.
    assert svc.encoding_scratch_cleanup(older_than_seconds=0) == 2
    assert children(f"{base}/hls") == [published]
    assert children(f"{base}/work") == []
    assert storage.exists(media.hls_file)
    assert read_text(media.hls_file).startswith("#EXTM3U")


@pytest.mark.filesystem
def test_cleanup_measures_a_folders_age_by_its_newest_file(small_clip, tmp_path, settings):
    """Filesystem mode, where a file's age can be set: a run folder with one file older than
    the limit and one younger stays; when all are older it goes."""
    settings.SCRATCH_DIR = str(tmp_path / "scratch")
    media = encode_inline(upload(small_clip))
    dead = Path(default_storage.path(f"encoded/{media.uid.hex}/hls/deadbeef0000"))
    dead.mkdir(parents=True)
    old = time.time() - 7 * 3600
    for name in ("a.m4s", "b.m4s"):
        (dead / name).write_bytes(b"x")
    os.utime(dead / "a.m4s", (old, old))

    assert svc.encoding_scratch_cleanup() == 0
    os.utime(dead / "b.m4s", (old, old))
    assert svc.encoding_scratch_cleanup() == 1
    assert not dead.exists()
    assert storage.exists(media.hls_file)
