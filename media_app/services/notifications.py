"""Messages to people; sending happens on the short queue, never inside a request."""

from __future__ import annotations

from celery import current_app
from django.db.models import Q

from media_app.models import User


def editor_emails() -> list[str]:
    editors = User.objects.filter(Q(is_editor=True) | Q(is_superuser=True), is_active=True)
    return sorted(set(editors.exclude(email="").values_list("email", flat=True)))


#: The registered name of ``media_app.tasks.notifications.send_reported_media_notice``: sent
#: by name, as services never import tasks (pyproject.toml's layers contract).
REPORTED_MEDIA_TASK = "notifications.reported_media"


def notify_editors_of_reports(*, media_id: int) -> None:
    current_app.send_task(REPORTED_MEDIA_TASK, args=(media_id,))
