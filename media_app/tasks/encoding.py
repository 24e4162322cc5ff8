"""Encoding tasks (long_tasks). The canvas is built in media_app.tasks.pipeline.

Each task takes ids, calls one service step and returns; the services record the outcome on the
media (a bad input: failed, with the reason). Every task goes through one wrapper,
``encoding_step``: a transient error (the database connection dropped, the storage unreachable,
throttling or a 5xx from it) is retried with backoff as the task declares (``LONG``), and any
other error, or a transient one after the last retry, ends the encoding as failed with a reason
the owner reads. They are routed to ``long_tasks``; the encodes of unreviewed media are sent
there with a lower priority, so workers take them after everyone else's
(``media_app.services.encoding.encoding_priority``).

A worker can die in two ways. When only a pool process dies, ``acks_late`` +
``reject_on_worker_lost`` give the message back to the broker at once and the step is redone
(steps are idempotent). When the whole worker dies (SIGKILL, OOM of its main process, node
lost) the broker keeps the message for hours, so every step runs under a lease
(``media_app.encoding.lease``): its worker renews it while the step runs, and a sweep on
``short_tasks`` starts the encode again under a new run once it lapses (about a minute). A
second delivery of a step that already started is dropped (``Ignore``: no chain continues from
it), and a step whose lease was lost stops its ffmpeg and publishes nothing.
"""

import functools
import logging

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from celery import Task, current_task, shared_task
from celery.exceptions import Ignore
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from media_app.encoding import lease
from media_app.encoding.runner import Aborted, SourceLost
from media_app.services import encoding as svc
from media_app.services import encoding_chunks as chunks

logger = logging.getLogger(__name__)

# Retries of a step after a transient error (see ``transient_cause``), declared on every encoding
# task (Celery's ``autoretry_for``). The n-th retry waits a random time between 0 and
# min(STEP_RETRY_MAX_WAIT, STEP_RETRY_BACKOFF * 2**n) seconds ("full jitter", so that the steps
# of many media failing together do not come back together): up to about 30 minutes of outage
# in all, far below the 6-hour stuck sweep. Between two attempts the step holds no lease (the
# retry is the run's next message, queued before the lease is released), so the lease sweep
# does not start the encode again meanwhile.
STEP_RETRIES = 8
STEP_RETRY_BACKOFF = 10
STEP_RETRY_MAX_WAIT = 600

# S3 error codes that mean "try again later" whatever the HTTP status (Amazon S3, Ceph RGW,
# MinIO); every 5xx answer is transient too.
TRANSIENT_S3_CODES = frozenset(
    {
        "SlowDown",
        "RequestTimeout",
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalError",
        "ServiceUnavailable",
    }
)
# The database connection dropped or timed out (server restarted, failover, network cut).
_TRANSIENT_DB = (OperationalError, InterfaceError)
# The storage could not be reached or did not answer in time (SourceLost: ffmpeg reading the
# original from the bucket lost the connection, or got none).
_TRANSIENT_NETWORK = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
    SourceLost,
)


class TransientError(Exception):
    """A step met an error that may go away by itself; the task is retried with backoff."""


