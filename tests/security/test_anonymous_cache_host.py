"""Finding 7: the anonymous cache is keyed by scheme and host, not by path alone.

Answers carry absolute links built from the request's host and scheme. Keyed by path alone,
one anonymous request with a forged ``Host`` (any name ``ALLOWED_HOSTS`` accepts) filled the
cache with links to that host, served to every visitor of the real one for
``API_CACHE_SECONDS``.

In S3 mode answers also carry presigned URLs of the bucket (media_app/delivery.py): those name
the bucket's origin whatever the request's host, so they are told apart from the site's links.
"""

import pytest
from rest_framework.test import APIClient

from media_app import delivery
from tests.factories import MediaFactory

pytestmark = pytest.mark.django_db

REAL, FORGED = "press.example.org", "attacker.example.net"


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = [REAL, FORGED]
    settings.API_CACHE_SECONDS = 30


@pytest.fixture
def media():
    return MediaFactory()


def _get(path, host, *, secure=False):
    response = APIClient().get(path, HTTP_HOST=host, secure=secure)
    assert response.status_code == 200, response.content
    return response


def _links(data) -> list[str]:
    """Every absolute link in an answer."""
    if isinstance(data, dict):
        return [link for value in data.values() for link in _links(value)]
    if isinstance(data, list):
        return [link for value in data for link in _links(value)]
    if isinstance(data, str) and data.startswith(("http://", "https://")):
        return [data]
    return []


def _site_links(data) -> list[str]:
    """The absolute links of an answer that are the site's, built from the request; each of the
    others must be a URL of the bucket (S3 mode; filesystem mode has none)."""
    origins = tuple(f"{origin}/" for origin in delivery.media_origins())
    site = [link for link in _links(data) if not (origins and link.startswith(origins))]
    assert site, data
    for link in _links(data):
        assert link in site or FORGED not in link, link
    return site


@pytest.mark.parametrize(
    "path",
    ["/api/v1/media/{token}", "/api/v1/media", "/api/v1/search?q=Report"],
    ids=["detail", "listing", "search"],
)
def test_forged_host_does_not_poison_the_real_hosts_answer(media, path):
    path = path.format(token=media.friendly_token)
    poisoned = _get(path, FORGED)
    assert all(FORGED in link for link in _site_links(poisoned.json()))

    real = _get(path, REAL)
    assert "X-Cache" not in real
    links = _site_links(real.json())
    assert all(link.startswith(f"http://{REAL}/") for link in links)
    # The real host still has a cache of its own.
    assert _get(path, REAL)["X-Cache"] == "hit"


def test_scheme_is_part_of_the_key(media):
    path = f"/api/v1/media/{media.friendly_token}"
    _get(path, REAL)
    secure = _get(path, REAL, secure=True)
    assert "X-Cache" not in secure
    assert all(link.startswith(f"https://{REAL}/") for link in _site_links(secure.json()))
