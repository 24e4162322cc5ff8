"""Writes to media: upload, edit, delete, review, feature."""

from __future__ import annotations

import logging
import os
import unicodedata
import uuid

import filetype
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from media_app import storage
from media_app.models import Category, Media, Tag
from media_app.services.errors import MediaRejected, NotAllowed, ServiceError
from media_app.services.quotas import upload_quota_check

logger = logging.getLogger(__name__)

# Kinds of files we accept, by the MIME type `filetype` reads from their first bytes.
_PDF = "application/pdf"
SNIFF_BYTES = 8192


def detect_media_type(head: bytes) -> tuple[str, str]:
    """``(media_type, extension)`` of a file from its first bytes; never from its name."""
    kind = filetype.guess(head)
    if kind is None:
        raise MediaRejected("The file is not a video, audio, image or PDF.", field="media_file")
    top = kind.mime.split("/", 1)[0]
    if kind.mime == _PDF:
        return Media.MediaType.PDF, "pdf"
    if top in ("video", "audio", "image"):
        return top, kind.extension
    raise MediaRejected(
        f"Files of type {kind.mime} are not accepted: upload video, audio, an image or a PDF.",
        field="media_file",
    )


# Characters that must never reach a title: controls and bidirectional overrides (RTL tricks).
_BIDI = {
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
}


