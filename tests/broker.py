"""What sits in the Redis broker's queues: proves a task was (or was not) handed to Celery."""

from __future__ import annotations

import base64
import json

import redis
from django.conf import settings
from kombu.transport.redis import PRIORITY_STEPS
from kombu.transport.redis import Channel as RedisChannel


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def purge(queue: str) -> None:
    _client().delete(*(priority_key(queue, step) for step in PRIORITY_STEPS))


def priority_key(queue: str, priority: int) -> str:
    """The Redis list holding ``queue``'s messages of one priority step: kombu keeps priority 0
    in the queue's own list and each other step in ``<queue><sep><step>``, taken after it."""
    step = max(s for s in PRIORITY_STEPS if s <= priority)
    return f"{queue}{RedisChannel.sep}{step}" if step else queue


def queued_with_priority(queue: str) -> list[tuple[str, list, int]]:
    """``[(task name, args, priority), ...]`` waiting in ``queue``, list by list in the order a
    worker takes them (priority 0 first)."""
    found = []
    for step in PRIORITY_STEPS:
        for raw in _client().lrange(priority_key(queue, step), 0, -1):
            message = json.loads(raw)
            body = json.loads(base64.b64decode(message["body"]))
            priority = message["properties"].get("priority") or 0
            found.append((message["headers"]["task"], body[0], priority))
    return found


def queued(queue: str) -> list[tuple[str, list]]:
    """``[(task name, args), ...]`` waiting in ``queue``, whatever their priority."""
    return [(task, args) for task, args, _ in queued_with_priority(queue)]
