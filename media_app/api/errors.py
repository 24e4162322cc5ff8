"""Error bodies are always JSON ``{"detail": ...}`` (or ``{field: [message]}``), never HTML.

Services raise :class:`~media_app.services.errors.ServiceError` (400, or its ``status_code``,
e.g. 413) and :class:`~media_app.services.errors.NotAllowed` (403); Django's ``Http404`` and
``PermissionDenied`` keep their message instead of DRF's generic one.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from media_app.services.errors import ServiceError


def _message(exc: Exception, default: object) -> str:
    text = str(exc.args[0]) if exc.args and exc.args[0] else ""
    return text or str(default)


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        body: dict[str, Any] = {exc.field: [exc.message]} if exc.field else {}
        body["detail"] = exc.message
        body.update(getattr(exc, "extra", {}))  # e.g. a quota's numbers
        response = Response(body, status=getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_message(exc, exceptions.NotFound.default_detail))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(_message(exc, exceptions.PermissionDenied.default_detail))
    return drf_exception_handler(exc, context)
