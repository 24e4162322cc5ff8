"""/api/v1/users, /users/<username> and /manage_users: shapes and who may do what."""

from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from media_app.models import User
from tests.api._people import PASSWORD, PNG, ROLES, body, make_role, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USER_FIELDS = {
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
    "is_verified_journalist",
    "verified_outlet",
}


def test_user_list_shape_and_pagination():
    UserFactory.create_batch(3)
    response = APIClient().get("/api/v1/users")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 3
    assert set(data["results"][0]) == USER_FIELDS  # no e-mail for strangers
    assert data["results"][0]["url"].startswith("http://testserver/user/")


def test_user_list_pages_hold_fifty():
    UserFactory.create_batch(51)
    first = APIClient().get("/api/v1/users/").json()
    assert len(first["results"]) == 50 and first["next"]
    assert len(APIClient().get(first["next"]).json()["results"]) == 1


def test_user_list_name_search_and_disabled_accounts():
    UserFactory(username="amira", name="Amira Haddad")
    UserFactory(username="bob", name="Bob Stone")
    UserFactory(username="hidden", name="Amira Ghost", is_active=False)
    names = [u["username"] for u in APIClient().get("/api/v1/users?name=amira").json()["results"]]
    assert names == ["amira"]
    manager = make_role("manager")
    seen = token_client(manager).get("/api/v1/users?name=amira").json()["results"]
    assert {u["username"] for u in seen} == {"amira", "hidden"}


def test_email_only_for_self_and_managers(user):
    other = make_role("user")
    assert "email" not in token_client(other).get(f"/api/v1/users/{user.username}").json()
    assert (
        "email"
        not in token_client(make_role("editor")).get(f"/api/v1/users/{user.username}").json()
    )
    own = token_client(user).get(f"/api/v1/users/{user.username}").json()
    assert own["email"] == user.email
    managed = token_client(make_role("manager")).get(f"/api/v1/users/{user.username}").json()
    assert managed["email"] == user.email


def test_user_detail_shape_and_unknown_user(journalist):
    response = APIClient().get(f"/api/v1/users/{journalist.username}/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == USER_FIELDS
    assert data["is_verified_journalist"] is True
    assert data["api_url"] == f"http://testserver/api/v1/users/{journalist.username}"
    assert APIClient().get("/api/v1/users/nobody-here").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_create_user_is_for_managers_only(role):
    client = token_client(make_role(role))
    data = {
        "username": "newcomer",
        "password": "a long enough passphrase",
        "email": "new@example.org",
        "name": "New Comer",
    }
    response = client.post("/api/v1/users", data, format="json")
    if role == "manager":
        assert response.status_code == 201, body(response)
        assert response.json()["username"] == "newcomer"
        assert response.json()["email"] == "new@example.org"
        login = APIClient().post(
            "/api/v1/login", {"username": "newcomer", "password": "a long enough passphrase"}
        )
        assert login.status_code == 200
    else:
        assert response.status_code == 403
        assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ({"username": "x1", "password": "123"}, "password"),
        ({"username": "bad name!", "password": "a long enough passphrase"}, "username"),
        ({"username": "x2", "password": "a long enough passphrase", "email": "nope"}, "mail"),
        ({"password": "a long enough passphrase"}, "username"),
    ],
)
def test_create_user_bad_input_is_400(manager, data, word):
    response = token_client(manager).post("/api/v1/users", data, format="json")
    assert response.status_code == 400
    assert word in body(response).lower()


def test_create_user_taken_username_is_400(manager, user):
    response = token_client(manager).post(
        "/api/v1/users",
        {"username": user.username, "password": "a long enough passphrase"},
        format="json",
    )
    assert response.status_code == 400
    assert "taken" in body(response)


@pytest.mark.parametrize("role", ROLES)
def test_edit_profile_permissions(role, user):
    actor = make_role(role)
    response = token_client(actor).put(
        f"/api/v1/users/{user.username}", {"name": "Edited", "description": "Beat: courts"}
    )
    user.refresh_from_db()
    if role == "manager":
        assert response.status_code == 201
        assert response.json()["name"] == "Edited"
        assert user.description == "Beat: courts"
    else:
        assert response.status_code == 403
        assert user.name != "Edited"


def test_edit_own_profile_by_put_and_by_post(user):
    client = token_client(user)
    assert client.put(f"/api/v1/users/{user.username}", {"name": "Me"}).status_code == 201
    response = client.post(f"/api/v1/users/{user.username}", {"description": "About me"})
    assert response.status_code == 201
    user.refresh_from_db()
    assert (user.name, user.description) == ("Me", "About me")


def test_roles_only_by_managers(user, manager):
    own = token_client(user).put(f"/api/v1/users/{user.username}", {"is_editor": True})
    assert own.status_code == 403
    user.refresh_from_db()
    assert not user.is_editor
    response = token_client(manager).put(
        f"/api/v1/users/{user.username}", {"is_editor": True, "is_manager": "true"}
    )
    assert response.status_code == 201
    assert response.json()["is_editor"] is response.json()["is_manager"] is True
    # The new editor now reaches the editors' review queue.
    assert token_client(user).get("/api/v1/review/queue").status_code == 200


