"""Two real `celery beat` processes against one database and one Redis: one fires at a time.

Each test starts two beats with the scheduler the settings configure (CELERY_BEAT_SCHEDULER:
openpress/beat.py), a periodic job every 2 s and one every minute, each sending to a queue of
its own, and a consumer thread that pops those queues and notes when each message came and which
beat process sent it (the ``origin`` header Celery sets to ``gen<pid>@<host>``). Then the holder
is killed (SIGKILL) or frozen (SIGSTOP, as a node cut off from the network would be).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.workers import ROOT, _database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

EVERY = 2  # seconds between two runs of the fast job


@dataclass
class Fired:
    at: float  # time.monotonic() when the consumer popped it
    wall: float  # time.time() of the same moment
    queue: str
    pid: int


class Consumer(threading.Thread):
    def __init__(self, queues: list[str]):
        super().__init__(daemon=True)
        self.queues = queues
        self.fired: list[Fired] = []
        self.stop = threading.Event()
        self.client = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def run(self) -> None:
        while not self.stop.is_set():
            item = self.client.blpop(self.queues, timeout=0.2)
            if item:
                queue, raw = item
                origin = json.loads(raw)["headers"]["origin"]  # gen<pid>@<host>
                pid = int(origin.split("@")[0].removeprefix("gen"))
                self.fired.append(Fired(time.monotonic(), time.time(), queue.decode(), pid))

    def of(self, queue: str) -> list[Fired]:
        return [f for f in list(self.fired) if f.queue == queue]


@pytest.fixture
def jobs():
    """Only the test's jobs are enabled: a 2-s interval job and a once-a-minute crontab job."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    PeriodicTask.objects.update(enabled=False)
    tag = uuid.uuid4().hex[:8]
    fast, minutely = f"beat-test-fast-{tag}", f"beat-test-minute-{tag}"
    every, _ = IntervalSchedule.objects.get_or_create(every=EVERY, period="seconds")
    PeriodicTask.objects.create(
        name=fast, task="housekeeping.ping", args='["fast"]', interval=every, queue=fast
    )
    minute, _ = CrontabSchedule.objects.get_or_create(
        minute="*", hour="*", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.create(
        name=minutely, task="housekeeping.ping", args='["minute"]', crontab=minute, queue=minutely
    )
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(fast, minutely, settings.BEAT_LEASE_KEY)
    consumer = Consumer([fast, minutely])
    consumer.start()
    yield consumer, fast, minutely
    consumer.stop.set()
    consumer.join(timeout=5)
    client.delete(fast, minutely, settings.BEAT_LEASE_KEY)


class Beats:
    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []

    def start(self, name: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "openpress.settings.test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.CELERY_BROKER_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CELERY_HEARTBEAT_FILE": "",
        }
        log = open(self.tmp_path / f"beat-{name}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "openpress", "beat",
                "--scheduler", settings.CELERY_BEAT_SCHEDULER,
                "--schedule", str(self.tmp_path / f"schedule-{name}"),
                "--loglevel", "INFO",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.tmp_path / f"beat-{name}.log").read_text()

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGCONT)
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


@pytest.fixture
def beats(tmp_path):
    started = Beats(tmp_path)
    yield started
    started.stop_all()


def assert_once_per_period(fired: list[Fired]) -> None:
    """No two messages of the 2-s job closer than a period allows (two beats firing the same
    period would send both within milliseconds)."""
    gaps = [b.at - a.at for a, b in itertools.pairwise(fired)]
    assert all(gap > EVERY * 0.6 for gap in gaps), [round(g, 2) for g in gaps]


