"""Resumable uploads (tus 1.0: core, creation, termination).

The bytes of an upload are appended to one spool file as they arrive, so the offset is simply
that file's size: a crash or a dropped connection loses nothing already written, and nothing is
ever assembled from parts. When the last byte lands the spool file is moved (renamed, not
copied) into storage and becomes a Media whose encoding starts after commit.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from media_app.models import Media, ResumableUpload
from media_app.services.errors import MediaRejected, ServiceError, UploadTooLarge
from media_app.services.media import (
    SNIFF_BYTES,
    clean_language,
    detect_media_type,
    media_create,
)
from media_app.services.quotas import upload_quota_check

logger = logging.getLogger(__name__)

WRITE_CHUNK = 256 * 1024
ABANDONED_AFTER = timedelta(days=1)


class UploadBusy(ServiceError):
    """Another request is writing to this upload right now."""

    status_code = 409


class OffsetMismatch(ServiceError):
    status_code = 409


def spool_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "uploads" / "tus"
    path.mkdir(parents=True, exist_ok=True)
    return path


def spool_path(upload: ResumableUpload) -> Path:
    return spool_dir() / f"{upload.id.hex}.part"


def upload_offset(upload: ResumableUpload) -> int:
    try:
        return spool_path(upload).stat().st_size
    except FileNotFoundError:
        return upload.length if upload.media_id else 0


def parse_metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs."""
    metadata: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in (header or "").split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            metadata[key] = (
                base64.b64decode(encoded, validate=True).decode("utf-8") if encoded else ""
            )
        except (binascii.Error, UnicodeDecodeError):
            raise ServiceError(
                f"Upload-Metadata value of {key[:40]!r} is not base64 UTF-8."
            ) from None
    return metadata


def upload_create(*, user, length: int, metadata: dict[str, str]) -> ResumableUpload:
    if length < 0:
        raise ServiceError("Upload-Length must be a non-negative integer.")
    if length == 0:
        raise MediaRejected("The file is empty.")
    if length > settings.UPLOAD_MAX_SIZE:
        raise UploadTooLarge(
            f"The file is {length} bytes; the limit is {settings.UPLOAD_MAX_SIZE} bytes."
        )
    # A tag refused now, not when the last byte arrives (upload_finish reads it again).
    clean_language(metadata.get("language", ""))
    with transaction.atomic():
        # The declared length counts from now on, before any byte is stored.
        upload_quota_check(user=user, adding=length, new_pending=True)
        upload = ResumableUpload.objects.create(
            user=user, length=length, filename=metadata.get("filename", "")[:255], metadata=metadata
        )
    spool_path(upload).touch()
    return upload


def upload_append(
    *, upload: ResumableUpload, offset: int, stream, content_length: int | None
) -> int:
    """Append the request body at ``offset``; return the new offset.

    The body is copied in chunks straight to the spool file. A dropped connection keeps what
    arrived; the client asks for the offset (HEAD) and goes on from there.
    """
    if upload.media_id:
        raise OffsetMismatch("This upload is already complete.")
    path = spool_path(upload)
    with open(path, "ab") as spool:
        try:
            # One writer at a time; a second PATCH for the same upload is told to retry.
            fcntl.flock(spool.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy("Another request is writing to this upload.") from None
        current = spool.seek(0, os.SEEK_END)
        if offset != current:
            raise OffsetMismatch(f"Upload-Offset is {offset} but the upload is at {current}.")
        if content_length is not None and current + content_length > upload.length:
            raise ServiceError("The body goes past Upload-Length.")
        try:
            while current < upload.length:
                data = stream.read(min(WRITE_CHUNK, upload.length - current))
                if not data:
                    break
                spool.write(data)
                current += len(data)
        except OSError:
            # The client went away mid-body: what was written stays, the client resumes.
            logger.info("upload %s interrupted at %d of %d", upload.id, current, upload.length)
        finally:
            spool.flush()
            os.fsync(spool.fileno())
    ResumableUpload.objects.filter(pk=upload.pk).update(updated_at=timezone.now())
    _check_content(upload, path, current)
    return current


def _check_content(upload: ResumableUpload, path: Path, offset: int) -> None:
    """Refuse a file that is not media as soon as its first bytes are in, not at the end."""
    if offset < min(SNIFF_BYTES, upload.length):
        return
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    try:
        detect_media_type(head)
    except MediaRejected:
        upload_delete(upload=upload)
        raise


class _SpoolFile(File):
    """A finished spool file; ``temporary_file_path`` lets storage move it instead of copying."""

    def temporary_file_path(self) -> str:
        assert self.file is not None
        return self.file.name


def upload_finish(*, upload: ResumableUpload) -> Media:
    """Turn a complete upload into a Media (idempotent: a finished upload returns its Media)."""
    if upload.media is not None:
        return upload.media
    meta = upload.metadata
    with transaction.atomic():
        locked = ResumableUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.media is not None:
            return locked.media
        path = spool_path(locked)
        with open(path, "rb") as fh:
            media = media_create(
                user=locked.user,
                uploaded_file=_SpoolFile(fh, name=locked.filename or "upload"),
                title=meta.get("title", ""),
                description=meta.get("description", ""),
                state=meta.get("state") or Media.State.PUBLIC,
                language=meta.get("language", ""),
                quota_counted=True,  # its length was counted when the upload was created
            )
        locked.media = media
        locked.save(update_fields=["media", "updated_at"])
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # already moved by storage when it could rename
    return media


def upload_delete(*, upload: ResumableUpload) -> None:
    with contextlib.suppress(FileNotFoundError):
        spool_path(upload).unlink()
    upload.delete()


def uploads_expire(*, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Delete uploads nobody has written to for a while (beat job). Direct uploads to the
    bucket are aborted there first, by ``uploads_s3.s3_uploads_reap``."""
    stale = ResumableUpload.objects.filter(
        media__isnull=True, s3_upload_id="", updated_at__lt=timezone.now() - older_than
    )
    count = 0
    for upload in stale:
        upload_delete(upload=upload)
        count += 1
    return count
