"""POST /api/v1/media/user/bulk_actions (issue 16, point 5): each action, all or nothing, unknown
and someone else's tokens answered alike, the answer naming what changed."""

import pytest

from media_app.models import Category, HistoryEntry, Media, PlaylistMedia, Tag
from tests.api._people import body
from tests.conftest import client_for
from tests.factories import MediaFactory, PlaylistFactory

URL = "/api/v1/media/user/bulk_actions"


def bulk(user, **data):
    return client_for(user).post(URL, data, format="json")


@pytest.fixture
def three(journalist):
    return [MediaFactory(user=journalist, title=f"Item {i}") for i in range(3)]


def tokens(items):
    return [m.friendly_token for m in items]


def test_set_state_of_three(journalist, three):
    three[0].state = "private"
    three[0].save()
    response = bulk(journalist, media_ids=tokens(three), action="set_state", state="unlisted")
    assert response.status_code == 200, body(response)
    data = response.json()
    assert data["changed"] == tokens(three) and data["unchanged"] == []
    assert set(
        Media.objects.filter(pk__in=[m.pk for m in three]).values_list("state", flat=True)
    ) == {"unlisted"}
    again = bulk(journalist, media_ids=tokens(three), action="set_state", state="unlisted").json()
    assert again["changed"] == [] and again["unchanged"] == tokens(three)
    # Published media: each change is in its history chain (it starts at the first one).
    bulk(journalist, media_ids=tokens(three), action="set_state", state="private")
    kinds = list(HistoryEntry.objects.filter(media=three[1]).values_list("kind", flat=True))
    assert kinds == ["published", "edited"]


def test_a_user_who_may_not_publish_cannot_make_media_public_in_bulk(user):
    items = [
        MediaFactory(user=user, state="private", is_reviewed=False, requested_state="private")
        for _ in range(2)
    ]
    response = bulk(user, media_ids=tokens(items), action="set_state", state="public")
    assert response.status_code == 200, body(response)
    for media in items:
        media.refresh_from_db()
        assert media.state == "private" and media.requested_state == "public"


def test_playlists(journalist, three):
    playlist = PlaylistFactory(user=journalist)
    response = bulk(
        journalist,
        media_ids=tokens(three[:2]),
        action="add_to_playlist",
        playlist_ids=[playlist.friendly_token],
    )
    assert response.status_code == 200, body(response)
    assert set(playlist.items.values_list("media_id", flat=True)) == {three[0].pk, three[1].pk}
    response = bulk(
        journalist,
        media_ids=tokens(three),
        action="remove_from_playlist",
        playlist_ids=[playlist.friendly_token],
    )
    assert response.json()["changed"] == tokens(three[:2])
    assert response.json()["unchanged"] == [three[2].friendly_token]
    assert not PlaylistMedia.objects.filter(playlist=playlist).exists()
    # Someone else's playlist is unknown.
    theirs = PlaylistFactory()
    refused = bulk(
        journalist,
        media_ids=tokens(three),
        action="add_to_playlist",
        playlist_ids=[theirs.friendly_token],
    )
    assert refused.status_code == 400 and "playlist_ids" in refused.json()


def test_categories(journalist, three):
    climate = Category.objects.create(title="Climate")
    response = bulk(
        journalist,
        media_ids=tokens(three),
        action="add_to_category",
        category_uids=[str(climate.uid)],
    )
    assert response.status_code == 200, body(response)
    assert climate.media.count() == 3
    climate.refresh_from_db()
    assert climate.media_count == 3
    bulk(
        journalist,
        media_ids=tokens(three[:1]),
        action="remove_from_category",
        category_uids=[str(climate.uid)],
    )
    assert climate.media.count() == 2
    unknown = bulk(
        journalist, media_ids=tokens(three), action="add_to_category", category_uids=["Nope"]
    )
    assert unknown.status_code == 400 and "category_uids" in unknown.json()


def test_tags(journalist, three):
    three[0].tags.add(Tag.objects.create(title="old"))
    response = bulk(
        journalist, media_ids=tokens(three), action="add_tags", tag_titles=["Floods", "old"]
    )
    assert response.status_code == 200, body(response)
    assert sorted(three[0].tags.values_list("title", flat=True)) == ["floods", "old"]
    assert sorted(three[2].tags.values_list("title", flat=True)) == ["floods", "old"]
    assert Tag.objects.get(title="floods").media_count == 3
    response = bulk(journalist, media_ids=tokens(three[:2]), action="remove_tags", tag_titles="old")
    assert response.json()["changed"] == tokens(three[:2])
    assert list(three[0].tags.values_list("title", flat=True)) == ["floods"]
    assert Tag.objects.get(title="old").media_count == 1


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [
        ("disable_comments", "enable_comments", False),
        ("enable_comments", "enable_comments", True),
        ("disable_download", "allow_download", False),
        ("enable_download", "allow_download", True),
    ],
)
def test_switches(journalist, three, action, field, value):
    Media.objects.filter(pk=three[0].pk).update(**{field: not value})
    response = bulk(journalist, media_ids=tokens(three), action=action)
    assert response.status_code == 200, body(response)
    # The defaults are on: turning on changes only the first, turning off all three.
    assert response.json()["changed"] == (tokens(three[:1]) if value else tokens(three))
    assert all(
        getattr(m, field) == value for m in Media.objects.filter(pk__in=[x.pk for x in three])
    )


