from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from media_app.tasks.housekeeping import clear_sessions
from openpress.celery import app
from tests.workers import celery_worker, wait_for


def test_routes_send_each_family_to_its_queue():
    router = app.amqp.router
    assert router.route({}, "encoding.media_encode")["queue"].name == "long_tasks"
    assert router.route({}, "housekeeping.clear_sessions")["queue"].name == "short_tasks"
    assert router.route({}, "notifications.reported_media")["queue"].name == "short_tasks"


def test_long_tasks_ack_late_and_visibility_outlasts_them():
    from media_app.tasks.encoding import media_encode

    assert media_encode.acks_late is True
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout > settings.CELERY_LONG_TASK_TIME_LIMIT
    # The limit is really applied to tasks, not only declared.
    assert app.conf.task_time_limit == settings.CELERY_LONG_TASK_TIME_LIMIT


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_a_task_from_redis():
    """An expired session disappears only because a separate worker process ran the task."""
    expired = Session.objects.create(
        session_key="expired" * 5, session_data="{}", expire_date=timezone.now() - timedelta(days=1)
    )
    live = Session.objects.create(
        session_key="livelive" * 5,
        session_data="{}",
        expire_date=timezone.now() + timedelta(days=1),
    )
    with celery_worker(queues="short_tasks", name="sessions"):
        clear_sessions.delay()
        wait_for(
            lambda: not Session.objects.filter(pk=expired.pk).exists(),
            timeout=60,
            message="the worker to clear the expired session",
        )
    assert Session.objects.filter(pk=live.pk).exists()


def test_every_beat_entry_names_a_registered_task(db):
    """The migrations' schedule and the code agree: beat never sends a task nobody defines."""
    from django_celery_beat.models import PeriodicTask

    entries = dict(PeriodicTask.objects.values_list("name", "task"))
    assert {
        "clear expired sessions",
        "requeue or fail stuck encodings",
        "remove abandoned encoding work",
        "delete abandoned uploads",
    } <= set(entries)
    app.loader.import_default_modules()
    for name, task in entries.items():
        assert task in app.tasks, f"beat entry {name!r} sends unknown task {task!r}"
