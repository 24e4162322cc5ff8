"""``POST /api/v1/media/user/bulk_actions``: one action on several of the caller's own media.

MediaCMS's address and body; the rules (own media only, all or nothing, unknown and others'
tokens answered alike) are in ``media_app.services.bulk``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from media_app.api.serializers import bulk as s
from media_app.api.views.media import _MediaAPIView
from media_app.services import bulk as bulk_services

_DETAIL = inline_serializer("BulkDetail", {"detail": serializers.CharField()})


class MediaBulkActionsView(_MediaAPIView):
    permission_classes = (permissions.IsAuthenticated,)
    parser_classes = (JSONParser,)
    serializer_class = s.BulkActionInput

    @extend_schema(
        tags=["media"],
        summary="One action on several of your own media (all or nothing)",
        description="Actions: set_state (state), add_to_playlist / remove_from_playlist "
        "(playlist_ids), add_to_category / remove_from_category (category_uids), add_tags / "
        "remove_tags (tag_titles), enable_comments, disable_comments, enable_download, "
        "disable_download, delete_media, retry_encoding (failed encodes only). Only the "
        "caller's own media, editors included; a token that is unknown or not the caller's is "
        "a 400 listing it, and nothing changes. The answer lists the media that changed and "
        "those already as asked.",
        request=s.BulkActionInput,
        responses={200: s.BulkActionResult, 400: _DETAIL, 403: _DETAIL},
    )
    def post(self, request):
        data = s.BulkActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        result = bulk_services.media_bulk_action(
            by=request.user,
            media_ids=values.pop("media_ids"),
            action=values.pop("action"),
            params=values,
        )
        n = len(result["changed"])
        result["detail"] = f"{result['action']}: {n} changed, {len(result['unchanged'])} unchanged"
        return Response(s.BulkActionResult(result).data)
