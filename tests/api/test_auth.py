"""Login, API token and whoami, through real session, token and Basic credentials."""

import pytest
from rest_framework.test import APIClient

from media_app.models import ApiToken
from media_app.services.tokens import digest_of
from tests.api._people import PASSWORD, basic_client, body, make_token, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["json", "multipart", "form"])
def test_login_with_username_answers_the_token(fmt):
    person = UserFactory(username="reporter", email="reporter@example.org")
    data = {"username": "reporter", "password": PASSWORD}
    if fmt == "form":
        response = APIClient().post(
            "/api/v1/login",
            "username=reporter&password=correct+horse+battery",
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = APIClient().post("/api/v1/login", data, format=fmt)
    assert response.status_code == 200, body(response)
    data = response.json()
    assert data.keys() == {"username", "email", "token", "expiry"}
    assert (data["username"], data["email"]) == ("reporter", "reporter@example.org")
    assert ApiToken.objects.get(digest=digest_of(data["token"])).user == person


def test_login_with_email_only_and_trailing_slash():
    UserFactory(username="desk", email="Desk@Example.org")
    response = APIClient().post(
        "/api/v1/login/", {"email": "desk@example.org", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["username"] == "desk"


def test_each_login_makes_a_token_that_opens_the_api():
    UserFactory(username="desk")
    first = APIClient().post("/api/v1/login", {"username": "desk", "password": PASSWORD})
    second = APIClient().post("/api/v1/login", {"username": "desk", "password": PASSWORD})
    assert first.json()["token"] != second.json()["token"]
    for answer in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
        assert client.get("/api/v1/whoami").json()["username"] == "desk"


@pytest.mark.parametrize(
    "data",
    [
        {"username": "desk", "password": "wrong password"},
        {"username": "nobody", "password": PASSWORD},
        {"email": "nobody@example.org", "password": PASSWORD},
        {"username": "desk"},
        {"password": PASSWORD},
    ],
)
def test_login_refuses_bad_credentials_with_a_message(data):
    UserFactory(username="desk")
    response = APIClient().post("/api/v1/login", data, format="json")
    assert response.status_code == 400
    assert response.json(), "a message says what is wrong"
    assert not ApiToken.objects.exists()


def test_login_refuses_a_disabled_account():
    UserFactory(username="gone", is_active=False)
    response = APIClient().post("/api/v1/login", {"username": "gone", "password": PASSWORD})
    assert response.status_code == 400


def test_login_malformed_json_is_400():
    response = APIClient().post("/api/v1/login", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_login_get_is_405():
    assert APIClient().get("/api/v1/login").status_code == 405


def test_user_token_by_basic_auth_then_used_as_token():
    person = UserFactory(username="desk")
    response = basic_client("desk").get("/api/v1/user/token")
    assert response.status_code == 200
    key = response.json()["token"]
    assert ApiToken.objects.get(digest=digest_of(key)).user == person
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/user/token/").json() == {"token": key}


def test_user_token_anonymous_403_and_post_405(user):
    assert APIClient().get("/api/v1/user/token").status_code == 403
    assert token_client(user).post("/api/v1/user/token").status_code == 405


def _whoami_fields(data):
    for field in (
        "description",
        "date_added",
        "name",
        "is_featured",
        "thumbnail_url",
        "url",
        "api_url",
        "username",
        "advancedUser",
        "is_editor",
        "is_manager",
        "email_is_verified",
        "email",
        "is_verified_journalist",
        "verified_outlet",
    ):
        assert field in data, field


def test_whoami_through_a_session(journalist):
    client = APIClient()
    assert client.login(username=journalist.username, password=PASSWORD)
    response = client.get("/api/v1/whoami")
    assert response.status_code == 200
    data = response.json()
    _whoami_fields(data)
    assert data["username"] == journalist.username
    assert data["email"] == journalist.email
    assert data["is_verified_journalist"] is True
    assert data["verified_outlet"] == "The Independent Desk"
    assert data["api_url"] == f"http://testserver/api/v1/users/{journalist.username}"


def test_whoami_through_token_and_basic(editor):
    by_token = token_client(editor).get("/api/v1/whoami/")
    by_basic = basic_client(editor.username).get("/api/v1/whoami")
    assert by_token.status_code == by_basic.status_code == 200
    assert by_token.json()["is_editor"] is by_basic.json()["is_editor"] is True
    assert by_token.json()["username"] == by_basic.json()["username"] == editor.username


def test_whoami_anonymous_and_bad_credentials_are_refused(user):
    assert APIClient().get("/api/v1/whoami").status_code == 403
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad_token.get("/api/v1/whoami").status_code == 401  # "log in again", not "forbidden"
    assert basic_client(user.username, "not the password").get("/api/v1/whoami").status_code == 403


def test_session_writes_need_the_csrf_token(user):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username=user.username, password=PASSWORD)
    response = client.post("/api/v1/playlists", {"title": "Mine"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in body(response)
    # A script using its token needs no CSRF token.
    assert token_client(user).post("/api/v1/playlists", {"title": "Mine"}).status_code == 201


def test_changing_the_password_retires_the_token(user):
    old = make_token(user)
    client = token_client(user)
    response = client.post(
        f"/api/v1/users/{user.username}",
        {
            "action": "change_password",
            "password": "a much better passphrase",
            "current_password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 201
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert stale.get("/api/v1/whoami").status_code == 401
    relog = APIClient().post(
        "/api/v1/login", {"username": user.username, "password": "a much better passphrase"}
    )
    assert relog.status_code == 200
