"""/api/v1/playlists: shapes, who may change what, and that hidden media never shows through."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from media_app.models import Media, Playlist, PlaylistMedia
from tests.api._people import ROLES, body, make_role, token_client
from tests.factories import MediaFactory, PlaylistFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_FIELDS = {
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
}


def _items(playlist):
    return list(playlist.items.order_by("ordering").values_list("media__friendly_token", flat=True))


def _put(client, playlist, **data):
    return client.put(f"/api/v1/playlists/{playlist.friendly_token}", data, format="json")


def test_create_and_list_shape(user):
    response = token_client(user).post(
        "/api/v1/playlists", {"title": "Election night", "description": "All of it"}
    )
    assert response.status_code == 201, body(response)
    created = response.json()
    assert set(created) == LIST_FIELDS
    assert created["user"] == user.username and created["media_count"] == 0
    assert len(created["friendly_token"]) == 9
    assert created["url"] == f"http://testserver/playlist/{created['friendly_token']}"

    listing = APIClient().get("/api/v1/playlists").json()
    assert set(listing) == {"count", "next", "previous", "results"}
    assert [p["friendly_token"] for p in listing["results"]] == [created["friendly_token"]]
    assert set(listing["results"][0]) == LIST_FIELDS


def test_create_needs_login_and_a_title(user):
    assert APIClient().post("/api/v1/playlists", {"title": "x"}).status_code == 403
    response = token_client(user).post("/api/v1/playlists", {"title": "  "}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()
    assert not Playlist.objects.exists()


def test_list_by_author():
    mine, theirs = PlaylistFactory(), PlaylistFactory()
    response = APIClient().get(f"/api/v1/playlists/?author={mine.user.username}")
    assert [p["friendly_token"] for p in response.json()["results"]] == [mine.friendly_token]
    assert theirs.friendly_token not in body(response)


def test_detail_shape_and_order(user, public_media):
    playlist = PlaylistFactory(user=user)
    second = MediaFactory()
    client = token_client(user)
    assert (
        _put(
            client, playlist, type="add", media_friendly_token=public_media.friendly_token
        ).status_code
        == 201
    )
    assert (
        _put(client, playlist, type="add", media_friendly_token=second.friendly_token).status_code
        == 201
    )

    response = APIClient().get(f"/api/v1/playlists/{playlist.friendly_token}")
    assert response.status_code == 200
    data = response.json()
    assert LIST_FIELDS | {"user_thumbnail_url", "playlist_media"} <= set(data)
    assert data["media_count"] == 2
    tokens = [m["friendly_token"] for m in data["playlist_media"]]
    assert tokens == [public_media.friendly_token, second.friendly_token]
    assert {"friendly_token", "title", "url", "api_url", "user", "thumbnail_url"} <= set(
        data["playlist_media"][0]
    )
    assert APIClient().get("/api/v1/playlists/NOPENOPE1").status_code == 404


def test_edit_title_and_description_by_post(user):
    playlist = PlaylistFactory(user=user)
    response = token_client(user).post(
        f"/api/v1/playlists/{playlist.friendly_token}/",
        {"title": "Renamed", "description": "New words"},
    )
    assert response.status_code == 201
    assert (response.json()["title"], response.json()["description"]) == ("Renamed", "New words")


def test_add_twice_remove_and_reorder(user):
    playlist = PlaylistFactory(user=user)
    a, b, c = MediaFactory(), MediaFactory(), MediaFactory()
    client = token_client(user)
    for media in (a, b, c, a):
        assert (
            _put(
                client, playlist, type="add", media_friendly_token=media.friendly_token
            ).status_code
            == 201
        )
    assert _items(playlist) == [a.friendly_token, b.friendly_token, c.friendly_token]

    moved = _put(
        client, playlist, type="ordering", media_friendly_token=c.friendly_token, ordering=1
    )
    assert moved.status_code == 200
    assert [m["friendly_token"] for m in moved.json()["playlist_media"]] == [
        c.friendly_token,
        a.friendly_token,
        b.friendly_token,
    ]
    gone = _put(client, playlist, type="remove", media_friendly_token=a.friendly_token)
    assert gone.status_code == 200
    assert _items(playlist) == [c.friendly_token, b.friendly_token]

    assert (
        _put(client, playlist, type="remove", media_friendly_token=a.friendly_token).status_code
        == 404
    )
    assert (
        _put(client, playlist, type="ordering", media_friendly_token=b.friendly_token).status_code
        == 400
    )
    assert (
        _put(client, playlist, type="shuffle", media_friendly_token=b.friendly_token).status_code
        == 400
    )


def test_adding_media_the_caller_cannot_see_is_404(user):
    playlist = PlaylistFactory(user=user)
    hidden = MediaFactory(state=Media.State.PRIVATE)
    waiting = MediaFactory(is_reviewed=False, state=Media.State.PRIVATE)
    client = token_client(user)
    for media in (hidden, waiting):
        assert (
            _put(
                client, playlist, type="add", media_friendly_token=media.friendly_token
            ).status_code
            == 404
        )
    assert _put(client, playlist, type="add", media_friendly_token="AAAAAAAAA").status_code == 404
    assert not PlaylistMedia.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_change_a_playlist(role, public_media):
    owner = UserFactory()
    playlist = PlaylistFactory(user=owner, title="Original")
    actor = make_role(role)
    client = token_client(actor)
    allowed = role in ("editor", "manager")  # editors act on anyone's playlist

    add = _put(client, playlist, type="add", media_friendly_token=public_media.friendly_token)
    edit = client.post(f"/api/v1/playlists/{playlist.friendly_token}", {"title": "Hijacked"})
    playlist.refresh_from_db()
    if allowed:
        assert (add.status_code, edit.status_code) == (201, 201)
        assert playlist.title == "Hijacked"
    else:
        assert (add.status_code, edit.status_code) == (403, 403)
        assert playlist.title == "Original"
        assert not PlaylistMedia.objects.exists()

    delete = client.delete(f"/api/v1/playlists/{playlist.friendly_token}")
    assert delete.status_code == (204 if allowed else 403)
    assert Playlist.objects.filter(pk=playlist.pk).exists() is not allowed


def test_owner_deletes_own_playlist(user):
    playlist = PlaylistFactory(user=user)
    assert (
        token_client(user).delete(f"/api/v1/playlists/{playlist.friendly_token}").status_code == 204
    )
    assert not Playlist.objects.exists()


def test_a_stranger_learns_nothing_about_hidden_items(user):
    playlist = PlaylistFactory(user=user)
    hidden = MediaFactory(user=user, state=Media.State.PRIVATE)
    PlaylistMedia.objects.create(playlist=playlist, media=hidden, ordering=1)
    stranger = token_client(UserFactory())
    for kind in ("remove", "ordering"):
        response = _put(
            stranger, playlist, type=kind, media_friendly_token=hidden.friendly_token, ordering=1
        )
        assert response.status_code == 403
    assert _items(playlist) == [hidden.friendly_token]


@pytest.mark.parametrize("role", [*ROLES, "owner_of_playlist", "owner_of_media"])
def test_private_media_of_another_user_shows_only_to_who_may_see_it(role):
    media_owner = UserFactory()
    playlist_owner = UserFactory()
    public = MediaFactory()
    private = MediaFactory(user=media_owner)
    unlisted = MediaFactory(user=media_owner, state=Media.State.UNLISTED)
    playlist = PlaylistFactory(user=playlist_owner)
    for position, media in enumerate((public, private, unlisted), start=1):
        PlaylistMedia.objects.create(playlist=playlist, media=media, ordering=position)
    # The media turned private after it was added (its owner changed their mind).
    Media.objects.filter(pk=private.pk).update(state=Media.State.PRIVATE)

    viewer = {"owner_of_playlist": playlist_owner, "owner_of_media": media_owner}.get(role)
    viewer = viewer or make_role(role)
    client = token_client(viewer)
    detail = client.get(f"/api/v1/playlists/{playlist.friendly_token}").json()
    shown = [m["friendly_token"] for m in detail["playlist_media"]]
    listed = client.get(f"/api/v1/playlists?author={playlist_owner.username}").json()["results"][0]

    may_see_private = role in ("editor", "manager", "owner_of_media")
    expected = [public.friendly_token]
    if may_see_private:
        expected.append(private.friendly_token)
        # Unlisted media is not listed, in a playlist neither: only for who may see it anyway.
        expected.append(unlisted.friendly_token)
    assert shown == expected
    assert detail["media_count"] == listed["media_count"] == len(expected)
    if not may_see_private:
        assert private.friendly_token not in body(
            client.get(f"/api/v1/playlists/{playlist.friendly_token}")
        )
        assert private.title not in body(client.get(f"/api/v1/playlists/{playlist.friendly_token}"))


def test_thumbnail_comes_from_the_first_visible_media():
    playlist = PlaylistFactory()
    hidden = MediaFactory(state=Media.State.PRIVATE, thumbnail="thumbs/secret.jpg")
    shown = MediaFactory(thumbnail="thumbs/open.jpg")
    PlaylistMedia.objects.create(playlist=playlist, media=hidden, ordering=1)
    PlaylistMedia.objects.create(playlist=playlist, media=shown, ordering=2)
    data = APIClient().get(f"/api/v1/playlists/{playlist.friendly_token}").json()
    assert urlsplit(data["thumbnail_url"]).path.endswith("thumbs/open.jpg")  # either mode
    assert "secret" not in body(APIClient().get("/api/v1/playlists"))


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_size(user):
    client = token_client(user)
    playlist = PlaylistFactory(user=user)
    for media in MediaFactory.create_batch(2):
        PlaylistMedia.objects.create(playlist=playlist, media=media)
    PlaylistFactory.create_batch(2)
    detail_url = f"/api/v1/playlists/{playlist.friendly_token}"
    small_detail, small_list = _queries(client, detail_url), _queries(client, "/api/v1/playlists")

    for media in MediaFactory.create_batch(15):
        PlaylistMedia.objects.create(playlist=playlist, media=media)
    PlaylistFactory.create_batch(15)
    assert _queries(client, detail_url) == small_detail
    assert _queries(client, "/api/v1/playlists") == small_list
