"""The embedded default (``make run``) for real: SQLite, the file broker, web, worker and beat.

The supervisor ``scripts/run_embedded.py`` runs in a temporary folder (database, broker, media)
on a free port. The test waits for the site to answer, then schedules a job in beat's database
scheduler that clears expired sessions: the session disappears from the SQLite file only if beat
sent the task through the file broker and the worker ran it. A Ctrl-C (SIGINT) to the supervisor
must then stop every process it started, in a second or two and without an error.

The file broker keeps what a worker was doing when it was killed: an encode whose worker dies of
SIGKILL is finished by the next ``make run``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from tests.encoding.clips import make_clip
from tests.workers import wait_for

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "embedded-admin-pw-4821"

SCHEDULE_CLEANUP = """
from django_celery_beat.models import IntervalSchedule, PeriodicTask
every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.create(
    name="test: clear sessions now", task="housekeeping.clear_sessions", interval=every_second
)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - local test server
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def sessions(db: Path) -> set[str]:
    with sqlite3.connect(db, timeout=20) as conn:
        return {row[0] for row in conn.execute("SELECT session_key FROM django_session")}


def processes_in_sessions(sids: set[int]) -> list[str]:
    ps = subprocess.run(["ps", "-ww", "-eo", "pid=,sid=,args="], capture_output=True, text=True)
    return [line for line in ps.stdout.splitlines() if int(line.split()[1]) in sids]


def child_pids(pid: int) -> set[int]:
    ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(p) for p in ps.stdout.split()}


def embedded_env(folder: Path, **extra: str) -> dict:
    """The environment of an embedded instance whose database, broker and media are in folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL", "MEDIA_ROOT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="openpress.settings.dev",
        DATABASE_URL=f"sqlite:///{folder}/db.sqlite3",
        CELERY_BROKER_URL=f"filesystem://{folder}/broker",
        CACHE_URL=f"filecache://{folder}/cache",
        MEDIA_ROOT=str(folder / "media"),
        OPENPRESS_ADMIN_USER="chief",
        OPENPRESS_ADMIN_PASSWORD=ADMIN_PASSWORD,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class Supervisor:
    """``scripts/run_embedded.py`` on a free port; stop() ends it and whatever it left behind."""

    def __init__(self, folder: Path, env: dict, *args: str, name: str = "run"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db = folder / "db.sqlite3"
        self.env = env
        self.sids: set[int] = set()
        self.log_path = folder / f"{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "scripts/run_embedded.py", "--port", str(self.port), *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self, tail: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:]

    def wait_ready(self) -> set[int]:
        """The site answers, the worker and beat have started; returns the children's pids."""

        def ready():
            assert self.proc.poll() is None, f"the supervisor exited early:\n{self.log()}"
            log = self.log(tail=10**6)
            return (
                "embedded@" in log
                and " ready." in log
                and "beat: Starting" in log
                and status_of(health_url(self.base)) == 200
            )

        wait_for(ready, timeout=120, message=f"{self.base} to answer, with worker and beat up")
        children = wait_for(
            lambda: len(child_pids(self.proc.pid)) == 3 and child_pids(self.proc.pid),
            timeout=10,
            message="three child processes",
        )
        self.sids = set(children)
        return children

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for sid in self.sids:
            # Whatever the test asserted, leave no process behind.
            for line in processes_in_sessions({sid}):
                os.kill(int(line.split()[0]), signal.SIGKILL)
        self._log.close()


@pytest.fixture
def embedded(tmp_path):
    supervisor = Supervisor(tmp_path, embedded_env(tmp_path), "--concurrency", "1")
    instance = {
        "proc": supervisor.proc,
        "base": supervisor.base,
        "db": supervisor.db,
        "env": supervisor.env,
        "log": supervisor.log,
    }
    try:
        yield instance
    finally:
        supervisor.sids |= instance.get("sids", set())
        supervisor.stop()


def health_url(base: str) -> str:
    try:
        resolve("/api/v1/encode_profiles/")
    except Resolver404:
        return f"{base}/admin/login/"
    return f"{base}/api/v1/encode_profiles/"


@pytest.mark.slow
def test_make_run_serves_the_site_and_runs_beat_jobs_through_the_file_broker(embedded):
    proc, base, db, log = embedded["proc"], embedded["base"], embedded["db"], embedded["log"]

    def answers():
        assert proc.poll() is None, f"the supervisor exited early:\n{log()}"
        return status_of(health_url(base)) == 200

    wait_for(answers, timeout=120, message=f"{health_url(base)} to answer 200")
    output = log()
    assert "username: chief" in output
    assert f"Log in at {base}/admin/" in output

    # web, worker and beat, each the leader of its own session (so Ctrl-C reaches only the
    # supervisor, which stops them in order).
    children = wait_for(
        lambda: len(child_pids(proc.pid)) == 3 and child_pids(proc.pid),
        timeout=10,
        message="three child processes",
    )
    embedded["sids"] = set(children)
    commands = "\n".join(processes_in_sessions(embedded["sids"]))
    assert "runserver" in commands
    assert "-Q short_tasks,long_tasks" in commands
    assert "beat --scheduler openpress.beat:LeasedScheduler" in commands

    with sqlite3.connect(db, timeout=20) as conn:
        conn.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) VALUES "
            "('expiredexpiredexpiredexpired01', '{}', '2001-01-01 00:00:00'), "
            "('livelivelivelivelivelivelive01', '{}', '2999-01-01 00:00:00')"
        )
    assert sessions(db) == {"expiredexpiredexpiredexpired01", "livelivelivelivelivelivelive01"}
    scheduled = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCHEDULE_CLEANUP],
        cwd=ROOT,
        env=embedded["env"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert scheduled.returncode == 0, scheduled.stderr

    def cleared():
        assert proc.poll() is None, f"the supervisor exited early:\n{log()}"
        return "expiredexpiredexpiredexpired01" not in sessions(db)

    wait_for(
        cleared,
        timeout=60,
        message="beat -> file broker -> worker to clear the expired session",
    )
    assert sessions(db) == {"livelivelivelivelivelivelive01"}
    assert "Task housekeeping.clear_sessions" in log()

    # Ctrl-C: everything stops, cleanly, and the port is released.
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=40) == 0, log()
    wait_for(
        lambda: not processes_in_sessions(embedded["sids"]),
        timeout=10,
        message="every process of web, worker and beat to be gone",
    )
    assert status_of(f"{base}/admin/login/") is None
    assert "stopped" in log()