def transient_cause(exc: BaseException) -> BaseException | None:
    """The transient error behind ``exc``, if any: ``exc`` itself or an error it was raised from
    (boto3's S3UploadFailedError around a ClientError, for one). Transient: a dropped database
    connection, an unreachable storage, or a storage answer that says to try again (any 5xx,
    SlowDown, RequestTimeout, Throttling)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _TRANSIENT_DB + _TRANSIENT_NETWORK):
            return exc
        if isinstance(exc, ClientError):
            answer = exc.response or {}
            status = (answer.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
            code = (answer.get("Error") or {}).get("Code", "")
            return exc if status >= 500 or code in TRANSIENT_S3_CODES else None
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return None


class EncodingStep(Task):
    """Releases the step's lease once Celery has sent the canvas's next message (``after_return``
    runs after that, and after a retry's message is sent), so that no moment exists where the
    run holds no lease and no message."""

    def after_return(self, *args, **kwargs):
        lease.release_current()


LONG = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "base": EncodingStep,
    "autoretry_for": (TransientError,),
    "max_retries": STEP_RETRIES,
    "retry_backoff": STEP_RETRY_BACKOFF,
    "retry_backoff_max": STEP_RETRY_MAX_WAIT,
    "retry_jitter": True,
}


def _delivery_key() -> str | None:
    """The lease key of this delivery of the task: its id, and the retry's number from the
    first retry on (a retry is a new message with the same task id, not a second delivery of
    the one that failed)."""
    request = getattr(current_task, "request", None)
    task_id = getattr(request, "id", None)
    if task_id is None:
        return None
    retries = getattr(request, "retries", 0) or 0
    return f"{task_id}/retry-{retries}" if retries else task_id


def _retries_left() -> int:
    request = getattr(current_task, "request", None)
    if getattr(request, "id", None) is None:
        return 0  # called as a plain function: nothing would retry it
    return max(0, (current_task.max_retries or 0) - (getattr(request, "retries", 0) or 0))


def _reason(exc: BaseException, *, cause: BaseException | None, attempts: int) -> str:
    """What the owner reads on the failed media."""
    if isinstance(cause, _TRANSIENT_DB):
        where = "The database could not be reached"
    elif cause is not None:
        where = "The media storage failed"
    else:
        return f"Internal error while encoding ({exc!r:.300})."
    detail = f"{attempts} attempts: {cause!s:.200}"
    return f"{where} during encoding ({detail}). An editor can try again."


def encoding_step(step):
    """The one wrapper of every encoding task: runs the step under its lease
    (``media_app.encoding.lease``) when it belongs to a run, and decides what a failure means.

    * a second delivery of a started step, or a step whose run was superseded or whose lease was
      lost: dropped (``Ignore``), nothing recorded;
    * a transient error (:func:`transient_cause`) with retries left: :class:`TransientError`, which
      the task's ``autoretry_for`` turns into a retry with backoff;
    * anything else, and a transient error once the retries are used up: the encoding ends as
      failed with the reason (``services.encoding.encoding_fail``, which the owner sees), then
      the error propagates (the task fails; no chain continues from it).
    """

    @functools.wraps(step)
    def wrapper(media_id: int, *args):
        run = args[0] if args else None
        try:
            key = _delivery_key()
            if run is not None and key is not None:
                lease.acquire(media_id=media_id, run=run, task_id=key, task=step.__name__)
            return step(media_id, *args)
        except lease.Duplicate:
            logger.warning("media %s: %s delivered again; dropped", media_id, step.__name__)
            raise Ignore() from None
        except (Aborted, svc.Superseded) as exc:
            lease.drop_current()
            logger.warning(
                "media %s: %s stopped, nothing published (%s)", media_id, step.__name__, exc
            )
            raise Ignore() from None
        except Exception as exc:
            cause = transient_cause(exc)
            if cause is not None and _retries_left():
                logger.warning(
                    "media %s: %s met a transient error, retried: %r", media_id, step.__name__, exc
                )
                raise TransientError(f"{step.__name__} of media {media_id}: {exc!r:.300}") from exc
            logger.exception("encoding step %s of media %s failed", step.__name__, media_id)
            attempts = 1 + (getattr(getattr(current_task, "request", None), "retries", 0) or 0)
            if isinstance(cause, _TRANSIENT_DB) and not connection.in_atomic_block:
                connection.close()  # the next query opens a new connection
            _record_failure(media_id, run, _reason(exc, cause=cause, attempts=attempts))
            raise

    return wrapper


def _record_failure(media_id: int, run: str | None, reason: str) -> None:
    try:
        svc.encoding_fail(media_id=media_id, run=run, reason=reason)
    except DatabaseError:
        # Still no database: the lease lapses and the lease sweep (or the stuck sweep) decides.
        logger.exception("media %s: the failure could not be recorded", media_id)


@shared_task(name="encoding.media_encode", **LONG)
@encoding_step
def media_encode(media_id: int) -> None:
    """Entry point: probe, classify and start the rest of the pipeline for one media."""
    from media_app.tasks.pipeline import pipeline_start

    pipeline_start(media_id=media_id, task_id=_delivery_key())


@shared_task(name="encoding.ladder", **LONG)
@encoding_step
def ladder(media_id: int, run: str) -> None:
    svc.encoding_ladder(media_id=media_id, run=run)


@shared_task(name="encoding.audio_hls", **LONG)
@encoding_step
def audio_hls(media_id: int, run: str) -> None:
    svc.encoding_audio(media_id=media_id, run=run)


@shared_task(name="encoding.extras", **LONG)
@encoding_step
def extras(media_id: int, run: str) -> None:
    svc.encoding_extras(media_id=media_id, run=run)


@shared_task(name="encoding.finish", **LONG)
@encoding_step
def finish(media_id: int, run: str) -> None:
    svc.encoding_finish(media_id=media_id, run=run)


# Chord members store a (tiny) result: the chord counts them to know when to join.
@shared_task(name="encoding.chunk", ignore_result=False, **LONG)
@encoding_step
def chunk(media_id: int, run: str, index: int) -> int:
    chunks.encoding_chunk(media_id=media_id, run=run, index=index)
    return index


@shared_task(name="encoding.audio_track", ignore_result=False, **LONG)
@encoding_step
def audio_track(media_id: int, run: str) -> str:
    chunks.encoding_audio_track(media_id=media_id, run=run)
    return "audio"


@shared_task(name="encoding.join", **LONG)
@encoding_step
def join(media_id: int, run: str) -> None:
    chunks.encoding_join(media_id=media_id, run=run)


# The stuck-encoding check only reads and writes rows: it runs on the short queue so that it never
# waits behind the hour-long encodes it is meant to watch.
@shared_task(name="housekeeping.encodings_stuck")
def encodings_stuck() -> None:
    requeued, failed = svc.encodings_stuck_handle()
    logger.info("stuck encodings: %d requeued, %d failed", requeued, failed)


# Cleanup runs where the scratch space and the media volume are: on a long worker.
@shared_task(name="encoding.cleanup")
def encoding_cleanup() -> None:
    svc.encoding_scratch_cleanup()
