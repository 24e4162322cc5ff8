"""tus 1.0 resumable uploads under /api/v1/uploads/ (core, creation, termination).

The request body of a PATCH is read from the raw WSGI stream in chunks and never parsed by DRF,
so no upload is held in memory whatever its size.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from media_app.api.base import BaseAPIView
from media_app.models import ResumableUpload
from media_app.services import uploads as svc

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


def _tus(response: Response) -> Response:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str) -> Response:
    return _tus(Response({"detail": message}, status=status))


class _UploadCreateRate(SimpleRateThrottle):
    """Uploads started by one account (``UPLOAD_CREATE_RATE``): tus creations and multipart
    POSTs together. The rate is read from settings when asked (DRF reads its own once)."""

    scope = "upload_create"
    rate_setting = "UPLOAD_CREATE_RATE"

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None  # refused anyway (403)
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class _UploadCreateClientRate(_UploadCreateRate):
    """Uploads started from one client address, whichever accounts it uses
    (``UPLOAD_CREATE_RATE_PER_CLIENT``); the address is DRF's, from ``NUM_PROXIES``."""

    scope = "upload_create_client"
    rate_setting = "UPLOAD_CREATE_RATE_PER_CLIENT"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def upload_create_throttles() -> list[SimpleRateThrottle]:
    """The throttles of every request that starts an upload (answered 429 with Retry-After)."""
    return [_UploadCreateRate(), _UploadCreateClientRate()]


def upload_throttled(wait: float | None):
    """The 429 of a throttled upload creation; DRF adds the wait and ``Retry-After``."""
    raise exceptions.Throttled(
        wait=wait,
        detail="Too many uploads started from this account or address; finish the ones under "
        "way and try again later.",
    )


class _SignedInOrDiscovery(permissions.BasePermission):
    """Anyone may ask what the server supports (OPTIONS); everything else needs a login."""

    def has_permission(self, request, view):
        return request.method == "OPTIONS" or bool(request.user and request.user.is_authenticated)


class _TusView(BaseAPIView):
    permission_classes = (_SignedInOrDiscovery,)
    parser_classes = ()  # the body is ours to stream, never parsed

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._version_ok = request.method == "OPTIONS" or (
            request.headers.get("Tus-Resumable") == TUS_VERSION
        )

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        return _tus(response) if isinstance(response, Response) else response

    def _unsupported_version(self) -> Response | None:
        if self._version_ok:
            return None
        response = _error(412, f"Tus-Resumable {TUS_VERSION} is required.")
        response["Tus-Version"] = TUS_VERSION
        return response


def _int_header(request, name: str) -> int | None:
    raw = request.headers.get(name)
    if raw is None or not raw.isdigit():
        return None
    return int(raw)


@extend_schema(tags=["uploads"])
class UploadCollectionView(_TusView):
    """Create a resumable upload (tus creation)."""

    def get_throttles(self):
        return upload_create_throttles() if self.request.method == "POST" else []

    def throttled(self, request, wait):
        upload_throttled(wait)

    def options(self, request, *args, **kwargs):
        response = Response(status=204)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = TUS_EXTENSIONS
        response["Tus-Max-Size"] = str(settings.UPLOAD_MAX_SIZE)
        return response

    @extend_schema(
        request=None,
        responses={
            201: OpenApiResponse(description="Created; Location names the upload"),
            400: OpenApiResponse(description="Bad headers, or too many unfinished uploads"),
            403: OpenApiResponse(
                description="The account holds UPLOADS_PER_USER media already "
                "({detail, uploads, max_uploads}, as on every upload path)"
            ),
            413: OpenApiResponse(description="Past the size limit or the account's quota"),
            429: OpenApiResponse(description="Too many uploads started; see Retry-After"),
        },
        description="tus creation: headers Upload-Length and Upload-Metadata (filename, title, "
        "description, state, language (BCP 47); base64 values). The declared length counts "
        "against the account's upload quota from creation until the upload is finished, "
        "cancelled or expired.",
    )
    def post(self, request):
        if refused := self._unsupported_version():
            return refused
        length = _int_header(request, "Upload-Length")
        if length is None:
            return _error(400, "Upload-Length must be given as a non-negative integer.")
        metadata = svc.parse_metadata(request.headers.get("Upload-Metadata", ""))
        upload = svc.upload_create(user=request.user, length=length, metadata=metadata)
        response = Response(status=201)
        response["Location"] = request.build_absolute_uri(f"/api/v1/uploads/{upload.id}")
        response["Upload-Offset"] = "0"
        return response


@extend_schema(tags=["uploads"])
class UploadView(_TusView):
    """One resumable upload: its offset (HEAD), more bytes (PATCH), cancel (DELETE)."""

    def _get(self, request, upload_id) -> ResumableUpload | None:
        # Direct uploads to the bucket (s3_upload_id) are not tus's to write to.
        return ResumableUpload.objects.filter(
            pk=upload_id, user=request.user, s3_upload_id=""
        ).first()

    def options(self, request, *args, **kwargs):
        return UploadCollectionView.options(self, request)  # type: ignore[arg-type]  # same answer

    @extend_schema(request=None, responses={200: None, 404: None})
    def head(self, request, upload_id):
        if refused := self._unsupported_version():
            return refused
        upload = self._get(request, upload_id)
        if upload is None:
            return _error(404, "No such upload.")
        response = Response(status=200)
        response["Upload-Offset"] = str(svc.upload_offset(upload))
        response["Upload-Length"] = str(upload.length)
        if upload.media is not None:
            response["Upload-Media"] = upload.media.friendly_token
        return response

    @extend_schema(request=None, responses={204: None, 404: None, 409: None, 415: None})
    def patch(self, request, upload_id):
        if refused := self._unsupported_version():
            return refused
        if request._request.content_type != OFFSET_CONTENT_TYPE:
            return _error(415, f"Content-Type must be {OFFSET_CONTENT_TYPE}.")
        offset = _int_header(request, "Upload-Offset")
        if offset is None:
            return _error(400, "Upload-Offset must be given as a non-negative integer.")
        upload = self._get(request, upload_id)
        if upload is None:
            return _error(404, "No such upload.")
        new_offset = svc.upload_append(
            upload=upload,
            offset=offset,
            stream=request._request,  # the raw WSGI input, limited to Content-Length
            content_length=_int_header(request, "Content-Length"),
        )
        response = Response(status=204)
        response["Upload-Offset"] = str(new_offset)
        if new_offset == upload.length:
            media = svc.upload_finish(upload=upload)
            response["Upload-Media"] = media.friendly_token
        return response

    @extend_schema(request=None, responses={204: None, 404: None})
    def delete(self, request, upload_id):
        if refused := self._unsupported_version():
            return refused
        upload = self._get(request, upload_id)
        if upload is None:
            return _error(404, "No such upload.")
        if upload.media_id:
            return _error(409, "This upload is complete; delete the media instead.")
        svc.upload_delete(upload=upload)
        return Response(status=204)
