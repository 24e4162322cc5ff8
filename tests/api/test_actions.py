"""/api/v1/media/<token>/actions and /api/v1/user/action/<action>."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from media_app.models import Media, MediaAction
from tests.api._people import body
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # throttle history lives in the cache (this run's own Redis db)


def _act(client, media, kind, **extra):
    return client.post(
        f"/api/v1/media/{media.friendly_token}/actions", {"type": kind, **extra}, format="json"
    )


def test_like_then_dislike(user, public_media):
    client = client_for(user)
    response = _act(client, public_media, "like")
    assert response.status_code == 201 and response.json() == {"detail": "action received"}
    _act(client, public_media, "like")
    public_media.refresh_from_db()
    assert public_media.likes == 1
    _act(client, public_media, "dislike")
    public_media.refresh_from_db()
    assert (public_media.likes, public_media.dislikes) == (0, 1)


def test_anonymous_actions_use_a_session(public_media):
    client = APIClient()
    assert _act(client, public_media, "like").status_code == 201
    assert "sessionid" in client.cookies
    assert _act(client, public_media, "like").status_code == 201
    assert _act(client, public_media, "watch").status_code == 201
    public_media.refresh_from_db()
    assert public_media.likes == 1 and public_media.views == 1
    liked = client.get("/api/v1/user/action/like").json()
    assert [m["friendly_token"] for m in liked["results"]] == [public_media.friendly_token]
    # Another visitor has a history of their own.
    assert APIClient().get("/api/v1/user/action/like").json()["count"] == 0


def test_bad_action(user, public_media):
    assert _act(client_for(user), public_media, "love").status_code == 400
    assert (
        client_for(user)
        .post(
            f"/api/v1/media/{public_media.friendly_token}/actions",
            b"[",
            content_type="application/json",
        )
        .status_code
        == 400
    )
    hidden = MediaFactory(state="private", is_reviewed=False)
    assert _act(client_for(user), hidden, "like").status_code == 404
    assert not MediaAction.objects.exists()


def test_reports_history_and_reset(user, journalist, editor, public_media):
    _act(client_for(user), public_media, "report", extra_info="misleading caption")
    url = f"/api/v1/media/{public_media.friendly_token}/actions"
    history = client_for(journalist).get(url)
    assert history.status_code == 200
    assert [r["reason"] for r in history.json()["reported"]] == ["misleading caption"]
    assert set(history.json()["reported"][0]) == {"reported_date", "reason"}
    assert client_for(user).get(url).status_code == 403
    assert APIClient().get(url).status_code == 403
    assert client_for(journalist).delete(url, {"type": "report"}, format="json").status_code == 403
    assert APIClient().delete(url, {"type": "report"}, format="json").status_code == 403
    assert client_for(editor).delete(url, {"type": "report"}, format="json").status_code == 204
    public_media.refresh_from_db()
    assert public_media.reported_times == 0


def test_reports_past_threshold_hide_media(settings, public_media):
    settings.REPORTED_TIMES_THRESHOLD = 3
    joined = timezone.now() - timedelta(hours=settings.REPORT_MIN_ACCOUNT_AGE_HOURS + 1)
    # Anonymous reports are recorded but never hide (tests/security/test_report_censorship.py).
    for _ in range(3):
        assert _act(APIClient(), public_media, "report").status_code == 201
    public_media.refresh_from_db()
    assert public_media.state == "public" and public_media.reported_times == 3
    for n in range(3):
        reporter = client_for(UserFactory(date_joined=joined))
        reporter.defaults["REMOTE_ADDR"] = f"10.0.0.{n + 1}"  # reports are limited per address
        assert _act(reporter, public_media, "report").status_code == 201
    public_media.refresh_from_db()
    assert public_media.state == "private" and not public_media.is_reviewed
    assert APIClient().get(f"/api/v1/media/{public_media.friendly_token}").status_code == 404


def test_actions_are_rate_limited(settings, public_media):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "media_action_anon": "3/minute",
            "media_action_user": "3/minute",
        },
    }
    # Cookieless: each request is a new session, so each accepted watch is a view.
    codes = [_act(APIClient(), public_media, "watch").status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Media.objects.get(pk=public_media.pk).views == 3


def test_user_action_lists_drop_media_turned_private(user):
    media = MediaFactory()
    client = client_for(user)
    _act(client, media, "watch")
    _act(client, media, "like")
    assert client.get("/api/v1/user/action/watch").json()["count"] == 1
    history = client.get("/api/v1/user/action/like/")
    assert history.status_code == 200, body(history)
    Media.objects.filter(pk=media.pk).update(state="private", is_reviewed=False)
    assert client.get("/api/v1/user/action/watch").json()["count"] == 0
    assert client.get("/api/v1/user/action/like").json()["count"] == 0
    assert client.get("/api/v1/user/action/nonsense").status_code == 404
