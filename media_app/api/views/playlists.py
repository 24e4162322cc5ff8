"""Playlists over /api/v1 (MediaCMS's paths, methods and fields)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from media_app.api.base import BaseAPIView, ListCreateView
from media_app.api.serializers.playlists import (
    PlaylistChangeInput,
    PlaylistDetailSerializer,
    PlaylistEditInput,
    PlaylistInput,
    PlaylistSerializer,
)
from media_app.models import Playlist
from media_app.selectors import playlists as playlist_selectors
from media_app.selectors.media import media_get_visible
from media_app.services import playlists as playlist_services
from media_app.services.errors import ServiceError


@extend_schema_view(
    get=extend_schema(
        tags=["playlists"],
        summary="List playlists",
        parameters=[OpenApiParameter("author", str), OpenApiParameter("page", int)],
        responses={200: PlaylistSerializer(many=True)},
    ),
    post=extend_schema(
        tags=["playlists"],
        summary="Create a playlist",
        request=PlaylistInput,
        responses={201: PlaylistSerializer},
    ),
)
class PlaylistListView(ListCreateView):
    """``GET /api/v1/playlists`` (``?author=``) and ``POST`` (logged in) to create one."""

    serializer_class = PlaylistSerializer
    create_input = PlaylistInput

    def list_queryset(self, request):
        return playlist_selectors.playlist_list(
            user=request.user, author=request.query_params.get("author", "")
        )

    def perform_create(self, request, data):
        playlist = playlist_services.playlist_create(user=request.user, **data)
        # Read back through the selector: the listing's counts and thumbnail come with it.
        return playlist_selectors.playlist_get(
            user=request.user, friendly_token=playlist.friendly_token
        )


class PlaylistDetailView(BaseAPIView):
    """``/api/v1/playlists/<token>``: detail with ``playlist_media``, edit, change items, delete."""

    def _playlist(self, request, friendly_token: str) -> Playlist:
        playlist = playlist_selectors.playlist_get(user=request.user, friendly_token=friendly_token)
        if playlist is None:
            raise Http404("No such playlist.")
        return playlist

    def _out(self, request, playlist: Playlist, code=status.HTTP_200_OK) -> Response:
        data = PlaylistDetailSerializer(playlist, context={"request": request}).data
        return Response(data, status=code)

    @extend_schema(
        tags=["playlists"],
        summary="A playlist and the media in it that the caller may see",
        responses={200: PlaylistDetailSerializer},
    )
    def get(self, request, friendly_token):
        return self._out(request, self._playlist(request, friendly_token))

    @extend_schema(
        tags=["playlists"],
        summary="Edit title and description (owner or editor)",
        operation_id="playlists_edit",
        request=PlaylistEditInput,
        responses={201: PlaylistDetailSerializer},
    )
    def post(self, request, friendly_token):
        playlist = self._playlist(request, friendly_token)
        data = PlaylistEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        playlist_services.playlist_update(
            playlist=playlist,
            by=request.user,
            title=data.validated_data.get("title"),
            description=data.validated_data.get("description"),
        )
        return self._out(request, self._playlist(request, friendly_token), status.HTTP_201_CREATED)

    @extend_schema(
        tags=["playlists"],
        summary="Add (201), remove or move (`ordering`, 1-based) one media (owner or editor)",
        request=PlaylistChangeInput,
        responses={200: PlaylistDetailSerializer, 201: PlaylistDetailSerializer},
    )
    def put(self, request, friendly_token):
        playlist = self._playlist(request, friendly_token)
        data = PlaylistChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        kind, token = data.validated_data["type"], data.validated_data["media_friendly_token"]
        # Who may change the playlist is settled first, so the lookups below tell a stranger
        # nothing about which media it holds.
        playlist_services.playlist_check_editable(playlist=playlist, by=request.user)
        code: int = status.HTTP_200_OK
        if kind == "add":
            # Only media the caller may see can be added: anything else is "not found".
            media = media_get_visible(user=request.user, friendly_token=token)
            if media is None:
                raise Http404("No such media.")
            playlist_services.playlist_add(playlist=playlist, by=request.user, media=media)
            code = status.HTTP_201_CREATED
        else:
            # Removing or moving works on what is already in the playlist, even media that has
            # since turned private: its owner must still be able to take it out.
            media = playlist_selectors.playlist_item_media(playlist=playlist, friendly_token=token)
            if media is None:
                raise Http404("That media is not in this playlist.")
            if kind == "remove":
                playlist_services.playlist_remove(playlist=playlist, by=request.user, media=media)
            else:
                if "ordering" not in data.validated_data:
                    raise ServiceError("Give the new position in `ordering`.", field="ordering")
                playlist_services.playlist_move(
                    playlist=playlist,
                    by=request.user,
                    media=media,
                    ordering=data.validated_data["ordering"],
                )
        return self._out(request, self._playlist(request, friendly_token), code)

    @extend_schema(tags=["playlists"], summary="Delete (owner or editor)", responses={204: None})
    def delete(self, request, friendly_token):
        playlist_services.playlist_delete(
            playlist=self._playlist(request, friendly_token), by=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
