"""Subtitle tracks and chapters of a media over /api/v1 (issue 16, points 2 and 3).

- ``GET /api/v1/media/<token>/subtitles``: the media's tracks (whoever may see the media);
  ``POST`` (multipart ``file``, ``language``, optional ``label``): add or replace the track of
  that language (its owner or an editor).
- ``DELETE /api/v1/media/<token>/subtitles/<language>``: remove a track.
- ``GET /api/v1/media/<token>/chapters``: ``{"chapters": [{"start", "title"}]}``; ``PUT`` (or
  ``POST``, as MediaCMS): replace them (its owner or an editor).

Someone else's media answers 404 to writes, as hidden media does to everything.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import re_path
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from media_app.api.base import BaseAPIView
from media_app.api.permissions import ReadOrLoggedIn
from media_app.api.serializers.subtitles import (
    ChaptersInput,
    ChaptersSerializer,
    SubtitleInput,
    SubtitleSerializer,
    chapter_data,
)
from media_app.models import Media, Subtitle
from media_app.selectors.media import media_get_visible, user_can_edit_media
from media_app.services import chapters as chapter_services
from media_app.services import subtitles as subtitle_services

_DETAIL = inline_serializer("SubtitleDetail", {"detail": serializers.CharField()})
_REJECTED = inline_serializer(
    "SubtitleRejected",
    {
        "detail": serializers.CharField(help_text="What is wrong, starting with 'Line <n>:'."),
        "line": serializers.IntegerField(required=False, help_text="The line at fault."),
    },
)
_CHAPTERS_REJECTED = inline_serializer(
    "ChaptersRejected",
    {
        "detail": serializers.CharField(),
        "entry": serializers.IntegerField(required=False, help_text="Index of the bad entry."),
    },
)


class _MediaTracks(BaseAPIView):
    permission_classes = (ReadOrLoggedIn,)

    def visible_media(self, friendly_token: str) -> Media:
        media = media_get_visible(user=self.request.user, friendly_token=friendly_token)
        if media is None:
            raise Http404("Media not found.")
        return media

    def editable_media(self, friendly_token: str) -> Media:
        media = self.visible_media(friendly_token)
        if not user_can_edit_media(user=self.request.user, media=media):
            # Someone else's media: as if it did not exist (as hidden media).
            raise Http404("Media not found.")
        return media


class MediaSubtitlesView(_MediaTracks):
    queryset = Subtitle.objects.none()
    serializer_class = SubtitleSerializer
    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        tags=["subtitles"],
        summary="The subtitle tracks of a media, by language",
        responses={200: SubtitleSerializer(many=True), 404: _DETAIL},
    )
    def get(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        if media.media_withheld and not user_can_edit_media(user=request.user, media=media):
            return Response([])  # retracted with its media withheld (as the detail's files)
        rows = subtitle_services.subtitles_of(media=media).select_related("user")
        for row in rows:
            row.media = media
        return Response(SubtitleSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        tags=["subtitles"],
        summary="Add or replace the track of a language (owner or editor)",
        description="WebVTT is kept as sent, SRT converted to WebVTT. A bad file (not "
        "WebVTT/SRT, a bad or negative timestamp, a cue ending before it starts, overlapping "
        "cues) is refused with the line at fault; a file over SUBTITLE_MAX_BYTES too. Nothing "
        "changes on a refusal: the old track of that language stays.",
        request={"multipart/form-data": SubtitleInput},
        responses={
            201: SubtitleSerializer,
            400: _REJECTED,
            403: _DETAIL,
            404: _DETAIL,
        },
    )
    def post(self, request, friendly_token):
        media = self.editable_media(friendly_token)
        data = SubtitleInput(data=request.data)
        data.is_valid(raise_exception=True)
        subtitle = subtitle_services.subtitle_set(
            media=media,
            by=request.user,
            upload=data.validated_data["file"],
            language=data.validated_data["language"],
            label=data.validated_data.get("label", ""),
        )
        subtitle.media = media
        body = SubtitleSerializer(subtitle, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class MediaSubtitleView(_MediaTracks):
    queryset = Subtitle.objects.none()
    serializer_class = SubtitleSerializer

    @extend_schema(
        tags=["subtitles"],
        summary="Remove the track of a language (owner or editor)",
        responses={204: None, 403: _DETAIL, 404: _DETAIL},
    )
    def delete(self, request, friendly_token, language):
        media = self.editable_media(friendly_token)
        if not subtitle_services.subtitle_delete(media=media, by=request.user, language=language):
            raise Http404("This media has no subtitles in that language.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaChaptersView(_MediaTracks):
    queryset = Media.objects.none()
    serializer_class = ChaptersSerializer
    parser_classes = (JSONParser,)

    @extend_schema(
        tags=["chapters"],
        summary="The chapters of a media, in order",
        responses={200: ChaptersSerializer, 404: _DETAIL},
    )
    def get(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        return Response({"chapters": chapter_data(media)})

    @extend_schema(
        tags=["chapters"],
        summary="Replace the chapters of a media (owner or editor)",
        description='The body is a list or `{"chapters": [...]}`. Refused, naming the entry '
        "(`entry`, 0-based): out of order, a repeated or negative start, a start past the "
        "duration, an empty title, more than 200 entries. One transaction.",
        request=ChaptersInput,
        responses={200: ChaptersSerializer, 400: _CHAPTERS_REJECTED, 403: _DETAIL, 404: _DETAIL},
        examples=[
            OpenApiExample(
                "Ours",
                value={
                    "chapters": [{"start": 0, "title": "Intro"}, {"start": 42.5, "title": "Q&A"}]
                },
                request_only=True,
            ),
            OpenApiExample(
                "MediaCMS 7",
                value={
                    "chapters": [
                        {"startTime": "00:00:00", "endTime": "00:00:42", "chapterTitle": "Intro"}
                    ]
                },
                request_only=True,
            ),
        ],
    )
    def put(self, request, friendly_token):
        media = self.editable_media(friendly_token)
        chapters = chapter_services.chapters_set(media=media, by=request.user, raw=request.data)
        return Response({"chapters": chapters})

    @extend_schema(
        tags=["chapters"],
        summary="Replace the chapters of a media (as PUT; MediaCMS's clients POST)",
        request=ChaptersInput,
        responses={200: ChaptersSerializer, 400: _CHAPTERS_REJECTED, 403: _DETAIL, 404: _DETAIL},
    )
    def post(self, request, friendly_token):
        return self.put(request, friendly_token)


MEDIA = r"(?P<friendly_token>[A-Za-z0-9]{1,12})"

urlpatterns = [
    re_path(
        rf"^media/{MEDIA}/subtitles/?$",
        MediaSubtitlesView.as_view(),
        name="api-media-subtitles",
    ),
    re_path(
        rf"^media/{MEDIA}/subtitles/(?P<language>[A-Za-z0-9_-]{{2,35}})/?$",
        MediaSubtitleView.as_view(),
        name="api-media-subtitle",
    ),
    re_path(rf"^media/{MEDIA}/chapters/?$", MediaChaptersView.as_view(), name="api-media-chapters"),
]
