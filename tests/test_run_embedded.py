"""The embedded default (``make run``) for real: SQLite, the file broker, web, worker and beat.

The supervisor ``scripts/run_embedded.py`` runs in a temporary folder (database, broker, media)
on a free port. The test waits for the site to answer, then schedules a job in beat's database
scheduler that clears expired sessions: the session disappears from the SQLite file only if beat
sent the task through the file broker and the worker ran it. A Ctrl-C (SIGINT) to the supervisor
must then stop every process it started.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

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


@pytest.fixture
def embedded(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL", "MEDIA_ROOT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="openpress.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        CELERY_BROKER_URL=f"filesystem://{tmp_path}/broker",
        MEDIA_ROOT=str(tmp_path / "media"),
        OPENPRESS_ADMIN_USER="chief",
        OPENPRESS_ADMIN_PASSWORD=ADMIN_PASSWORD,
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "run.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed in the teardown below
    proc = subprocess.Popen(
        [sys.executable, "scripts/run_embedded.py", "--port", str(port), "--concurrency", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    instance = {
        "proc": proc,
        "base": f"http://127.0.0.1:{port}",
        "db": tmp_path / "db.sqlite3",
        "env": env,
        "log": lambda: log_path.read_text(errors="replace")[-6000:],
    }
    try:
        yield instance
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for sid in instance.get("sids", ()):
            # Whatever the test asserted, leave no process behind.
            for line in processes_in_sessions({sid}):
                os.kill(int(line.split()[0]), signal.SIGKILL)
        log.close()


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
    assert "beat --scheduler django_celery_beat.schedulers:DatabaseScheduler" in commands

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
