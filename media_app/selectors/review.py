"""The editors' review queue."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from media_app.models import Media
from media_app.selectors.media import sees_everything
from media_app.services.errors import NotAllowed


def media_review_queue(*, viewer) -> QuerySet[Media]:
    """Media waiting for an editor, oldest first.

    Waiting means not reviewed and either never decided by an editor (new uploads of people who
    are not verified, or a journalist's media hidden by reports) or reported since a rejection.
    A rejected upload with no reports has had its answer and leaves the queue.
    """
    if not sees_everything(viewer):
        raise NotAllowed("Only editors review media.")
    return (
        Media.objects.select_related("user")
        .filter(is_reviewed=False)
        .filter(Q(reviewed_by__isnull=True) | Q(reported_times__gt=0))
        .order_by("add_date", "id")
    )
