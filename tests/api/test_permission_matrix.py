"""Who may do what to public, unlisted and private media, and that hidden media never leaks.

Roles are people other than the owner: anonymous, a registered user, a verified journalist, an
editor and a manager. Editors and managers see everything; the others see public and unlisted
media (unlisted only by its address) and never another person's private media.
"""

import pytest
from django.core.cache import cache

from media_app.models import Category, Media, Tag
from tests.api._people import ROLES, body, make_role
from tests.conftest import client_for
from tests.factories import CommentFactory, MediaFactory, PlaylistFactory, UserFactory

pytestmark = pytest.mark.django_db

STATES = ("public", "unlisted", "private")


def _media(state: str) -> Media:
    if state == "private":
        # A registered user's upload that no editor has reviewed yet.
        return MediaFactory(user=UserFactory(), state="private", is_reviewed=False)
    return MediaFactory(state=state)


def _sees(role: str, state: str) -> bool:
    return state != "private" or role in ("editor", "manager")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_matrix(role, state):
    person = make_role(role)
    client = client_for(person)
    media = _media(state)
    token = media.friendly_token
    sees = _sees(role, state)
    editor = role in ("editor", "manager")

    # list: only public media is listed, whoever asks
    listed = [m["friendly_token"] for m in client.get("/api/v1/media").json()["results"]]
    assert (token in listed) == (state == "public")

    # detail
    assert client.get(f"/api/v1/media/{token}").status_code == (200 if sees else 404)

    # comment
    response = client.post(f"/api/v1/media/{token}/comments", {"text": "hi"}, format="json")
    expected = 403 if person is None else (201 if sees else 404)
    assert response.status_code == expected, body(response)

    # playlist-add (into the caller's own playlist; anonymous has none, so tries someone's).
    # A playlist is a public listing: someone else's unlisted or private media never goes in,
    # even for editors (403 once the caller may see it, 404 otherwise).
    playlist = PlaylistFactory(user=person) if person is not None else PlaylistFactory()
    response = client.put(
        f"/api/v1/playlists/{playlist.friendly_token}",
        {"type": "add", "media_friendly_token": token},
        format="json",
    )
    added = 403 if person is None else (404 if not sees else (201 if state == "public" else 403))
    assert response.status_code == added, body(response)
    assert playlist.items.filter(media=media).exists() == (added == 201)

    # update
    response = client.put(f"/api/v1/media/{token}", {"title": "Changed"}, format="json")
    # Someone else's media is not there to edit (issue 16): 404, as for media they cannot see.
    expected = 403 if person is None else (201 if editor else 404)
    assert response.status_code == expected, body(response)
    media.refresh_from_db()
    assert (media.title == "Changed") == (expected == 201)

    # delete
    response = client.delete(f"/api/v1/media/{token}")
    expected = 403 if person is None else (204 if editor else (403 if sees else 404))
    assert response.status_code == expected, body(response)
    assert Media.objects.filter(pk=media.pk).exists() == (expected != 204)


@pytest.mark.parametrize("role", ("anonymous", "user", "journalist"))
def test_private_media_never_leaks(role):
    cache.clear()  # throttle history
    person = make_role(role)
    client = client_for(person)
    tag, category = Tag.objects.create(title="floods"), Category.objects.create(title="Climate")
    public = MediaFactory(title="Flood public report")
    public.tags.add(tag)
    public.categories.add(category)
    hidden = MediaFactory(
        user=UserFactory(), title="Flood hidden draft", state="private", is_reviewed=False
    )
    hidden.tags.add(tag, Tag.objects.create(title="leak"))
    hidden.categories.add(category)
    CommentFactory(media=hidden, text="hidden comment")
    CommentFactory(media=public, text="public comment")
    secret = hidden.friendly_token

    # Seen while it was public (liked, watched, put in a playlist), then hidden by the owner.
    Media.objects.filter(pk=hidden.pk).update(state="public", is_reviewed=True)
    for kind in ("like", "watch"):
        assert (
            client.post(
                f"/api/v1/media/{secret}/actions", {"type": kind}, format="json"
            ).status_code
            == 201
        )
    owner_playlist = PlaylistFactory(user=person or UserFactory())
    owner_playlist.items.create(media=hidden, ordering=1)
    owner_playlist.items.create(media=public, ordering=2)
    Media.objects.filter(pk=hidden.pk).update(state="private", is_reviewed=False)

    texts = [
        client.get("/api/v1/media").content,
        client.get("/api/v1/media?q=flood").content,
        client.get("/api/v1/media?t=floods").content,
        client.get(f"/api/v1/media?author={hidden.user.username}").content,
        client.get("/api/v1/search?q=flood").content,
        client.get("/api/v1/search?q=flood&show=titles").content,
        client.get("/api/v1/search?t=floods").content,
        client.get(f"/api/v1/media/{public.friendly_token}").content,  # related_media
        client.get("/api/v1/comments").content,
        client.get("/api/v1/user/action/like").content,
        client.get("/api/v1/user/action/watch").content,
        client.get(f"/api/v1/playlists/{owner_playlist.friendly_token}").content,
        client.get("/api/v1/tags").content,
    ]
    for text in texts:
        assert secret.encode() not in text and b"hidden" not in text and b"leak" not in text
    assert b"Flood public report" in texts[0]
    for path in ("", "/comments", "/actions"):
        assert client.get(f"/api/v1/media/{secret}{path}").status_code in (404, 403)
    assert client.get(f"/api/v1/media/{secret}").status_code == 404
    assert client.get(f"/api/v1/media/{secret}/comments").status_code == 404
    tags = {t["title"]: t["media_count"] for t in client.get("/api/v1/tags").json()["results"]}
    assert tags == {"floods": 1}
    [climate] = client.get("/api/v1/categories").json()
    assert climate["media_count"] == 1
