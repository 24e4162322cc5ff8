"""Direct uploads to the bucket under /api/v1/uploads/s3 (S3 mode; docs/storage.md).

The browser (Uppy's AWS S3 plugin, multipart) asks here to start an upload, for a presigned URL
per part, for the parts the bucket already holds (to resume after a reload) and to complete or
cancel it; it PUTs the parts to the bucket itself. Same login, permissions and creation
throttles as the tus endpoints. S3's UploadId and key never leave the server: the client knows
our upload id only. The rules are in media_app/services/uploads_s3.py.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from media_app.api.base import BaseAPIView
from media_app.api.serializers import media as s
from media_app.api.views.uploads import (
    _SignedInOrDiscovery,
    upload_create_throttles,
    upload_throttled,
)
from media_app.models import Media, ResumableUpload
from media_app.selectors import media as selectors
from media_app.services import uploads_s3 as svc
from media_app.services.errors import ServiceError

_DETAIL = inline_serializer("S3UploadDetail", {"detail": serializers.CharField()})
_ERRORS = {400: _DETAIL, 404: _DETAIL, 410: _DETAIL, 503: _DETAIL}


def _body(request) -> dict:
    """The JSON object of the request (malformed JSON is DRF's 400 already)."""
    if not isinstance(request.data, dict):
        raise ServiceError("The body must be a JSON object.")
    return request.data


def _field(body: dict, name: str, kind: type, *, required: bool = True):
    """``body[name]`` if it is exactly of ``kind`` (a JSON true is not the integer 1)."""
    if name not in body:
        if required:
            raise ServiceError(f"{name} is required.", field=name)
        return None
    value = body[name]
    if type(value) is not kind:
        what = {int: "an integer", str: "a string", list: "a list"}[kind]
        raise ServiceError(f"{name} must be {what}.", field=name)
    return value


class _S3UploadView(BaseAPIView):
    permission_classes = (_SignedInOrDiscovery,)
    parser_classes = (JSONParser,)

    def _upload(self, request, upload_id) -> ResumableUpload:
        svc._require_s3()
        # Someone else's upload, a cancelled one and a tus upload all look the same: 404.
        upload = (
            ResumableUpload.objects.filter(pk=upload_id, user=request.user)
            .exclude(s3_upload_id="")
            .first()
        )
        if upload is None:
            raise Http404("No such upload (cancelled, expired, or not yours).")
        return upload


_CREATED = inline_serializer(
    "S3UploadCreated",
    {
        "upload": serializers.UUIDField(),
        "key": serializers.UUIDField(),
        "part_size": serializers.IntegerField(),
        "parts": serializers.IntegerField(),
    },
)


@extend_schema(tags=["uploads"])
class S3UploadCollectionView(_S3UploadView):
    """Whether uploads go straight to the bucket (GET); start one (POST)."""

    def get_throttles(self):
        return upload_create_throttles() if self.request.method == "POST" else []

    def throttled(self, request, wait):
        upload_throttled(wait)

    @extend_schema(
        summary="Whether uploads go straight to the bucket, with the part size and size cap",
        responses={
            200: inline_serializer(
                "S3UploadSettings",
                {
                    "enabled": serializers.BooleanField(),
                    "part_size": serializers.IntegerField(),
                    "max_size": serializers.IntegerField(),
                },
            )
        },
    )
    def get(self, request):
        return Response(
            {
                "enabled": svc.s3_uploads_enabled(),
                "part_size": max(settings.UPLOAD_S3_PART_SIZE, svc.MIN_PART),
                "max_size": settings.UPLOAD_MAX_SIZE,
            }
        )

    @extend_schema(
        summary="Start an upload straight to the bucket (S3 multipart)",
        description="JSON filename, size (bytes) and optionally content_type. The size counts "
        "against the account's quota and unfinished uploads until the upload is completed, "
        "cancelled or abandoned. Answers our upload id and the number and size of its parts; "
        "every part but the last is part_size bytes.",
        request=inline_serializer(
            "S3UploadCreate",
            {
                "filename": serializers.CharField(),
                "size": serializers.IntegerField(),
                "content_type": serializers.CharField(required=False),
            },
        ),
        # 403: the account holds UPLOADS_PER_USER media already (the same answer on every path).
        responses={201: _CREATED, 403: _DETAIL, 413: _DETAIL, 429: _DETAIL, **_ERRORS},
    )
    def post(self, request):
        svc._require_s3()
        body = _body(request)
        filename = _field(body, "filename", str)
        size = _field(body, "size", int)
        content_type = _field(body, "content_type", str, required=False) or ""
        upload = svc.s3_upload_create(
            user=request.user, filename=filename, size=size, content_type=content_type
        )
        return Response(
            {
                "upload": str(upload.id),
                "key": str(upload.id),
                "part_size": upload.part_size,
                "parts": svc.part_count(upload),
            },
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["uploads"])
class S3UploadView(_S3UploadView):
    """Cancel a direct upload."""

    @extend_schema(
        summary="Cancel an upload straight to the bucket (its parts are dropped)",
        request=None,
        responses={204: None, 409: _DETAIL, **_ERRORS},
    )
    def delete(self, request, upload_id):
        svc.s3_upload_abort(upload=self._upload(request, upload_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["uploads"])
class S3UploadPartView(_S3UploadView):
    """A presigned URL for one part."""

    @extend_schema(
        summary="A presigned URL to PUT one part to (valid for that part's exact length)",
        request=None,
        responses={
            200: inline_serializer(
                "S3UploadPartUrl",
                {"url": serializers.URLField(), "headers": serializers.DictField()},
            ),
            **_ERRORS,
        },
    )
    def post(self, request, upload_id, part_number):
        upload = self._upload(request, upload_id)
        if not part_number.isdigit():
            raise ServiceError("The part number must be a positive integer.", field="part")
        url = svc.s3_upload_sign_part(upload=upload, part_number=int(part_number))
        return Response({"url": url, "headers": {}})


@extend_schema(tags=["uploads"])
class S3UploadPartsView(_S3UploadView):
    """The parts the bucket holds."""

    @extend_schema(
        summary="The parts the bucket already holds (to resume after a reload)",
        responses={
            200: inline_serializer(
                "S3UploadPart",
                {
                    "PartNumber": serializers.IntegerField(),
                    "Size": serializers.IntegerField(),
                    "ETag": serializers.CharField(),
                },
                many=True,
            ),
            **_ERRORS,
        },
    )
    def get(self, request, upload_id):
        return Response(svc.s3_upload_parts(upload=self._upload(request, upload_id)))


@extend_schema(tags=["uploads"])
class S3UploadCompleteView(_S3UploadView):
    """Assemble the parts into the media."""

    @extend_schema(
        summary="Complete an upload straight to the bucket: it becomes a media",
        description="JSON parts ([{PartNumber, ETag}], every part), optionally title, "
        "description, state, language (BCP 47). The file is checked as POST /api/v1/media "
        "checks it (type from its first bytes); encoding starts after.",
        request=inline_serializer(
            "S3UploadComplete",
            {
                "parts": serializers.ListField(child=serializers.DictField()),
                "title": serializers.CharField(required=False),
                "description": serializers.CharField(required=False),
                "state": serializers.ChoiceField(choices=Media.State.choices, required=False),
                "language": serializers.CharField(required=False, max_length=35),
            },
        ),
        responses={201: s.SingleMediaSerializer, 409: _DETAIL, **_ERRORS},
    )
    def post(self, request, upload_id):
        upload = self._upload(request, upload_id)
        body = _body(request)
        raw_parts = _field(body, "parts", list)
        parts = []
        for item in raw_parts:
            if not (
                isinstance(item, dict)
                and type(item.get("PartNumber")) is int
                and type(item.get("ETag")) is str
            ):
                raise ServiceError(
                    'Each part must be {"PartNumber": integer, "ETag": string}.', field="parts"
                )
            parts.append({"PartNumber": item["PartNumber"], "ETag": item["ETag"]})
        title = _field(body, "title", str, required=False) or ""
        description = _field(body, "description", str, required=False) or ""
        if len(title) > 1000 or len(description) > 100_000:
            # The limits of POST /api/v1/media's form (MediaUploadInput).
            raise ServiceError("The title or the description is too long.")
        media = svc.s3_upload_complete(
            upload=upload,
            parts=parts,
            title=title,
            description=description,
            state=_field(body, "state", str, required=False) or Media.State.PUBLIC,
            language=_field(body, "language", str, required=False) or "",
        )
        detail = selectors.media_detail(user=request.user, friendly_token=media.friendly_token)
        data = s.SingleMediaSerializer(detail, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)
