"""Two-factor authentication in a real Chromium: enrolling an authenticator app, logging in with
its code or a recovery code, a manager resetting someone's second factor, the forced enrolment
after the grace period, and a security key (passkey) through Chromium's virtual authenticator.

TOTP codes come from pyotp, computed from the secret the page shows, as a phone app would.
"""

import base64
import re
from datetime import timedelta

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def code(secret: str, periods_ahead: int = 0) -> str:
    """A phone app's code; one period ahead is still accepted (clock drift), and each code is
    accepted once, so a second login within 30 seconds uses the next period's."""
    return pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30 * periods_ahead))


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def password_step(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/authenticate/$"))


def second_step(page, base: str, value: str) -> None:
    page.get_by_label("Code").fill(value)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/")


def confirm_password_if_asked(page) -> None:
    """allauth asks for the password again before changing second factors."""
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()


def test_enrol_an_authenticator_app_then_log_in_with_a_code_and_a_recovery_code(
    live_server, new_page
):
    base = live_server.url
    editor = UserFactory(is_editor=True, role_granted_at=timezone.now())
    page = new_page()
    log_in(page, base, editor.username, PASSWORD)

    # Within the grace period: a banner with the deadline and a way to enrol.
    banner = page.get_by_role("status").filter(has_text="Your role needs two-factor")
    expect(banner).to_be_visible()
    deadline = (editor.role_granted_at + timedelta(days=7)).strftime("%Y-%m-%d")
    expect(banner).to_contain_text(deadline)
    banner.get_by_role("link", name="Set up two-factor authentication").click()
    page.wait_for_url(f"{base}/accounts/2fa/")
    page.locator("section", has_text="Authenticator App").get_by_role(
        "link", name="Activate"
    ).click()
    confirm_password_if_asked(page)
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")

    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    page.get_by_label("Authenticator code").fill(code(secret))
    page.get_by_role("button", name="Activate").click()

    # Recovery codes are shown next: keep them.
    page.wait_for_url(f"{base}/accounts/2fa/recovery-codes/")
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    assert Authenticator.objects.filter(user=editor, type="totp").exists()
    page.goto(f"{base}/")
    expect(page.get_by_text("Your role needs two-factor")).to_have_count(0)
    log_out(page)

    # The password alone no longer signs in: the code does.
    password_step(page, base, editor.username)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("alert")).to_contain_text("Incorrect code")
    second_step(page, base, code(secret, periods_ahead=1))
    expect(page.get_by_role("link", name=editor.username)).to_be_visible()
    log_out(page)

    # A lost phone: a recovery code stands in, once.
    password_step(page, base, editor.username)
    second_step(page, base, codes[0])
    log_out(page)
    password_step(page, base, editor.username)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("alert")).to_contain_text("Incorrect code")


def test_after_the_grace_period_every_page_leads_to_enrolment(live_server, new_page):
    base = live_server.url
    editor = UserFactory(is_editor=True, role_granted_at=timezone.now() - timedelta(days=8))
    page = new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"{base}/accounts/2fa/")
    expect(page.get_by_role("status")).to_contain_text("A second factor is required")
    for path in ("/upload", "/editor", "/my-media", "/"):
        page.goto(f"{base}{path}")
        assert page.url == f"{base}/accounts/2fa/", path
    # Enrolment itself stays open.
    page.locator("section", has_text="Authenticator App").get_by_role(
        "link", name="Activate"
    ).click()
    confirm_password_if_asked(page)
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(f"{base}/accounts/2fa/recovery-codes/")
    page.goto(f"{base}/upload")
    assert page.url == f"{base}/upload"


def test_a_manager_resets_a_lost_second_factor(live_server, new_page):
    base = live_server.url
    secret = base64.b32encode(b"a-managers-phone-key").decode()
    manager = UserFactory(is_manager=True, role_granted_at=timezone.now())
    TOTP.activate(manager, secret)
    RecoveryCodes.activate(manager)
    editor = UserFactory(is_editor=True, role_granted_at=timezone.now() - timedelta(days=30))
    TOTP.activate(editor, base64.b32encode(b"the-editors-lost-key").decode())

    boss = new_page()
    password_step(boss, base, manager.username)
    second_step(boss, base, code(secret))
    boss.get_by_role("link", name="People's second factors").click()
    row = boss.get_by_role("row", name=re.compile(editor.username))
    expect(row).to_contain_text("set up")
    row.get_by_role("button", name=f"Reset second factor of {editor.username}").click()
    expect(boss.get_by_role("status")).to_contain_text(f"Second factor of {editor.username} reset")
    assert not Authenticator.objects.filter(user=editor).exists()

    # The editor signs in with the password alone, straight into enrolment (grace is over).
    them = new_page()
    them.goto(f"{base}/accounts/login/")
    them.get_by_label("Username").fill(editor.username)
    them.get_by_label("Password").fill(PASSWORD)
    them.get_by_role("button", name="Log in", exact=True).click()
    them.wait_for_url(f"{base}/accounts/2fa/")


def _virtual_authenticator(page):
    """Chromium's virtual authenticator (DevTools WebAuthn domain): a platform key that
    verifies its user, so passkeys work without hardware."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_a_security_key_as_second_factor_and_as_passkey(live_server, new_page, settings):
    base = live_server.url
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # http://localhost: the live server
    journalist = UserFactory(is_verified_journalist=True, role_granted_at=timezone.now())
    page = new_page()
    _virtual_authenticator(page)
    log_in(page, base, journalist.username, PASSWORD)

    page.goto(f"{base}/accounts/2fa/")
    page.locator("section", has_text="Security Keys").get_by_role("link", name="Add").click()
    confirm_password_if_asked(page)
    page.wait_for_url(f"{base}/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(f"{base}/accounts/2fa/recovery-codes/")
    assert Authenticator.objects.filter(user=journalist, type="webauthn").count() == 1
    log_out(page)

    # Second factor after the password: the key answers.
    password_step(page, base, journalist.username)
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("link", name=journalist.username)).to_be_visible()
    log_out(page)

    # Passkey: no password at all.
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Use a passkey instead").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("link", name=journalist.username)).to_be_visible()
