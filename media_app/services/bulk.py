"""Bulk work on one's own media (issue 16, point 5): ``POST /api/v1/media/user/bulk_actions``.

MediaCMS's address and body (``{media_ids, action, ...}``), plus OpenPress's
``retry_encoding``. The rules:

- Only the caller's own media, editors included: the address is the user's own
  ("media/user/..."), and editors act on others' media one by one or through
  ``/api/v1/manage_media``. A token that is not the caller's is answered exactly as one that
  does not exist, so the answer never tells whether someone else's media exists.
- All or nothing: one transaction; any unknown token or bad parameter is a 400 (naming the
  tokens or the field) and nothing changes.
- Each item goes through the same service as a single edit (``media_update``,
  ``media_delete``, ``playlist_add``...), so the review rule, the history chain and the tag
  counts hold as they do one at a time.
- The answer says which items changed and which were already as asked.
"""

from __future__ import annotations

import logging

from django.db import transaction

from media_app.models import Media, Playlist
from media_app.services import playlists as playlist_services
from media_app.services.errors import NotAllowed, ServiceError
from media_app.services.media import (
    _categories_named,
    _parse_tags,
    media_delete,
    media_update,
)

logger = logging.getLogger(__name__)

MAX_ITEMS = 100

ACTIONS = (
    "set_state",
    "add_to_playlist",
    "remove_from_playlist",
    "add_to_category",
    "remove_from_category",
    "add_tags",
    "remove_tags",
    "enable_comments",
    "disable_comments",
    "enable_download",
    "disable_download",
    "delete_media",
    "retry_encoding",
)

# The parameter each action needs.
NEEDS = {
    "set_state": "state",
    "add_to_playlist": "playlist_ids",
    "remove_from_playlist": "playlist_ids",
    "add_to_category": "category_uids",
    "remove_from_category": "category_uids",
    "add_tags": "tag_titles",
    "remove_tags": "tag_titles",
}


def _own_media(*, by, tokens: list[str]) -> list[Media]:
    if not tokens:
        raise ServiceError("Name the media: media_ids is empty.", field="media_ids")
    if len(tokens) > MAX_ITEMS:
        raise ServiceError(f"At most {MAX_ITEMS} media at once.", field="media_ids")
    wanted = list(dict.fromkeys(tokens))
    rows = {
        m.friendly_token: m
        for m in Media.objects.select_for_update()
        .select_related("user")
        .filter(friendly_token__in=wanted, user=by)
    }
    unknown = [t for t in wanted if t not in rows]
    if unknown:
        raise ServiceError(f"Unknown media: {', '.join(unknown)}.", field="media_ids")
    return [rows[t] for t in wanted]


def _playlists(*, by, ids: list[str]) -> list[Playlist]:
    found = {p.friendly_token: p for p in Playlist.objects.filter(friendly_token__in=ids)}
    mine = {t: p for t, p in found.items() if p.user_id == by.id or by.can_edit_media}
    unknown = [t for t in dict.fromkeys(ids) if t not in mine]
    if unknown:
        raise ServiceError(f"Unknown playlists: {', '.join(unknown)}.", field="playlist_ids")
    return list(mine.values())


def _flag(media: Media, by, field: str, value: bool) -> bool:
    if getattr(media, field) == value:
        return False
    media_update(media=media, by=by, data={field: value})
    return True


def _apply(media: Media, *, by, action: str, params: dict, context: dict) -> bool:
    """Do ``action`` to one media; whether it changed."""
    if action == "set_state":
        before = (media.state, media.requested_state, media.is_reviewed)
        media_update(media=media, by=by, data={"state": params["state"]})
        return (media.state, media.requested_state, media.is_reviewed) != before
    if action in ("enable_comments", "disable_comments"):
        return _flag(media, by, "enable_comments", action == "enable_comments")
    if action in ("enable_download", "disable_download"):
        return _flag(media, by, "allow_download", action == "enable_download")
    if action in ("add_tags", "remove_tags"):
        now = list(media.tags.values_list("title", flat=True))
        given = context["tags"]
        new = (
            now + [t for t in given if t not in now]
            if action == "add_tags"
            else [t for t in now if t not in given]
        )
        if new == now:
            return False
        media_update(media=media, by=by, data={"tags": new})
        return True
    if action in ("add_to_category", "remove_from_category"):
        categories = set(media.categories.all())
        chosen = set(context["categories"])
        kept = categories | chosen if action == "add_to_category" else categories - chosen
        if kept == categories:
            return False
        media_update(media=media, by=by, data={"categories": [str(c.uid) for c in kept]})
        return True
    if action in ("add_to_playlist", "remove_from_playlist"):
        changed = False
        for playlist in context["playlists"]:
            holds = playlist.items.filter(media=media).exists()
            if action == "add_to_playlist" and not holds:
                playlist_services.playlist_add(playlist=playlist, by=by, media=media)
                changed = True
            elif action == "remove_from_playlist" and holds:
                playlist_services.playlist_remove(playlist=playlist, by=by, media=media)
                changed = True
        return changed
    if action == "delete_media":
        media_delete(media=media, by=by)  # recounts the media's tags and categories
        return True
    if action == "retry_encoding":
        return encoding_retry_failed(media=media, by=by)
    raise ServiceError(f"Unknown action {action!r}.", field="action")  # pragma: no cover


def encoding_retry_failed(*, media: Media, by) -> bool:
    """The owner's (or an editor's) "try again" on a failed encode; other media are left as
    they are (``False``). Editors may also re-encode any media (``encoding_restart``)."""
    from media_app.services.encoding import encoding_requeue

    if not (by.is_authenticated and (media.user_id == by.id or by.can_edit_media)):
        raise NotAllowed("Only the owner or an editor may retry this encode.")
    if media.encoding_status != Media.EncodingStatus.FAIL:
        return False
    encoding_requeue(media=media)
    return True


def media_bulk_action(*, by, media_ids: list[str], action: str, params: dict) -> dict:
    """Apply ``action`` to the caller's media ``media_ids``; all or nothing.

    Answers ``{"action", "changed": [tokens], "unchanged": [tokens]}``."""
    if not by.is_authenticated:
        raise NotAllowed("Log in to change your media.")
    if action not in ACTIONS:
        raise ServiceError(
            f"Unknown action {action!r}: one of {', '.join(ACTIONS)}.", field="action"
        )
    needed = NEEDS.get(action)
    if needed and not params.get(needed):
        raise ServiceError(f"The action {action} needs {needed}.", field=needed)
    if action == "set_state" and params["state"] not in Media.State.values:
        raise ServiceError(f"state must be one of {', '.join(Media.State.values)}.", field="state")
    changed: list[str] = []
    unchanged: list[str] = []
    with transaction.atomic():
        items = _own_media(by=by, tokens=media_ids)
        context: dict = {}
        if needed == "playlist_ids":
            context["playlists"] = _playlists(by=by, ids=params["playlist_ids"])
        elif needed == "category_uids":
            context["categories"] = _categories_named(
                params["category_uids"], field="category_uids"
            )
        elif needed == "tag_titles":
            context["tags"] = _parse_tags(params["tag_titles"])
            if not context["tags"]:
                raise ServiceError("tag_titles holds no tag.", field="tag_titles")
        for media in items:
            done = _apply(media, by=by, action=action, params=params, context=context)
            (changed if done else unchanged).append(media.friendly_token)
    logger.info("bulk %s by %s: %d changed, %d unchanged", action, by, len(changed), len(unchanged))
    return {"action": action, "changed": changed, "unchanged": unchanged}
