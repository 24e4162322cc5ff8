"""The original's seal over /api/v1 (issue 15, section 1; docs/provenance.md).

- ``GET /api/v1/media/<token>/original``: what the original revealed (``metadata_found``) and
  whether it is published unchanged; its owner and editors only.
- ``POST`` with ``{"publish_unchanged": true, "confirm": true}``: the owner lets downloads get the
  original as uploaded (400 without ``confirm``, 409 while the list is not made yet);
  ``{"publish_unchanged": false}`` seals it again.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from media_app.api.base import BaseAPIView
from media_app.api.serializers.source_protection import (
    OriginalInput,
    OriginalStateSerializer,
    original_state,
)
from media_app.models import Media
from media_app.selectors.media import user_can_edit_media
from media_app.services.errors import NotAllowed
from media_app.services.source_protection import NotReady, original_publish_unchanged

_DETAIL = inline_serializer("OriginalDetail", {"detail": serializers.CharField()})


class MediaOriginalView(BaseAPIView):
    """``/api/v1/media/<token>/original``: what the original revealed; publish it unchanged."""

    permission_classes = (IsAuthenticated,)
    serializer_class = OriginalStateSerializer
    queryset = Media.objects.none()

    def _media(self, friendly_token: str) -> Media:
        media = self.visible_media(friendly_token)
        if not user_can_edit_media(user=self.request.user, media=media):
            raise NotAllowed("Only its owner and editors see what the original revealed.")
        return media

    @extend_schema(
        tags=["media"],
        summary="What the original revealed, and whether it is published unchanged",
        responses={200: OriginalStateSerializer, 403: _DETAIL, 404: _DETAIL},
    )
    def get(self, request, friendly_token):
        media = self._media(friendly_token)
        return Response(OriginalStateSerializer(original_state(media)).data)

    @extend_schema(
        tags=["media"],
        summary="Publish the original unchanged (owner, after confirming), or seal it again",
        request=OriginalInput,
        responses={
            200: OriginalStateSerializer,
            400: _DETAIL,
            403: _DETAIL,
            404: _DETAIL,
            409: _DETAIL,
        },
    )
    def post(self, request, friendly_token):
        media = self._media(friendly_token)
        data = OriginalInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            media = original_publish_unchanged(
                media=media,
                by=request.user,
                publish=data.validated_data["publish_unchanged"],
                confirm=data.validated_data["confirm"],
            )
        except NotReady as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(OriginalStateSerializer(original_state(media)).data)
