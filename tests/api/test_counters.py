"""Counters stay exact under concurrent requests (threads against the real PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient

from media_app.models import Media, MediaAction
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def _post_action(client, token: str, kind: str) -> int:
    try:
        response = client.post(f"/api/v1/media/{token}/actions", {"type": kind}, format="json")
        return response.status_code
    finally:
        connections.close_all()  # each thread's own connection


def _run_concurrently(clients, token, kind):
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(lambda c: _post_action(c, token, kind), clients))


def test_twenty_users_like_at_once():
    media = MediaFactory()
    clients = [client_for(UserFactory()) for _ in range(20)]
    assert _run_concurrently(clients, media.friendly_token, "like") == [201] * 20
    media.refresh_from_db()
    assert media.likes == 20
    assert MediaAction.objects.filter(media=media, action="like").count() == 20


def test_fifty_visitors_watch_at_once():
    media = MediaFactory()
    clients = []
    for i in range(50):
        client = APIClient(REMOTE_ADDR=f"10.0.{i // 200}.{i % 200 + 1}")
        clients.append(client)
    assert _run_concurrently(clients, media.friendly_token, "watch") == [201] * 50
    assert Media.objects.get(pk=media.pk).views == 50


def test_same_user_liking_at_once_counts_once():
    media = MediaFactory()
    user = UserFactory()
    clients = [client_for(user) for _ in range(8)]
    codes = _run_concurrently(clients, media.friendly_token, "like")
    assert codes == [201] * 8
    media.refresh_from_db()
    assert media.likes == 1
