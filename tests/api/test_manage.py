"""/api/v1/manage_media and /api/v1/manage_comments: editors only."""

import pytest
from rest_framework.test import APIClient

from media_app.models import Comment, Media
from tests.conftest import client_for
from tests.factories import CommentFactory, MediaFactory

pytestmark = pytest.mark.django_db


def test_manage_media_for_editors_only(user, journalist, editor, manager):
    waiting = MediaFactory(user=user, state="private", is_reviewed=False)
    done = MediaFactory(user=journalist)
    for who in (None, user, journalist):
        assert client_for(who).get("/api/v1/manage_media").status_code == 403
    for who in (editor, manager):
        page = client_for(who).get("/api/v1/manage_media").json()
        assert {m["friendly_token"] for m in page["results"]} == {
            waiting.friendly_token,
            done.friendly_token,
        }
    queue = client_for(editor).get("/api/v1/manage_media?is_reviewed=false").json()
    assert [m["friendly_token"] for m in queue["results"]] == [waiting.friendly_token]
    assert queue["results"][0]["requested_state"] == "public"
    public = client_for(editor).get("/api/v1/manage_media?state=public&featured=false").json()
    assert [m["friendly_token"] for m in public["results"]] == [done.friendly_token]
    assert client_for(editor).get("/api/v1/manage_media?state=nope").status_code == 400


def test_manage_media_delete(user, editor):
    a, b, keep = MediaFactory(), MediaFactory(), MediaFactory()
    url = f"/api/v1/manage_media?tokens={a.friendly_token},{b.friendly_token}"
    assert client_for(user).delete(url).status_code == 403
    assert APIClient().delete(url).status_code == 403
    assert Media.objects.count() == 3
    assert client_for(editor).delete(url).status_code == 204
    assert list(Media.objects.values_list("pk", flat=True)) == [keep.pk]
    assert client_for(editor).delete("/api/v1/manage_media").status_code == 400


def test_manage_comments(user, editor):
    on_private = CommentFactory(media=MediaFactory(state="private", is_reviewed=False))
    other = CommentFactory()
    assert client_for(user).get("/api/v1/manage_comments").status_code == 403
    page = client_for(editor).get("/api/v1/manage_comments").json()
    assert {c["uid"] for c in page["results"]} == {str(on_private.uid), str(other.uid)}
    assert {"media", "user", "text", "uid"} <= set(page["results"][0])
    url = f"/api/v1/manage_comments?comment_ids={on_private.uid}"
    assert client_for(user).delete(url).status_code == 403
    assert client_for(editor).delete(url).status_code == 204
    assert list(Comment.objects.values_list("pk", flat=True)) == [other.pk]
    assert client_for(editor).delete("/api/v1/manage_comments?comment_ids=xyz").status_code == 400
    many = ",".join(str(other.uid) for _ in range(51))
    assert (
        client_for(editor).delete(f"/api/v1/manage_comments?comment_ids={many}").status_code == 400
    )


def test_manage_media_reported_lists_reported_media_even_still_public(editor, user):
    quiet = MediaFactory()
    once = MediaFactory(reported_times=1)  # below the hiding threshold: still public
    hidden = MediaFactory(reported_times=5, state="private", is_reviewed=False)
    page = client_for(editor).get("/api/v1/manage_media?reported=1").json()
    assert [m["friendly_token"] for m in page["results"]] == [
        hidden.friendly_token,
        once.friendly_token,
    ]
    assert page["results"][1]["state"] == "public"
    assert page["results"][1]["reported_times"] == 1
    others = client_for(editor).get("/api/v1/manage_media?reported=false").json()
    assert [m["friendly_token"] for m in others["results"]] == [quiet.friendly_token]
    assert client_for(user).get("/api/v1/manage_media?reported=1").status_code == 403
    assert client_for(editor).get("/api/v1/manage_media?reported=maybe").status_code == 400
