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
