"""Errors raised by services; the API turns them into 400/403/413 answers with a message."""

from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    """A request the rules refuse; ``field`` names the offending input when there is one."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(PermissionDenied):
    """The caller may not do this (answered 403)."""


class MediaRejected(ServiceError):
    """An upload that is not media OpenPress can handle."""


class UploadTooLarge(ServiceError):
    status_code = 413


class QuotaExceeded(ServiceError):
    """An upload its owner has no room for; ``extra`` (the numbers) is added to the answer."""

    status_code = 413

    def __init__(self, message: str, *, extra: dict):
        super().__init__(message)
        self.extra = extra


class UploadLimitReached(QuotaExceeded):
    """The account holds ``UPLOADS_PER_USER`` media already: 403, as MediaCMS answers past
    ``NUMBER_OF_MEDIA_USER_CAN_UPLOAD`` (its ``IsAuthorizedToAdd`` permission refuses)."""

    status_code = 403


class TooManyPendingUploads(QuotaExceeded):
    """Too many unfinished resumable uploads at once (a count quota, not a size: 400)."""

    status_code = 400


class TooManyAttempts(ServiceError):
    """Too many wrong guesses: answered 429 with ``Retry-After`` (``retry_after`` seconds)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after = max(1, int(retry_after))
