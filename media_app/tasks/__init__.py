"""Celery tasks. Names are permanent; the name's family (``encoding.``, ``housekeeping.``,
``notifications.``, ``social.``) routes the task to its queue (settings.CELERY_TASK_ROUTES)."""

from media_app.tasks import encoding, heartbeat, housekeeping, notifications

__all__ = ("encoding", "heartbeat", "housekeeping", "notifications")
