"""Likes, dislikes, views and reports, with counters updated atomically in the database.

Reports (docs/security.md, "Reports cannot silence published work"): every report is recorded
and counted in ``reported_times`` (what the API shows and what editors filter on), but only
reports from signed-in accounts older than ``REPORT_MIN_ACCOUNT_AGE_HOURS`` also count in
``hiding_reports``, and only outside the cool-down of ``REPORT_COOLDOWN_HOURS`` that starts when
an editor clears the media (approval or reset). ``hiding_reports`` reaching
``REPORTED_TIMES_THRESHOLD`` makes the media private until an editor reviews it.

Views are counted once per session (or account) per media, ever: calling ``watch`` again moves
the history entry's date and adds nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from media_app.models import Media, MediaAction
from media_app.services.errors import NotAllowed, ServiceError

logger = logging.getLogger(__name__)

Action = MediaAction.Action
_OPPOSITE: dict[str, str] = {Action.LIKE: Action.DISLIKE, Action.DISLIKE: Action.LIKE}
_COUNTER: dict[str, str] = {
    Action.LIKE: "likes",
    Action.DISLIKE: "dislikes",
    Action.REPORT: "reported_times",
}


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
        # The unique constraint on (session or user, media, action) makes this race-free: of
        # two concurrent first watches, one creates the row and counts the view.
        _, first = MediaAction.objects.update_or_create(
            media=media, action=action, **actor, defaults={"action_date": now}
        )
        if first:
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
        _report_recorded(media_id=media.pk, user=user, now=now)
    return True


def report_may_hide(user, *, now) -> bool:
    """Whether a report by ``user`` counts toward hiding (the cool-down is checked apart).

    Anonymous reports never do: a cookieless client gets a new session per request. New
    accounts do not either, so a script that signs up does not get a vote at once.
    """
    if user is None or not user.is_authenticated:
        return False
    return user.date_joined <= now - timedelta(hours=settings.REPORT_MIN_ACCOUNT_AGE_HOURS)


def _report_recorded(*, media_id: int, user, now) -> None:
    from media_app.services.notifications import notify_editors_of_reports

    if report_may_hide(user, now=now):
        cool_down_began = now - timedelta(hours=settings.REPORT_COOLDOWN_HOURS)
        # The cool-down is read in the same UPDATE that counts, so a concurrent clearing wins.
        Media.objects.filter(pk=media_id).filter(
            Q(reports_cleared_at__isnull=True) | Q(reports_cleared_at__lte=cool_down_began)
        ).update(hiding_reports=F("hiding_reports") + 1)

    threshold = settings.REPORTED_TIMES_THRESHOLD
    # One UPDATE decides which request crosses the threshold, so editors are told once.
    hidden = (
        Media.objects.filter(pk=media_id, hiding_reports__gte=threshold)
        .exclude(state=Media.State.PRIVATE, is_reviewed=False)
        .update(state=Media.State.PRIVATE, is_reviewed=False, reports_notified_at=now)
    )
    if hidden:
        from media_app.services.cache import listings_changed

        # An UPDATE sends no post_save: retire what anonymous visitors were served by hand.
        listings_changed()

        logger.warning("media %s hidden after %d counted reports", media_id, threshold)
        from media_app.services.history import history_hidden_by_reports

        history_hidden_by_reports(media_id=media_id, reports=threshold)
        transaction.on_commit(lambda: notify_editors_of_reports(media_id=media_id))
        return

    # Reports that hide nothing still reach the editors: manage_media?reported=true lists the
    # media from the first one, and the editors are mailed once per clearing at the threshold.
    told = Media.objects.filter(
        pk=media_id, reported_times__gte=threshold, reports_notified_at__isnull=True
    ).update(reports_notified_at=now)
    if told:
        transaction.on_commit(lambda: notify_editors_of_reports(media_id=media_id))


def _reports_cleared(media: Media, *, now) -> None:
    """Counters back to zero and the cool-down starts now."""
    fields = {
        "reported_times": 0,
        "hiding_reports": 0,
        "reports_cleared_at": now,
        "reports_notified_at": None,
    }
    Media.objects.filter(pk=media.pk).update(**fields)
    for name, value in fields.items():
        setattr(media, name, value)


@transaction.atomic
def media_reports_reset(*, media: Media, by=None) -> None:
    """Forget the reports on a media (MediaCMS's reset). ``by``, when given, must be an editor.

    An editor has looked at the media, so the cool-down starts: reports in the next
    ``REPORT_COOLDOWN_HOURS`` are recorded for the editors but cannot hide it again.
    """
    if by is not None and not (by.is_authenticated and by.can_edit_media):
        raise NotAllowed("Only editors reset reports.")
    MediaAction.objects.filter(media=media, action=Action.REPORT).delete()
    _reports_cleared(media, now=timezone.now())


@transaction.atomic
def media_reports_settle(*, media: Media, by) -> bool:
    """An editor approved reported media: the counters restart and the cool-down starts.

    The reports stay in the media's report history (and one account still reports a media once).
    Answers whether there was anything to clear; media nobody reported starts no cool-down.
    """
    if not (by.is_authenticated and by.can_edit_media):
        raise NotAllowed("Only editors clear reports.")
    reported = Media.objects.filter(pk=media.pk).filter(
        Q(reported_times__gt=0) | Q(hiding_reports__gt=0)
    )
    if not reported.exists():
        return False
    _reports_cleared(media, now=timezone.now())
    return True