@pytest.mark.slow
def test_ctrl_c_stops_an_idle_instance_in_a_second_or_two_without_an_error(tmp_path):
    # The default worker of `make run` (two pool processes), idle.
    supervisor = Supervisor(tmp_path, embedded_env(tmp_path))
    try:
        supervisor.wait_ready()
        time.sleep(3)  # idle: nothing queued, every process waiting
        started = time.monotonic()
        supervisor.proc.send_signal(signal.SIGINT)
        assert supervisor.proc.wait(timeout=40) == 0, supervisor.log()
        took = time.monotonic() - started
        log = supervisor.log(tail=10**6)
        assert "did not stop within" not in log
        assert not re.search(r"\bERROR\b", log), log
        assert not processes_in_sessions(supervisor.sids), "a child outlived the supervisor"
        # Celery's warm shutdown of an idle worker: no task to wait for.
        assert took < 5, f"stopping took {took:.1f}s:\n{supervisor.log()}"
    finally:
        supervisor.stop()


def upload(base: str, path: Path) -> dict:
    """POST /api/v1/media as the admin, the way a client uploads a file."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n'.encode(),
            b"killed mid-encode\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="media_file"; '
            f'filename="{path.name}"\r\nContent-Type: video/mp4\r\n\r\n'.encode(),
            path.read_bytes(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    auth = base64.b64encode(f"chief:{ADMIN_PASSWORD}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - local test server
        f"{base}/api/v1/media",
        data=body,
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Basic {auth}",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        assert response.status == 201
        return json.load(response)


def encoding_of(db: Path, friendly_token: str) -> tuple[str, str, str]:
    with sqlite3.connect(db, timeout=20) as conn:
        return conn.execute(
            "SELECT uid, encoding_status, encoding_run FROM media_app_media "
            "WHERE friendly_token = ?",
            (friendly_token,),
        ).fetchone()


@pytest.mark.slow
def test_an_encode_whose_worker_is_killed_is_finished_by_the_next_make_run(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", size="1280x720", seconds=12)
    # The first worker encodes slowly, so that it is surely killed in the middle.
    slow = {"ENCODE_PRESET": "slower", "ENCODE_LADDER": "240,360,480,720"}
    first = Supervisor(tmp_path, embedded_env(tmp_path, **slow), name="first")
    try:
        first.wait_ready()
        token = upload(first.base, clip)["friendly_token"]
        uid = encoding_of(first.db, token)[0].replace("-", "")
        hls_root = tmp_path / "media" / "encoded" / uid / "hls"
        wait_for(
            lambda: next(hls_root.glob("*/240p/seg_*.m4s"), None),
            timeout=120,
            message=f"the first segments of the ladder:\n{first.log()}",
        )
        _, status, run = encoding_of(first.db, token)
        assert status == "running" and run
        worker = next(
            pid for pid in first.sids if b"\0worker\0" in Path(f"/proc/{pid}/cmdline").read_bytes()
        )
        os.killpg(worker, signal.SIGKILL)  # the worker, its pool and its ffmpeg
        assert first.proc.wait(timeout=40) == 1  # the supervisor stops the rest and says so
    finally:
        first.stop()
    assert encoding_of(first.db, token)[1] == "running"
    # What the worker was doing is still on disk, claimed by a consumer that no longer lives.
    assert list((tmp_path / "broker" / "processing").glob("*/*.msg"))

    second = Supervisor(tmp_path, embedded_env(tmp_path, ENCODE_LADDER=slow["ENCODE_LADDER"]))
    try:
        second.wait_ready()
        wait_for(
            lambda: encoding_of(second.db, token)[1] in ("success", "fail"),
            timeout=240,
            message=f"the next make run to finish the encode:\n{second.log()}",
        )
        _, status, second_run = encoding_of(second.db, token)
        assert status == "success", second.log()
        assert second_run == run  # the same run, redone: the message came back, not a new encode
        log = second.log(tail=10**6)
        assert "unacknowledged message(s) of a consumer that died back in the queue" in log
        # The step's lease (media_app/encoding/lease.py) was held by a process known to be gone
        # (this host, its pid and start time): the redelivery takes it over at once instead of
        # waiting for it to run out.
        assert "ladder taken over from" in log and "which is gone" in log
    finally:
        second.stop()
    assert not list((tmp_path / "broker" / "processing").glob("*/*.msg"))
