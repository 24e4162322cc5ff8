"""Celery beat that fires only while it holds a lease: at most one scheduler at any time.

Several beat processes may run (two replicas on different nodes, a rolling update, a node that
is partitioned but still running): each asks for one lease in Redis, the broker they all send
to, on every tick. The holder renews it; the others stand by, keeping their liveness heartbeat,
and take it over once the holder stops renewing (killed, node lost, cut off).

Why no two fire at once, even when a holder is frozen or cut off: the lease expires in Redis
``BEAT_LEASE_SECONDS`` after the holder's last renewal reached it, by Redis's own clock. The holder
counts from the moment *before* it sent that renewal, with its monotonic clock, and stops firing
:data:`SAFETY` of the lease earlier. So by the time anyone else can take the lease, the old
holder has already stopped, whatever happened to it meanwhile (a pause, a partition, a slow
network), and each due job is checked against the lease just before it is sent.

Why no period fires twice across a takeover: a holder records a job's run (``last_run_at`` in
django-celery-beat's table) *before* sending it, and a beat that takes the lease over reloads the
schedule from the database. A holder that dies between the record and the send loses that one
run (the next period runs as usual): every periodic job here is a sweep that catches up.

How fast a standby takes over: within the lease (20 s by default) plus one polling interval (a
quarter of the lease) after the holder's last renewal; a holder that stops cleanly hands the
lease back at once. With two replicas on different nodes a lost node stops beat for well under a
minute, not the five minutes Kubernetes waits before it reschedules a lost node's pods.

With a broker that is not Redis (the embedded default's file broker) the lease is a lock on a
file next to the broker's folders: the processes share one machine there.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from celery.beat import SchedulingError
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

# The holder stops firing this share of the lease before Redis can expire it.
SAFETY = 0.25

# Take the lease if it is free, renew it if it is ours; 1 when held, 0 when someone else has it.
_HOLD = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if not current then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLease:
    """One named lease in Redis, held by ``identity`` for ``seconds`` after each renewal."""

    def __init__(self, client, *, key: str, seconds: float, identity: str):
        self.client = client
        self.key = key
        self.seconds = seconds
        self.identity = identity
        self._valid_until = 0.0
        self._hold = client.register_script(_HOLD)
        self._release = client.register_script(_RELEASE)

    def hold(self) -> bool:
        """Take or renew the lease; True while it is ours. A Redis that does not answer changes
        nothing: a lease held stays valid until its local deadline, then lapses."""
        asked_at = time.monotonic()
        try:
            held = bool(self._hold(keys=[self.key], args=[self.identity, int(self.seconds * 1000)]))
        except Exception as exc:  # any client error: Redis unreachable, a failover
            logger.warning("beat lease: Redis did not answer (%s: %s)", type(exc).__name__, exc)
            return self.valid()
        self._valid_until = asked_at + self.seconds * (1 - SAFETY) if held else 0.0
        return held

    def valid(self) -> bool:
        return time.monotonic() < self._valid_until

    def release(self) -> None:
        self._valid_until = 0.0
        try:
            self._release(keys=[self.key], args=[self.identity])
        except Exception as exc:  # it expires by itself
            logger.warning("beat lease not released (%s); it expires by itself", exc)

    @property
    def poll_seconds(self) -> float:
        return self.seconds / 4


class FileLease:
    """An exclusive lock on a file (one machine: the embedded default). The kernel releases it
    when the process dies, so a standby takes over within one polling interval."""

    poll_seconds = 2.0

    def __init__(self, path: Path, identity: str):
        self.path = path
        self.identity = identity
        self._fh = None

    def hold(self) -> bool:
        if self._fh is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._fh = fh
        return True

    def valid(self) -> bool:
        return self._fh is not None

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def _identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def redis_client(broker_url: str):
    """A redis-py client for the broker's Redis (following the Sentinels when there are)."""
    import redis
    from redis.sentinel import Sentinel

    timeout = max(0.5, settings.BEAT_LEASE_SECONDS / 10)
    if broker_url.startswith("sentinel://"):
        sentinel = Sentinel(
            settings.REDIS_SENTINELS,
            socket_timeout=timeout,
            sentinel_kwargs=settings.REDIS_SENTINEL_KWARGS,
        )
        db = int(urlsplit(settings.REDIS_URL).path.strip("/") or 0)
        return sentinel.master_for(
            settings.REDIS_MASTER_NAME,
            db=db,
            password=settings.REDIS_PASSWORD or None,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
    return redis.Redis.from_url(broker_url, socket_timeout=timeout, socket_connect_timeout=timeout)


def lease_for(broker_url: str):
    """The lease every beat of this deployment competes for."""
    identity = _identity()
    if broker_url.startswith(("redis://", "rediss://", "sentinel://")):
        return RedisLease(
            redis_client(broker_url),
            key=settings.BEAT_LEASE_KEY,
            seconds=settings.BEAT_LEASE_SECONDS,
            identity=identity,
        )
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in")
    base = Path(folder).parent if folder else Path(settings.BASE_DIR) / "var"
    return FileLease(base / "beat.lock", identity)


class LeasedScheduler(DatabaseScheduler):
    """django-celery-beat's database scheduler, firing only while it holds the beat lease."""

    def __init__(self, *args, **kwargs):
        self.lease = lease_for(settings.CELERY_BROKER_URL)
        self._holding = False
        super().__init__(*args, **kwargs)
        logger.info("beat %s: waiting for the lease", self.lease.identity)

    def tick(self, *args, **kwargs):
        if not self.lease.hold():
            if self._holding:
                logger.warning("beat %s: lease lost; standing by", self.lease.identity)
                self._holding = False
            return self.lease.poll_seconds
        if not self._holding:
            logger.warning("beat %s: holds the lease; scheduling", self.lease.identity)
            self._holding = True
            # Another beat may have fired jobs since this one last read them.
            self._dirty.clear()
            self._initial_read = True
            self._heap = None
        return min(super().tick(*args, **kwargs), self.lease.poll_seconds)

    def reserve(self, entry):
        new_entry = super().reserve(entry)
        # django-celery-beat keeps the fired entry in its schedule, with the old last run: when
        # the heap is rebuilt before the next reload (a change to any job, by anyone) the job
        # would look due again and fire twice. Celery's own Scheduler stores the new entry.
        if self._schedule is not None and new_entry.name in self._schedule:
            self._schedule[new_entry.name] = new_entry
        # Recorded before it is sent: a beat taking over never sends this period again.
        self.sync()
        return new_entry

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        if not self.lease.valid():
            raise SchedulingError(f"not sent: beat {self.lease.identity} no longer holds the lease")
        return super().apply_async(entry, producer=producer, advance=advance, **kwargs)

    def close(self):
        try:
            super().close()
        finally:
            self.lease.release()
