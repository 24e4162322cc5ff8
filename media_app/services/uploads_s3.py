"""Uploads straight to the bucket (S3 mode; issue 14, point 2; docs/storage.md "Direct upload").

The browser sends the file as an S3 multipart upload, each part PUT to a presigned ``UploadPart``
URL we hand out; no byte passes through our servers. Our rules stay here:

- creation checks the size cap, the uploads-per-user limit, the byte quota and the pending-upload
  limit (the declared size counts as pending from now on, as a tus upload's does) and creates the
  multipart upload on a key we name, ``original_name(upload id, provisional extension)``: the
  extension the client's content type or file name suggests, among the types we accept;
- each part URL is signed for the part's exact length (``Content-Length`` is a signed header),
  so the bucket refuses a part longer or shorter than the declared size allows and no upload can
  hold more bytes than its owner's quota counted;
- completion checks the parts against the bucket's own list (``ListParts``), completes, reads the
  real size (``HeadObject``: Ceph RGW answers CompleteMultipartUpload with an empty ETag) and the
  first bytes (a ranged GET), sniffs them exactly as ``media_create`` does, moves the object to
  its content-based name when the provisional extension was wrong (a server-side copy), and makes
  the Media through ``media_create_stored``, which starts the encoding.

S3's UploadId and the key live on the ``ResumableUpload`` row; the client only ever sees our
upload id. Abandoned multipart uploads are aborted by ``s3_uploads_reap`` (a beat job), as are
the bucket's multipart uploads under our prefix that have no row.

``BucketStream`` sends the file of a MediaCMS-style multipart ``POST /api/v1/media`` to the bucket
as it arrives (media_app/uploads.py), holding one part in memory at most.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import timedelta

import filetype
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from media_app import delivery, storage
from media_app.models import Media, ResumableUpload
from media_app.services.errors import MediaRejected, ServiceError, UploadTooLarge
from media_app.services.media import (
    SNIFF_BYTES,
    clean_language,
    detect_media_type,
    media_create_stored,
)
from media_app.services.quotas import upload_quota_check
from media_app.services.uploads import ABANDONED_AFTER

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
MIN_PART = 5 * MIB  # S3's smallest part (all but the last)
MAX_PARTS = 10_000  # S3's largest part number
# Extension of a key whose content is not known yet: neither the content type nor the file
# name the client declared names a type we accept. Replaced at completion (a copy).
PROVISIONAL = "upload"
# Parts of a streamed POST /api/v1/media: one is held in memory per request (bytes buffered and
# the copy boto3 sends), so small, but S3 needs 5 MiB at least.
STREAM_PART = 8 * MIB


class S3UploadsOff(ServiceError):
    """Direct uploads exist in S3 mode only."""

    status_code = 404


class UploadGone(ServiceError):
    """The upload is finished, or its multipart upload no longer exists in the bucket."""

    status_code = 410

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.extra = extra or {}


class UploadBusy(ServiceError):
    """Another request is completing this upload right now."""

    status_code = 409


class StorageUnavailable(ServiceError):
    """The S3 server refused or did not answer; nothing of the user's was lost."""

    status_code = 503


def s3_uploads_enabled() -> bool:
    return storage.s3_mode()


def uploads_prefix() -> str:
    """The prefix of every key an upload is made under (originals)."""
    return f"{storage.ORIGINALS}/"


def _require_s3() -> None:
    if not storage.s3_mode():
        raise S3UploadsOff(
            "S3 uploads are off: this site stores media on its filesystem; upload with tus "
            "(/api/v1/uploads/) or POST /api/v1/media."
        )


def _error_code(exc: Exception) -> str:
    return exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""


def _no_upload(exc: Exception) -> bool:
    """S3 no longer knows the multipart upload (Ceph RGW says NoSuchKey to ListParts then)."""
    return _error_code(exc) in ("NoSuchUpload", "NoSuchKey")


def _storage_failed(exc: Exception, what: str) -> StorageUnavailable:
    logger.warning("S3 %s failed: %s", what, exc)
    return StorageUnavailable(f"The storage refused or did not answer ({what}); try again.")


def _gone() -> UploadGone:
    return UploadGone(
        "This upload no longer exists in the bucket (aborted or expired); start it again."
    )


# --- sizes -------------------------------------------------------------------------------------


