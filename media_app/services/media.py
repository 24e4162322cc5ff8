"""Writes to media: upload, edit, delete, review, feature."""

from __future__ import annotations

import logging
import os
import re
import unicodedata
import uuid

import filetype
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from media_app import storage
from media_app.models import Category, Media, Tag
from media_app.services.errors import MediaRejected, NotAllowed, ServiceError
from media_app.services.history import (
    has_history,
    history_append,
    history_record_changes,
    history_snapshot,
)
from media_app.services.quotas import upload_count_check, upload_quota_check

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
    enqueue: bool = True,
    language: str = "",
) -> Media:
    """Store an upload under a generated name and enqueue its encoding after commit.

    ``enqueue=False``: the caller runs the encoding steps itself, in its process (``demo_data``).

    ``quota_counted``: the bytes were already counted against the owner's quota (a finished tus
    upload, counted at its creation), so the quota is not checked again.
    """
    _media_create_check(
        user=user, size=uploaded_file.size, state=state, quota_counted=quota_counted
    )
    language = clean_language(language)
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
        enqueue=enqueue,
        language=language,
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
    language: str = "",
) -> Media:
    """``media_create`` for an original already in storage under ``name``: an upload sent
    straight to the bucket, or streamed there by POST /api/v1/media (S3 mode). The same rules;
    ``head`` is the file's first ``SNIFF_BYTES`` and ``name`` must be ``original_name(uid, the
    sniffed extension)``. The caller deletes the object when this raises."""
    _media_create_check(user=user, size=size, state=state, quota_counted=quota_counted)
    language = clean_language(language)
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
        language=language,
    )


def _media_create_check(*, user, size: int, state: str, quota_counted: bool) -> None:
    if state not in Media.State.values:
        raise ServiceError(f"state must be one of {', '.join(Media.State.values)}.", field="state")
    if size == 0:
        raise MediaRejected("The file is empty.", field="media_file")
    if quota_counted:
        # A finished tus or bucket upload: its bytes were counted at its creation, but media
        # made meanwhile may have filled the account's count.
        upload_count_check(user=user)
    else:
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
    enqueue: bool = True,
    language: str = "",
) -> Media:
    """The Media row of a stored original; its encoding is enqueued after commit (unless
    ``enqueue`` is false). The stored file is deleted when the row cannot be made."""
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
                language=language,
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
            if enqueue:
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


def _parse_list(raw) -> list[str]:
    """A list of strings, or one comma-separated string, stripped, blanks left out."""
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _categories_named(raw, *, field: str = "categories") -> list[Category]:
    """Categories by title or by uid (MediaCMS sends either); 400 naming the unknown ones."""
    wanted = _parse_list(raw)
    uids, titles = [], []
    for item in wanted:
        try:
            uids.append(uuid.UUID(item))
        except ValueError:
            titles.append(item)
    found = list(Category.objects.filter(Q(title__in=titles) | Q(uid__in=uids)))
    known = {c.title for c in found} | {c.uid for c in found}
    missing = [item for item in titles if item not in known] + [
        str(u) for u in uids if u not in known
    ]
    if missing:
        raise ServiceError(f"Unknown categories: {', '.join(sorted(missing))}.", field=field)
    return found


