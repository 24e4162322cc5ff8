"""Single sign-on (issue 13): OpenID Connect login through django-allauth, against a real
provider: django-oauth-toolkit in a second Django process on a free port, with its own
database, signing keys and one person. Every step of the authorization-code flow (with PKCE)
goes over HTTP: the client's redirects, the login at the provider, and OpenPress's own
server-to-server calls (discovery, token, keys, userinfo). Nothing is mocked.
"""

import base64
import os
import re
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pyotp
import pytest
import requests
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from media_app.models import User

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "openpress-newsroom"
CLIENT_SECRET = "a-client-secret-only-these-tests-know"
PERSON = {"username": "newsroom.reporter", "password": "idp passphrase 42"}
EMAIL = "reporter@newsroom.example"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, deadline_seconds: float = 60) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the identity provider exited: {process.stdout.read()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the identity provider did not answer {url} in time")


@pytest.fixture(scope="module")
def identity_provider(live_server, tmp_path_factory):
    """The provider's issuer URL, for a client whose redirect URI is OpenPress's callback."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.sso.provider_settings",
        "IDP_DB": str(tmp_path_factory.mktemp("idp") / "idp.sqlite3"),
        "IDP_RSA_KEY": pem,
        "IDP_CLIENT_ID": CLIENT_ID,
        "IDP_CLIENT_SECRET": CLIENT_SECRET,
        "IDP_REDIRECT_URI": f"{live_server.url}/accounts/oidc/oidc/login/callback/",
        "IDP_USER": PERSON["username"],
        "IDP_PASSWORD": PERSON["password"],
        "IDP_EMAIL": EMAIL,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso.run_provider", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        _wait_for(f"{issuer}/.well-known/openid-configuration", process)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def sso_on(settings, identity_provider):
    """OpenPress configured as OIDC_PROVIDER_URL & co. would configure it (settings/base.py)."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "oidc",
                    "name": "Newsroom sign-on",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"server_url": identity_provider, "oauth_pkce_enabled": True},
                }
            ]
        }
    }
    return identity_provider


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sso_login(base: str) -> tuple[requests.Session, requests.Response]:
    """A person clicks the sign-on button and signs in at the provider; returns where they end."""
    browser = requests.Session()
    login_page = browser.get(f"{base}/accounts/login/", timeout=10)
    link = re.search(r'href="([^"]*/accounts/oidc/oidc/login/[^"]*)"', login_page.text)
    assert link, "the login page has no single sign-on button"
    start = browser.get(base + unescape(link.group(1)), timeout=10)
    # allauth confirms with a POST (no login by a bare GET a third site could trigger).
    at_provider = browser.post(
        start.url, data={"csrfmiddlewaretoken": _csrf(start.text)}, timeout=10
    )
    assert at_provider.url.startswith("http://127.0.0.1:"), at_provider.url
    assert "code_challenge" in at_provider.url  # PKCE
    done = browser.post(
        at_provider.url,
        data={
            "csrfmiddlewaretoken": _csrf(at_provider.text),
            **PERSON,
            "next": unescape(re.search(r'name="next" value="([^"]*)"', at_provider.text)[1]),
        },
        headers={"Referer": at_provider.url},
        timeout=30,
    )
    return browser, done


def test_sign_on_creates_the_account_and_signs_in(live_server, sso_on):
    browser, done = sso_login(live_server.url)
    assert done.status_code == 200, [r.url for r in done.history]
    # A new account lands where every sign-up does: the page to ask for verification.
    assert done.url == f"{live_server.url}/verification", done.url
    me = browser.get(f"{live_server.url}/api/v1/whoami", timeout=10)
    assert me.status_code == 200
    assert me.json()["username"] == PERSON["username"]
    person = User.objects.get(username=PERSON["username"])
    assert person.email == EMAIL
    assert not person.holds_a_role  # sign-on grants no role
    assert SocialAccount.objects.filter(user=person, provider="oidc").count() == 1

    # Next time the same identity opens the same account.
    again, done = sso_login(live_server.url)
    assert done.url == f"{live_server.url}/", done.url
    assert (
        again.get(f"{live_server.url}/api/v1/whoami", timeout=10).json()["username"]
        == (PERSON["username"])
    )
    assert User.objects.filter(email=EMAIL).count() == 1


def test_sign_on_does_not_skip_the_second_factor(live_server, sso_on):
    browser, _ = sso_login(live_server.url)
    browser.post(
        f"{live_server.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        timeout=10,
    )
    person = User.objects.get(username=PERSON["username"])
    person.is_editor = True
    person.save()
    secret = base64.b32encode(b"the-reporters-phone!").decode()
    TOTP.activate(person, secret)

    browser, done = sso_login(live_server.url)
    assert done.url.startswith(f"{live_server.url}/accounts/2fa/authenticate/"), done.url
    assert browser.get(f"{live_server.url}/api/v1/whoami", timeout=10).status_code == 403
    signed_in = browser.post(
        done.url,
        data={"csrfmiddlewaretoken": _csrf(done.text), "code": pyotp.TOTP(secret).now()},
        timeout=10,
    )
    assert signed_in.url == f"{live_server.url}/"
    assert browser.get(f"{live_server.url}/api/v1/whoami", timeout=10).status_code == 200


def test_a_provider_claiming_a_members_email_does_not_open_that_account(live_server, sso_on):
    from tests.factories import UserFactory

    member = UserFactory(username="desk", email=EMAIL)
    browser, _ = sso_login(live_server.url)
    me = browser.get(f"{live_server.url}/api/v1/whoami", timeout=10)
    assert not (me.status_code == 200 and me.json()["username"] == member.username)
    assert not SocialAccount.objects.filter(user=member).exists()


def test_sign_on_is_off_unless_configured(live_server):
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/accounts/login/", timeout=10)
    assert page.status_code == 200
    assert "Single sign-on" not in page.text
    assert (
        browser.get(f"{live_server.url}/accounts/oidc/oidc/login/", timeout=10).status_code == 404
    )


def test_environment_variables_configure_the_provider():
    env = {
        **os.environ,
        "OIDC_PROVIDER_URL": "https://sso.newsroom.example/realms/staff",
        "OIDC_CLIENT_ID": "openpress",
        "OIDC_CLIENT_SECRET": "s3cret",
        "OIDC_PROVIDER_NAME": "Harbour Post sign-on",
    }
    code = (
        "from openpress.settings import base; "
        "print(base.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "'server_url': 'https://sso.newsroom.example/realms/staff'" in out
    assert "'client_id': 'openpress'" in out
    assert "Harbour Post sign-on" in out
    env.pop("OIDC_PROVIDER_URL")
    off = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert off.strip() == "[]"
