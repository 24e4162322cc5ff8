"""nginx's micro-cache for anonymous API answers (issue 17, point 4), with the real binaries: the
image's nginx configuration in front of OpenPress itself under the image's uWSGI
(tests/docker/servers.py), on the test database and Redis.

What must hold: an anonymous reader's repeated GET is answered by nginx without the app; a
visibility change made through the API is seen by the next anonymous reader at once (the key
carries the app's listings namespace, openpress/microcache.py); nothing personal is stored or
served from it; and with the app's cache away, nothing is cached and every answer still comes.
Skipped only when nginx or uWSGI is not installed; CI installs both (.ci/run).
"""

from __future__ import annotations

import base64
import http.client
import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings

from media_app.models import Media
from tests.docker.servers import NGINX, UWSGI, app_env, free_port, start_nginx, start_uwsgi, stop
from tests.factories import MediaFactory

pytestmark = [
    pytest.mark.skipif(
        NGINX is None or UWSGI is None, reason="nginx or uWSGI is not installed (CI installs both)"
    ),
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "correct horse battery"  # tests/factories.py


def _database_url() -> str:
    db = django_settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _serve(tmp_path, redis_url: str):
    env = app_env(_database_url(), redis_url, str(tmp_path / "media"))
    app = start_uwsgi(tmp_path / "uwsgi", module="openpress.wsgi:application", env=env)
    try:
        nginx, port = start_nginx(tmp_path / "nginx", upstream_port=app.uwsgi_port)
    except BaseException:
        stop(app.proc)
        raise
    return app, nginx, port


@pytest.fixture
def site(tmp_path):
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the app under uWSGI needs the suite's PostgreSQL")
    (tmp_path / "uwsgi").mkdir()
    app, nginx, port = _serve(tmp_path, django_settings.CACHES["default"]["LOCATION"])
    yield port
    stop(nginx)
    stop(app.proc)


def _get(port: int, path: str, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def _put(port: int, path: str, body: dict, user) -> tuple[int, bytes]:
    auth = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "PUT",
            path,
            body=json.dumps(body),
            headers={
                "Host": "localhost",
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/json",
            },
        )
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _login_works_in_production(user, settings) -> None:
    """The suite hashes passwords with MD5 for speed; the app under uWSGI accepts Django's
    default hashers only."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])


def _tokens(body: bytes) -> set[str]:
    return {m["friendly_token"] for m in json.loads(body)["results"]}


def test_anonymous_answers_come_from_nginx_until_visibility_changes(site, settings):
    media = MediaFactory(title="Harbour strike")
    _login_works_in_production(media.user, settings)
    other = MediaFactory(title="Harbour night shift")
    detail = f"/api/v1/media/{media.friendly_token}"
    paths = ["/api/v1/media", detail, "/api/v1/search?q=harbour"]

    first = {path: _get(site, path) for path in paths}
    assert {path: answer[0] for path, answer in first.items()} == dict.fromkeys(paths, 200)
    assert {answer[1]["X-Micro-Cache"] for answer in first.values()} == {"MISS"}
    again = {path: _get(site, path) for path in paths}
    for path in paths:
        status, headers, body = again[path]
        assert (status, headers["X-Micro-Cache"]) == (200, "HIT"), path
        assert body == first[path][2], path
        # nginx keeps its instruction to itself.
        assert "X-Accel-Expires" not in headers
    assert {media.friendly_token, other.friendly_token} <= _tokens(again["/api/v1/media"][2])

    # The owner makes it private through the API; the next anonymous reader is not shown it,
    # not by nginx's cache nor by the app's.
    answer = _put(site, detail, {"state": "private"}, media.user)
    assert answer[0] == 201, answer
    assert Media.objects.get(pk=media.pk).state == Media.State.PRIVATE
    status, headers, body = _get(site, "/api/v1/media")
    assert (status, headers["X-Micro-Cache"]) == (200, "MISS")
    assert media.friendly_token not in _tokens(body)
    assert other.friendly_token in _tokens(body)
    assert _get(site, detail)[0] == 404
    status, _, body = _get(site, "/api/v1/search?q=harbour")
    assert status == 200 and _tokens(body) == {other.friendly_token}


def test_nothing_personal_is_stored_or_served(site, settings):
    media = MediaFactory(state=Media.State.PRIVATE, requested_state=Media.State.PRIVATE)
    _login_works_in_production(media.user, settings)
    detail = f"/api/v1/media/{media.friendly_token}"
    auth = base64.b64encode(f"{media.user.username}:{PASSWORD}".encode()).decode()
    owner = {"Authorization": f"Basic {auth}"}
    # The owner sees their private media, twice, each time from the app.
    for _ in range(2):
        status, headers, body = _get(site, detail, owner)
        assert status == 200 and json.loads(body)["friendly_token"] == media.friendly_token
        assert "X-Micro-Cache" not in headers
    # Their answers were not stored for anyone else.
    assert _get(site, detail)[0] == 404
    assert _get(site, detail)[0] == 404
    # A session cookie also goes around the cache (even one the app does not know).
    public = MediaFactory()
    path = f"/api/v1/media/{public.friendly_token}"
    assert _get(site, path)[1]["X-Micro-Cache"] == "MISS"
    assert _get(site, path)[1]["X-Micro-Cache"] == "HIT"
    status, headers, _ = _get(site, path, {"Cookie": "sessionid=not-a-session"})
    assert status == 200 and "X-Micro-Cache" not in headers
    # Other cookies (a visitor's language, the CSRF token) do not split the cache.
    status, headers, _ = _get(site, path, {"Cookie": "csrftoken=abc; django_language=fr"})
    assert (status, headers["X-Micro-Cache"]) == (200, "HIT")
    # The browsable API (HTML, with the visitor's own CSRF token) is never kept.
    for _ in range(2):
        status, headers, body = _get(
            site, path, {"Accept": "text/html", "Cookie": "csrftoken=" + "k" * 32}
        )
        assert (status, headers["X-Micro-Cache"]) == (200, "MISS")
        assert headers["Content-Type"].startswith("text/html") and body.lstrip().startswith(b"<")
    status, headers, body = _get(site, path)
    assert (headers["X-Micro-Cache"], headers["Content-Type"]) == ("HIT", "application/json")


def test_only_what_the_app_shares_goes_through_it(site):
    """Other API paths (comments, categories, ...) are the app's alone, without the namespace
    question (media_app/api/caching.py lists what is shared)."""
    media = MediaFactory()
    for path in (f"/api/v1/media/{media.friendly_token}/comments", "/api/v1/categories"):
        status, headers, _ = _get(site, path)
        assert status == 200 and "X-Micro-Cache" not in headers, path
    for path in (
        "/api/v1/media/",
        "/api/v1/search/?q=report",
        f"/api/v1/media/{media.friendly_token}/",
    ):
        status, headers, _ = _get(site, path)
        assert status == 200 and headers["X-Micro-Cache"] == "MISS", path


def test_the_namespace_question_is_nginx_s_alone(site):
    """Neither the internal path nor the subrequest's marker is open to a client."""
    assert _get(site, "/internal/listings-generation")[0] == 404
    assert _get(site, "/_openpress/listings-generation")[0] == 404
    status, headers, _ = _get(
        site, "/api/v1/media", {"X-OpenPress-Auth-Request": "1", "X-OpenPress-Generation": "x"}
    )
    assert status == 200 and "X-OpenPress-Generation" not in headers


def test_with_the_cache_away_every_answer_comes_and_none_is_kept(tmp_path):
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the app under uWSGI needs the suite's PostgreSQL")
    (tmp_path / "uwsgi").mkdir()
    redis = urlsplit(django_settings.CACHES["default"]["LOCATION"])
    nobody = f"redis://{redis.hostname}:{free_port()}/0"  # nothing listens there
    app, nginx, port = _serve(tmp_path, nobody)
    try:
        media = MediaFactory()
        path = f"/api/v1/media/{media.friendly_token}"
        answers = [_get(port, path) for _ in range(3)]
    finally:
        stop(nginx)
        stop(app.proc)
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert {headers["X-Micro-Cache"] for _, headers, _ in answers} == {"BYPASS"}
