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
