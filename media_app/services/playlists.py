from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from media_app.models import Media, Playlist, PlaylistMedia
from media_app.services.errors import NotAllowed, ServiceError
from media_app.services.media import clean_text


def _check_owner(playlist: Playlist, by) -> None:
    if not (by.is_authenticated and (playlist.user_id == by.id or by.can_edit_media)):
        raise NotAllowed("Only the playlist's owner or an editor may change it.")


def playlist_check_editable(*, playlist: Playlist, by) -> None:
    """Raise ``NotAllowed`` unless ``by`` may change this playlist (its owner or an editor)."""
    _check_owner(playlist, by)


def playlist_create(*, user, title: str, description: str = "") -> Playlist:
    title = clean_text(title or "", limit=100)
    if not title:
        raise ServiceError("The title may not be blank.", field="title")
    return Playlist.objects.create(user=user, title=title, description=description or "")


def playlist_update(
    *, playlist: Playlist, by, title: str | None, description: str | None
) -> Playlist:
    _check_owner(playlist, by)
    if title is not None:
        title = clean_text(title, limit=100)
        if not title:
            raise ServiceError("The title may not be blank.", field="title")
        playlist.title = title
    if description is not None:
        playlist.description = description
    playlist.save()
    return playlist


def playlist_check_may_hold(*, playlist: Playlist, media: Media) -> None:
    """A playlist is a public listing: it holds public, reviewed media, and its owner's own media
    of any state (selectors/playlists.py shows that only to those who may list it). Someone
    else's unlisted or private media never goes in, whoever adds it (editors included): unlisted
    media is for those its owner gave the address to, not for a stranger's listing."""
    public = media.state == Media.State.PUBLIC and media.is_reviewed
    if not (public or media.user_id == playlist.user_id):
        raise NotAllowed(
            "Only public media, or the playlist owner's own media, can go into a playlist."
        )


@transaction.atomic
def playlist_add(*, playlist: Playlist, by, media: Media) -> PlaylistMedia:
    """Append media (already checked visible to ``by``) at the end; adding twice is a no-op."""
    _check_owner(playlist, by)
    playlist_check_may_hold(playlist=playlist, media=media)
    # Lock the playlist row so two concurrent adds do not take the same position.
    Playlist.objects.select_for_update().filter(pk=playlist.pk).first()
    last = playlist.items.aggregate(m=Max("ordering"))["m"]
    item, _ = PlaylistMedia.objects.get_or_create(
        playlist=playlist, media=media, defaults={"ordering": (last or 0) + 1}
    )
    return item


def playlist_remove(*, playlist: Playlist, by, media: Media) -> None:
    _check_owner(playlist, by)
    PlaylistMedia.objects.filter(playlist=playlist, media=media).delete()


@transaction.atomic
def playlist_move(*, playlist: Playlist, by, media: Media, ordering: int) -> None:
    """Put media at position ``ordering`` (1-based) and renumber the rest."""
    _check_owner(playlist, by)
    items = list(playlist.items.select_for_update().order_by("ordering", "id"))
    current = next((i for i in items if i.media_id == media.pk), None)
    if current is None:
        raise ServiceError("That media is not in this playlist.", field="media_friendly_token")
    items.remove(current)
    position = min(max(int(ordering), 1), len(items) + 1)
    items.insert(position - 1, current)
    for index, item in enumerate(items, start=1):
        if item.ordering != index:
            item.ordering = index
            item.save(update_fields=["ordering"])


def playlist_delete(*, playlist: Playlist, by) -> None:
    _check_owner(playlist, by)
    playlist.delete()