def test_logo_upload_stores_an_image_under_our_name(user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    logo = SimpleUploadedFile("../../evil\u202egnp.exe", PNG, content_type="image/png")
    response = token_client(user).put(
        f"/api/v1/users/{user.username}", {"logo": logo}, format="multipart"
    )
    assert response.status_code == 201, body(response)
    user.refresh_from_db()
    assert user.logo.name.startswith("userlogos/") and user.logo.name.endswith(".png")
    assert "evil" not in user.logo.name
    # Filesystem: /media/<name>; S3: a presigned URL of the object (its path ends in the name).
    assert urlsplit(response.json()["thumbnail_url"]).path.endswith(user.logo.name)


def test_logo_must_be_an_image(user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = SimpleUploadedFile("me.png", b"just some text, no picture", content_type="image/png")
    response = token_client(user).put(
        f"/api/v1/users/{user.username}", {"logo": text}, format="multipart"
    )
    assert response.status_code == 400
    assert "image" in body(response)


@pytest.mark.parametrize("role", ROLES)
def test_change_password_permissions(role, user):
    actor = make_role(role)
    response = token_client(actor).post(
        f"/api/v1/users/{user.username}",
        {"action": "change_password", "password": "brand new passphrase"},
        format="json",
    )
    user.refresh_from_db()
    if role == "manager":
        assert response.status_code == 201
        assert user.check_password("brand new passphrase")
    else:
        assert response.status_code == 403
        assert not user.check_password("brand new passphrase")


def test_change_password_weak_is_400(user):
    response = token_client(user).post(
        f"/api/v1/users/{user.username}",
        {"action": "change_password", "password": "1", "current_password": PASSWORD},
    )
    assert response.status_code == 400
    assert "password" in body(response).lower()


def test_unknown_action_is_400(user):
    response = token_client(user).post(f"/api/v1/users/{user.username}", {"action": "explode"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_approve_and_disapprove_are_for_managers(role, user):
    actor = make_role(role)
    response = token_client(actor).post(
        f"/api/v1/users/{user.username}", {"action": "disapprove_user"}
    )
    user.refresh_from_db()
    if role == "manager":
        assert response.status_code == 201
        assert not user.is_active
        assert (
            APIClient()
            .post("/api/v1/login", {"username": user.username, "password": "correct horse battery"})
            .status_code
            == 400
        )
        again = token_client(actor).post(
            f"/api/v1/users/{user.username}", {"action": "approve_user"}
        )
        assert again.status_code == 201
        user.refresh_from_db()
        assert user.is_active
    else:
        assert response.status_code == 403
        assert user.is_active


@pytest.mark.parametrize("role", ROLES)
def test_delete_user_is_for_managers(role):
    target = make_role("user")
    actor = make_role(role)
    response = token_client(actor).delete(f"/api/v1/users/{target.username}")
    if role == "manager":
        assert response.status_code == 204
        assert not User.objects.filter(pk=target.pk).exists()
    else:
        assert response.status_code == 403
        assert User.objects.filter(pk=target.pk).exists()


def test_delete_self_is_refused_for_a_plain_user(user):
    assert token_client(user).delete(f"/api/v1/users/{user.username}").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_manage_users_is_for_managers(role):
    actor = make_role(role)
    UserFactory(username="sleeper", is_active=False)
    response = token_client(actor).get("/api/v1/manage_users")
    if role == "manager":
        assert response.status_code == 200
        data = response.json()
        assert set(data) == {"count", "next", "previous", "results"}
        rows = {u["username"]: u for u in data["results"]}
        assert rows["sleeper"]["is_active"] is False
        assert "email" in rows["sleeper"]
    else:
        assert response.status_code == 403


def test_manage_users_role_filter(manager, editor, journalist):
    rows = token_client(manager).get("/api/v1/manage_users?role=editor").json()["results"]
    assert [u["username"] for u in rows] == [editor.username]
    rows = token_client(manager).get("/api/v1/manage_users?role=journalist").json()["results"]
    assert [u["username"] for u in rows] == [journalist.username]


@pytest.mark.parametrize("role", ROLES)
def test_manage_users_bulk_delete(role):
    actor = make_role(role)
    a, b, keep = UserFactory(), UserFactory(), UserFactory()
    response = token_client(actor).delete(f"/api/v1/manage_users?tokens={a.username},{b.username}")
    left = set(User.objects.values_list("username", flat=True))
    if role == "manager":
        assert response.status_code == 204
        assert a.username not in left and b.username not in left
    else:
        assert response.status_code == 403
        assert {a.username, b.username} <= left
    assert keep.username in left


def test_manage_users_delete_needs_names(manager):
    assert token_client(manager).delete("/api/v1/manage_users").status_code == 400


def test_manager_cannot_delete_an_admin(manager):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert token_client(manager).delete(f"/api/v1/users/{admin.username}").status_code == 403
    assert User.objects.filter(pk=admin.pk).exists()


def test_user_list_query_count_is_constant(manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(manager)
    UserFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/users")
    UserFactory.create_batch(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/users")
    assert response.json()["count"] == 33
    assert len(many.captured_queries) == len(few.captured_queries)
