"""/api/v1/categories and /api/v1/tags: shapes, and counts of media anyone may find."""

from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from media_app.models import Category, Tag
from tests.factories import MediaFactory

pytestmark = pytest.mark.django_db


def test_categories_unpaginated_with_listable_counts():
    climate = Category.objects.create(title="Climate", description="Weather and climate")
    Category.objects.create(title="Empty")
    for state, reviewed in (("public", True), ("public", True), ("private", False)):
        MediaFactory(state=state, is_reviewed=reviewed, thumbnail="t/x.jpg").categories.add(climate)
    MediaFactory(state="unlisted").categories.add(climate)
    response = APIClient().get("/api/v1/categories")
    assert response.status_code == 200
    data = response.json()
    assert isinstance(data, list) and [c["title"] for c in data] == ["Climate", "Empty"]
    assert set(data[0]) == {
        "title",
        "uid",
        "description",
        "is_global",
        "media_count",
        "user",
        "thumbnail_url",
        "is_lms_course",
    }
    assert data[0]["media_count"] == 2 and data[1]["media_count"] == 0
    thumbnail = urlsplit(data[0]["thumbnail_url"])  # /media/ or a presigned object URL
    assert thumbnail.scheme == "http" and thumbnail.path.endswith("/t/x.jpg")
    assert data[1]["thumbnail_url"] is None


def test_tags_paginated_most_used_first_without_hidden_media():
    common, rare, secret = (Tag.objects.create(title=t) for t in ("news", "rain", "leak"))
    for _ in range(3):
        MediaFactory().tags.add(common)
    MediaFactory().tags.add(rare)
    MediaFactory(state="private", is_reviewed=False).tags.add(secret, common)
    page = APIClient().get("/api/v1/tags").json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["results"] == [
        {"title": "news", "media_count": 3, "thumbnail_url": None},
        {"title": "rain", "media_count": 1, "thumbnail_url": None},
    ]
