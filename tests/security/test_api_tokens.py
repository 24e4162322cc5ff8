"""API tokens (issue 13, "Two-factor and tokens"): named, hashed at rest, scoped, expiring.

Through the real stack: the login and token endpoints, the DRF authentication every API view
uses, PostgreSQL (searched for keys in clear), the account page through Django's test client.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api._people import PASSWORD, PNG
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def _login(username: str, **extra) -> dict:
    response = APIClient().post(
        "/api/v1/login", {"username": username, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _client(key: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


def _rows_containing(text: str) -> list[str]:
    """Every table of the database whose rows, as text, contain ``text``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*) FROM {quoted} AS r WHERE r::text LIKE %s",  # noqa: S608
                [f"%{text}%"],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found


# --- stored hashed -----------------------------------------------------------------------------


def test_no_key_is_stored_in_clear_anywhere(user):
    key = _login(user.username)["token"]
    other = _client(key).get("/api/v1/user/token").json()["token"]
    for secret in (key, other):
        assert _rows_containing(secret) == [], "a usable key sits in the database"
    from media_app.models import ApiToken
    from media_app.services.tokens import digest_of

    row = ApiToken.objects.get(digest=digest_of(key))
    assert row.user == user and key.startswith(row.prefix) and len(row.prefix) < len(key) // 3


# --- login: a new token per login, with its expiry ---------------------------------------------


def test_each_login_answers_a_new_token_and_its_expiry(user, settings):
    settings.API_TOKEN_DAYS = 7
    before = timezone.now()
    first = _login(user.username)
    second = _login(user.username)
    assert set(first) == {"username", "email", "token", "expiry"}
    assert first["token"] != second["token"]
    expiry = datetime.fromisoformat(first["expiry"])  # ISO 8601 with its offset
    assert expiry.tzinfo is not None
    assert before + timedelta(days=7) <= expiry <= timezone.now() + timedelta(days=7)
    # Both clients stay signed in.
    for answer in (first, second):
        assert _client(answer["token"]).get("/api/v1/whoami").json()["username"] == user.username


def test_login_names_the_token_and_refuses_an_unknown_scope(user):
    _login(user.username, client="desk uploader", scope="upload")
    by_agent = APIClient().post(
        "/api/v1/login",
        {"username": user.username, "password": PASSWORD},
        HTTP_USER_AGENT="newsroom-cli/2.1",
    )
    assert by_agent.status_code == 200
    session = APIClient()
    assert session.login(username=user.username, password=PASSWORD)
    listed = session.get("/api/v1/user/tokens").json()  # newest first
    assert [(t["name"], t["scope"]) for t in listed] == [
        ("newsroom-cli/2.1", "manage"),
        ("desk uploader", "upload"),
    ]
    bad = APIClient().post(
        "/api/v1/login",
        {"username": user.username, "password": PASSWORD, "scope": "root"},
        format="json",
    )
    assert bad.status_code == 400 and "scope" in bad.json()


# --- refused tokens: 401 with a message --------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_unknown_token_is_401_saying_what_to_do(user, keyword):
    response = _client("op_" + "x" * 43, keyword).get("/api/v1/whoami")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert "log in again" in response.json()["detail"].lower()
    old_style = _client("0" * 40, keyword).get("/api/v1/whoami")  # a rest_framework.authtoken key
    assert old_style.status_code == 401


def test_bearer_is_accepted_like_token(user):
    key = _login(user.username)["token"]
    assert _client(key, "Bearer").get("/api/v1/whoami").json()["username"] == user.username


def test_expired_token_is_401(user):
    from media_app.models import ApiToken

    key = _login(user.username)["token"]
    assert _client(key).get("/api/v1/whoami").status_code == 200
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _client(key).get("/api/v1/whoami")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    # An anonymous read still works without the header: only the bad token is refused.
    assert APIClient().get("/api/v1/media").status_code == 200


# --- scopes ------------------------------------------------------------------------------------


def _scoped(user, scope: str) -> APIClient:
    return _client(_login(user.username, scope=scope)["token"])


def _tus_create(client):
    return client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10", **TUS)


def _media_upload(client):
    return client.post(
        "/api/v1/media",
        {"media_file": SimpleUploadedFile("field.png", PNG), "title": "From the field"},
        format="multipart",
    )


def test_read_scope_reads_and_writes_nothing(user):
    client = _scoped(user, "read")
    own = MediaFactory(user=user)
    assert client.get("/api/v1/whoami").status_code == 200
    assert client.get("/api/v1/media").status_code == 200
    assert client.get(f"/api/v1/media/{own.friendly_token}").status_code == 200
    for response in (
        client.post("/api/v1/playlists", {"title": "Mine"}, format="json"),
        _tus_create(client),
        _media_upload(client),
        client.delete(f"/api/v1/media/{own.friendly_token}"),
    ):
        assert response.status_code == 403, response.content
        assert "scope is 'read'" in response.json()["detail"]
    assert "needs a token with scope 'upload'" in _tus_create(client).json()["detail"]
    assert (
        "needs a token with scope 'manage'"
        in client.delete(f"/api/v1/media/{own.friendly_token}").json()["detail"]
    )
    own.refresh_from_db()  # still there


