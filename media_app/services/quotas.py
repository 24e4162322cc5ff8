"""The per-account upload quota (issue 13, finding 5).

What counts: the originals of the account's media plus the declared ``Upload-Length`` of its
unfinished resumable uploads (``media_app.selectors.uploads``), direct uploads to the bucket
included (S3 mode: their declared size, while their multipart upload lives). A tus upload is
counted in full from its creation, before any byte arrives, so twenty 4 GiB creations cannot
reserve 80 GiB of disk; a finished upload is counted once, through its media; a deleted media or a
cancelled or expired upload frees its bytes.

The check locks the account's row, so two uploads started at the same moment cannot both fit
into the last free bytes: call it inside the transaction that creates the upload or the media.

One rule, one answer, on every upload path (multipart ``POST /api/v1/media``, tus creation,
direct-to-bucket creation, and the media a finished tus or bucket upload becomes): each limit is
checked here only, and each refusal is a :class:`~media_app.services.errors.QuotaExceeded` whose
JSON body is ``{"detail": <sentence>, <the numbers>}`` (``media_app.api.errors``):

- ``UPLOADS_PER_USER`` media already: 403 ``{detail, uploads, max_uploads}``
  (:class:`~media_app.services.errors.UploadLimitReached`; MediaCMS answers 403 too);
- ``UPLOAD_MAX_PENDING`` unfinished uploads: 400 ``{detail, pending, max_pending}``;
- bytes past the quota: 413 ``{detail, quota, used, requested}``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from media_app.models import Media
from media_app.selectors.uploads import upload_usage
from media_app.services.errors import QuotaExceeded, TooManyPendingUploads, UploadLimitReached

GIB = 1024**3


def _size(n: int) -> str:
    return f"{n / GIB:.2f} GiB ({n} bytes)"


def upload_quota_of(user) -> int:
    """The account's byte quota; 0 means no limit. Publishers (verified journalists, editors,
    managers, admins) get the larger one: their work is what the site exists for."""
    if user.can_publish:
        return settings.UPLOAD_QUOTA_BYTES_VERIFIED
    return settings.UPLOAD_QUOTA_BYTES


def upload_count_check(*, user) -> None:
    """Refuse (403) one more media to an account that holds ``UPLOADS_PER_USER`` already."""
    limit = settings.UPLOADS_PER_USER
    count = Media.objects.filter(user=user).count()
    if count >= limit:
        raise UploadLimitReached(
            f"You have reached the limit of {limit} uploads (UPLOADS_PER_USER): you have "
            f"{count} media. Delete media to upload more.",
            extra={"uploads": count, "max_uploads": limit},
        )


def upload_quota_check(
    *, user, adding: int, new_pending: bool = False, new_media: bool = True
) -> None:
    """Refuse an upload of ``adding`` bytes that the account has no room for (module doc).

    ``new_media`` (the default) is false only when the upload replaces an existing media's file,
    which adds no media to the count. ``new_pending`` is true for a tus creation or a direct
    upload to the bucket (``uploads_s3``), which also counts against ``UPLOAD_MAX_PENDING``.
    Nothing is written: the caller stores nothing when this raises.
    """
    with transaction.atomic():
        # Serialises the checks of one account (the row lock lasts until the caller's commit).
        get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
        if new_media:
            upload_count_check(user=user)
        usage = upload_usage(user=user)
        max_pending = settings.UPLOAD_MAX_PENDING
        if new_pending and max_pending and usage.pending_count >= max_pending:
            raise TooManyPendingUploads(
                f"You have {usage.pending_count} unfinished uploads; the limit is {max_pending} "
                "at once (UPLOAD_MAX_PENDING). Finish or cancel one first.",
                extra={"pending": usage.pending_count, "max_pending": max_pending},
            )
        quota = upload_quota_of(user)
        if quota and usage.used + adding > quota:
            raise QuotaExceeded(
                f"Upload quota exceeded: your quota is {_size(quota)}, you use {_size(usage.used)} "
                f"(media and unfinished uploads) and this upload asks for {_size(adding)}. "
                "Delete media or cancel unfinished uploads to make room; verified journalists "
                "have a larger quota.",
                extra={"quota": quota, "used": usage.used, "requested": adding},
            )
