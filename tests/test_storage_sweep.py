"""The orphan sweep (media_app/services/storage.py, beat job housekeeping.storage_orphans):
stored files no media row owns go once older than the grace; young ones and live media's stay.
The same test runs on the filesystem and against the real S3 server."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_celery_beat.models import PeriodicTask

from media_app import storage
from media_app.models import Media
from media_app.services.storage import storage_orphans_sweep
from tests.factories import MediaFactory

pytestmark = pytest.mark.django_db


# The filesystem case runs in the filesystem suite (`make test`); in S3 mode the suite's storage
# is the bucket and the case is left out (marker ``filesystem``).
@pytest.fixture(params=[pytest.param("filesystem", marks=pytest.mark.filesystem), "s3"])
def mode(request):
    if request.param == "s3":
        request.getfixturevalue("s3_media")
    return request.param


def put(name: str) -> str:
    assert default_storage.save(name, ContentFile(b"x" * 10)) == name
    return name


def tree(prefix: str) -> list[str]:
    return [put(f"{prefix}/{rel}") for rel in ("240p/index.m3u8", "240p/seg_00000.m4s")]


def stored() -> set[str]:
    return {e.name for p in (storage.ORIGINALS, storage.ENCODED) for e in storage.list_prefix(p)}


def newest(names) -> datetime.datetime:
    by_name = {e.name: e.modified for p in ("original", "encoded") for e in storage.list_prefix(p)}
    return max(by_name[n] for n in names)


def oldest(names) -> datetime.datetime:
    by_name = {e.name: e.modified for p in ("original", "encoded") for e in storage.list_prefix(p)}
    return min(by_name[n] for n in names)


def test_orphans_older_than_the_grace_go_young_ones_and_live_media_stay(mode):
    live = MediaFactory(media_file="original/ab/live.mp4")
    uid = live.uid.hex
    running = MediaFactory(
        media_file="original/ab/running.mp4",
        encoding_status=Media.EncodingStatus.RUNNING,
        encoding_run="run2running",
    )
    live.hls_file = f"{storage.hls_prefix(uid, 'published01')}/master.m3u8"
    live.save(update_fields=["hls_file"])
    keep = {
        put(live.media_file.name),
        put(live.hls_file),
        *tree(storage.hls_prefix(uid, "published01")),
        put(storage.still_name(uid, "poster.jpg")),
        put(running.media_file.name),
        *tree(storage.hls_prefix(running.uid.hex, "run2running")),
        *tree(storage.work_prefix(running.uid.hex, "run2running")),
    }
    gone_uid = "0" * 32
    old_orphans = {
        put("original/zz/never-created.mp4"),
        put(storage.still_name(gone_uid, "poster.jpg")),
        *tree(storage.hls_prefix(gone_uid, "deadrun00001")),
        *tree(storage.hls_prefix(uid, "abandoned001")),
        *tree(storage.work_prefix(uid, "abandoned001")),
    }
    young = {
        put("original/zz/uploading.mp4"),
        *tree(storage.hls_prefix("1" * 32, "writing00001")),
        *tree(storage.hls_prefix(uid, "justfailed01")),
    }
    before, after = newest(keep | old_orphans), oldest(young)
    assert before < after
    # "Now" is one grace past the moment between the two groups: the first group is older than
    # the grace, the second younger. Live media's files are kept whatever their age.
    now = before + (after - before) / 2 + datetime.timedelta(seconds=3600)

    assert storage_orphans_sweep(grace_seconds=3600, now=now) == len(old_orphans)
    assert stored() == keep | young
    # With the default grace (a day), nothing just written is an orphan yet.
    assert storage_orphans_sweep() == 0
    assert stored() == keep | young


def test_the_sweep_is_a_daily_beat_job():
    job = PeriodicTask.objects.get(task="housekeeping.storage_orphans")
    assert job.enabled and job.crontab.hour == "4"
