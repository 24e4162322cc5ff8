"""Anonymous reads are cached, and no change of visibility is ever served stale."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from media_app.models import Media
from media_app.services.actions import media_action_record
from media_app.services.media import media_delete, media_review, media_set_state
from tests.factories import MediaFactory, UserFactory


def _tokens(client: APIClient) -> set[str]:
    return {m["friendly_token"] for m in client.get("/api/v1/media").json()["results"]}


@pytest.fixture
def anon():
    return APIClient()


def test_second_anonymous_read_is_a_cache_hit(db, anon):
    media = MediaFactory()
    first = anon.get(f"/api/v1/media/{media.friendly_token}")
    second = anon.get(f"/api/v1/media/{media.friendly_token}")
    assert first.status_code == second.status_code == 200
    assert "X-Cache" not in first and second["X-Cache"] == "hit"
    assert first.json() == second.json()


def test_turning_media_private_is_seen_at_once(db, anon, editor):
    media = MediaFactory()
    assert media.friendly_token in _tokens(anon)
    assert anon.get(f"/api/v1/media/{media.friendly_token}").status_code == 200
    media_set_state(media=media, by=media.user, state=Media.State.PRIVATE)
    assert media.friendly_token not in _tokens(anon)
    assert anon.get(f"/api/v1/media/{media.friendly_token}").status_code == 404
    assert anon.get("/api/v1/search?q=Report").json()["count"] == 0


def test_rejected_review_and_deletion_are_seen_at_once(db, anon, editor):
    kept, rejected = MediaFactory(), MediaFactory()
    assert _tokens(anon) == {kept.friendly_token, rejected.friendly_token}
    media_review(media=rejected, by=editor, approve=False)
    assert _tokens(anon) == {kept.friendly_token}
    media_delete(media=kept, by=editor)
    assert _tokens(anon) == set()


def test_reports_past_the_threshold_are_seen_at_once(db, anon, settings):
    settings.REPORTED_TIMES_THRESHOLD = 1
    media = MediaFactory()
    assert anon.get(f"/api/v1/media/{media.friendly_token}").status_code == 200
    joined = timezone.now() - timedelta(hours=settings.REPORT_MIN_ACCOUNT_AGE_HOURS + 1)
    media_action_record(media=media, user=UserFactory(date_joined=joined), action="report")
    assert anon.get(f"/api/v1/media/{media.friendly_token}").status_code == 404


def test_signed_in_readers_are_never_served_the_anonymous_copy(db, anon):
    owner = UserFactory()
    media = MediaFactory(user=owner, state=Media.State.PRIVATE, is_reviewed=False)
    assert anon.get(f"/api/v1/media?author={owner.username}").json()["count"] == 0
    client = APIClient()
    client.force_authenticate(owner)
    mine = client.get(f"/api/v1/media?author={owner.username}")
    assert "X-Cache" not in mine
    assert [m["friendly_token"] for m in mine.json()["results"]] == [media.friendly_token]


def test_related_media_shared_cache_never_shows_what_turned_private(db):
    author = UserFactory(is_verified_journalist=True)
    watched, other = MediaFactory(user=author), MediaFactory(user=author)
    reader = APIClient()
    reader.force_authenticate(UserFactory())
    url = f"/api/v1/media/{watched.friendly_token}"
    related = [m["friendly_token"] for m in reader.get(url).json()["related_media"]]
    assert related == [other.friendly_token]
    media_set_state(media=other, by=author, state=Media.State.PRIVATE)
    assert reader.get(url).json()["related_media"] == []


def test_shared_answers_tell_nginx_how_long_to_keep_them(db, anon, settings):
    """nginx's micro-cache stores only what the app marks (openpress/microcache.py)."""
    settings.API_CACHE_SECONDS = 30
    media = MediaFactory()
    url = f"/api/v1/media/{media.friendly_token}"
    miss, hit = anon.get(url), anon.get(url)
    assert miss["X-Accel-Expires"] == hit["X-Accel-Expires"] == "30"
    assert anon.get("/api/v1/media")["X-Accel-Expires"] == "30"
    assert anon.get("/api/v1/search?q=Report")["X-Accel-Expires"] == "30"
    # Not the browsable API (it carries the visitor's CSRF token), a refusal, or anything personal.
    assert "X-Accel-Expires" not in anon.get(url, HTTP_ACCEPT="text/html")
    assert "X-Accel-Expires" not in anon.get("/api/v1/media/nonexistent")
    client = APIClient()
    client.force_authenticate(media.user)
    assert "X-Accel-Expires" not in client.get(url)
    assert "X-Accel-Expires" not in client.get("/api/v1/media")


def test_no_cache_no_mark(db, anon, settings):
    settings.API_CACHE_SECONDS = 0
    media = MediaFactory()
    assert "X-Accel-Expires" not in anon.get(f"/api/v1/media/{media.friendly_token}")
