"""An upload whose encode message the Redis broker lost is sent again within minutes
(media_app/services/encoding_pending.py), once, and then encoded by a real worker.

The loss is what a Redis restart without persistence does to a queued message: the queue's list
is gone. The test empties the real broker's lists the same way (DEL), with no worker running.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from media_app.models import Media
from media_app.services.encoding import encoding_start
from media_app.services.encoding_pending import encodings_pending_requeue, queued_media_ids
from tests import broker
from tests.encoding.clips import make_clip
from tests.encoding.conftest import upload
from tests.workers import celery_worker, wait_for


def waited(media: Media, seconds: int) -> None:
    """As if the upload had been made ``seconds`` ago (the sweep's age rule, not its clock)."""
    then = timezone.now() - timedelta(seconds=seconds)
    Media.objects.filter(pk=media.pk).update(add_date=then, encoding_started_at=None)


@pytest.fixture
def long_queue_empty():
    broker.purge("long_tasks")
    yield
    broker.purge("long_tasks")


@pytest.mark.django_db
def test_a_pending_upload_whose_message_was_lost_is_sent_again_once(
    long_queue_empty, settings, django_capture_on_commit_callbacks
):
    settings.ENCODE_PENDING_REQUEUE_SECONDS = 120

    def sweep() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return encodings_pending_requeue()

    lost, waiting, fresh = (upload_pending(f"m{i}") for i in range(3))
    for media in (lost, waiting, fresh):
        encoding_start(media_id=media.pk)
    assert queued_media_ids() >= {lost.pk, waiting.pk, fresh.pk}
    broker.purge("long_tasks")  # Redis restarted without the queue
    encoding_start(media_id=waiting.pk)  # this one's message is still (again) there
    waited(lost, 180)
    waited(waiting, 180)
    waited(fresh, 30)  # too recent to judge: its message may be on its way

    assert sweep() == 1
    assert broker.queued("long_tasks").count(("encoding.media_encode", [lost.pk])) == 1
    assert broker.queued("long_tasks").count(("encoding.media_encode", [waiting.pk])) == 1
    assert ("encoding.media_encode", [fresh.pk]) not in broker.queued("long_tasks")
    # Idempotent: the next sweeps see the message in the queue, or its wait restarted.
    assert sweep() == 0
    broker.purge("long_tasks")  # lost again: only the one not sent in the last 120 s goes
    assert sweep() == 1
    assert broker.queued("long_tasks") == [("encoding.media_encode", [waiting.pk])]
    waited(lost, 180)
    assert sweep() == 1


def upload_pending(name: str) -> Media:
    from tests.factories import MediaFactory

    return MediaFactory(encoding_status=Media.EncodingStatus.PENDING, title=name)


@pytest.mark.django_db
def test_a_started_or_finished_encode_is_never_sent_again(long_queue_empty):
    running = upload_pending("running")
    Media.objects.filter(pk=running.pk).update(
        encoding_status=Media.EncodingStatus.RUNNING, encoding_run="abc123"
    )
    done = upload_pending("done")
    Media.objects.filter(pk=done.pk).update(encoding_status=Media.EncodingStatus.SUCCESS)
    for media in (running, done):
        waited(media, 3600)
    assert encodings_pending_requeue() == 0
    assert broker.queued("long_tasks") == []


@pytest.mark.django_db
def test_a_message_held_by_a_worker_counts_as_present(long_queue_empty):
    """Redis keeps a message a worker has taken in its unacked hash until it is acknowledged."""
    media = upload_pending("held")
    encoding_start(media_id=media.pk)
    from openpress.celery import app

    with app.connection_for_read() as conn:
        channel = conn.default_channel
        queue = channel.client
        raw = queue.rpop("long_tasks")
        queue.hset(channel.unacked_key, "h5-test-tag", f'[{raw.decode()}, "", "long_tasks"]')
    try:
        waited(media, 3600)
        assert media.pk in queued_media_ids()
        assert encodings_pending_requeue() == 0
    finally:
        with app.connection_for_read() as conn:
            conn.default_channel.client.hdel(conn.default_channel.unacked_key, "h5-test-tag")


@pytest.mark.django_db(transaction=True)
def test_the_lost_upload_is_encoded_by_a_real_worker_after_the_sweep(
    long_queue_empty, tmp_path, settings
):
    clip = make_clip(tmp_path / "lost.mp4", size="320x180", seconds=2)
    media = upload(clip, title="Lost in a restart")
    encoding_start(media_id=media.pk)
    broker.purge("long_tasks")  # the restart
    waited(media, settings.ENCODE_PENDING_REQUEUE_SECONDS + 1)
    # The sweep runs as beat runs it: the task, on a short worker.
    from media_app.tasks.housekeeping import encodings_pending

    with celery_worker(name="pending-sweep", concurrency=1, purge=False):
        assert broker.queued("long_tasks") == []  # nothing would ever start it
        encodings_pending.delay()
        wait_for(
            lambda: Media.objects.get(pk=media.pk).encoding_status == Media.EncodingStatus.SUCCESS,
            timeout=120,
            message="the lost upload to be encoded",
        )


@pytest.mark.django_db
def test_beat_runs_the_sweep_every_minute():
    job = PeriodicTask.objects.get(task="housekeeping.encodings_pending")
    assert job.enabled
    assert job.interval.every * {"seconds": 1, "minutes": 60}[job.interval.period] <= 60
