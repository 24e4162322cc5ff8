"""The API's one layout (issue 16, docs/architecture.md): every resource's serializers in
``api/serializers/<resource>.py``, its views in ``api/views/<resource>.py`` on ``api/base.py``,
and the list endpoints built from the base's list / create / bulk-delete pieces."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers

from media_app.api import base, views
from tests.conftest import client_for
from tests.factories import UserFactory


def _api_views() -> list[type]:
    """The view classes of media_app.api.views that the URLconf routes."""
    found: list[type] = []

    def walk(patterns) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "cls", None)
                if cls is not None and cls.__module__.startswith("media_app.api."):
                    found.append(cls)

    walk(get_resolver().url_patterns)
    return found


def test_every_api_view_is_built_on_the_base_view():
    routed = _api_views()
    assert len(routed) > 30
    outside = sorted(c.__qualname__ for c in routed if not issubclass(c, base.BaseAPIView))
    assert outside == []


def test_no_view_module_defines_a_serializer():
    defined = []
    for info in pkgutil.iter_modules(views.__path__):
        module = importlib.import_module(f"media_app.api.views.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and issubclass(obj, serializers.BaseSerializer):
                defined.append(f"{info.name}.{name}")
    assert defined == []


def test_a_views_module_has_its_serializers_module_of_the_same_name():
    names = {i.name for i in pkgutil.iter_modules(views.__path__)}
    from media_app.api import serializers as serializer_package

    serializer_names = {i.name for i in pkgutil.iter_modules(serializer_package.__path__)}
    # Views whose answers need no serializer of their own: tus speaks in headers, S3 uploads
    # and mfa in small inline shapes.
    assert serializer_names - names <= {"edit"}, serializer_names - names
    assert names - serializer_names <= {"uploads", "uploads_s3", "mfa"}, names - serializer_names


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/manage_media", "tokens"),
        ("/api/v1/manage_comments", "comment_ids"),
        ("/api/v1/manage_users", "tokens"),
    ],
)
def test_every_bulk_delete_names_its_parameter_when_it_is_empty(path, param, editor):
    editor.is_manager = True
    editor.save(update_fields=["is_manager"])
    answer = client_for(editor).delete(path)
    assert answer.status_code == 400
    assert answer.json() == {
        param: [f"Name what to delete in ?{param}=."],
        "detail": answer.json()["detail"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_the_list_create_endpoints_read_the_same_bodies(fmt):
    person = UserFactory()
    made = client_for(person).post("/api/v1/playlists", {"title": f"Desk {fmt}"}, format=fmt)
    assert made.status_code == 201, made.content
    assert made.json()["title"] == f"Desk {fmt}"
    listed = client_for(person).get(f"/api/v1/playlists?author={person.username}").json()
    assert [p["title"] for p in listed["results"]] == [f"Desk {fmt}"]
