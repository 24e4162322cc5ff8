"""What sits in the Redis broker's queues: proves a task was (or was not) handed to Celery."""

from __future__ import annotations

import base64
import json

import redis
from django.conf import settings


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def purge(queue: str) -> None:
    _client().delete(queue)


def queued(queue: str) -> list[tuple[str, list]]:
    """``[(task name, args), ...]`` waiting in ``queue``."""
    found = []
    for raw in _client().lrange(queue, 0, -1):
        message = json.loads(raw)
        body = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], body[0]))
    return found
