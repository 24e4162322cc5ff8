"""Health endpoints: liveness and readiness of this process, and the state of its dependencies.

``/healthz`` (liveness) answers as long as the process can run a view: restarting a container
cannot fix a database outage, so liveness must not depend on one.

``/readyz`` (readiness) says whether *this process* can take requests; it touches no backing
service either. Every pod shares the same PostgreSQL and Redis, so a readiness that asked them
would, on a Redis blip or a CloudNativePG switchover, take every pod out of its Service at once
and turn a few seconds of degraded answers (pages that need no Redis keep working, the cache is
optional) into a complete outage with nothing but 502s, and bring them back only after the
probe's next successes.

``/healthz/dependencies`` asks PostgreSQL and Redis (the Redis that takes writes) and answers 503
when one fails: for monitoring, alerts and the operator, never a probe. None of them says more
than which check failed.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not ready"; the log says which
        logger.warning("readiness: database check failed", exc_info=True)
        return False


def _redis_client() -> redis.Redis:
    """The Redis that takes writes: through the Sentinels when there are some (a replica
    answering PING is no proof the broker works), else REDIS_URL."""
    timeouts = {
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
    }
    if settings.REDIS_SENTINELS:
        from redis.sentinel import Sentinel

        sentinel = Sentinel(
            settings.REDIS_SENTINELS,
            sentinel_kwargs={**timeouts, **settings.REDIS_SENTINEL_KWARGS},
            password=settings.REDIS_PASSWORD or None,
            **timeouts,
        )
        return sentinel.master_for(settings.REDIS_MASTER_NAME)
    return redis.Redis.from_url(settings.REDIS_URL, **timeouts)


def _redis_ok() -> bool:
    client = _redis_client()
    try:
        return bool(client.ping())
    except redis.RedisError:
        logger.warning("readiness: Redis check failed", exc_info=True)
        return False
    finally:
        client.close()


@never_cache
@require_GET
def readyz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def dependencies(request):
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    ok = all(checks.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {name: "ok" if good else "failed" for name, good in checks.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)
