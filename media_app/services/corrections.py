"""Corrections, clarifications, updates and retractions of published media (issue 15,
docs/provenance.md section 3).

"Published" means the public has been shown the media: it is public or unlisted and reviewed
now, or its history chain has started (it was published once, even if it is private today).
Media never shown to anyone but its owner and editors has nothing to correct in public; its
owner simply edits it.

A retraction keeps the page: the media leaves every listing (``Media.retracted``, in
``media_listable_q``), its watch page stays reachable by its link for whoever could see it
before and shows the notice. With ``hide_media`` (``Media.media_withheld``) the player, the
files and the download are withheld from everyone but the owner and editors.
"""

from __future__ import annotations

import logging

from django.db import transaction

from media_app.models import Correction, Media
from media_app.selectors.media import media_visible_q
from media_app.services.cache import listings_changed
from media_app.services.errors import NotAllowed, ServiceError
from media_app.services.history import has_history, history_append, public_facts

logger = logging.getLogger(__name__)

TEXT_LIMIT = 5000
REASON_LIMIT = 2000


def correction_target_published(media: Media) -> bool:
    """Whether ``media`` has been shown to the public (the rule in the module's docstring)."""
    shown = Media.objects.filter(pk=media.pk).filter(media_visible_q(None)).exists()
    return shown or has_history(media)


def _bounded(value: str, *, field: str, limit: int, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(f"The {field} may not be empty.", field=field)
    if len(text) > limit:
        raise ServiceError(
            f"The {field} is {len(text)} characters long; at most {limit} are allowed.",
            field=field,
        )
    return text


def correction_create(
    *,
    media: Media,
    by,
    kind: str,
    text: str,
    reason: str = "",
    hide_media: bool = False,
) -> Correction:
    """Attach a notice to published media (its owner or an editor), and record it in the
    media's history chain."""
    if not (
        by is not None and by.is_authenticated and (media.user_id == by.id or by.can_edit_media)
    ):
        raise NotAllowed("Only the owner or an editor may correct this media.")
    if kind not in Correction.Kind.values:
        raise ServiceError(
            f"kind must be one of {', '.join(Correction.Kind.values)}; got {kind!r}.", field="kind"
        )
    text = _bounded(text, field="text", limit=TEXT_LIMIT, required=True)
    reason = _bounded(reason, field="reason", limit=REASON_LIMIT, required=False)
    if hide_media and kind != Correction.Kind.RETRACTION:
        raise ServiceError("Only a retraction may hide the media.", field="hide_media")
    if not correction_target_published(media):
        raise ServiceError(
            "Only published media gets public corrections: this media has never been public "
            "or unlisted. Edit it instead.",
        )
    with transaction.atomic():
        correction = Correction.objects.create(
            media=media,
            kind=kind,
            text=text,
            reason=reason,
            hide_media=bool(hide_media),
            created_by=by,
        )
        if kind == Correction.Kind.RETRACTION:
            media.retracted = True
            # The latest retraction decides whether the media shows under its notice.
            media.media_withheld = bool(hide_media)
            media.featured = False  # featuring is for the front page, which it leaves
            media.save(update_fields=["retracted", "media_withheld", "featured", "edit_date"])
        if not has_history(media):
            # Visible to the public but its chain not started (e.g. still encoding): the
            # chain opens with the facts the public has been shown.
            history_append(media=media, kind="published", change=public_facts(media), by=by)
        history_append(
            media=media,
            kind=kind,
            change={
                "correction": correction.pk,
                "kind": kind,
                "text": text,
                "reason": reason,
                "hide_media": bool(hide_media),
            },
            by=by,
        )
        # The detail answer carries the corrections: anonymous caches start again.
        listings_changed()
    logger.info("media %s: %s by %s", media.friendly_token, kind, by)
    return correction
