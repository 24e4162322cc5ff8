"""Comments: /api/v1/media/<token>/comments, …/comments/<uid> and /api/v1/comments."""

import pytest
from rest_framework.test import APIClient

from media_app.models import Comment
from tests.api._people import body
from tests.conftest import client_for
from tests.factories import CommentFactory, MediaFactory, UserFactory

pytestmark = pytest.mark.django_db

COMMENT_FIELDS = {
    "add_date",
    "text",
    "parent",
    "author_thumbnail_url",
    "author_profile",
    "author_name",
    "media_url",
    "uid",
}


def test_post_and_list_shape(user, public_media):
    url = f"/api/v1/media/{public_media.friendly_token}/comments"
    first = client_for(user).post(url, {"text": "Good work"}, format="json")
    assert first.status_code == 201, body(first)
    assert set(first.json()) == COMMENT_FIELDS and first.json()["parent"] is None
    reply = client_for(user).post(url, {"text": "Indeed", "parent": first.json()["uid"]})
    assert reply.status_code == 201 and reply.json()["parent"] == first.json()["uid"]
    page = APIClient().get(url).json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert [c["text"] for c in page["results"]] == ["Indeed", "Good work"]
    assert page["results"][0]["media_url"].endswith(f"/view?m={public_media.friendly_token}")


def test_bad_comments(user, public_media):
    url = f"/api/v1/media/{public_media.friendly_token}/comments"
    client = client_for(user)
    assert client.post(url, {"text": "   "}, format="json").status_code == 400
    assert client.post(url, {"text": "x" * 10_001}, format="json").status_code == 400
    assert client.post(url, b"{", content_type="application/json").status_code == 400
    other = CommentFactory()
    bad_parent = client.post(url, {"text": "hi", "parent": str(other.uid)}, format="json")
    assert bad_parent.status_code == 400 and "parent" in bad_parent.json()
    assert APIClient().post(url, {"text": "anon"}, format="json").status_code == 403
    public_media.enable_comments = False
    public_media.save()
    assert client.post(url, {"text": "off"}, format="json").status_code == 403
    assert not Comment.objects.filter(media=public_media).exists()


def test_delete_comment(user, journalist, public_media, editor):
    stranger = UserFactory()
    mine = CommentFactory(media=public_media, user=user)
    base = f"/api/v1/media/{public_media.friendly_token}/comments"
    assert client_for(stranger).delete(f"{base}/{mine.uid}").status_code == 403
    assert APIClient().delete(f"{base}/{mine.uid}").status_code == 403
    assert client_for(user).delete(f"{base}/{mine.uid}").status_code == 204
    # The media's owner and editors may delete others' comments.
    for who in (journalist, editor):
        comment = CommentFactory(media=public_media, user=stranger)
        assert client_for(who).delete(f"{base}/{comment.uid}/").status_code == 204
    assert client_for(user).delete(f"{base}/{mine.uid}").status_code == 404


def test_comments_listing_only_on_listable_media(user):
    public = CommentFactory(text="on public")
    private_media = MediaFactory(state="private", is_reviewed=False)
    unlisted_media = MediaFactory(state="unlisted")
    CommentFactory(media=private_media, text="on private")
    CommentFactory(media=unlisted_media, text="on unlisted")
    texts = [c["text"] for c in APIClient().get("/api/v1/comments").json()["results"]]
    assert texts == ["on public"]
    by_author = APIClient().get(f"/api/v1/comments?author={public.user.username}").json()
    assert [c["uid"] for c in by_author["results"]] == [str(public.uid)]
    assert APIClient().get("/api/v1/comments?author=nobody").json()["count"] == 0
