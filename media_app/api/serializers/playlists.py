"""Serializers of playlists (views: ``media_app.api.views.playlists``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from media_app.api.serializers.media import MediaSerializer, absolute_url, file_url
from media_app.api.serializers.users import UserSerializer
from media_app.models import Playlist
from media_app.selectors import playlists as playlist_selectors


class PlaylistSerializer(serializers.ModelSerializer):
    """A playlist in a listing. ``media_count`` counts only media the viewer may see."""

    user = serializers.CharField(source="user.username", read_only=True)
    media_count = serializers.IntegerField(source="visible_count", read_only=True)
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Playlist
        fields: tuple[str, ...] = (
            "id",
            "add_date",
            "title",
            "description",
            "user",
            "media_count",
            "url",
            "api_url",
            "thumbnail_url",
            "friendly_token",
        )
        read_only_fields: tuple[str, ...] = fields

    def _abs(self, path: str | None) -> str | None:
        return absolute_url(self.context, path)

    def get_url(self, obj: Playlist) -> str:
        return absolute_url(self.context, f"/playlist/{obj.friendly_token}")

    def get_api_url(self, obj: Playlist) -> str:
        return absolute_url(self.context, f"/api/v1/playlists/{obj.friendly_token}")

    def get_thumbnail_url(self, obj: Playlist) -> str | None:
        name = getattr(obj, "first_thumbnail", None)
        if not name:
            return None
        # Annotated by the playlist selectors, with the first visible media's thumbnail.
        annotated: Any = obj
        first = {"state": annotated.first_state, "is_reviewed": annotated.first_is_reviewed}
        return self._abs(file_url(name, first))


class PlaylistDetailSerializer(PlaylistSerializer):
    """A playlist with ``playlist_media``: only the media the viewer may see, in order."""

    user_thumbnail_url = serializers.SerializerMethodField()
    playlist_media = serializers.SerializerMethodField()

    class Meta(PlaylistSerializer.Meta):
        fields: tuple[str, ...] = (
            *PlaylistSerializer.Meta.fields,
            "user_thumbnail_url",
            "playlist_media",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_playlist_media(self, obj: Playlist) -> list:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        media = playlist_selectors.playlist_media(playlist=obj, user=viewer)
        rows = MediaSerializer.rows(media)
        return list(MediaSerializer(rows, many=True, context=self.context).data)

    def get_user_thumbnail_url(self, obj: Playlist) -> str:
        return UserSerializer(obj.user, context=self.context).get_thumbnail_url(obj.user)


class PlaylistInput(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)


class PlaylistEditInput(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)


class PlaylistChangeInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=("add", "remove", "ordering"))
    media_friendly_token = serializers.CharField(max_length=12)
    ordering = serializers.IntegerField(required=False, min_value=1)
