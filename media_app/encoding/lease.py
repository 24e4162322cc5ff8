"""Leases of running encoding steps, the sweep that requeues lapsed ones, and the fence.

DESIGN (issue 12, point 17: "a killed worker's encode waits six hours")

Celery's ``acks_late`` + ``reject_on_worker_lost`` only cover the death of a pool child: when the
whole worker dies (SIGKILL of its main process, an OOM kill, ``docker kill``, a lost node), the
Redis transport hands the message it held to another worker only after the visibility timeout
(6 h, above the longest encode), and nothing else noticed sooner. We chose a lease per running
step, kept in the database, over a broker with real acknowledgements (RabbitMQ quorum queues
redeliver when the consumer's connection drops): the database is already the source of truth of
an encode's state, the embedded default (SQLite and the file broker) gets the same guarantee with
no server, and compose and Kubernetes keep one broker (Redis) instead of adding a RabbitMQ
cluster of three nodes with its own storage, monitoring and upgrades. The cost: two small
UPDATEs per running step every ``ENCODE_LEASE_SECONDS / 6`` seconds, and a sweep every 15 s.

* Taking: a step that starts inserts ``EncodingLease(media, run, task_id)`` while it holds the
  media row's lock, and only if the run is still the media's running one. ``expires_at`` is set
  from the database's clock (``Now() + ENCODE_LEASE_SECONDS``), never a worker's.
* A second delivery of the same message finds the row. If the row's holder is known to be dead
  (it ran on this host and its process, pid and start time, is gone: a pool process killed
  under a live worker, whose message ``reject_on_worker_lost`` hands back at once; a container
  restarted with a cold shutdown; the next ``make run`` recovering the file broker's claim) the
  delivery takes the lease over and redoes the step in the same run. Otherwise it is dropped
  (Redis redelivering after its visibility timeout, a holder on another machine): the step
  never runs twice at once.
* Keeping: a thread of the worker process renews the row every sixth of the lease. A renewal
  that finds the row gone or lost (the sweep took it), or the run superseded, or that cannot
  reach the database for three quarters of the lease, kills the step's tools
  (``runner.abort``) and the step ends without recording anything: a worker cut off from the
  database stops before anyone may take its place.
* Releasing: when the step has returned and Celery has sent the next step of the canvas, the row
  is marked ``done`` (kept as a tombstone for the redelivery check above).
* The sweep (``housekeeping.encoding_leases``, every 15 s on ``short_tasks``): a running run with
  a row not done whose ``expires_at`` has passed lost its worker. Under the media row's lock it
  marks the run's rows lost, drops an unfinished early master playlist of that run from the
  media (viewers never get a truncated ladder) and starts the encode again under a new run
  (``encoding_requeue``), or fails it after ``ENCODE_MAX_ATTEMPTS`` runs.
* The fence: the run token. Every publishing write of a step (``hls_file``, the renditions'
  rows, the final status) is a conditional write on the media's current run, made while holding
  the media row's lock (``services.encoding._fenced``); the sweep changes the token under the
  same lock. A zombie (a frozen worker that wakes up, a partitioned one) therefore can never
  publish over the newer run; it writes only under its own run's folders, which the cleanup
  removes. Posters, thumbnails and sprites are shared names, rewritten with the same content.

A kill is therefore noticed within ``ENCODE_LEASE_SECONDS`` (60 s) plus one sweep (15 s), and a
free worker starts the new run at once. Steps queued behind others hold no lease (queue waits are
never mistaken for deaths).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Now

from media_app.encoding import runner
from media_app.models import EncodingLease, Media

logger = logging.getLogger(__name__)

RUNNING = Media.EncodingStatus.RUNNING
#: Seconds between two runs of the sweep (its beat job, migration 0013).
SWEEP_EVERY_SECONDS = 15


def lease_seconds() -> int:
    return settings.ENCODE_LEASE_SECONDS


def renew_every() -> float:
    return max(0.5, lease_seconds() / 6)


def give_up_after() -> float:
    """Seconds without a successful renewal after which a holder stops its step by itself."""
    return lease_seconds() * 0.75


def _expiry():
    return Now() + timedelta(seconds=lease_seconds())


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat``, field 22):
    with the pid, it names one process for good, even once the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid()) or '?'}"


def _provably_dead(holder: str) -> bool:
    """Whether the process named by ``holder`` is known to be gone: it ran on this host (the same
    container after a restart, the same machine for ``make run``) and no process with its pid
    and start time exists any more. A holder on another host is never presumed dead: only its
    lease running out says so."""
    host, _, rest = holder.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit() or started in ("", "?"):
        return False
    return _start_time(int(pid)) != started


class Duplicate(Exception):
    """This delivery of a step already started once: it must not run again."""


def take(*, media_id: int, run: str, task_id: str, task: str) -> EncodingLease | None:
    """Take the lease of one step delivery, in the caller's transaction (which must hold the
    media row's lock). ``None`` when the run is over or superseded (the step skips itself);
    :class:`Duplicate` when this delivery already started once."""
    current = Media.objects.filter(pk=media_id, encoding_run=run, encoding_status=RUNNING)
    if not current.exists():
        return None
    existing = EncodingLease.objects.filter(media_id=media_id, task_id=task_id).first()
    if existing is not None:
        return _take_over(existing, run=run)
    try:
        with transaction.atomic():
            return EncodingLease.objects.create(
                media_id=media_id,
                run=run,
                task_id=task_id,
                task=task,
                holder=_holder(),
                expires_at=_expiry(),
            )
    except IntegrityError as exc:  # another delivery inserted it first
        raise Duplicate(task_id) from exc


def _take_over(existing: EncodingLease, *, run: str) -> EncodingLease:
    """A second delivery of a step: it runs only in place of a holder known to be dead (a pool
    process killed under a live worker, a container restarted, ``make run`` started again),
    when the broker hands the message back at once; otherwise it is dropped, and a dead holder
    on another machine is replaced through the sweep once its lease runs out."""
    if existing.done or not _provably_dead(existing.holder):
        raise Duplicate(existing.task_id)
    taken = EncodingLease.objects.filter(pk=existing.pk, holder=existing.holder, done=False).update(
        run=run, holder=_holder(), expires_at=_expiry()
    )
    if not taken:
        raise Duplicate(existing.task_id)
    logger.warning(
        "media %s: %s taken over from %s, which is gone",
        existing.media_id,
        existing.task,
        existing.holder,
    )
    existing.refresh_from_db()
    return existing


def acquire(*, media_id: int, run: str, task_id: str, task: str) -> Keeper | None:
    """Take and keep the lease of a step of a run that already exists."""
    with transaction.atomic():
        locked = Media.objects.select_for_update().filter(pk=media_id).values_list("pk")
        if not list(locked):
            return None
        row = take(media_id=media_id, run=run, task_id=task_id, task=task)
    return keep(row) if row is not None else None


def is_duplicate(*, media_id: int, task_id: str) -> bool:
    """For the first step, which starts a new run: a second delivery of it starts nothing unless
    the process that took the first one is known to be dead (then its new run replaces the one
    that process started)."""
    existing = EncodingLease.objects.filter(media_id=media_id, task_id=task_id).first()
    return existing is not None and (existing.done or not _provably_dead(existing.holder))


# --- keeping ----------------------------------------------------------------------------------

_current: Keeper | None = None


class Keeper:
    """Renews one lease from a thread until :meth:`release`; kills the step's tools when the lease
    is lost or cannot be renewed in time."""

    def __init__(self, row: EncodingLease):
        self.id, self.media_id, self.run, self.task = row.pk, row.media_id, row.run, row.task
        self.holder = row.holder
        self._stop = threading.Event()
        self.lost: str | None = None
        self._thread = threading.Thread(target=self._loop, daemon=True, name="encoding-lease")

    def start(self) -> Keeper:
        runner.reset()
        self._thread.start()
        return self

    def renew(self) -> bool:
        """One renewal: ``False`` when the lease is no longer ours."""
        return bool(
            EncodingLease.objects.filter(
                pk=self.id,
                holder=self.holder,
                done=False,
                media__encoding_run=F("run"),
                media__encoding_status=RUNNING,
            ).update(expires_at=_expiry())
        )

    def _loop(self) -> None:
        last_ok = time.monotonic()
        try:
            while not self._stop.wait(renew_every()):
                asked = time.monotonic()
                try:
                    ok = self.renew()
                except DatabaseError as exc:
                    logger.warning("media %s: lease not renewed (%s)", self.media_id, exc)
                    connection.close()
                else:
                    if not ok:
                        self._lose("its lease was taken (the run was superseded or swept)")
                        return
                    last_ok = asked
                if time.monotonic() - last_ok > give_up_after():
                    self._lose(f"its lease could not be renewed for {give_up_after():.0f} s")
                    return
        finally:
            connection.close()

    def _lose(self, why: str) -> None:
        self.lost = why
        logger.warning("media %s run %s: %s stops, %s", self.media_id, self.run, self.task, why)
        runner.abort(f"{self.task} of media {self.media_id} stopped: {why}")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def release(self) -> None:
        """The step is over (and the canvas's next message sent): the row becomes a tombstone."""
        self.stop()
        EncodingLease.objects.filter(pk=self.id).update(done=True)


def keep(row: EncodingLease) -> Keeper:
    global _current
    if _current is not None:
        _current.stop()
    _current = Keeper(row).start()
    return _current


def release_current() -> None:
    """Called once the step's task has returned (``EncodingStep.after_return``)."""
    global _current
    keeper, _current = _current, None
    if keeper is not None:
        keeper.release()


def drop_current() -> None:
    """The step stopped because its lease was lost: stop renewing, leave the row to the sweep."""
    global _current
    keeper, _current = _current, None
    if keeper is not None:
        keeper.stop()


# --- what viewers may see --------------------------------------------------------------------


def run_is_dead(*, media_id: int, run: str) -> bool:
    """A step of the run lost its worker and the sweep has not replaced the run yet."""
    return EncodingLease.objects.filter(
        media_id=media_id, run=run, done=False, expires_at__lt=Now()
    ).exists()


def hls_is_servable(media: Media) -> bool:
    """Whether the API may hand out ``media.hls_file``: a finished run's master, or the early
    master of a run that is still being encoded by a live worker; never the unfinished master of
    a run that died, failed or was replaced."""
    if not media.hls_file:
        return False
    if media.encoding_status == Media.EncodingStatus.SUCCESS:
        return True
    if not media.encoding_run or f"/hls/{media.encoding_run}/" not in media.hls_file:
        return True  # the previous complete encode, served while a new one runs
    if media.encoding_status != RUNNING:
        return False
    return not run_is_dead(media_id=media.pk, run=media.encoding_run)


# --- the sweep -------------------------------------------------------------------------------


def lapsed_runs() -> list[tuple[int, str]]:
    """``(media_id, run)`` of running encodes with a step whose lease ran out; the sweep that
    starts them again is ``media_app.services.encoding.encoding_leases_sweep``."""
    return list(
        EncodingLease.objects.filter(
            done=False,
            expires_at__lt=Now(),
            run=F("media__encoding_run"),
            media__encoding_status=RUNNING,
        )
        .values_list("media_id", "run")
        .distinct()
    )


def lapsed_ids(media_id: int, run: str) -> list[int]:
    return list(
        EncodingLease.objects.filter(
            media_id=media_id, run=run, done=False, expires_at__lt=Now()
        ).values_list("pk", flat=True)
    )


def forget_old_rows() -> int:
    """Tombstones outlive any redelivery: the broker's visibility timeout plus an hour."""
    keep_for = timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT + 3600)
    deleted, _ = EncodingLease.objects.filter(add_date__lt=Now() - keep_for).delete()
    return deleted
