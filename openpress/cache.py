"""The cache: Django's Redis cache, except that a Redis that does not answer is a cache miss.

Everything OpenPress keeps in the cache can be recomputed (answers for anonymous readers, the
listing namespace, throttle counters), so a Redis restart, a failover or a partition must slow
the site down, not take it down. Django's ``RedisCache`` raises ``ConnectionError`` from every
call instead, and redis-py (6 and newer) first retries three times with a backoff of up to 10 s:
while Redis was down, ``GET /api/v1/media/<token>`` answered 500 after about 10 s.

Here a call that cannot reach Redis (refused, reset, timed out, no master from the Sentinels)
is answered as a miss: ``get`` returns the default, writes are dropped, ``add`` says the key was
not added, ``incr`` that the key is missing. The first failure is logged once as a warning; for
:data:`RETRY_AFTER_SECONDS` after it no call tries Redis again (so a Redis that hangs costs one
request a timeout, not every request), and the first call that gets through afterwards logs
that the cache answers again. Connections give up after :data:`SOCKET_TIMEOUT_SECONDS`, and
the name lookup of Redis's host after :data:`RESOLVE_TIMEOUT_SECONDS`: once compose's Redis
container is stopped its name no longer resolves, and the lookup, which no socket timeout
bounds, waited 20 s on every request (measured in the stack test).

Counters that guard secrets (wrong second-factor codes, wrong current passwords) must not be
bypassed by an outage: code that reads them does so inside :func:`strict`, where an unreachable
Redis raises :class:`CacheUnavailable` instead of answering a miss, and refuses the attempt.

Sessions are not kept in the cache (``SESSION_ENGINE`` is the database backend): a logout or
a revoked session must not come back from a cache that missed the deletion while it was away.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# A cache call waits at most this long for Redis (connect, or an answer); a cache read that
# takes longer than a database query is worth nothing.
SOCKET_TIMEOUT_SECONDS = 0.5
# After a failure, calls skip Redis for this long: one request per interval pays the timeout.
RETRY_AFTER_SECONDS = 5.0
RESOLVE_TIMEOUT_SECONDS = 1.0
# Name lookups run here, so that a request stops waiting for one after RESOLVE_TIMEOUT_SECONDS
# (a lookup cannot be interrupted; a slow one finishes in the background).
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cache-dns")
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# One retry on a fresh connection, at once: a pooled connection that Redis closed (a restart)
# fails its first command; the backoff of redis-py's default (up to 10 s) would stall requests.
_RETRY = Retry(NoBackoff(), 1)
_strict: ContextVar[bool] = ContextVar("openpress_cache_strict", default=False)


class CacheUnavailable(Exception):
    """Raised inside :func:`strict` when the cache cannot be reached."""


@contextmanager
def strict() -> Iterator[None]:
    """Within this block an unreachable cache raises :class:`CacheUnavailable` (for counters
    that must fail closed). Other cache backends are not affected: they raise their own errors."""
    token = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(token)


class _BoundedLookupConnection(Connection):
    """redis-py's TCP connection, giving up when its host's name does not resolve in time."""

    # host -> time.monotonic() until which it is known not to resolve: the retry of the same
    # call (and the other threads) fail at once instead of waiting once more.
    _unresolved: dict[str, float] = {}

    def _connect(self):
        if time.monotonic() < self._unresolved.get(self.host, 0.0):
            raise RedisTimeoutError(f"{self.host} did not resolve a moment ago")
        lookup = _resolver.submit(socket.getaddrinfo, self.host, self.port, 0, socket.SOCK_STREAM)
        try:
            lookup.result(timeout=RESOLVE_TIMEOUT_SECONDS)
        except FutureTimeout:
            self._unresolved[self.host] = time.monotonic() + RETRY_AFTER_SECONDS
            raise RedisTimeoutError(
                f"{self.host} did not resolve within {RESOLVE_TIMEOUT_SECONDS} s"
            ) from None
        # Resolved in time: the connection looks the name up again, as quickly.
        return super()._connect()


class _Client(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        return self._client(connection_pool=pool, retry=_RETRY)


class ResilientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that answers a miss while Redis is away.

    ``OPTIONS`` may set ``socket_timeout`` / ``socket_connect_timeout`` (seconds); they default
    to :data:`SOCKET_TIMEOUT_SECONDS`.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client
        self._options = {
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
            "retry": _RETRY,
            **self._options,
        }
        if "pool_class" not in self._options and all(
            s.startswith("redis://") for s in self._servers
        ):
            # Plain TCP (not TLS, not Sentinel, whose pools bring their own connections).
            self._options.setdefault("connection_class", _BoundedLookupConnection)
        self._where = ", ".join(urlsplit(s).netloc.rpartition("@")[2] for s in self._servers)
        self._lock = threading.Lock()
        self._down_until = 0.0  # time.monotonic() before which Redis is not asked
        self._down = False

    # --- the outage state -------------------------------------------------------------------

    def _call(self, miss, method, *args):
        if self._down and time.monotonic() < self._down_until:
            if _strict.get():
                raise CacheUnavailable(f"cache at {self._where} unreachable")
            return miss
        try:
            result = method(*args)
        except UNREACHABLE as exc:
            with self._lock:
                first = not self._down
                self._down = True
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            if first:
                logger.warning(
                    "cache at %s unreachable (%s: %s); answering uncached until it is back",
                    self._where,
                    type(exc).__name__,
                    exc,
                )
            if _strict.get():
                raise CacheUnavailable(f"cache at {self._where} unreachable") from exc
            return miss
        if self._down:
            with self._lock:
                was_down, self._down = self._down, False
            if was_down:
                logger.warning("cache at %s answers again", self._where)
        return result

    # --- Django's cache API -----------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call(missing, super().incr, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
