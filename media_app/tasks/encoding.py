"""Encoding tasks (long_tasks). The canvas is built in media_app.encoding.pipeline.

Each task takes ids, calls one service step and returns; the services record the outcome on the
media. Every ``encoding.*`` task acknowledges late and is requeued when its worker dies, so a
killed encode is redone by the next worker (the steps are idempotent). They are routed to
``long_tasks``; the encodes of unreviewed media are sent there with a lower priority, so workers
take them after everyone else's (``media_app.services.encoding.encoding_priority``).
"""

import functools
import logging

from celery import shared_task
from django.db import DatabaseError

from media_app.services import encoding as svc
from media_app.services import encoding_chunks as chunks

logger = logging.getLogger(__name__)

LONG = {"acks_late": True, "reject_on_worker_lost": True}


def _fail_on_bug(step):
    """A bug in a step ends the media ``fail`` (with the error named) instead of leaving it
    running forever; database outages propagate (the stuck-encoding job requeues later)."""

    @functools.wraps(step)
    def wrapper(media_id: int, run: str, *args):
        try:
            return step(media_id, run, *args)
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
    from media_app.encoding.pipeline import pipeline_start

    try:
        pipeline_start(media_id=media_id)
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
