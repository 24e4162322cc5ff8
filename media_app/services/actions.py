"""Likes, dislikes, views and reports, with counters updated atomically in the database."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from media_app.models import Media, MediaAction
from media_app.services.errors import NotAllowed, ServiceError

logger = logging.getLogger(__name__)

Action = MediaAction.Action
_OPPOSITE = {Action.LIKE: Action.DISLIKE, Action.DISLIKE: Action.LIKE}
_COUNTER = {Action.LIKE: "likes", Action.DISLIKE: "dislikes", Action.REPORT: "reported_times"}


def _actor(user, session_key: str | None) -> dict:
    if user is not None and user.is_authenticated:
        return {"user": user}
    if not session_key:
        raise ServiceError("An anonymous action needs a session.")
    return {"user": None, "session_key": session_key}


def _bump(media_id: int, field: str, delta: int) -> None:
    # F() makes the database do the arithmetic: concurrent requests never lose an update.
    if delta < 0:
        Media.objects.filter(pk=media_id, **{f"{field}__gt": 0}).update(**{field: F(field) + delta})
    else:
        Media.objects.filter(pk=media_id).update(**{field: F(field) + delta})


@transaction.atomic
def media_action_record(
    *, media: Media, user=None, session_key: str | None = None, action: str, extra_info: str = ""
) -> bool:
    """Record an action; ``False`` when it changed nothing (the same like twice, say)."""
    if action not in Action.values:
        raise ServiceError(f"type must be one of {', '.join(Action.values)}.", field="type")
    actor = _actor(user, session_key)
    now = timezone.now()
    if action == Action.WATCH:
        MediaAction.objects.update_or_create(
            media=media, action=action, **actor, defaults={"action_date": now}
        )
        _bump(media.pk, "views", 1)
        return True

    _, created = MediaAction.objects.get_or_create(
        media=media,
        action=action,
        **actor,
        defaults={"action_date": now, "extra_info": extra_info[:1000]},
    )
    if not created:
        return False
    _bump(media.pk, _COUNTER[action], 1)
    opposite = _OPPOSITE.get(action)
    if opposite:
        removed, _ = MediaAction.objects.filter(media=media, action=opposite, **actor).delete()
        if removed:
            _bump(media.pk, _COUNTER[opposite], -1)
    if action == Action.REPORT:
        _check_report_threshold(media.pk)
    return True


def _check_report_threshold(media_id: int) -> None:
    threshold = settings.REPORTED_TIMES_THRESHOLD
    # One UPDATE decides which request crosses the threshold, so editors are told once.
    hidden = (
        Media.objects.filter(pk=media_id, reported_times__gte=threshold)
        .exclude(state=Media.State.PRIVATE, is_reviewed=False)
        .update(state=Media.State.PRIVATE, is_reviewed=False)
    )
    if hidden:
        from media_app.services.cache import listings_changed
        from media_app.services.notifications import notify_editors_of_reports

        # An UPDATE sends no post_save: retire what anonymous visitors were served by hand.
        listings_changed()

        logger.warning("media %s hidden after %d reports", media_id, threshold)
        transaction.on_commit(lambda: notify_editors_of_reports(media_id=media_id))


@transaction.atomic
def media_reports_reset(*, media: Media, by=None) -> None:
    """Forget the reports on a media. ``by``, when given, must be an editor."""
    if by is not None and not (by.is_authenticated and by.can_edit_media):
        raise NotAllowed("Only editors reset reports.")
    MediaAction.objects.filter(media=media, action=Action.REPORT).delete()
    Media.objects.filter(pk=media.pk).update(reported_times=0)