def clean_text(raw: str, *, limit: int) -> str:
    text = "".join(
        ch for ch in raw if ch not in _BIDI and unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    return " ".join(text.split())[:limit]


def title_from_filename(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    stem = os.path.splitext(base)[0]
    return clean_text(stem.replace("_", " "), limit=100) or "Untitled"


def _initial_state(*, user, requested: str) -> tuple[str, bool]:
    """(state, is_reviewed) of a new upload: publishers choose; others wait for review."""
    if user.can_publish:
        return requested, True
    return Media.State.PRIVATE, False


def media_create(
    *,
    user,
    uploaded_file,
    title: str = "",
    description: str = "",
    state: str = Media.State.PUBLIC,
    quota_counted: bool = False,
) -> Media:
    """Store an upload under a generated name and enqueue its encoding after commit.

    ``quota_counted``: the bytes were already counted against the owner's quota (a finished tus
    upload, counted at its creation), so the quota is not checked again.
    """
    _media_create_check(
        user=user, size=uploaded_file.size, state=state, quota_counted=quota_counted
    )
    uploaded_file.seek(0)
    head = uploaded_file.read(SNIFF_BYTES)
    uploaded_file.seek(0)
    media_type, extension = detect_media_type(head)

    uid = uuid.uuid4()
    # The stored name is ours: the client's file name only ever becomes a cleaned-up title.
    name = storage.original_name(uid, extension)
    stored = default_storage.save(name, uploaded_file)
    return _media_record(
        user=user,
        uid=uid,
        stored=stored,
        media_type=media_type,
        size=uploaded_file.size,
        filename=uploaded_file.name,
        title=title,
        description=description,
        state=state,
        quota_counted=quota_counted,
    )


def media_create_stored(
    *,
    user,
    uid: uuid.UUID,
    name: str,
    size: int,
    head: bytes,
    filename: str,
    title: str = "",
    description: str = "",
    state: str = Media.State.PUBLIC,
    quota_counted: bool = False,
) -> Media:
    """``media_create`` for an original already in storage under ``name``: an upload sent
    straight to the bucket, or streamed there by POST /api/v1/media (S3 mode). The same rules;
    ``head`` is the file's first ``SNIFF_BYTES`` and ``name`` must be ``original_name(uid, the
    sniffed extension)``. The caller deletes the object when this raises."""
    _media_create_check(user=user, size=size, state=state, quota_counted=quota_counted)
    media_type, extension = detect_media_type(head)
    if name != storage.original_name(uid, extension):
        raise ValueError(f"{name!r} is not the original's name for {uid} ({extension})")
    return _media_record(
        user=user,
        uid=uid,
        stored=name,
        media_type=media_type,
        size=size,
        filename=filename,
        title=title,
        description=description,
        state=state,
        quota_counted=quota_counted,
    )


def _media_create_check(*, user, size: int, state: str, quota_counted: bool) -> None:
    if state not in Media.State.values:
        raise ServiceError(f"state must be one of {', '.join(Media.State.values)}.", field="state")
    if Media.objects.filter(user=user).count() >= settings.UPLOADS_PER_USER:
        raise NotAllowed(f"You have reached the limit of {settings.UPLOADS_PER_USER} uploads.")
    if size == 0:
        raise MediaRejected("The file is empty.", field="media_file")
    if not quota_counted:
        upload_quota_check(user=user, adding=size)  # before anything is stored


def _media_record(
    *,
    user,
    uid: uuid.UUID,
    stored: str,
    media_type: str,
    size: int,
    filename: str,
    title: str,
    description: str,
    state: str,
    quota_counted: bool,
) -> Media:
    """The Media row of a stored original; its encoding is enqueued after commit. The stored
    file is deleted when the row cannot be made."""
    new_state, reviewed = _initial_state(user=user, requested=state)
    try:
        with transaction.atomic():
            if not quota_counted:
                # Again under the account's lock: a concurrent upload may have taken the room.
                upload_quota_check(user=user, adding=size)
            media = Media.objects.create(
                uid=uid,
                user=user,
                title=clean_text(title, limit=100) or title_from_filename(filename),
                description=description,
                media_type=media_type,
                state=new_state,
                requested_state=state,
                is_reviewed=reviewed,
                reviewed_at=timezone.now() if reviewed else None,
                media_file=stored,
                original_filename=clean_text(os.path.basename(filename or ""), limit=255),
                size=size,
                add_date=timezone.now(),
            )
            _enqueue_encoding(media)
    except Exception:
        default_storage.delete(stored)
        raise
    logger.info(
        "media %s uploaded by %s (%s, %s)", media.friendly_token, user, media_type, new_state
    )
    return media


def _enqueue_encoding(media: Media) -> None:
    from media_app.services.encoding import encoding_start

    media_id = media.pk
    transaction.on_commit(lambda: encoding_start(media_id=media_id))


def _parse_tags(raw) -> list[str]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    tags = []
    for item in items:
        title = clean_text(str(item), limit=100).lower()
        if title and title not in tags:
            tags.append(title)
    return tags


@transaction.atomic
def media_update(*, media: Media, by, data: dict) -> Media:
    """Edit what the owner (or an editor) may edit. ``data`` holds only the fields sent."""
    if not (by.is_authenticated and (media.user_id == by.id or by.can_edit_media)):
        raise NotAllowed("Only the owner or an editor may edit this media.")
    text_before = (media.title, media.description)
    for field in ("title",):
        if field in data:
            value = clean_text(str(data[field]), limit=100)
            if not value:
                raise ServiceError("The title may not be blank.", field="title")
            media.title = value
    if "description" in data:
        media.description = str(data["description"])
    new_tags = _parse_tags(data["tags"]) if "tags" in data else None
    text_changed = (media.title, media.description) != text_before or (
        new_tags is not None and set(new_tags) != set(media.tags.values_list("title", flat=True))
    )
    for flag in ("enable_comments", "allow_download"):
        if flag in data:
            setattr(media, flag, bool(data[flag]))
    if "thumbnail_time" in data and data["thumbnail_time"] is not None:
        media.thumbnail_time = float(data["thumbnail_time"])
    if "state" in data:
        media_set_state(media=media, by=by, state=data["state"], save=False)
    if text_changed and not by.can_publish and media.is_reviewed and media.state != _PRIVATE:
        # Approved text rewritten by someone who cannot publish: the new words are seen only
        # after an editor approves them (media_review applies the state it had).
        _hold_for_review(media, requested=media.state)
    if "featured" in data:
        if not by.can_edit_media:
            raise NotAllowed("Only editors feature media.")
        media.featured = bool(data["featured"])
    media.save()
    if new_tags is not None:
        tags = [Tag.objects.get_or_create(title=t)[0] for t in new_tags]
        media.tags.set(tags)
    if "categories" in data:
        titles = data["categories"]
        titles = (
            titles if isinstance(titles, list) else [t for t in str(titles).split(",") if t.strip()]
        )
        cats = list(Category.objects.filter(title__in=[t.strip() for t in titles]))
        missing = {t.strip() for t in titles} - {c.title for c in cats}
        if missing:
            raise ServiceError(
                f"Unknown categories: {', '.join(sorted(missing))}.", field="categories"
            )
        media.categories.set(cats)
    return media


_PRIVATE = Media.State.PRIVATE
# How far media reaches: widening (private -> unlisted -> public) may need a review.
_REACH = {Media.State.PRIVATE: 0, Media.State.UNLISTED: 1, Media.State.PUBLIC: 2}


def _hold_for_review(media: Media, *, requested: str) -> None:
    """Take media out of sight until an editor approves it; approval applies ``requested``."""
    logger.info(
        "media %s back to review for %s (last reviewed by %s at %s)",
        media.friendly_token,
        requested,
        media.reviewed_by_id,
        media.reviewed_at,
    )
    media.requested_state = requested
    media.state, media.is_reviewed = _PRIVATE, False
    # Cleared so it waits in the editors' queue like a new upload (selectors/review.py), and is
    # not taken for a rejection that has had its answer.
    media.reviewed_by, media.reviewed_at = None, None


def media_set_state(*, media: Media, by, state: str, save: bool = True) -> Media:
    """Change who can see media. Narrowing applies at once. Widening applies at once for editors
    and for publishers (verified journalists) on media that passed review; anyone else, such as
    a journalist whose verification was revoked, waits for an editor's review again, even on
    media that was reviewed before."""
    if state not in Media.State.values:
        raise ServiceError(f"state must be one of {', '.join(Media.State.values)}.", field="state")
    media.requested_state = state
    if state != _PRIVATE and not media.is_reviewed:
        if by.can_edit_media:
            media.is_reviewed, media.reviewed_by, media.reviewed_at = True, by, timezone.now()
        else:
            # Held back until an editor reviews it; the wish is kept in requested_state.
            state = _PRIVATE
    elif _REACH[state] > _REACH[media.state] and not by.can_publish:
        _hold_for_review(media, requested=state)
        state = _PRIVATE
    media.state = state
    if save:
        media.save(
            update_fields=[
                "state",
                "requested_state",
                "is_reviewed",
                "reviewed_by",
                "reviewed_at",
                "edit_date",
            ]
        )
    return media


def media_delete(*, media: Media, by) -> None:
    if not (by.is_authenticated and (media.user_id == by.id or by.can_edit_media)):
        raise NotAllowed("Only the owner or an editor may delete this media.")
    from media_app.services.storage import media_files_delete

    names = media_files_names(media)
    prefix = storage.encoded_prefix(media.uid.hex) + "/"
    with transaction.atomic():
        media.delete()
        transaction.on_commit(lambda: media_files_delete(names=names, prefix=prefix))


def media_files_names(media: Media) -> list[str]:
    fields = ("media_file", "poster", "thumbnail", "sprites", "sprites_vtt", "preview")
    return [getattr(media, f).name for f in fields if getattr(media, f)]


@transaction.atomic
def media_review(*, media: Media, by, approve: bool, note: str = "") -> Media:
    """An editor's verdict: approval applies the state the owner asked for."""
    if not by.can_edit_media:
        raise NotAllowed("Only editors review media.")
    media.is_reviewed = approve
    media.reviewed_by, media.reviewed_at = by, timezone.now()
    media.state = media.requested_state if approve else Media.State.PRIVATE
    media.save(update_fields=["is_reviewed", "reviewed_by", "reviewed_at", "state", "edit_date"])
    if approve:
        from media_app.services.actions import media_reports_settle

        # Approval of reported media is the editor's answer to the reports (issue 13, finding 2).
        media_reports_settle(media=media, by=by)
    logger.info(
        "media %s reviewed by %s: %s %s",
        media.friendly_token,
        by,
        "approved" if approve else "rejected",
        note,
    )
    return media


@transaction.atomic
def media_set_featured(*, media: Media, by, featured: bool = True) -> Media:
    """Editors feature media on the front page; only media anyone may list can be featured."""
    if not by.can_edit_media:
        raise NotAllowed("Only editors feature media.")
    if featured and not media.is_listable:
        raise ServiceError("Only public, reviewed and encoded media can be featured.")
    media.featured = featured
    media.save(update_fields=["featured", "edit_date"])
    return media


def media_delete_many(*, friendly_tokens: list[str], by) -> int:
    """Editors delete several media at once (``/api/v1/manage_media``); answers how many."""
    if not by.can_edit_media:
        raise NotAllowed("Only editors manage media.")
    deleted = 0
    for media in Media.objects.filter(friendly_token__in=friendly_tokens[:100]):
        media_delete(media=media, by=by)
        deleted += 1
    return deleted
