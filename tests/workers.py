"""Real Celery worker processes for tests (never eager mode).

A worker started here talks to the same Redis broker and the same *test* database as the test
process, so tests that use it need ``@pytest.mark.django_db(transaction=True)``: rows must be
committed for another process to see them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(
    predicate: Callable[[], object],
    *,
    timeout: float,
    interval: float = 0.2,
    message: str = "condition",
) -> object:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@contextmanager
def celery_worker(
    *,
    queues: str = "short_tasks,long_tasks",
    concurrency: int = 1,
    extra_env: dict | None = None,
    name: str = "test",
    purge: bool = True,
) -> Iterator[subprocess.Popen]:
    """Start ``celery worker`` as a child process; stop it (or reap it if a test killed it).

    Queues are purged first so that messages left by an earlier run are not consumed; a test
    that queues its messages before the worker starts (to see the order it takes them in)
    purges itself and passes ``purge=False``.
    """
    from openpress.celery import app

    if purge:
        app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openpress.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **(extra_env or {}),
    }
    log = open(Path(settings.MEDIA_ROOT).parent / f"worker-{name}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "openpress",
            "worker",
            "-Q",
            queues,
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "-n",
            f"{name}-{os.getpid()}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
