"""Reads of playlists. Which media a viewer may see inside one is decided by selectors.media."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from media_app.models import Media, Playlist, PlaylistMedia
from media_app.selectors.media import media_visible, media_visible_q, sees_everything


def _shown_q(user) -> Q:
    """Media a playlist shows this viewer: what they may open, except other people's unlisted
    media. A playlist is a listing, and unlisted media is only for those who have its address
    (even its owner's own unlisted media in their own playlist shows only to them)."""
    if sees_everything(user):
        return media_visible_q(user)
    others_unlisted = Q(state=Media.State.UNLISTED)
    if user is not None and user.is_authenticated:
        others_unlisted &= ~Q(user=user)
    return media_visible_q(user) & ~others_unlisted


def _visible_items(user) -> QuerySet[PlaylistMedia]:
    return PlaylistMedia.objects.filter(
        playlist=OuterRef("pk"), media__in=Media.objects.filter(_shown_q(user))
    )


def playlist_qs(*, user) -> QuerySet[Playlist]:
    """Playlists with ``visible_count`` and ``first_thumbnail`` (with that media's ``first_state``
    and ``first_is_reviewed``) computed for this viewer.

    Both are subqueries, so a page of playlists costs one query whatever its length, and neither
    counts nor shows media the viewer may not see.
    """
    items = _visible_items(user)
    count = items.order_by().values("playlist").annotate(n=Count("id")).values("n")[:1]
    first = items.order_by("ordering", "id")
    return Playlist.objects.select_related("user").annotate(
        visible_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        first_thumbnail=Subquery(first.values("media__thumbnail")[:1]),
        # What decides whether that thumbnail is handed out as a signed link (file_url).
        first_state=Subquery(first.values("media__state")[:1]),
        first_is_reviewed=Subquery(first.values("media__is_reviewed")[:1]),
    )


def playlist_list(*, user, author: str = "") -> QuerySet[Playlist]:
    qs = playlist_qs(user=user)
    if author:
        qs = qs.filter(user__username=author)
    return qs.order_by("-add_date", "-id")


def playlist_get(*, user, friendly_token: str) -> Playlist | None:
    return playlist_qs(user=user).filter(friendly_token=friendly_token).first()


def playlist_media(*, playlist: Playlist, user) -> QuerySet[Media]:
    """The playlist's media this viewer may see listed (``_shown_q``), in the playlist's order."""
    return (
        media_visible(user=user)
        .filter(_shown_q(user), playlist_items__playlist=playlist)
        .order_by("playlist_items__ordering", "playlist_items__id")
    )


def playlist_item_media(*, playlist: Playlist, friendly_token: str) -> Media | None:
    """Media already in the playlist, whatever its state now (for its editor to remove or move)."""
    return Media.objects.filter(
        friendly_token=friendly_token, playlist_items__playlist=playlist
    ).first()
