"""Liveness for workers and beat: touch a file regularly so a probe needs no Python import."""

import threading
from pathlib import Path

from celery.signals import beat_init, worker_ready, worker_shutdown
from django.conf import settings

INTERVAL_SECONDS = 15
_stop = threading.Event()


def _beat(path: Path) -> None:
    while not _stop.wait(INTERVAL_SECONDS):
        path.touch()


def _start(**_kwargs) -> None:
    if not settings.CELERY_HEARTBEAT_FILE:
        return
    path = Path(settings.CELERY_HEARTBEAT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    threading.Thread(target=_beat, args=(path,), daemon=True, name="heartbeat").start()


worker_ready.connect(_start)
beat_init.connect(_start)
worker_shutdown.connect(lambda **_: _stop.set())
