"""Encoding tasks (long_tasks). The canvas is built in media_app.tasks.pipeline.

Each task takes ids, calls one service step and returns; the services record the outcome on the
media. They are routed to ``long_tasks``; the encodes of unreviewed media are sent there with a
lower priority, so workers take them after everyone else's
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

from celery import Task, current_task, shared_task
from celery.exceptions import Ignore
from django.db import DatabaseError

from media_app.encoding import lease
from media_app.encoding.runner import Aborted
from media_app.services import encoding as svc
from media_app.services import encoding_chunks as chunks

logger = logging.getLogger(__name__)


class EncodingStep(Task):
    """Releases the step's lease once Celery has sent the canvas's next message (``after_return``
    runs after that), so that no moment exists where the run holds no lease and no message."""

    def after_return(self, *args, **kwargs):
        lease.release_current()


LONG = {"acks_late": True, "reject_on_worker_lost": True, "base": EncodingStep}


def _task_id() -> str | None:
    request = getattr(current_task, "request", None)
    return getattr(request, "id", None)


def _fail_on_bug(step):
    """Runs the step under its lease (``media_app.encoding.lease``). A bug in a step ends the
    media ``fail`` (with the error named) instead of leaving it running forever; database outages
    propagate (the lease lapses and the sweep starts the encode again)."""

    @functools.wraps(step)
    def wrapper(media_id: int, run: str, *args):
        task_id = _task_id()
        try:
            if task_id is not None:
                lease.acquire(media_id=media_id, run=run, task_id=task_id, task=step.__name__)
            return step(media_id, run, *args)
        except lease.Duplicate:
            logger.warning("media %s: %s delivered again; dropped", media_id, step.__name__)
            raise Ignore() from None
        except (Aborted, svc.Superseded) as exc:
            lease.drop_current()
            logger.warning(
                "media %s: %s stopped, nothing published (%s)", media_id, step.__name__, exc
            )
            raise Ignore() from None
        except DatabaseError:
            raise
        except Exception as exc:
            logger.exception("encoding step %s of media %s crashed", step.__name__, media_id)
            svc.encoding_fail(
                media_id=media_id, run=run, reason=f"Internal error while encoding ({exc!r:.300})."
            )
            raise

    return wrapper


@shared_task(name="encoding.media_encode", **LONG)
def media_encode(media_id: int) -> None:
    """Entry point: probe, classify and start the rest of the pipeline for one media."""
    from media_app.tasks.pipeline import pipeline_start

    try:
        pipeline_start(media_id=media_id, task_id=_task_id())
    except (Aborted, svc.Superseded) as exc:
        lease.drop_current()
        logger.warning("media %s: the start stopped, nothing published (%s)", media_id, exc)
        raise Ignore() from None
    except DatabaseError:
        raise
    except Exception as exc:
        logger.exception("encoding of media %s crashed at the start", media_id)
        svc.encoding_fail(
            media_id=media_id, run=None, reason=f"Internal error while encoding ({exc!r:.300})."
        )
        raise


@shared_task(name="encoding.ladder", **LONG)
@_fail_on_bug
def ladder(media_id: int, run: str) -> None:
    svc.encoding_ladder(media_id=media_id, run=run)


@shared_task(name="encoding.audio_hls", **LONG)
@_fail_on_bug
def audio_hls(media_id: int, run: str) -> None:
    svc.encoding_audio(media_id=media_id, run=run)


@shared_task(name="encoding.extras", **LONG)
@_fail_on_bug
def extras(media_id: int, run: str) -> None:
    svc.encoding_extras(media_id=media_id, run=run)


@shared_task(name="encoding.finish", **LONG)
@_fail_on_bug
def finish(media_id: int, run: str) -> None:
    svc.encoding_finish(media_id=media_id, run=run)


# Chord members store a (tiny) result: the chord counts them to know when to join.
@shared_task(name="encoding.chunk", ignore_result=False, **LONG)
@_fail_on_bug
def chunk(media_id: int, run: str, index: int) -> int:
    chunks.encoding_chunk(media_id=media_id, run=run, index=index)
    return index


@shared_task(name="encoding.audio_track", ignore_result=False, **LONG)
@_fail_on_bug
def audio_track(media_id: int, run: str) -> str:
    chunks.encoding_audio_track(media_id=media_id, run=run)
    return "audio"


@shared_task(name="encoding.join", **LONG)
@_fail_on_bug
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
