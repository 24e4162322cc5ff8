"""Reads of corrections, history chains and stamps, with the media visibility rule applied
(a correction or an entry is seen by whoever may see its media)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from media_app.models import Correction, HistoryEntry, HistoryStamp, Media
from media_app.selectors.media import sees_everything

# How many corrections the detail answer carries (the rest: /media/<token>/corrections).
DETAIL_CORRECTIONS = 10


def corrections_of(*, media: Media) -> QuerySet[Correction]:
    """The corrections of a media the caller may see, newest first."""
    return (
        Correction.objects.filter(media=media)
        .select_related("created_by", "media", "media__user")
        .order_by("-created_at", "-id")
    )


def corrections_visible(*, user) -> QuerySet[Correction]:
    """Site-wide: corrections on media this user may find, newest first: public and reviewed
    (retracted media included: its notice is the point), their own, or all for editors.
    Unlisted media's notices stay on its own page: listing them would give its link away."""
    qs = Correction.objects.select_related("created_by", "media", "media__user")
    if not sees_everything(user):
        findable = Q(media__state=Media.State.PUBLIC, media__is_reviewed=True)
        if user is not None and user.is_authenticated:
            findable |= Q(media__user=user)
        qs = qs.filter(findable)
    return qs.order_by("-created_at", "-id")


def history_of(*, media: Media) -> QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(media=media).order_by("seq")


def history_chains() -> QuerySet[Media]:
    """Every media with a chain, in a stable order (for verify_history)."""
    return (
        Media.objects.filter(pk__in=HistoryEntry.objects.values("media_id"))
        .only("pk", "uid", "friendly_token")
        .order_by("pk")
    )


def history_stamps() -> QuerySet[HistoryStamp]:
    return HistoryStamp.objects.order_by("-day")
