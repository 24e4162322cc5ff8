"""Finding 1: a manager could take over an admin (or another manager) through the people API.

One rule (``services/users.py: user_check_write``) decides every write to an account. Each
action below is tried through the HTTP API by each kind of actor on each kind of account,
the actor's own included:

- a non-superuser never changes a superuser;
- a manager never changes another manager's account (only an admin acts on managers);
- managers act on the people below them (plain users, journalists, editors);
- your own password or e-mail changes only with ``current_password`` in the same request;
  your own roles only if you are an admin; nobody approves, disapproves or deletes themself.

A refusal is a 403 that names the missing right and changes nothing.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from media_app.models import User
from tests.api._people import PASSWORD, body, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTORS = ("user", "journalist", "editor", "manager", "superuser")
# "manager" as a target of a manager is *another* manager; "self" is the actor's own account.
TARGETS = ("self", "user", "journalist", "editor", "manager", "superuser")
ACTIONS = ("password", "email", "roles", "active", "approval", "delete", "bulk_delete")
NEW_PASSWORD = "a brand new passphrase 42"
NEW_EMAIL = "taken-over@example.net"
FLAGS = {
    "user": {},
    "journalist": {"is_verified_journalist": True, "verified_outlet": "Desk"},
    "editor": {"is_editor": True},
    "manager": {"is_manager": True},
    "superuser": {"is_superuser": True, "is_staff": True},
}


def _person(kind: str, **extra) -> User:
    return UserFactory(**FLAGS[kind], **extra)


def _allowed(actor: str, target: str, action: str) -> bool:
    if target == "self":
        if action in ("password", "email"):
            return True  # with the current password (checked separately below)
        return action == "roles" and actor == "superuser"
    if actor == "superuser":
        return True
    return actor == "manager" and target in ("user", "journalist", "editor")


def _attempt(client: APIClient, target: User, action: str, *, current: str | None = None):
    url = f"/api/v1/users/{target.username}"
    extra = {} if current is None else {"current_password": current}
    if action == "password":
        data = {"action": "change_password", "password": NEW_PASSWORD, **extra}
        return client.post(url, data, format="json")
    if action == "email":
        return client.put(url, {"email": NEW_EMAIL, **extra}, format="json")
    if action == "roles":
        return client.put(url, {"is_editor": not target.is_editor}, format="json")
    if action == "active":
        return client.post(url, {"action": "disapprove_user"}, format="json")
    if action == "approval":
        return client.post(url, {"action": "approve_user"}, format="json")
    if action == "delete":
        return client.delete(url)
    return client.delete(f"/api/v1/manage_users?tokens={target.username}")


def _snapshot(user: User) -> dict | None:
    found = User.objects.filter(pk=user.pk).first()
    if found is None:
        return None
    return {
        "password": found.check_password(PASSWORD),
        "email": found.email,
        "is_editor": found.is_editor,
        "is_active": found.is_active,
    }


def _done(before: dict, after: dict | None, action: str) -> bool:
    """Whether ``action`` took effect, judged from the account before and after."""
    if action in ("delete", "bulk_delete"):
        return after is None
    if after is None:
        return False
    if action == "password":
        return not after["password"]
    if action == "email":
        return after["email"] == NEW_EMAIL
    if action == "roles":
        return after["is_editor"] != before["is_editor"]
    if action == "active":
        return not after["is_active"]
    return after["is_active"]  # approval


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("target_kind", TARGETS)
@pytest.mark.parametrize("actor_kind", ACTORS)
def test_who_may_change_what(actor_kind, target_kind, action):
    actor = _person(actor_kind)
    if target_kind == "self":
        target = actor
    else:
        # Approval is tried on a disabled account, everything else on an active one.
        target = _person(target_kind, is_active=action != "approval")
    client = token_client(actor)
    before = _snapshot(target)
    allowed = _allowed(actor_kind, target_kind, action)
    current = PASSWORD if target_kind == "self" else None

    response = _attempt(client, target, action, current=current)
    after = _snapshot(target)

    if allowed:
        assert response.status_code in (201, 204), body(response)
        assert _done(before, after, action)
        return
    if action == "approval" and actor_kind in ("user", "journalist", "editor"):
        # Disabled accounts are not shown to people who cannot manage users: not found.
        assert response.status_code in (403, 404), body(response)
    else:
        assert response.status_code == 403, body(response)
        text = body(response).lower()
        assert "manager" in text or "admin" in text or "nobody" in text, text
    assert after == before, f"{actor_kind} changed {target_kind}'s {action}: {body(response)}"


@pytest.mark.parametrize("action", ("password", "email"))
@pytest.mark.parametrize("actor_kind", ACTORS)
@pytest.mark.parametrize("current", (None, "", "not my password"))
def test_own_credentials_need_the_current_password(actor_kind, action, current):
    """A stolen token (or an unlocked laptop) cannot lock the owner out of their account."""
    actor = _person(actor_kind)
    before = _snapshot(actor)
    response = _attempt(token_client(actor), actor, action, current=current)
    assert response.status_code == 400, body(response)
    assert "current_password" in response.json(), body(response)
    assert _snapshot(actor) == before


def test_a_manager_resets_a_journalist_without_knowing_their_password():
    manager, journalist = _person("manager"), _person("journalist")
    response = _attempt(token_client(manager), journalist, "password")
    assert response.status_code == 201, body(response)
    login = APIClient().post(
        "/api/v1/login", {"username": journalist.username, "password": NEW_PASSWORD}
    )
    assert login.status_code == 200, body(login)


def test_own_password_change_opens_the_account_with_the_new_password():
    person = _person("user")
    response = _attempt(token_client(person), person, "password", current=PASSWORD)
    assert response.status_code == 201, body(response)
    login = APIClient().post(
        "/api/v1/login", {"username": person.username, "password": NEW_PASSWORD}
    )
    assert login.status_code == 200, body(login)


def test_unchanged_email_needs_no_current_password():
    """A profile form that sends the e-mail back as it was is not an e-mail change."""
    person = _person("user")
    response = token_client(person).put(
        f"/api/v1/users/{person.username}",
        {"email": person.email, "name": "Same Mail"},
        format="json",
    )
    assert response.status_code == 201, body(response)


def test_a_manager_cannot_edit_another_managers_profile_or_feature_them():
    manager, other = _person("manager"), _person("manager", name="Real Name")
    client = token_client(manager)
    url = f"/api/v1/users/{other.username}"
    assert client.put(url, {"name": "Impostor"}, format="json").status_code == 403
    assert client.post(url, {"action": "feature"}, format="json").status_code == 403
    other.refresh_from_db()
    assert (other.name, other.is_featured) == ("Real Name", False)


def test_bulk_delete_is_all_or_nothing():
    """One account the manager may not delete refuses the whole list: nothing half-done."""
    manager = _person("manager")
    plain, admin = _person("user"), _person("superuser")
    response = token_client(manager).delete(
        f"/api/v1/manage_users?tokens={plain.username},{admin.username}"
    )
    assert response.status_code == 403, body(response)
    assert "admin" in body(response)
    assert User.objects.filter(pk__in=[plain.pk, admin.pk]).count() == 2


def test_a_refused_write_changes_nothing_else_in_the_request():
    """Name and e-mail in one request: the refused e-mail takes the name change down with it."""
    person = _person("user", name="Real Name")
    response = token_client(person).put(
        f"/api/v1/users/{person.username}", {"name": "X", "email": NEW_EMAIL}, format="json"
    )
    assert response.status_code == 400
    assert "current_password" in response.json()
    person.refresh_from_db()
    assert (person.name, person.email) == ("Real Name", f"{person.username}@example.org")


def test_wrong_current_passwords_are_limited_like_logins(settings):
    """A stolen token cannot guess the password through current_password: after
    LOGIN_FAILURE_LIMIT wrong guesses even the right one is refused with 429 and Retry-After."""
    settings.LOGIN_FAILURE_LIMIT = 3
    person = _person("user")
    client = token_client(person)
    for _ in range(3):
        response = _attempt(client, person, "password", current="a wrong guess")
        assert response.status_code == 400, body(response)
    refused = _attempt(client, person, "password", current=PASSWORD)
    assert refused.status_code == 429, body(refused)
    assert 0 < int(refused["Retry-After"]) <= settings.LOGIN_LOCKOUT_SECONDS
    assert "current_password" in refused.json()
    other = _person("user")  # nobody else is affected
    assert _attempt(token_client(other), other, "password", current=PASSWORD).status_code == 201
