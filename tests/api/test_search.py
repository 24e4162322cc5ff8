"""/api/v1/search: MediaCMS's parameters and shape; listable media only."""

import pytest
from rest_framework.test import APIClient

from media_app.models import Category, Tag
from tests.factories import MediaFactory

pytestmark = pytest.mark.django_db

SEARCH_FIELDS = {
    "title",
    "author_name",
    "author_profile",
    "thumbnail_url",
    "add_date",
    "views",
    "description",
    "friendly_token",
    "duration",
    "url",
    "api_url",
    "media_type",
    "preview_url",
    "categories_info",
    "author_verified",
    "snippet",  # issue 17: the description's best passage, HTML with <mark>
}


def _search(query):
    response = APIClient().get(f"/api/v1/search?{query}")
    assert response.status_code == 200
    return response.json()


def test_search_shape_and_parameters():
    flood = MediaFactory(title="Flood in the valley", description="River burst its banks")
    budget = MediaFactory(title="Budget night", media_type="audio")
    flood.tags.add(Tag.objects.create(title="floods"))
    budget.categories.add(Category.objects.create(title="Economy"))
    page = _search("q=valley")
    # MediaCMS's page, plus "did you mean" (issue 17; null when it has nothing to offer).
    assert set(page) == {"count", "next", "previous", "results", "suggestion"}
    assert [m["friendly_token"] for m in page["results"]] == [flood.friendly_token]
    assert set(page["results"][0]) == SEARCH_FIELDS
    assert _search("q=river")["count"] == 1  # the description counts too
    assert [m["title"] for m in _search("t=floods")["results"]] == ["Flood in the valley"]
    assert [m["title"] for m in _search("c=econ")["results"]] == ["Budget night"]
    assert _search("c=econ")["results"][0]["categories_info"][0]["title"] == "Economy"
    assert _search("q=night&media_type=video")["count"] == 0
    assert _search(f"q=night&author={budget.user.username}")["count"] == 1
    assert _search("q=valley&show=titles") == [{"title": "Flood in the valley"}]
    # Without q, c or t: an empty object, as MediaCMS answers.
    assert _search("") == {}
    assert _search("media_type=video") == {}


def test_search_finds_only_listable_media(user):
    MediaFactory(title="Secret dossier", state="private", is_reviewed=False)
    MediaFactory(title="Secret unlisted dossier", state="unlisted")
    MediaFactory(title="Secret pending dossier", encoding_status="pending")
    public = MediaFactory(title="Secret public dossier")
    assert [m["friendly_token"] for m in _search("q=secret")["results"]] == [public.friendly_token]
    assert _search("q=secret&show=titles") == [{"title": "Secret public dossier"}]
