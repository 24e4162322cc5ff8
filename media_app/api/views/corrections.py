"""Corrections, history chains and their daily stamps over /api/v1 (issue 15, section 3;
docs/provenance.md).

- ``GET /api/v1/media/<token>/corrections``: a media's corrections, newest first (whoever may
  see the media); ``POST``: add one (its owner or an editor).
- ``GET /api/v1/corrections``: every correction on media the caller may see, paginated.
- ``GET /api/v1/media/<token>/history``: the media's hash chain, oldest first.
- ``GET /api/v1/history/stamps``: the daily digests of every chain's head, with their RFC 3161
  tokens (base64 DER TimeStampResp), paginated.
"""

from __future__ import annotations

from django.urls import re_path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from media_app.api.base import BaseAPIView
from media_app.api.permissions import ReadOrLoggedIn
from media_app.api.serializers.corrections import (
    CorrectionInput,
    CorrectionSerializer,
    HistoryEntrySerializer,
    HistoryStampSerializer,
)
from media_app.models import Correction, HistoryEntry, HistoryStamp
from media_app.selectors import history as history_selectors
from media_app.services.corrections import correction_create

_DETAIL = inline_serializer("CorrectionDetail", {"detail": serializers.CharField()})


class _Base(BaseAPIView):
    permission_classes = (ReadOrLoggedIn,)


class MediaCorrectionsView(_Base):
    queryset = Correction.objects.none()
    serializer_class = CorrectionSerializer

    @extend_schema(
        tags=["corrections"],
        summary="Corrections of a media, newest first",
        responses={200: CorrectionSerializer(many=True), 404: _DETAIL},
    )
    def get(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        return self.paginated(history_selectors.corrections_of(media=media), CorrectionSerializer)

    @extend_schema(
        tags=["corrections"],
        summary="Add a correction, clarification, update or retraction (owner or editor)",
        request=CorrectionInput,
        responses={201: CorrectionSerializer, 400: _DETAIL, 403: _DETAIL, 404: _DETAIL},
    )
    def post(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        data = CorrectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        correction = correction_create(media=media, by=request.user, **data.validated_data)
        body = CorrectionSerializer(correction, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class CorrectionListView(_Base):
    queryset = Correction.objects.none()
    serializer_class = CorrectionSerializer

    @extend_schema(
        tags=["corrections"],
        summary="Every correction on media the caller may see, newest first",
        responses={200: CorrectionSerializer(many=True)},
    )
    def get(self, request):
        qs = history_selectors.corrections_visible(user=request.user)
        return self.paginated(qs, CorrectionSerializer)


class MediaHistoryView(_Base):
    queryset = HistoryEntry.objects.none()
    serializer_class = HistoryEntrySerializer

    @extend_schema(
        tags=["corrections"],
        summary="The hash chain of a media's public facts, oldest first",
        responses={200: HistoryEntrySerializer(many=True), 404: _DETAIL},
    )
    def get(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        entries = history_selectors.history_of(media=media)
        return self.paginated(entries, HistoryEntrySerializer)


class HistoryStampListView(_Base):
    queryset = HistoryStamp.objects.none()
    serializer_class = HistoryStampSerializer

    @extend_schema(
        tags=["corrections"],
        summary="Daily digests of every history chain's head, with their RFC 3161 tokens",
        responses={200: HistoryStampSerializer(many=True)},
    )
    def get(self, request):
        return self.paginated(history_selectors.history_stamps(), HistoryStampSerializer)


_MEDIA = r"(?P<friendly_token>[A-Za-z0-9]{1,12})"

urlpatterns = [
    re_path(
        rf"^media/{_MEDIA}/corrections/?$",
        MediaCorrectionsView.as_view(),
        name="api-media-corrections",
    ),
    re_path(rf"^media/{_MEDIA}/history/?$", MediaHistoryView.as_view(), name="api-media-history"),
    re_path(r"^corrections/?$", CorrectionListView.as_view(), name="api-corrections"),
    re_path(r"^history/stamps/?$", HistoryStampListView.as_view(), name="api-history-stamps"),
]
