"""Finding 3: no brute-force limit on any login path, and e-mail enumeration by timing.

Every path that takes a password is tried through HTTP, as an attacker would: ``POST
/api/v1/login``, HTTP Basic on an API endpoint, the login page and the admin's. Each locks a
client address after LOGIN_FAILURE_LIMIT failures (whatever the accounts tried), and an account
after as many failures from any number of addresses; a locked-out attempt is answered 429 with
``Retry-After``, even with the right password, while other accounts and addresses, and the
account's existing sessions and tokens, carry on. The timing half counts password hashes instead
of timing them: an unknown name or e-mail must cost the same hashing as a wrong password.
"""

from __future__ import annotations

import base64
import itertools
import time

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.api._people import PASSWORD, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PATHS = ("api", "basic", "page", "admin")
LIMIT = 3
_addresses = itertools.count(1)


def new_address() -> str:
    """A client address of its own (TEST-NET-2, RFC 5737)."""
    n = next(_addresses)
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_LOCKOUT_SECONDS = 600


def attempt(path: str, identifier: str, password: str, address: str, field: str = "username"):
    """One login attempt from ``address`` on ``path``."""
    if path == "api":
        return APIClient().post(
            "/api/v1/login", {field: identifier, "password": password}, REMOTE_ADDR=address
        )
    if path == "basic":
        raw = base64.b64encode(f"{identifier}:{password}".encode()).decode()
        return APIClient().get(
            "/api/v1/whoami", HTTP_AUTHORIZATION=f"Basic {raw}", REMOTE_ADDR=address
        )
    if path == "page":
        return Client().post(
            "/accounts/login/", {"username": identifier, "password": password}, REMOTE_ADDR=address
        )
    assert path == "admin"
    browser, form = Client(), {"username": identifier, "password": password, "next": "/admin/"}
    response = browser.post("/admin/login/?next=/admin/", form, REMOTE_ADDR=address)
    handed_over = response.status_code == 302 and "/login/" in response["Location"]
    if handed_over and not response["Location"].startswith("/admin/"):
        # The admin hands its login over to the site's login page (which asks for the second
        # factor): the browser takes the credentials there.
        response = browser.post(response["Location"], form, REMOTE_ADDR=address)
    return response


def opened(path: str, response) -> bool:
    """The attempt logged in: a token or an answer (API), a redirect onwards (pages)."""
    return response.status_code == (200 if path in ("api", "basic") else 302)