def test_upload_scope_uploads_but_manages_nothing(user):
    client = _scoped(user, "upload")
    own = MediaFactory(user=user)
    created = _tus_create(client)
    assert created.status_code == 201, created.content
    upload_url = created["Location"]
    assert client.head(upload_url, **TUS).status_code == 200
    assert client.delete(upload_url, **TUS).status_code == 204  # cancelling its own upload
    assert _media_upload(client).status_code == 201
    refused = (
        client.post("/api/v1/playlists", {"title": "Mine"}, format="json"),
        client.delete(f"/api/v1/media/{own.friendly_token}"),
        client.put(f"/api/v1/media/{own.friendly_token}", {"title": "x"}, format="json"),
    )
    for response in refused:
        assert response.status_code == 403, response.content
        assert "needs a token with scope 'manage'" in response.json()["detail"]


def test_manage_scope_does_what_the_account_may(user):
    client = _scoped(user, "manage")
    own = MediaFactory(user=user)
    assert client.post("/api/v1/playlists", {"title": "Mine"}, format="json").status_code == 201
    assert _tus_create(client).status_code == 201
    assert client.delete(f"/api/v1/media/{own.friendly_token}").status_code == 204
    # ... and no more than the account may: someone else's media is still refused.
    theirs = MediaFactory()
    assert client.delete(f"/api/v1/media/{theirs.friendly_token}").status_code in (403, 404)


# --- revoking ------------------------------------------------------------------------------------


def test_delete_user_token_revokes_only_the_calling_token(user):
    laptop, phone = _login(user.username)["token"], _login(user.username)["token"]
    reader = _login(user.username, scope="read")["token"]
    assert _client(laptop).delete("/api/v1/user/token").status_code == 204
    assert _client(laptop).get("/api/v1/whoami").status_code == 401
    assert _client(phone).get("/api/v1/whoami").status_code == 200
    # A read-only client may sign itself out too.
    assert _client(reader).delete("/api/v1/user/token/").status_code == 204
    assert _client(reader).get("/api/v1/whoami").status_code == 401
    assert _client(phone).get("/api/v1/whoami").status_code == 200


def test_delete_user_token_without_a_token_says_how(user):
    session = APIClient()
    assert session.login(username=user.username, password=PASSWORD)
    response = session.delete("/api/v1/user/token")
    assert response.status_code == 400
    assert "Authorization: Token" in response.json()["detail"]