def part_size_for(size: int) -> int:
    """``UPLOAD_S3_PART_SIZE``, or more for a file that would need over 10,000 parts (whole MiB)."""
    needed = -(-size // MAX_PARTS)
    needed = -(-needed // MIB) * MIB
    return max(settings.UPLOAD_S3_PART_SIZE, MIN_PART, needed)


def _part_size(upload: ResumableUpload) -> int:
    assert upload.part_size, "a direct upload's part size is set at its creation"
    return upload.part_size


def part_count(upload: ResumableUpload) -> int:
    return max(1, -(-upload.length // _part_size(upload)))


def part_length(upload: ResumableUpload, number: int) -> int:
    if number < part_count(upload):
        return _part_size(upload)
    return upload.length - (part_count(upload) - 1) * _part_size(upload)


def _provisional_extension(filename: str, content_type: str) -> tuple[str, str]:
    """``(extension, content type)`` the key is made with, from what the client declared; only
    types ``detect_media_type`` accepts, so a truthful client's upload is never copied."""
    kinds = []
    if content_type:
        kinds.append(filetype.get_type(mime=content_type.split(";")[0].strip().lower()))
    if "." in filename:
        kinds.append(filetype.get_type(ext=filename.rsplit(".", 1)[1].lower()))
    for kind in kinds:
        if kind is not None and (
            kind.mime.split("/")[0] in ("video", "audio", "image") or kind.mime == "application/pdf"
        ):
            return kind.extension, kind.mime
    return PROVISIONAL, "application/octet-stream"


# --- direct uploads ----------------------------------------------------------------------------


def s3_upload_create(*, user, filename: str, size: int, content_type: str = "") -> ResumableUpload:
    """Start a direct upload of ``size`` bytes; the declared size counts as pending at once."""
    _require_s3()
    if size < 0:
        raise ServiceError("size must be a non-negative integer.", field="size")
    if size == 0:
        raise MediaRejected("The file is empty.", field="size")
    if size > settings.UPLOAD_MAX_SIZE:
        raise UploadTooLarge(
            f"The file is {size} bytes; the limit is {settings.UPLOAD_MAX_SIZE} bytes.",
            field="size",
        )
    uid = uuid.uuid4()
    extension, mime = _provisional_extension(filename, content_type)
    key = storage.original_name(uid, extension)
    client = storage.s3_client()
    with transaction.atomic():
        # Under the account's lock: the declared size counts from now on, before any byte.
        upload_quota_check(user=user, adding=size, new_pending=True)
        try:
            started = client.create_multipart_upload(
                Bucket=storage.bucket_name(), Key=key, ContentType=mime
            )
        except (BotoCoreError, ClientError) as exc:
            raise _storage_failed(exc, "CreateMultipartUpload") from exc
        # Should the row not commit, the multipart upload has no row: the reaper aborts it.
        upload = ResumableUpload.objects.create(
            id=uid,
            user=user,
            length=size,
            filename=filename[:255],
            metadata={"content_type": content_type[:255]},
            s3_upload_id=started["UploadId"],
            s3_key=key,
            part_size=part_size_for(size),
        )
    logger.info("direct upload %s of %d bytes started by %s", upload.id, size, user)
    return upload


def _require_unfinished(upload: ResumableUpload) -> None:
    if upload.media_id:
        token = Media.objects.only("friendly_token").get(pk=upload.media_id).friendly_token
        raise UploadGone(f"This upload is complete: its media is {token}.", extra={"media": token})


def s3_upload_sign_part(*, upload: ResumableUpload, part_number: int) -> str:
    """A presigned ``UploadPart`` URL for part ``part_number``, valid for that part's exact
    length and ``UPLOAD_S3_PART_URL_SECONDS``."""
    _require_s3()
    _require_unfinished(upload)
    count = part_count(upload)
    if not 1 <= part_number <= count:
        raise ServiceError(
            f"Part {part_number} does not exist: this upload has parts 1 to {count} "
            f"({upload.part_size} bytes each, the last one {part_length(upload, count)}).",
            field="part",
        )
    # Signing is activity: the reaper leaves an upload alone while its parts are being asked for.
    ResumableUpload.objects.filter(pk=upload.pk).update(updated_at=timezone.now())
    # Signed for the bucket's name as the browser reaches it (AWS_S3_PUBLIC_ENDPOINT_URL).
    return delivery.browser_client().generate_presigned_url(
        "upload_part",
        Params={
            "Bucket": storage.bucket_name(),
            "Key": upload.s3_key,
            "UploadId": upload.s3_upload_id,
            "PartNumber": part_number,
            "ContentLength": part_length(upload, part_number),
        },
        ExpiresIn=settings.UPLOAD_S3_PART_URL_SECONDS,
    )


def _bucket_parts(upload: ResumableUpload) -> list[dict]:
    client, parts, marker = storage.s3_client(), [], 0
    while True:
        try:
            page = client.list_parts(
                Bucket=storage.bucket_name(),
                Key=upload.s3_key,
                UploadId=upload.s3_upload_id,
                PartNumberMarker=marker,
            )
        except ClientError as exc:
            if _no_upload(exc):
                raise _gone() from exc
            raise _storage_failed(exc, "ListParts") from exc
        except BotoCoreError as exc:
            raise _storage_failed(exc, "ListParts") from exc
        parts += [
            {"PartNumber": p["PartNumber"], "Size": p["Size"], "ETag": p["ETag"]}
            for p in page.get("Parts", [])
        ]
        if not page.get("IsTruncated"):
            return parts
        marker = int(page["NextPartNumberMarker"])


def s3_upload_parts(*, upload: ResumableUpload) -> list[dict]:
    """The parts the bucket holds (``PartNumber``, ``Size``, ``ETag``): what a client resuming
    after a reload need not send again."""
    _require_s3()
    _require_unfinished(upload)
    return _bucket_parts(upload)


def _check_parts(upload: ResumableUpload, parts: list[dict]) -> list[dict]:
    """The parts to complete with, or a 400 saying what is wrong with the client's list."""
    count = part_count(upload)
    numbers = [p["PartNumber"] for p in parts]
    if len(set(numbers)) != len(numbers):
        raise ServiceError("Each part may be listed once.", field="parts")
    beyond = sorted(n for n in numbers if not 1 <= n <= count)
    if beyond:
        raise ServiceError(
            f"This upload has parts 1 to {count}; there is no part {beyond[0]}.", field="parts"
        )
    missing = sorted(set(range(1, count + 1)) - set(numbers))
    if missing:
        raise ServiceError(
            f"Parts missing from the list: {_numbers(missing)} (of 1 to {count}).",
            field="parts",
        )
    held = {p["PartNumber"]: p for p in _bucket_parts(upload)}
    not_held = [n for n in range(1, count + 1) if n not in held]
    if not_held:
        raise ServiceError(
            f"The bucket does not hold parts {_numbers(not_held)}: upload them, then complete.",
            field="parts",
        )
    wrong = [
        p["PartNumber"]
        for p in parts
        if p["ETag"].strip('"') != held[p["PartNumber"]]["ETag"].strip('"')
    ]
    if wrong:
        raise ServiceError(
            f"The ETag of parts {_numbers(sorted(wrong))} is not the bucket's: list the parts "
            "(GET …/parts) and complete with theirs.",
            field="parts",
        )
    total = sum(held[n]["Size"] for n in range(1, count + 1))
    if total != upload.length:
        raise ServiceError(
            f"The parts hold {total} bytes; the upload declared {upload.length}.", field="parts"
        )
    return [{"PartNumber": n, "ETag": held[n]["ETag"]} for n in range(1, count + 1)]


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:20])
    return shown + (f" and {len(numbers) - 20} more" if len(numbers) > 20 else "")


def s3_upload_complete(
    *,
    upload: ResumableUpload,
    parts: list[dict],
    title: str = "",
    description: str = "",
    state: str = Media.State.PUBLIC,
    language: str = "",
) -> Media:
    """Assemble the parts, check the object's size and type and turn it into a Media."""
    _require_s3()
    language = clean_language(language)  # refused before the parts are put together
    _require_unfinished(upload)
    completed = False
    try:
        with transaction.atomic():
            try:
                locked = ResumableUpload.objects.select_for_update(nowait=True).get(pk=upload.pk)
            except ResumableUpload.DoesNotExist:
                raise _gone() from None
            except DatabaseError:
                raise UploadBusy("This upload is being completed by another request.") from None
            _require_unfinished(locked)
            to_complete = _check_parts(locked, parts)
            try:
                storage.s3_client().complete_multipart_upload(
                    Bucket=storage.bucket_name(),
                    Key=locked.s3_key,
                    UploadId=locked.s3_upload_id,
                    MultipartUpload={"Parts": to_complete},
                )
            except ClientError as exc:
                if _no_upload(exc):
                    raise _gone() from exc
                raise _storage_failed(exc, "CompleteMultipartUpload") from exc
            except BotoCoreError as exc:
                raise _storage_failed(exc, "CompleteMultipartUpload") from exc
            completed = True
            media = _media_from_object(locked, title, description, state, language)
            locked.media = media
            locked.save(update_fields=["media", "updated_at"])
    except BaseException:
        if completed:
            # The multipart upload is gone: a refused file leaves neither its object nor a row
            # that would go on counting against the quota (cleaned after the rollback).
            _delete_quietly(upload.s3_key)
            ResumableUpload.objects.filter(pk=upload.pk, media__isnull=True).delete()
        raise
    return media


def _media_from_object(
    upload: ResumableUpload, title: str, description: str, state: str, language: str
) -> Media:
    client, bucket, key = storage.s3_client(), storage.bucket_name(), upload.s3_key
    try:
        # The real size from the object (RGW's CompleteMultipartUpload ETag is empty anyway).
        size = client.head_object(Bucket=bucket, Key=key)["ContentLength"]
        head = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{SNIFF_BYTES - 1}")[
            "Body"
        ].read()
    except (BotoCoreError, ClientError) as exc:
        raise _storage_failed(exc, "reading the uploaded object") from exc
    if size != upload.length:
        raise ServiceError(f"The file holds {size} bytes; the upload declared {upload.length}.")
    _media_type, extension = detect_media_type(head)  # not media: refused, the object deleted
    name = storage.original_name(upload.id, extension)
    if name != key:
        # The client's declared type was not the content's: the name follows the content.
        _copy(key, name, filetype.guess_mime(head) or "application/octet-stream", size)
        _delete_quietly(key)
    try:
        return media_create_stored(
            user=upload.user,
            uid=upload.id,
            name=name,
            size=size,
            head=head,
            filename=upload.filename,
            title=title,
            description=description,
            state=state,
            language=language,
            quota_counted=True,  # its size was counted when the upload was created
        )
    except BaseException:
        _delete_quietly(name)
        raise


def _copy(source: str, target: str, content_type: str, size: int) -> None:
    """Server-side copy (in parts past 5 GiB, CopyObject's limit: boto3's managed copy)."""
    from boto3.s3.transfer import TransferConfig

    try:
        storage.s3_client().copy(
            {"Bucket": storage.bucket_name(), "Key": source},
            storage.bucket_name(),
            target,
            ExtraArgs={"ContentType": content_type, "MetadataDirective": "REPLACE"},
            Config=TransferConfig(
                multipart_threshold=5 * 1024 * MIB, multipart_chunksize=512 * MIB
            ),
        )
    except (BotoCoreError, ClientError) as exc:
        raise _storage_failed(exc, "CopyObject") from exc


def _delete_quietly(key: str) -> None:
    try:
        storage.s3_client().delete_object(Bucket=storage.bucket_name(), Key=key)
    except (BotoCoreError, ClientError) as exc:
        # The orphan sweep finds it later; the user's answer is about their file, not this.
        logger.warning("could not delete %s: %s", key, exc)


def _abort(key: str, upload_id: str) -> bool:
    """Abort a multipart upload; False when the bucket did not know it any more."""
    try:
        storage.s3_client().abort_multipart_upload(
            Bucket=storage.bucket_name(), Key=key, UploadId=upload_id
        )
    except ClientError as exc:
        if _no_upload(exc):
            return False
        raise _storage_failed(exc, "AbortMultipartUpload") from exc
    except BotoCoreError as exc:
        raise _storage_failed(exc, "AbortMultipartUpload") from exc
    return True


def s3_upload_abort(*, upload: ResumableUpload) -> None:
    """Cancel a direct upload: the bucket drops its parts and the quota frees its size."""
    _require_s3()
    if upload.media_id:
        raise UploadBusy("This upload is complete; delete the media instead.")
    _abort(upload.s3_key, upload.s3_upload_id)
    upload.delete()
    logger.info("direct upload %s cancelled", upload.id)


def s3_uploads_reap(
    *, older_than: timedelta = ABANDONED_AFTER, orphans_older_than: timedelta | None = None
) -> tuple[int, int]:
    """Abort the direct uploads nobody asked a part URL for in ``older_than`` (their rows go, so
    their declared size stops counting), and the bucket's multipart uploads under our prefix
    that no row knows (a streamed POST cut off by a crash, a row that never committed), once
    they were started ``orphans_older_than`` ago (default: ``older_than``). Answers how many of
    each."""
    if not storage.s3_mode():
        return 0, 0
    orphans_older_than = older_than if orphans_older_than is None else orphans_older_than
    now = timezone.now()
    rows = 0
    stale = ResumableUpload.objects.exclude(s3_upload_id="").filter(
        media__isnull=True, updated_at__lt=now - older_than
    )
    for upload in stale:
        _abort(upload.s3_key, upload.s3_upload_id)
        upload.delete()
        rows += 1
    known = set(
        ResumableUpload.objects.exclude(s3_upload_id="")
        .filter(media__isnull=True)
        .values_list("s3_upload_id", flat=True)
    )
    client, orphans = storage.s3_client(), 0
    paginator = client.get_paginator("list_multipart_uploads")
    for page in paginator.paginate(Bucket=storage.bucket_name(), Prefix=uploads_prefix()):
        for item in page.get("Uploads", []):
            if item["UploadId"] in known or item["Initiated"] > now - orphans_older_than:
                continue
            if _abort(item["Key"], item["UploadId"]):
                orphans += 1
    if rows or orphans:
        logger.info("aborted %d abandoned direct uploads and %d orphaned ones", rows, orphans)
    return rows, orphans


# --- streamed POST /api/v1/media ---------------------------------------------------------------


class BucketStream:
    """One file sent to a new object by S3 multipart as its bytes arrive, one part in memory.

    The first ``SNIFF_BYTES`` decide the type and so the key (content-based, as
    ``media_create``'s); a file that is not media is never sent (the rest is read and dropped,
    the view refuses it with ``media_create``'s message). ``finish`` completes the upload;
    ``discard`` aborts it, or deletes the object when no Media took it.
    """

    def __init__(self, part_size: int = STREAM_PART):
        self.part_size = max(part_size, MIN_PART)
        self.buffer = bytearray()
        self.head = b""
        self.size = 0
        self.uid: uuid.UUID | None = None
        self.key = ""
        self.upload_id = ""
        self.parts: list[dict] = []
        self.rejected = False
        self.completed = False
        self.claimed = False

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.rejected:
            return
        self.buffer += data
        if not self.key and len(self.buffer) >= SNIFF_BYTES:
            self._start()
        if self.key and len(self.buffer) >= self.part_size:
            # The whole buffer goes as one part (a little over part_size: parts need not be
            # equal), without a copy of it, and a new buffer starts.
            self._send(self.buffer)
            self.buffer = bytearray()

    def _start(self) -> None:
        self.head = bytes(self.buffer[:SNIFF_BYTES])
        try:
            _media_type, extension = detect_media_type(self.head)
        except MediaRejected:
            self.rejected = True
            self.buffer = bytearray()
            return
        self.uid = uuid.uuid4()
        self.key = storage.original_name(self.uid, extension)
        try:
            started = storage.s3_client().create_multipart_upload(
                Bucket=storage.bucket_name(),
                Key=self.key,
                ContentType=filetype.guess_mime(self.head) or "application/octet-stream",
            )
        except (BotoCoreError, ClientError) as exc:
            self.key = ""
            raise _storage_failed(exc, "CreateMultipartUpload") from exc
        self.upload_id = started["UploadId"]

    def _send(self, body: bytearray) -> None:
        number = len(self.parts) + 1
        try:
            sent = storage.s3_client().upload_part(
                Bucket=storage.bucket_name(),
                Key=self.key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=body,
            )
        except (BotoCoreError, ClientError) as exc:
            raise _storage_failed(exc, "UploadPart") from exc
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def finish(self) -> None:
        """The last byte is in: send the rest and complete (nothing for a refused file)."""
        if not self.key and not self.rejected and self.buffer:
            self._start()  # a file shorter than SNIFF_BYTES
        if not self.key:
            self.head = self.head or bytes(self.buffer[:SNIFF_BYTES])
            return
        if self.buffer or not self.parts:
            self._send(self.buffer)
            self.buffer = bytearray()
        try:
            storage.s3_client().complete_multipart_upload(
                Bucket=storage.bucket_name(),
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
        except (BotoCoreError, ClientError) as exc:
            raise _storage_failed(exc, "CompleteMultipartUpload") from exc
        self.completed = True

    def discard(self) -> None:
        """Leave nothing behind unless a Media took the object (safe to call twice)."""
        self.buffer = bytearray()
        if not self.key or self.claimed:
            return
        if self.completed:
            _delete_quietly(self.key)
        else:
            # If the bucket does not answer now, the reaper aborts it (no row knows it).
            with contextlib.suppress(StorageUnavailable):
                _abort(self.key, self.upload_id)
        self.key = ""


def media_from_stream(
    *,
    user,
    stream: BucketStream,
    filename: str,
    title: str,
    description: str,
    state: str,
    language: str = "",
) -> Media:
    """The Media of a file ``BucketStream`` put in the bucket, by ``media_create``'s rules (a
    refused file's object is deleted by ``stream.discard``)."""
    media = media_create_stored(
        user=user,
        uid=stream.uid or uuid.uuid4(),
        name=stream.key,
        size=stream.size,
        head=stream.head,
        filename=filename,
        title=title,
        description=description,
        state=state,
        language=language,
    )
    stream.claimed = True
    return media
