"""Health endpoints for probes: liveness touches nothing, readiness asks the backing services.

``/healthz`` answers as long as the process can run a view: restarting a container cannot fix a
database outage, so liveness must not depend on one (a PostgreSQL or Redis outage would otherwise
restart every pod in a loop). ``/readyz`` says whether this process can serve traffic now:
the database and Redis both answer. Neither says more than which check failed.
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
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    ready = all(checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)
