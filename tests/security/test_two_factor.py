"""Two-factor authentication (issue 13, "Two-factor and tokens"): TOTP and recovery codes on
the login page and on ``POST /api/v1/login`` (``otp``), the rule that editors, managers, admins
and verified journalists must enrol once the grace period after their role has passed, and a
manager resetting another person's second factor.

Real allauth authenticators, real PostgreSQL and Redis; codes are computed with pyotp, an
implementation independent of allauth's.
"""

import base64
import re
from datetime import timedelta

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from media_app.models import JournalistVerification, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def enrol_totp(user) -> str:
    """Give ``user`` an authenticator app (and recovery codes); returns the TOTP secret."""
    secret = base64.b32encode(b"openpress-test-key!!").decode()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def code_at(secret: str, offset_periods: int = 0) -> str:
    """The code of the period ``offset_periods`` from now (one period either side is valid,
    and each code is accepted once)."""
    return pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30 * offset_periods))


def recovery_codes(user) -> list[str]:
    return Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()


def api_login(**data):
    return APIClient().post("/api/v1/login", data, format="json")


def overdue(**roles) -> User:
    """A role holder whose grace period ended a day ago."""
    return UserFactory(role_granted_at=timezone.now() - timedelta(days=8), **roles)


# --- POST /api/v1/login with `otp` ---------------------------------------------------------


def test_api_login_of_an_account_with_totp_asks_for_otp():
    person = UserFactory(username="desk")
    secret = enrol_totp(person)

    missing = api_login(username="desk", password=PASSWORD)
    assert missing.status_code == 400
    assert "otp" in missing.json()
    assert "token" not in missing.json()

    wrong = api_login(username="desk", password=PASSWORD, otp="000000")
    assert wrong.status_code == 401
    assert "otp" in wrong.json()

    good = api_login(username="desk", password=PASSWORD, otp=code_at(secret))
    assert good.status_code == 200, good.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {good.json()['token']}")
    assert client.get("/api/v1/whoami").json()["username"] == "desk"


def test_a_code_works_once():
    person = UserFactory(username="desk")
    code = code_at(enrol_totp(person))
    assert api_login(username="desk", password=PASSWORD, otp=code).status_code == 200
    assert api_login(username="desk", password=PASSWORD, otp=code).status_code == 401


def test_a_recovery_code_opens_the_api_once():
    person = UserFactory(username="desk")
    enrol_totp(person)
    spare = recovery_codes(person)[0]
    assert api_login(username="desk", password=PASSWORD, otp=spare).status_code == 200
    assert spare not in recovery_codes(person)
    assert api_login(username="desk", password=PASSWORD, otp=spare).status_code == 401


def test_a_wrong_password_is_refused_before_any_code_is_asked():
    person = UserFactory(username="desk")
    secret = enrol_totp(person)
    response = api_login(username="desk", password="not it", otp=code_at(secret))
    assert response.status_code in (400, 401)
    assert "token" not in response.json()


def test_wrong_codes_lock_the_account_with_retry_after(django_capture_on_commit_callbacks):
    person = UserFactory(username="desk")
    secret = enrol_totp(person)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            assert api_login(username="desk", password=PASSWORD, otp="123456").status_code == 401
    locked = api_login(username="desk", password=PASSWORD, otp=code_at(secret))
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    # The person learns that someone has their password.
    assert any("wrong two-factor codes" in m.subject.lower() for m in mail.outbox)


def test_accounts_without_a_second_factor_log_in_as_before():
    UserFactory(username="viewer")
    assert api_login(username="viewer", password=PASSWORD).status_code == 200


def test_http_basic_does_not_open_an_account_with_a_second_factor():
    person = UserFactory(username="desk")
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"desk:" + PASSWORD.encode()).decode()
    )
    assert client.get("/api/v1/whoami").status_code == 200
    enrol_totp(person)
    refused = client.get("/api/v1/whoami")
    assert refused.status_code == 403
    assert "two-factor" in refused.json()["detail"]


def test_every_api_authentication_but_the_session_passes_the_gate():
    from rest_framework.authentication import SessionAuthentication

    from media_app.api.mfa_gate import SecondFactorGate

    for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        assert issubclass(cls, (SecondFactorGate, SessionAuthentication)), cls


def test_the_totp_secret_is_not_stored_in_the_clear():
    person = UserFactory()
    secret = enrol_totp(person)
    stored = Authenticator.objects.get(user=person, type="totp").data["secret"]
    assert secret not in stored


# --- the login page ------------------------------------------------------------------------


def test_login_page_asks_for_the_code_before_signing_in():
    person = UserFactory(username="desk")
    secret = enrol_totp(person)
    browser = Client()
    step = browser.post("/accounts/login/", {"login": "desk", "password": PASSWORD})
    assert step.status_code == 302
    assert step["Location"].startswith("/accounts/2fa/authenticate/")
    assert browser.get("/my-media").status_code == 302  # not signed in yet
    wrong = browser.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert 'role="alert"' in wrong.content.decode()
    done = browser.post("/accounts/2fa/authenticate/", {"code": code_at(secret)})
    assert done.status_code == 302
    assert browser.get("/my-media").status_code == 200