def test_delete(journalist, three):
    floods = Tag.objects.create(title="floods")
    for media in three:
        media.tags.add(floods)
    response = bulk(journalist, media_ids=tokens(three[:2]), action="delete_media")
    assert response.status_code == 200, body(response)
    assert list(Media.objects.filter(user=journalist)) == [three[2]]
    floods.refresh_from_db()
    assert floods.media_count == 1


def test_retry_encoding_only_failed(journalist, django_capture_on_commit_callbacks):
    failed = MediaFactory(user=journalist, encoding_status="fail", encoding_fail_reason="broken")
    fine = MediaFactory(user=journalist)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = bulk(journalist, media_ids=tokens([failed, fine]), action="retry_encoding")
    assert response.status_code == 200, body(response)
    assert response.json()["changed"] == [failed.friendly_token]
    assert response.json()["unchanged"] == [fine.friendly_token]
    encodes = [c for c in callbacks if "encoding_requeue" in c.__qualname__]
    assert len(encodes) == 1, "one new encode, enqueued after commit"
    failed.refresh_from_db()
    assert failed.encoding_status == "pending" and failed.encoding_fail_reason == ""


def test_unknown_and_someone_elses_ids_are_400_alike_and_nothing_changes(journalist, three, user):
    theirs = MediaFactory(user=user)
    ids = [*tokens(three), theirs.friendly_token, "nosuchmedia"]
    response = bulk(journalist, media_ids=ids, action="set_state", state="private")
    assert response.status_code == 400
    data = response.json()
    assert "media_ids" in data
    assert data["detail"] == f"Unknown media: {theirs.friendly_token}, nosuchmedia."
    assert not Media.objects.filter(pk__in=[m.pk for m in three], state="private").exists()
    theirs.refresh_from_db()
    assert theirs.state == "public"


def test_editors_too_act_only_on_their_own_media(editor, three):
    response = bulk(editor, media_ids=tokens(three), action="delete_media")
    assert response.status_code == 400
    assert Media.objects.filter(pk__in=[m.pk for m in three]).count() == 3


def test_all_or_nothing_when_an_item_midway_is_refused(editor):
    # An editor may change anyone's playlist, but someone else's playlist never holds the
    # editor's private media: the third item is refused after the first two were added.
    items = [MediaFactory(user=editor), MediaFactory(user=editor)]
    items.append(MediaFactory(user=editor, state="private"))
    playlist = PlaylistFactory()
    response = bulk(
        editor,
        media_ids=tokens(items),
        action="add_to_playlist",
        playlist_ids=[playlist.friendly_token],
    )
    assert response.status_code == 403, body(response)
    assert not playlist.items.exists()


def test_unknown_playlist_is_400(journalist, three):
    playlist = PlaylistFactory(user=journalist)
    response = bulk(
        journalist,
        media_ids=tokens(three),
        action="add_to_playlist",
        playlist_ids=[playlist.friendly_token, "nosuchlist"],
    )
    assert response.status_code == 400 and "nosuchlist" in response.json()["detail"]
    assert not playlist.items.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"media_ids": [], "action": "delete_media"}, "media_ids"),
        ({"media_ids": "abc", "action": "delete_media"}, "media_ids"),
        ({"action": "delete_media"}, "media_ids"),
        ({"media_ids": ["abc"], "action": "explode"}, "action"),
        ({"media_ids": ["abc"], "action": "set_state"}, "state"),
        ({"media_ids": ["abc"], "action": "set_state", "state": "everywhere"}, "state"),
        ({"media_ids": ["abc"], "action": "add_tags"}, "tag_titles"),
        ({"media_ids": ["abc"], "action": "add_to_playlist"}, "playlist_ids"),
        ({"media_ids": ["abc"], "action": "add_to_category"}, "category_uids"),
    ],
)
def test_bad_bodies_name_the_field(journalist, data, field):
    response = client_for(journalist).post(URL, data, format="json")
    assert response.status_code == 400, body(response)
    assert field in response.json(), response.json()


def test_anonymous_is_refused(three):
    from rest_framework.test import APIClient

    response = APIClient().post(
        URL, {"media_ids": tokens(three), "action": "delete_media"}, format="json"
    )
    assert response.status_code == 403
    assert Media.objects.count() == 3