def taxonomy_recount(*, tag_ids=(), category_ids=()) -> None:
    """Set ``media_count`` of these tags and categories to their listable media."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from media_app.selectors.media import media_listable_q

    for model, relation, ids in ((Tag, "tags", tag_ids), (Category, "categories", category_ids)):
        if not ids:
            continue
        count = (
            Media.objects.filter(media_listable_q(), **{relation: OuterRef("pk")})
            .order_by()
            .values(relation)
            .annotate(n=Count("id"))
            .values("n")[:1]
        )
        model.objects.filter(pk__in=set(ids)).update(
            media_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0))
        )


def _taxonomy_of(media: Media) -> tuple[set[int], set[int]]:
    return (
        set(media.tags.values_list("pk", flat=True)),
        set(media.categories.values_list("pk", flat=True)),
    )


def _check_file_inputs(media: Media, data: dict) -> None:
    """Checks of the edit's files and thumbnail time, before anything is written."""
    from media_app.services import thumbnails

    if "media_file" in data and "thumbnail" in data:
        raise ServiceError(
            "Replace the file first, then choose its thumbnail once it is encoded.",
            field="thumbnail",
        )
    if "thumbnail_time" in data and "thumbnail" in data:
        raise ServiceError("Choose a time or upload a picture, not both.", field="thumbnail")
    if data.get("thumbnail_time") is not None and "media_file" not in data:
        thumbnails.thumbnail_time_check(media=media, at=float(data["thumbnail_time"]))
    if "thumbnail" in data:
        thumbnails.thumbnail_image_check(data["thumbnail"])
    if "media_file" in data and data["media_file"].size == 0:
        raise MediaRejected("The file is empty.", field="media_file")


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def clean_language(value) -> str:
    """A BCP 47 language tag (``en``, ``pt-BR``), or "" for unknown; anything else is refused."""
    tag = str(value or "").strip()
    if tag and not _LANGUAGE_TAG.fullmatch(tag):
        raise ServiceError(
            "Give the language as a BCP 47 tag, such as en, fr or pt-BR.", field="language"
        )
    return tag


@transaction.atomic
def media_update(*, media: Media, by, data: dict) -> Media:
    """Edit what the owner (or an editor) may edit. ``data`` holds only the fields sent.

    One transaction: every field is checked before the pictures or the file change (those come
    last), so a refused edit leaves the media as it was. Changes of the public facts (title,
    description, visibility) and a replaced file go to the media's history chain."""
    if not (by.is_authenticated and (media.user_id == by.id or by.can_edit_media)):
        raise NotAllowed("Only the owner or an editor may edit this media.")
    _check_file_inputs(media, data)
    facts_before = history_snapshot(media)
    text_before = (media.title, media.description)
    tags_before, cats_before = _taxonomy_of(media)
    for field in ("title",):
        if field in data:
            value = clean_text(str(data[field]), limit=100)
            if not value:
                raise ServiceError("The title may not be blank.", field="title")
            media.title = value
    if "description" in data:
        media.description = str(data["description"])
    if "language" in data:
        media.language = clean_language(data["language"])
    new_tags = _parse_tags(data["tags"]) if "tags" in data else None
    text_changed = (media.title, media.description) != text_before or (
        new_tags is not None and set(new_tags) != set(media.tags.values_list("title", flat=True))
    )
    for flag in ("enable_comments", "allow_download"):
        if flag in data:
            setattr(media, flag, bool(data[flag]))
    if "thumbnail_time" in data and data["thumbnail_time"] is not None:
        media.thumbnail_time = float(data["thumbnail_time"])
    if "embed_domains" in data:
        from django.core.exceptions import ValidationError

        from media_app.embedding import clean_embed_domains

        try:
            media.embed_domains = clean_embed_domains(data["embed_domains"])
        except ValidationError as exc:
            raise ServiceError(" ".join(exc.messages), field="embed_domains") from exc
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
    for key in ("categories", "category"):
        if key in data:
            media.categories.set(_categories_named(data[key], field=key))
    history_record_changes(media=media, before=facts_before, by=by)
    tags_after, cats_after = _taxonomy_of(media)
    taxonomy_recount(tag_ids=tags_before | tags_after, category_ids=cats_before | cats_after)
    # Last: what writes files (nothing above may refuse the edit after they are written).
    if "media_file" in data:
        media_replace_file(media=media, by=by, uploaded=data["media_file"])
    elif data.get("thumbnail_time") is not None:
        from media_app.services.thumbnails import thumbnail_from_time

        stills = thumbnail_from_time(media=media, at=float(data["thumbnail_time"]))
        _save_stills(media, {**stills, "thumbnail_uploaded": False})
    elif "thumbnail" in data:
        from media_app.services.thumbnails import thumbnail_from_image

        stills = thumbnail_from_image(media=media, uploaded=data["thumbnail"])
        _save_stills(media, {**stills, "thumbnail_uploaded": True})
    return media


def _save_stills(media: Media, fields: dict) -> None:
    for name, value in fields.items():
        setattr(media, name, value)
    media.save(update_fields=[*fields, "edit_date"])


