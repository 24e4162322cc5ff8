"""Messages to people; sending happens on the short queue, never inside a request."""

from __future__ import annotations

from django.db.models import Q

from media_app.models import User


def editor_emails() -> list[str]:
    editors = User.objects.filter(Q(is_editor=True) | Q(is_superuser=True), is_active=True)
    return sorted(set(editors.exclude(email="").values_list("email", flat=True)))


def notify_editors_of_reports(*, media_id: int) -> None:
    from media_app.tasks.notifications import send_reported_media_notice

    send_reported_media_notice.delay(media_id)
