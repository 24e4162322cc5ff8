"""The namespace nginx's micro-cache asks for (openpress/microcache.py), at the WSGI level."""

import pytest
from django.core.cache import cache

from media_app.services.cache import GENERATION_KEY, listings_changed
from openpress.microcache import HEADER, PATH, with_generation_endpoint


def _call(app, path: str, headers: dict[str, str] | None = None):
    answer = {}

    def start_response(status, response_headers):
        answer["status"], answer["headers"] = status, dict(response_headers)

    body = b"".join(
        app({"PATH_INFO": path, "REQUEST_METHOD": "GET", **(headers or {})}, start_response)
    )
    return answer["status"], answer["headers"], body


def _django(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django"]


APP = with_generation_endpoint(_django)
NGINX = {"HTTP_X_OPENPRESS_AUTH_REQUEST": "1"}


def test_other_paths_go_to_django():
    assert _call(APP, "/api/v1/media", NGINX) == (
        "200 OK",
        {"Content-Type": "text/plain"},
        b"django",
    )


def test_only_nginx_s_subrequest_is_answered():
    assert _call(APP, PATH)[0] == "404 Not Found"
    assert _call(APP, PATH, {"HTTP_X_OPENPRESS_AUTH_REQUEST": "yes"})[0] == "404 Not Found"


@pytest.mark.django_db
def test_the_namespace_is_the_app_s_and_a_change_replaces_it():
    status, headers, body = _call(APP, PATH, NGINX)
    assert (status, body) == ("204 No Content", b"")
    assert headers[HEADER] == cache.get(GENERATION_KEY)
    assert headers["Cache-Control"] == "no-store"
    assert _call(APP, PATH, NGINX)[1][HEADER] == headers[HEADER]
    listings_changed()
    assert _call(APP, PATH, NGINX)[1][HEADER] not in ("", headers[HEADER])


def test_a_cache_that_keeps_nothing_gives_no_namespace(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    status, headers, _ = _call(APP, PATH, NGINX)
    assert status == "204 No Content" and HEADER not in headers


def test_a_failing_cache_costs_the_namespace_not_the_request(monkeypatch):
    def broken():
        raise RuntimeError("cache exploded")

    monkeypatch.setattr("media_app.services.cache.current_generation", broken)
    status, headers, _ = _call(APP, PATH, NGINX)
    assert status == "204 No Content" and HEADER not in headers


@pytest.mark.django_db
def test_django_answers_it_too_for_nginx_alone(client):
    """Where the app is not started from openpress/wsgi.py (runserver, a live server)."""
    assert client.get(PATH).status_code == 404
    answer = client.get(PATH, headers={"X-OpenPress-Auth-Request": "1"})
    assert answer.status_code == 204 and answer[HEADER] == cache.get(GENERATION_KEY)