def assert_once_per_minute(fired: list[Fired]) -> None:
    minutes = [int(f.wall // 60) for f in fired]
    assert len(minutes) == len(set(minutes)), minutes


def holder_and_standby(consumer: Consumer, queue: str, a, b):
    first = wait_for(lambda: consumer.of(queue), timeout=60, message="a first run of the job")
    holder = a if first[0].pid == a.pid else b
    return holder, (b if holder is a else a)


def test_two_beats_fire_each_job_once_and_the_standby_takes_over_a_killed_holder(jobs, beats):
    consumer, fast, minutely = jobs
    a, b = beats.start("a"), beats.start("b")
    holder, standby = holder_and_standby(consumer, fast, a, b)
    time.sleep(8 * EVERY)
    before = consumer.of(fast)
    assert {f.pid for f in before} == {holder.pid}
    assert len(before) >= 5
    assert_once_per_period(before)

    os.killpg(holder.pid, signal.SIGKILL)  # the holder's node is gone: no goodbye
    killed_at = time.monotonic()
    taken = wait_for(
        lambda: [f for f in consumer.of(fast) if f.pid == standby.pid],
        timeout=60,
        message="the standby to fire",
    )
    gap = taken[0].at - killed_at
    time.sleep(6 * EVERY)
    after = [f for f in consumer.of(fast) if f.at > killed_at]
    print(f"takeover gap after SIGKILL: {gap:.1f} s; {len(before)} runs before, {len(after)} after")
    assert gap < 60
    assert {f.pid for f in after} == {standby.pid}
    assert_once_per_period(consumer.of(fast))
    assert_once_per_minute(consumer.of(minutely))


def test_a_frozen_holder_stops_firing_before_the_standby_starts_and_stays_quiet(jobs, beats):
    consumer, fast, minutely = jobs
    a, b = beats.start("a"), beats.start("b")
    holder, standby = holder_and_standby(consumer, fast, a, b)
    time.sleep(3 * EVERY)

    os.killpg(holder.pid, signal.SIGSTOP)  # cut off: it runs on, but nothing it does arrives
    frozen_at = time.monotonic()
    wait_for(
        lambda: [f for f in consumer.of(fast) if f.pid == standby.pid],
        timeout=60,
        message="the standby to fire",
    )
    os.killpg(holder.pid, signal.SIGCONT)  # back: it must find the lease gone and stand by
    resumed_at = time.monotonic()
    time.sleep(8 * EVERY)
    assert not [f for f in consumer.of(fast) if f.pid == holder.pid and f.at > frozen_at]
    assert [f for f in consumer.of(fast) if f.pid == standby.pid and f.at > resumed_at]
    assert_once_per_period(consumer.of(fast))
    assert_once_per_minute(consumer.of(minutely))
    names = {holder.pid: "a" if holder is a else "b"}
    assert "lease lost; standing by" in beats.log(names[holder.pid])


def test_a_holder_that_stops_cleanly_hands_over_at_once(jobs, beats):
    consumer, fast, _ = jobs
    a, b = beats.start("a"), beats.start("b")
    holder, standby = holder_and_standby(consumer, fast, a, b)
    os.killpg(holder.pid, signal.SIGTERM)  # a rolling update: the lease is given back
    stopped_at = time.monotonic()
    holder.wait(timeout=20)
    taken = wait_for(
        lambda: [f for f in consumer.of(fast) if f.pid == standby.pid],
        timeout=60,
        message="the standby to fire",
    )
    assert taken[0].at - stopped_at < settings.BEAT_LEASE_SECONDS / 2
    assert_once_per_period(consumer.of(fast))


def test_every_way_of_starting_beat_uses_the_leased_scheduler():
    assert settings.CELERY_BEAT_SCHEDULER == "openpress.beat:LeasedScheduler"
    for path in ("docker/entrypoint.sh", "scripts/run_embedded.py"):
        text = (ROOT / path).read_text()
        assert "openpress.beat:LeasedScheduler" in text, path
        assert "django_celery_beat.schedulers:DatabaseScheduler" not in text, path


def test_the_file_lease_of_the_embedded_default_is_held_by_one_at_a_time(tmp_path):
    from openpress.beat import FileLease

    first, second = FileLease(tmp_path / "beat.lock", "a"), FileLease(tmp_path / "beat.lock", "b")
    assert first.hold() and first.valid()
    assert not second.hold() and not second.valid()
    first.release()
    assert second.hold()
    assert not first.hold()
    second.release()