def test_login_page_takes_a_recovery_code():
    person = UserFactory(username="desk")
    enrol_totp(person)
    browser = Client()
    browser.post("/accounts/login/", {"login": "desk", "password": PASSWORD})
    done = browser.post("/accounts/2fa/authenticate/", {"code": recovery_codes(person)[0]})
    assert done.status_code == 302
    assert browser.get("/my-media").status_code == 200


def test_login_page_limits_wrong_codes_too():
    person = UserFactory(username="desk")
    secret = enrol_totp(person)
    browser = Client()
    browser.post("/accounts/login/", {"login": "desk", "password": PASSWORD})
    for _ in range(5):
        browser.post("/accounts/2fa/authenticate/", {"code": "123456"})
    locked = browser.post("/accounts/2fa/authenticate/", {"code": code_at(secret)})
    assert locked.status_code == 200
    assert "Too many wrong codes" in locked.content.decode()
    assert browser.get("/my-media").status_code == 302


def test_the_admin_login_goes_through_the_site_login():
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    enrol_totp(admin)
    browser = Client()
    page = browser.get("/admin/login/?next=/admin/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    # Posting a password to the admin's address signs nobody in.
    browser.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert browser.get("/admin/").status_code == 302
    step = browser.post("/accounts/login/", {"login": "root", "password": PASSWORD})
    assert step["Location"].startswith("/accounts/2fa/authenticate/")
    assert browser.get("/admin/").status_code == 302


# --- enforcement for role holders ----------------------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [
        {"is_editor": True},
        {"is_manager": True},
        {"is_superuser": True, "is_staff": True},
        {"is_verified_journalist": True},
    ],
    ids=["editor", "manager", "admin", "journalist"],
)
def test_role_holders_past_the_grace_period_must_enrol(roles):
    person = overdue(**roles)
    browser = Client()
    signed_in = browser.post("/accounts/login/", {"login": person.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    page = browser.get("/upload")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/2fa/"
    assert browser.get("/accounts/2fa/").status_code == 200
    # Enrolment asks for the password once more (allauth's re-authentication), then opens.
    activate = browser.get("/accounts/2fa/totp/activate/")
    assert activate["Location"].startswith("/accounts/reauthenticate/")
    again = browser.post(activate["Location"], {"password": PASSWORD})
    assert again["Location"] == "/accounts/2fa/totp/activate/"
    assert "Authenticator secret" in browser.get(again["Location"]).content.decode()

    api = browser.get("/api/v1/whoami")
    assert api.status_code == 403
    assert "second factor" in api.json()["detail"]

    login = api_login(username=person.username, password=PASSWORD)
    assert login.status_code == 403
    assert "second factor" in login.json()["detail"]


def test_a_token_from_before_the_deadline_stops_working_after_it():
    person = UserFactory(is_editor=True, role_granted_at=timezone.now())
    token = api_login(username=person.username, password=PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/whoami").status_code == 200
    User.objects.filter(pk=person.pk).update(role_granted_at=timezone.now() - timedelta(days=8))
    refused = client.get("/api/v1/whoami")
    assert refused.status_code == 403
    assert "second factor" in refused.json()["detail"]


def test_within_the_grace_period_pages_show_the_deadline(settings):
    settings.MFA_GRACE_DAYS = 7
    person = UserFactory(is_editor=True, role_granted_at=timezone.now() - timedelta(days=2))
    browser = Client()
    browser.force_login(person)
    page = browser.get("/upload")
    assert page.status_code == 200
    deadline = (person.role_granted_at + timedelta(days=7)).strftime("%Y-%m-%d")
    html = page.content.decode()
    assert "two-factor authentication" in html
    assert deadline in html
    assert browser.get("/api/v1/whoami").status_code == 200


def test_the_grace_period_is_a_setting(settings):
    person = UserFactory(is_editor=True, role_granted_at=timezone.now() - timedelta(days=2))
    browser = Client()
    browser.force_login(person)
    settings.MFA_GRACE_DAYS = 1
    assert browser.get("/upload").status_code == 302
    settings.MFA_GRACE_DAYS = 3
    assert browser.get("/upload").status_code == 200


def test_enrolled_role_holders_and_everyone_else_go_on():
    editor = overdue(is_editor=True)
    enrol_totp(editor)
    plain = UserFactory(role_granted_at=None)
    User.objects.filter(pk=plain.pk).update(date_joined=timezone.now() - timedelta(days=400))
    for person in (editor, plain):
        browser = Client()
        browser.force_login(person)
        page = browser.get("/upload")
        assert page.status_code == 200
        assert "Your role needs two-factor" not in page.content.decode()


def test_a_role_granted_where_no_service_saw_it_counts_from_sign_up():
    person = UserFactory(is_editor=True)
    User.objects.filter(pk=person.pk).update(
        role_granted_at=None, date_joined=timezone.now() - timedelta(days=30)
    )
    browser = Client()
    browser.force_login(person)
    assert browser.get("/upload").status_code == 302


def test_granting_a_role_starts_the_clock_everywhere(manager):
    from media_app.services.users import user_update
    from media_app.services.verification import (
        verification_approve,
        verification_request,
        verification_withdraw,
    )

    person = UserFactory()
    assert person.role_granted_at is None
    user_update(user=person, by=manager, data={"is_editor": True})
    person.refresh_from_db()
    assert timezone.now() - person.role_granted_at < timedelta(minutes=1)

    journalist = UserFactory()
    request = verification_request(
        user=journalist, outlet="Harbour Post", role="reporter", evidence_links=["https://x.org/a"]
    )
    verification_approve(request=request, by=UserFactory(is_editor=True))
    journalist.refresh_from_db()
    assert timezone.now() - journalist.role_granted_at < timedelta(minutes=1)
    assert JournalistVerification.objects.get(pk=request.pk).status == "approved"

    verification_withdraw(user=journalist)
    journalist.refresh_from_db()
    assert journalist.role_granted_at is None


def test_granting_a_role_in_the_admin_starts_the_clock():
    admin = UserFactory(is_staff=True, is_superuser=True)
    enrol_totp(admin)
    person = UserFactory()
    browser = Client()
    browser.force_login(admin)
    page = browser.get(f"/admin/media_app/user/{person.pk}/change/")
    assert page.status_code == 200
    form = {
        "username": person.username,
        "email": person.email,
        "is_active": "on",
        "is_editor": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "date_added_0": "2026-01-01",
        "date_added_1": "00:00:00",
    }
    answer = browser.post(f"/admin/media_app/user/{person.pk}/change/", form)
    assert answer.status_code == 302, re.findall(
        r'class="errorlist[^>]*>(.*?)</ul>', answer.content.decode()
    )
    person.refresh_from_db()
    assert person.is_editor
    assert timezone.now() - person.role_granted_at < timedelta(minutes=1)


# --- a manager resets another person's second factor ---------------------------------------


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_manager_resets_an_editors_second_factor(django_capture_on_commit_callbacks):
    manager = UserFactory(is_manager=True)
    enrol_totp(manager)
    editor = overdue(is_editor=True)
    enrol_totp(editor)
    assert _as(manager).get(f"/api/v1/users/{editor.username}/mfa").json()["enrolled"] is True
    with django_capture_on_commit_callbacks(execute=True):
        answer = _as(manager).delete(f"/api/v1/users/{editor.username}/mfa")
    assert answer.status_code == 204
    assert not Authenticator.objects.filter(user=editor).exists()
    assert any(editor.email in m.to and "reset" in m.subject for m in mail.outbox)
    # Their password alone opens the site again, straight into enrolment (grace is over).
    browser = Client()
    browser.post("/accounts/login/", {"login": editor.username, "password": PASSWORD})
    assert browser.get("/upload")["Location"] == "/accounts/2fa/"


@pytest.mark.parametrize(
    ("by_roles", "target_roles", "allowed"),
    [
        ({"is_manager": True}, {"is_editor": True}, True),
        ({"is_manager": True}, {"is_verified_journalist": True}, True),
        ({"is_manager": True}, {}, True),
        ({"is_manager": True}, {"is_manager": True}, False),
        ({"is_manager": True}, {"is_superuser": True}, False),
        ({"is_superuser": True}, {"is_superuser": True}, True),
        ({"is_superuser": True}, {"is_manager": True}, True),
        ({"is_editor": True}, {"is_editor": True}, False),
        ({"is_verified_journalist": True}, {}, False),
        ({}, {}, False),
    ],
)
def test_who_may_reset_whose_second_factor(by_roles, target_roles, allowed):
    by = UserFactory(**by_roles)
    enrol_totp(by)
    target = UserFactory(**target_roles)
    enrol_totp(target)
    answer = _as(by).delete(f"/api/v1/users/{target.username}/mfa")
    assert answer.status_code == (204 if allowed else 403), answer.content
    assert Authenticator.objects.filter(user=target).exists() is not allowed
    if not allowed:
        assert answer.json()["detail"]


def test_nobody_resets_their_own_through_the_managers_way():
    manager = UserFactory(is_manager=True)
    enrol_totp(manager)
    assert _as(manager).delete(f"/api/v1/users/{manager.username}/mfa").status_code == 403
    assert Authenticator.objects.filter(user=manager).exists()


def test_the_managers_page_lists_and_resets():
    manager = UserFactory(is_manager=True)
    enrol_totp(manager)
    editor = UserFactory(is_editor=True, role_granted_at=timezone.now())
    enrol_totp(editor)
    newcomer = UserFactory(is_verified_journalist=True, role_granted_at=timezone.now())
    browser = Client()
    browser.force_login(manager)
    page = browser.get("/manage/two-factor/").content.decode()
    assert editor.username in page
    assert newcomer.username in page
    assert f"Reset second factor of {editor.username}" in page
    done = browser.post("/manage/two-factor/", {"username": editor.username}, follow=True)
    assert "reset" in done.content.decode()
    assert not Authenticator.objects.filter(user=editor).exists()

    other = UserFactory(is_editor=True)
    other_browser = Client()
    other_browser.force_login(other)
    assert other_browser.get("/manage/two-factor/").status_code == 403