def assert_locked_out(path: str, response) -> None:
    assert response.status_code == 429, (response.status_code, response.content[:300])
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 600
    if path in ("api", "basic"):
        assert "Try again in" in response.json()["detail"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert b"Too many attempts" in response.content


def person():
    # Staff, so that the admin's login page lets the right password in.
    return UserFactory(is_staff=True)


@pytest.mark.parametrize("path", PATHS)
def test_a_client_address_is_locked_out_after_n_failures_whatever_the_accounts(path):
    here, elsewhere = new_address(), new_address()
    target = person()
    for n in range(1, LIMIT + 1):
        response = attempt(path, f"nobody-{n}", "wrong password", here)
        if n < LIMIT:
            assert response.status_code != 429 and not opened(path, response)
    assert_locked_out(path, response)
    # The right password of a real account, from the locked-out address: still refused.
    assert_locked_out(path, attempt(path, target.username, PASSWORD, here))
    # Another address logs in to the same account.
    assert opened(path, attempt(path, target.username, PASSWORD, elsewhere))


@pytest.mark.parametrize("path", PATHS)
def test_an_account_is_locked_out_after_n_failures_from_different_addresses(path):
    target, bystander = person(), person()
    for n in range(1, LIMIT + 1):
        response = attempt(path, target.username, "wrong password", new_address())
        if n < LIMIT:
            assert response.status_code != 429 and not opened(path, response)
    assert_locked_out(path, response)
    # The right password, from an address never seen before: refused all the same.
    assert_locked_out(path, attempt(path, target.username, PASSWORD, new_address()))
    # Other accounts are not affected, from any address.
    assert opened(path, attempt(path, bystander.username, PASSWORD, new_address()))


def test_failures_by_e_mail_and_by_username_add_up_on_one_account():
    target = person()
    attempt("api", target.email.upper(), "wrong password", new_address(), field="email")
    attempt("api", target.username, "wrong password", new_address())
    response = attempt("page", target.email, "wrong password", new_address())
    assert_locked_out("page", response)
    assert_locked_out("api", attempt("api", target.username, PASSWORD, new_address()))


def test_unknown_names_are_locked_out_like_real_ones():
    """A lockout says nothing about whether an account exists."""
    real = person()
    for name in (real.username, "no-such-person"):
        for _ in range(LIMIT - 1):
            attempt("api", name, "wrong password", new_address())
        assert_locked_out("api", attempt("api", name, "wrong password", new_address()))


def test_a_locked_out_account_keeps_its_data_sessions_and_tokens():
    target = person()
    browser = Client()
    browser.force_login(target)
    script = token_client(target)
    for _ in range(LIMIT):
        attempt("api", target.username, "wrong password", new_address())
    assert_locked_out("api", attempt("api", target.username, PASSWORD, new_address()))
    target.refresh_from_db()
    assert target.is_active and target.check_password(PASSWORD)
    assert browser.get("/api/v1/whoami").json()["username"] == target.username
    assert script.get("/api/v1/whoami").json()["username"] == target.username


@pytest.mark.parametrize("path", PATHS)
def test_a_lockout_ends_after_login_lockout_seconds(settings, path):
    settings.LOGIN_LOCKOUT_SECONDS = 2
    target = person()
    for _ in range(LIMIT):
        response = attempt(path, target.username, "wrong password", new_address())
    assert_locked_out(path, response)
    assert int(response["Retry-After"]) <= 2
    # Attempts refused during the lockout are not counted, so asking again does not extend it.
    deadline = time.monotonic() + 20
    while not opened(path, attempt(path, target.username, PASSWORD, new_address())):
        assert time.monotonic() < deadline, "the lockout did not end within 20 s"
        time.sleep(0.2)


# --- timing: the hasher runs whether or not the account exists ---------------------------------


class CountingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, counting every hash it computes (``verify`` hashes through
    ``encode``, and so does making a password for nobody, Django's own timing defence)."""

    hashes = 0

    def encode(self, password, salt):
        type(self).hashes += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("path", PATHS)
def test_an_unknown_name_or_e_mail_costs_the_hashing_of_a_wrong_password(settings, path):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    settings.LOGIN_FAILURE_LIMIT = 100
    UserFactory(username="known", email="known@example.org", is_staff=True)

    def hashes(identifier: str, field: str = "username") -> int:
        CountingHasher.hashes = 0
        response = attempt(path, identifier, "wrong password", new_address(), field=field)
        assert response.status_code != 429 and not opened(path, response)
        return CountingHasher.hashes

    known = hashes("known")
    assert known >= 1
    assert hashes("no-such-person") == known
    field = "email" if path == "api" else "username"
    known_mail = hashes("known@example.org", field)
    assert known_mail >= 1
    assert hashes("no-such-person@example.org", field) == known_mail


# --- sign-up ---------------------------------------------------------------------------------


def test_sign_up_is_throttled_per_client_address(settings):
    settings.SIGNUP_RATE = "3/hour"
    here, elsewhere = new_address(), new_address()
    for address in (here, elsewhere):
        cache.delete(f"throttle_signup_{address}")
    form = {"username": "", "email": "not an address", "password1": "x", "password2": "y"}
    for _ in range(3):
        assert Client().post("/accounts/signup/", form, REMOTE_ADDR=here).status_code != 429
    refused = Client().post("/accounts/signup/", form, REMOTE_ADDR=here)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert b"Too many sign-ups from your address" in refused.content
    # Reading the page is not a sign-up, and another address signs up as before.
    assert Client().get("/accounts/signup/", REMOTE_ADDR=here).status_code == 200
    signed_up = Client().post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a long new passphrase",
            "password2": "a long new passphrase",
        },
        REMOTE_ADDR=elsewhere,
    )
    assert signed_up.status_code == 302, signed_up.content[:500]
