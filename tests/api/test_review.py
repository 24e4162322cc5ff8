"""Editorial review: the queue and the verdict, and what they change for the public."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from media_app.models import Media
from media_app.selectors.media import media_get_visible
from media_app.services.actions import media_action_record
from media_app.services.media import media_create
from tests.api._people import PNG, ROLES, body, make_role, token_client
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE_FIELDS = {
    "friendly_token",
    "title",
    "description",
    "user",
    "add_date",
    "media_type",
    "state",
    "requested_state",
    "encoding_status",
    "is_reviewed",
    "reported_times",
    "url",
    "api_url",
    "thumbnail_url",
}


def _upload(user, state=Media.State.PUBLIC) -> Media:
    return media_create(
        user=user, uploaded_file=SimpleUploadedFile("clip.png", PNG), title="Clip", state=state
    )


def _public_sees(media) -> bool:
    return media_get_visible(user=None, friendly_token=media.friendly_token) is not None


def test_a_users_upload_is_hidden_until_an_editor_approves(user, editor):
    media = _upload(user)
    assert not _public_sees(media)
    assert media_get_visible(user=UserFactory(), friendly_token=media.friendly_token) is None
    assert media_get_visible(user=user, friendly_token=media.friendly_token) is not None

    response = token_client(editor).post(
        f"/api/v1/review/{media.friendly_token}", {"result": "approve", "note": "Sourced"}
    )
    assert response.status_code == 200, body(response)
    data = response.json()
    assert data["is_reviewed"] is True and data["state"] == "public"
    assert data["reviewed_by"] == editor.username
    assert _public_sees(media)


def test_approval_applies_the_state_the_owner_asked_for(user, editor):
    media = _upload(user, state=Media.State.UNLISTED)
    assert media.state == Media.State.PRIVATE
    response = token_client(editor).post(
        f"/api/v1/review/{media.friendly_token}/", {"result": "approve"}
    )
    assert response.json()["state"] == "unlisted"


def test_reject_keeps_it_private_for_its_owner(user, editor):
    media = _upload(user)
    response = token_client(editor).post(
        f"/api/v1/review/{media.friendly_token}", {"result": "reject"}
    )
    assert response.status_code == 200
    assert response.json()["is_reviewed"] is False and response.json()["state"] == "private"
    assert not _public_sees(media)
    assert media_get_visible(user=user, friendly_token=media.friendly_token) is not None


@pytest.mark.parametrize("role", ROLES)
def test_who_may_review(role):
    owner = UserFactory()
    media = _upload(owner)
    actor = make_role(role)
    response = token_client(actor).post(
        f"/api/v1/review/{media.friendly_token}", {"result": "approve"}
    )
    media.refresh_from_db()
    if role in ("editor", "manager"):
        assert response.status_code == 200
        assert media.is_reviewed
    else:
        # Anonymous: 403 (session auth first); others do not even learn the media exists: 404.
        assert response.status_code == (403 if role == "anonymous" else 404)
        assert not media.is_reviewed and media.state == Media.State.PRIVATE


def test_the_owner_cannot_approve_their_own_upload(user):
    media = _upload(user)
    response = token_client(user).post(
        f"/api/v1/review/{media.friendly_token}", {"result": "approve"}
    )
    assert response.status_code == 403
    media.refresh_from_db()
    assert not media.is_reviewed


def test_bad_verdict_and_unknown_media(editor, user):
    media = _upload(user)
    client = token_client(editor)
    assert (
        client.post(f"/api/v1/review/{media.friendly_token}", {"result": "maybe"}).status_code
        == 400
    )
    assert client.post(f"/api/v1/review/{media.friendly_token}", {}).status_code == 400
    assert client.post("/api/v1/review/AAAAAAAAA", {"result": "approve"}).status_code == 404


def test_queue_lists_waiting_media_oldest_first_with_reports(editor, journalist):
    now = timezone.now()
    newer = MediaFactory(
        is_reviewed=False, state=Media.State.PRIVATE, add_date=now - timedelta(hours=1)
    )
    older = MediaFactory(
        is_reviewed=False, state=Media.State.PRIVATE, add_date=now - timedelta(days=1)
    )
    MediaFactory(user=journalist)  # published directly: nothing to review
    rejected = _upload(UserFactory())
    token_client(editor).post(f"/api/v1/review/{rejected.friendly_token}", {"result": "reject"})
    for _ in range(3):
        media_action_record(media=newer, user=UserFactory(), action="report")

    response = token_client(editor).get("/api/v1/review/queue")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert [m["friendly_token"] for m in data["results"]] == [
        older.friendly_token,
        newer.friendly_token,
    ]
    assert set(data["results"][0]) == QUEUE_FIELDS
    assert data["results"][1]["reported_times"] == 3
    assert data["results"][0]["api_url"] == f"http://testserver/api/v1/media/{older.friendly_token}"


def test_media_hidden_by_reports_comes_back_to_the_queue(editor, settings, public_media):
    settings.REPORTED_TIMES_THRESHOLD = 2
    joined = timezone.now() - timedelta(hours=settings.REPORT_MIN_ACCOUNT_AGE_HOURS + 1)
    for _ in range(2):
        reporter = UserFactory(date_joined=joined)  # old enough for the report to count
        media_action_record(media=public_media, user=reporter, action="report")
    assert not _public_sees(public_media)
    tokens = [
        m["friendly_token"]
        for m in token_client(editor).get("/api/v1/review/queue/").json()["results"]
    ]
    assert tokens == [public_media.friendly_token]


@pytest.mark.parametrize("role", ROLES)
def test_queue_is_for_editors(role, user):
    _upload(user)
    response = token_client(make_role(role)).get("/api/v1/review/queue")
    if role in ("editor", "manager"):
        assert response.status_code == 200
        assert response.json()["count"] == 1
    else:
        assert response.status_code == 403


def test_queue_query_count_is_constant(editor, django_assert_num_queries):
    client = token_client(editor)
    MediaFactory.create_batch(3, is_reviewed=False, state=Media.State.PRIVATE)
    client.get("/api/v1/review/queue")  # warm-up: token lookup paths
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/review/queue")
    MediaFactory.create_batch(20, is_reviewed=False, state=Media.State.PRIVATE)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/review/queue")
    assert response.json()["count"] == 23
    assert APIClient().get("/api/v1/review/queue").status_code == 403
