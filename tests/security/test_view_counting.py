"""Finding 4's last clause: a view is counted once per session (or account) per media.

Replaying ``watch`` from one session or one account adds nothing; the watch history entry
still moves to the newest date.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient

from media_app.models import Media, MediaAction
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # throttle history lives in the cache (this run's own Redis db)


def _watch(client, media):
    response = client.post(
        f"/api/v1/media/{media.friendly_token}/actions", {"type": "watch"}, format="json"
    )
    assert response.status_code == 201, response.content
    return response


def _views(media) -> int:
    return Media.objects.get(pk=media.pk).views


def test_one_session_counts_one_view_per_media(public_media):
    visitor = APIClient()
    for _ in range(5):
        _watch(visitor, public_media)
    assert _views(public_media) == 1
    # Another media is another view; another session is another viewer.
    other = MediaFactory()
    _watch(visitor, other)
    _watch(APIClient(), public_media)
    assert (_views(public_media), _views(other)) == (2, 1)


def test_one_account_counts_one_view_per_media(public_media):
    reader = client_for(UserFactory())
    for _ in range(3):
        _watch(reader, public_media)
    assert _views(public_media) == 1


def test_watching_again_moves_the_history_entry(public_media):
    user = UserFactory()
    reader = client_for(user)
    _watch(reader, public_media)
    first = MediaAction.objects.get(user=user, action="watch").action_date
    _watch(reader, public_media)
    watched = MediaAction.objects.get(user=user, action="watch")
    assert watched.action_date > first
    assert _views(public_media) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_watches_of_one_account_count_once():
    media, user = MediaFactory(), UserFactory()

    def watch(client) -> int:
        try:
            return client.post(
                f"/api/v1/media/{media.friendly_token}/actions", {"type": "watch"}, format="json"
            ).status_code
        finally:
            connections.close_all()  # each thread's own connection

    clients = [client_for(user) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        assert list(pool.map(watch, clients)) == [201] * 8
    assert _views(media) == 1
