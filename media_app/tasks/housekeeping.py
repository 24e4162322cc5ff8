import logging

from celery import shared_task
from django.core.management import call_command

logger = logging.getLogger(__name__)


@shared_task(name="housekeeping.clear_sessions")
def clear_sessions() -> None:
    """Delete expired sessions (scheduled daily by beat)."""
    call_command("clearsessions")
    logger.info("expired sessions cleared")


@shared_task(name="housekeeping.ping")
def ping(value: str) -> str:
    """Echo: proves a worker consumes the short queue (used by readiness checks and tests)."""
    return value


@shared_task(name="housekeeping.expire_uploads")
def expire_uploads() -> int:
    """Delete resumable uploads abandoned for a day (scheduled by beat)."""
    from media_app.services.uploads import uploads_expire

    count = uploads_expire()
    logger.info("%d abandoned uploads deleted", count)
    return count


@shared_task(name="housekeeping.abort_s3_uploads")
def abort_s3_uploads() -> tuple[int, int]:
    """S3 mode: abort direct uploads abandoned for a day, and multipart uploads under the
    originals' prefix that no upload row knows (scheduled hourly by beat; a no-op on the
    filesystem). Their declared size stops counting against the owner's quota."""
    from media_app.services.uploads_s3 import s3_uploads_reap

    return s3_uploads_reap()


@shared_task(name="housekeeping.encoding_leases")
def encoding_leases() -> tuple[int, int]:
    """Start again, on another worker, the encodes whose worker was lost (its step's lease ran
    out: SIGKILL, OOM, node gone); scheduled by beat every 15 s. Reads and writes rows only, so
    it runs on the short queue, never behind the encodes it watches (media_app/encoding/lease.py).
    """
    from media_app.services.encoding import encoding_leases_sweep

    requeued, failed = encoding_leases_sweep()
    if requeued or failed:
        logger.warning("lost encodes: %d started again, %d failed", requeued, failed)
    return requeued, failed


@shared_task(name="housekeeping.encodings_pending")
def encodings_pending() -> int:
    """Send again the encode message of uploads the broker lost (never started; scheduled by
    beat every minute; media_app/services/encoding_pending.py)."""
    from media_app.services.encoding_pending import encodings_pending_requeue

    sent = encodings_pending_requeue()
    if sent:
        logger.warning("%d pending uploads sent to the encoders again", sent)
    return sent


@shared_task(name="housekeeping.storage_orphans")
def storage_orphans() -> int:
    """Delete stored files no media row owns once older than ORPHAN_GRACE_SECONDS: originals
    of media never created or gone, outputs of deleted media, runs no media uses (scheduled
    daily by beat; media_app/services/storage.py)."""
    from media_app.services.storage import storage_orphans_sweep

    return storage_orphans_sweep()


@shared_task(name="housekeeping.history_stamp")
def history_stamp() -> str:
    """Combine the heads of every media's history chain into the day's digest, time-stamped by
    HISTORY_TSA_URL when set (scheduled daily by beat; media_app/services/history.py). A failed
    authority leaves the day without a token; the next run asks again."""
    from media_app.services.history import history_stamp_make

    return history_stamp_make().digest


@shared_task(name="housekeeping.search_terms")
def search_terms() -> int:
    """Rebuild the word list "did you mean" draws from (listable media's words; scheduled by
    beat every ten minutes, a few seconds at 100,000 media: docs/search.md)."""
    from media_app.services.search import refresh_terms

    return refresh_terms()
