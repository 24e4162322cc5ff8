import pytest
from rest_framework.test import APIClient

from tests.factories import MediaFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_anonymous_cache():
    """Each test starts in its own cache namespace (the cache is a shared Redis)."""
    from django.core.cache import cache

    from media_app.services.cache import GENERATION_KEY

    cache.delete(GENERATION_KEY)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def journalist(db):
    return UserFactory(is_verified_journalist=True, verified_outlet="The Independent Desk")


@pytest.fixture
def editor(db):
    return UserFactory(is_editor=True)


@pytest.fixture
def manager(db):
    return UserFactory(is_manager=True)


@pytest.fixture
def public_media(db, journalist):
    return MediaFactory(user=journalist)


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