def test_password_change_revokes_every_token(user):
    keys = [_login(user.username)["token"] for _ in range(2)]
    response = _client(keys[0]).post(
        f"/api/v1/users/{user.username}",
        {
            "action": "change_password",
            "password": "a much better passphrase",
            "current_password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    for key in keys:
        assert _client(key).get("/api/v1/whoami").status_code == 401


def test_a_password_set_by_any_page_revokes_every_token(user):
    """Password reset by e-mail, the admin, ``changepassword``: all save through set_password."""
    key = _login(user.username)["token"]
    user.set_password("reset by e-mail link")
    user.save()
    assert _client(key).get("/api/v1/whoami").status_code == 401
    fresh = APIClient().post(
        "/api/v1/login", {"username": user.username, "password": "reset by e-mail link"}
    )
    assert _client(fresh.json()["token"]).get("/api/v1/whoami").status_code == 200


class FastPBKDF2(PBKDF2PasswordHasher):
    iterations = 1000


def test_a_login_that_upgrades_the_hash_revokes_nothing(user, settings):
    """Django rehashes a password on login when the preferred hasher changed (an upgrade): the
    password is the same, so other clients' tokens keep working."""
    key = _login(user.username)["token"]
    settings.PASSWORD_HASHERS = [
        f"{__name__}.FastPBKDF2",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    old_hash = user.password
    _login(user.username)
    user.refresh_from_db()
    assert user.password != old_hash and user.password.startswith("pbkdf2_sha256$1000$")
    assert _client(key).get("/api/v1/whoami").status_code == 200


def test_deactivation_revokes_every_token(user, manager):
    keys = [_login(user.username)["token"] for _ in range(2)]
    answer = _client(_login(manager.username)["token"]).post(
        f"/api/v1/users/{user.username}", {"action": "disapprove_user"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    from media_app.models import ApiToken

    assert not ApiToken.objects.filter(user=user).exists()
    for key in keys:
        assert _client(key).get("/api/v1/whoami").status_code == 401


def test_revoke_all_tokens_service(user):
    from media_app.services.tokens import revoke_all_tokens

    keys = [_login(user.username)["token"] for _ in range(3)]
    assert revoke_all_tokens(user) == 3
    assert all(_client(k).get("/api/v1/whoami").status_code == 401 for k in keys)


# --- GET /api/v1/user/token (MediaCMS) ---------------------------------------------------------


def test_user_token_echoes_the_token_or_makes_one_for_a_session(user):
    key = _login(user.username)["token"]
    assert _client(key).get("/api/v1/user/token").json() == {"token": key}
    session = APIClient()
    assert session.login(username=user.username, password=PASSWORD)
    made = session.get("/api/v1/user/token").json()["token"]
    assert made != key
    assert _client(made).get("/api/v1/whoami").status_code == 200


# --- /api/v1/user/tokens -----------------------------------------------------------------------


def test_tokens_api_lists_makes_and_revokes(user):
    session = APIClient()
    assert session.login(username=user.username, password=PASSWORD)
    made = session.post("/api/v1/user/tokens", {"name": "CMS bridge", "scope": "read"})
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["name"] == "CMS bridge" and data["scope"] == "read"
    assert data["key"].startswith(data["prefix"])
    listed = session.get("/api/v1/user/tokens").json()
    assert [t["name"] for t in listed] == ["CMS bridge"]
    assert "key" not in listed[0] and data["key"] not in str(listed)
    assert set(listed[0]) >= {"prefix", "scope", "created_at", "last_used_at", "expires_at"}

    bridge = _client(data["key"])
    assert bridge.get("/api/v1/whoami").status_code == 200
    # A token, whatever its scope, cannot make more tokens.
    manage = _client(_login(user.username)["token"])
    refused = manage.post("/api/v1/user/tokens", {"name": "spawn"}, format="json")
    assert refused.status_code == 403 and "password" in refused.json()["detail"]

    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.delete(f"/api/v1/user/tokens/{data['id']}").status_code == 404
    assert session.delete(f"/api/v1/user/tokens/{data['id']}").status_code == 204
    assert bridge.get("/api/v1/whoami").status_code == 401
    assert session.delete(f"/api/v1/user/tokens/{data['id']}").status_code == 404


def test_tokens_api_refuses_bad_input(user):
    session = APIClient()
    assert session.login(username=user.username, password=PASSWORD)
    assert session.post("/api/v1/user/tokens", {"scope": "read"}).status_code == 400
    assert session.post("/api/v1/user/tokens", {"name": "x", "scope": "all"}).status_code == 400
    assert session.post("/api/v1/user/tokens", {"name": "x" * 101}).status_code == 400
    assert APIClient().get("/api/v1/user/tokens").status_code == 403


# --- cost on the hot path ----------------------------------------------------------------------


def test_token_check_is_one_query_and_no_write_per_request(user, django_assert_num_queries):
    from media_app.models import ApiToken

    client = _client(_login(user.username)["token"])
    with django_assert_num_queries(2):  # the lookup, then the first use is recorded
        assert client.get("/api/v1/whoami").status_code == 200
    used = ApiToken.objects.get(user=user).last_used_at
    assert used is not None
    with django_assert_num_queries(1):  # the lookup (its user joined), nothing written
        assert client.get("/api/v1/whoami").status_code == 200
    assert ApiToken.objects.get(user=user).last_used_at == used


# --- the account page ------------------------------------------------------------------------


def test_account_page_lists_makes_and_revokes(user):
    from media_app.models import ApiToken

    _login(user.username, client="old laptop", scope="read")
    browser = APIClient()  # a Django test client with a session; CSRF as a browser sends it
    assert browser.login(username=user.username, password=PASSWORD)

    page = browser.get("/accounts/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    old = ApiToken.objects.get(user=user)
    assert "old laptop" in html and old.prefix in html and "never" in html

    made = browser.post(
        "/accounts/tokens/", {"action": "create", "name": "Wire feed", "scope": "upload"}
    )
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    token = ApiToken.objects.get(user=user, name="Wire feed")
    assert token.scope == "upload"
    key = _key_in(made.content.decode(), token.prefix)
    assert _client(key).get("/api/v1/whoami").status_code == 200
    assert key not in browser.get("/accounts/tokens/").content.decode()  # shown once

    gone = browser.post("/accounts/tokens/", {"action": "revoke", "id": token.pk})
    assert gone.status_code == 302
    assert _client(key).get("/api/v1/whoami").status_code == 401
    assert "Wire feed" not in browser.get("/accounts/tokens/").content.decode()
    # Someone else's token id is not theirs to revoke.
    other = ApiToken.objects.get(user=user, name="old laptop")
    intruder = APIClient()
    assert intruder.login(username=UserFactory().username, password=PASSWORD)
    intruder.post("/accounts/tokens/", {"action": "revoke", "id": other.pk})
    assert ApiToken.objects.filter(pk=other.pk).exists()


def test_account_page_needs_a_login_and_refuses_bad_input(user):
    assert APIClient().get("/accounts/tokens/").status_code == 302
    browser = APIClient()
    assert browser.login(username=user.username, password=PASSWORD)
    bad = browser.post("/accounts/tokens/", {"action": "create", "name": "", "scope": "all"})
    assert bad.status_code == 400
    assert browser.post("/accounts/tokens/", {"action": "revoke", "id": "nope"}).status_code == 302


def _key_in(html: str, prefix: str) -> str:
    start = html.index(f'value="{prefix}')
    value = html[start + len('value="') :]
    return value[: value.index('"')]