def media_replace_file(*, media: Media, by, uploaded) -> Media:
    """A new original for existing media: same friendly token, page and address; encoded again
    (provenance and source protection run again, as for a new upload: the encoder's first
    step). The quota counts the growth; the history chain records the replacement. The old
    original is deleted after commit; the new one if the edit fails."""
    import hashlib

    if not (by.is_authenticated and (media.user_id == by.id or by.can_edit_media)):
        raise NotAllowed("Only the owner or an editor may replace this media's file.")
    if uploaded.size == 0:
        raise MediaRejected("The file is empty.", field="media_file")
    if uploaded.size > settings.UPLOAD_MAX_SIZE:
        raise ServiceError(
            f"The file is larger than the limit of {settings.UPLOAD_MAX_SIZE} bytes.",
            field="media_file",
        )
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    uploaded.seek(0)
    media_type, extension = detect_media_type(head)
    upload_quota_check(
        user=media.user, adding=max(0, uploaded.size - (media.size or 0)), new_media=False
    )
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    # A new name beside the old one: the old original stays whole until the edit commits.
    name = storage.original_name(media.uid, extension).replace(
        f"{media.uid.hex}.", f"{media.uid.hex}-{uuid.uuid4().hex[:8]}."
    )
    stored = default_storage.save(name, uploaded)
    old = media.media_file.name
    try:
        with transaction.atomic():
            media.media_file = stored
            media.size = uploaded.size
            media.media_type = media_type
            media.original_filename = clean_text(os.path.basename(uploaded.name or ""), limit=255)
            # What the new original reveals is read again by its encode; the owner's choice to
            # publish the old original unchanged does not carry over to a file they did not see.
            media.metadata_found = []
            media.original_unchanged_confirmed_at = None
            media.save()
            if has_history(media):
                history_append(
                    media=media,
                    kind="files",
                    change={
                        "replaced": True,
                        "file": {"original": stored, "original_sha256": digest.hexdigest()},
                        "previous": old or None,
                    },
                    by=by,
                )
            from media_app.services.encoding import encoding_requeue

            encoding_requeue(media=media)
    except Exception:
        default_storage.delete(stored)
        raise
    if old and old != stored:
        transaction.on_commit(lambda: default_storage.delete(old))
    logger.info("media %s: file replaced by %s", media.friendly_token, by)
    return media


_PRIVATE = Media.State.PRIVATE
# How far media reaches: widening (private -> unlisted -> public) may need a review.
_REACH: dict[str, int] = {Media.State.PRIVATE: 0, Media.State.UNLISTED: 1, Media.State.PUBLIC: 2}


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
    facts_before = history_snapshot(media)
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
        history_record_changes(media=media, before=facts_before, by=by)
        tags, categories = _taxonomy_of(media)
        taxonomy_recount(tag_ids=tags, category_ids=categories)
    return media


def media_delete(*, media: Media, by) -> None:
    if not (by.is_authenticated and (media.user_id == by.id or by.can_edit_media)):
        raise NotAllowed("Only the owner or an editor may delete this media.")
    from media_app.services.storage import media_files_delete

    names = media_files_names(media)
    prefix = storage.encoded_prefix(media.uid.hex) + "/"
    with transaction.atomic():
        tags, categories = _taxonomy_of(media)
        media.delete()
        taxonomy_recount(tag_ids=tags, category_ids=categories)
        transaction.on_commit(lambda: media_files_delete(names=names, prefix=prefix))


def media_files_names(media: Media) -> list[str]:
    fields = ("media_file", "poster", "thumbnail", "sprites", "sprites_vtt", "preview")
    return [getattr(media, f).name for f in fields if getattr(media, f)]


@transaction.atomic
def media_review(*, media: Media, by, approve: bool, note: str = "") -> Media:
    """An editor's verdict: approval applies the state the owner asked for."""
    if not by.can_edit_media:
        raise NotAllowed("Only editors review media.")
    facts_before = history_snapshot(media)
    media.is_reviewed = approve
    media.reviewed_by, media.reviewed_at = by, timezone.now()
    media.state = media.requested_state if approve else Media.State.PRIVATE
    media.save(update_fields=["is_reviewed", "reviewed_by", "reviewed_at", "state", "edit_date"])
    history_record_changes(media=media, before=facts_before, by=by)
    tags, categories = _taxonomy_of(media)
    taxonomy_recount(tag_ids=tags, category_ids=categories)
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
