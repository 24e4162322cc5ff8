from __future__ import annotations

import uuid

from django.db import transaction

from media_app.models import Comment, Media
from media_app.services.errors import NotAllowed, ServiceError

MAX_COMMENT = 10_000


@transaction.atomic
def comment_create(*, media: Media, user, text: str, parent_uid=None) -> Comment:
    """Comment on media the caller can see (the caller is checked by the selector first)."""
    if not media.enable_comments:
        raise NotAllowed("Comments are turned off for this media.")
    text = (text or "").strip()
    if not text:
        raise ServiceError("The comment is empty.", field="text")
    if len(text) > MAX_COMMENT:
        raise ServiceError(f"A comment holds at most {MAX_COMMENT} characters.", field="text")
    parent = None
    if parent_uid:
        parent = Comment.objects.filter(uid=parent_uid, media=media).first()
        if parent is None:
            raise ServiceError("The parent comment is not on this media.", field="parent")
    return Comment.objects.create(media=media, user=user, text=text, parent=parent)


def comment_delete(*, comment: Comment, by) -> None:
    allowed = by.is_authenticated and (
        comment.user_id == by.id or comment.media.user_id == by.id or by.can_edit_media
    )
    if not allowed:
        raise NotAllowed("Only the author, the media's owner or an editor may delete a comment.")
    comment.delete()


MAX_BULK_DELETE = 50


@transaction.atomic
def comments_delete_many(*, uids: list[str], by) -> int:
    """Editors delete up to 50 comments at once (``/api/v1/manage_comments``)."""
    if not by.can_edit_media:
        raise NotAllowed("Only editors manage comments.")
    if len(uids) > MAX_BULK_DELETE:
        raise ServiceError(f"At most {MAX_BULK_DELETE} comments at a time.", field="comment_ids")
    try:
        parsed = [uuid.UUID(str(uid)) for uid in uids]
    except ValueError:
        raise ServiceError("comment_ids holds an invalid id.", field="comment_ids") from None
    deleted, _ = Comment.objects.filter(uid__in=parsed).delete()
    return deleted
