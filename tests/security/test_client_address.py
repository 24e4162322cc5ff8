"""Finding 4: throttles keyed on a header the client controls.

The client's address is resolved once, from a configured number of trusted proxies
(``TRUSTED_PROXY_COUNT``, DRF's ``NUM_PROXIES``): a client that sends its own
``X-Forwarded-For`` does not become many clients, neither for DRF's throttles nor for the login
lockout nor for the sign-up throttle. The second half runs the project's nginx configuration
with a real nginx binary in front of a live Django: nginx replaces the client's header with the
address it resolved (``real_ip`` believes only the proxies of ``TRUSTED_PROXY_RANGES``).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from media_app.client_address import client_address
from tests.api._people import PASSWORD
from tests.docker.servers import NGINX, UWSGI, start_uwsgi_bridge
from tests.factories import MediaFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
NGINX_DIR = ROOT / "docker" / "nginx"
_addresses = itertools.count(1)


def new_address(prefix: str = "203.0.113") -> str:
    """A client address of its own (TEST-NET-3, RFC 5737), its throttle counters cleared."""
    address = f"{prefix}.{next(_addresses) % 250 + 1}"
    for scope in ("media_action_anon", "signup"):
        cache.delete(f"throttle_{scope}_{address}")
    return address


def behind_proxies(settings, count: int) -> None:
    """What TRUSTED_PROXY_COUNT sets at start-up (openpress/settings/base.py)."""
    settings.TRUSTED_PROXY_COUNT = count
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": count}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600


# --- one rule, everywhere ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "client"),
    [
        (0, "198.51.100.7", None, "198.51.100.7"),
        (0, "198.51.100.7", "1.2.3.4", "198.51.100.7"),  # no proxy: the header is the client's
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.2", "1.2.3.4, 5.6.7.8, 198.51.100.7", "198.51.100.7"),
        (2, "10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
    ],
)
def test_every_throttle_reads_the_same_client_address(settings, proxies, remote, forwarded, client):
    from allauth.core.internal.httpkit import get_client_ip

    behind_proxies(settings, proxies)
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **extra)
    assert client_address(request) == client
    assert BaseThrottle().get_ident(request) == client  # DRF's throttles
    assert get_client_ip(request) == client  # django-allauth's rate limits


def test_the_deployments_tell_django_it_is_behind_nginx():
    """compose and Kubernetes run every app role with TRUSTED_PROXY_COUNT=1, which becomes DRF's
    NUM_PROXIES and allauth's proxy count; nginx gets its trusted ranges as a knob."""
    from openpress.deployment.topology import OPENPRESS

    for role in OPENPRESS.app_roles:
        env = {e.name: e.value for e in role.env}
        if role.name == "nginx":
            assert "TRUSTED_PROXY_RANGES" in env
        else:
            assert env["TRUSTED_PROXY_COUNT"] == "1", role.name
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.REST_FRAMEWORK['NUM_PROXIES'], s.ALLAUTH_TRUSTED_PROXY_COUNT)",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "openpress.settings.test",
            "TRUSTED_PROXY_COUNT": "1",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert shown.stdout.split()[-2:] == ["1", "1"]


# --- Django: a spoofed X-Forwarded-For does not multiply throttles ------------------------------


def like(media, address: str, forwarded: str):
    return APIClient().post(
        f"/api/v1/media/{media.friendly_token}/actions",
        {"type": "like"},
        format="json",
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_a_spoofed_header_does_not_multiply_a_drf_throttle(settings, proxies):
    if proxies:  # else the settings as shipped: TRUSTED_PROXY_COUNT's default, no proxy
        behind_proxies(settings, proxies)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "media_action_anon": "3/minute",
        },
    }
    media = MediaFactory()
    proxy, client = new_address(), new_address()
    # Behind one proxy, the proxy appends the address it saw (the client's) to whatever the
    # client wrote; with none, the client talks to Django itself.
    peer, seen = (proxy, f", {client}") if proxies else (client, "")
    answers = [like(media, peer, f"192.0.2.{n}{seen}").status_code for n in range(1, 6)]
    assert 429 not in answers[:3] and answers[3:] == [429, 429], answers


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_a_spoofed_header_does_not_multiply_the_login_lockout(settings, proxies):
    if proxies:
        behind_proxies(settings, proxies)
    target = UserFactory()
    proxy, client = new_address(), new_address()
    peer, seen = (proxy, f", {client}") if proxies else (client, "")
    for n in range(1, 4):
        response = APIClient().post(
            "/api/v1/login",
            {"username": f"nobody-{n}", "password": "wrong"},
            REMOTE_ADDR=peer,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}{seen}",
        )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {client}
    locked = APIClient().post(
        "/api/v1/login",
        {"username": target.username, "password": PASSWORD},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99{seen}",
    )
    assert locked.status_code == 429


@pytest.mark.django_db
def test_a_spoofed_header_does_not_multiply_the_sign_up_throttle(settings):
    settings.SIGNUP_RATE = "2/hour"
    client = new_address()
    form = {"username": "", "email": "x", "password1": "a", "password2": "b"}
    answers = [
        Client()
        .post("/accounts/signup/", form, REMOTE_ADDR=client, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        .status_code
        for n in range(1, 4)
    ]
    assert answers[2] == 429 and 429 not in answers[:2], answers


# --- the real nginx in front of a live Django -------------------------------------------------

# What the nginx image's own nginx.conf provides around conf.d/default.conf.
MAIN_CONF = """{user}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{
    worker_connections 64;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    {temp}
    include {rendered};
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningNginx:
    def __init__(self, port: int):
        self.port = port

    def post_json(self, path: str, body: dict, headers: dict[str, str]):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request(
                "POST",
                path,
                body=json.dumps(body),
                headers={"Content-Type": "application/json", **headers},
            )
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def health(self) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/nginx-health")
            return conn.getresponse().status
        finally:
            conn.close()


@pytest.fixture
def start_nginx(tmp_path, live_server):
    """Start nginx with the project's configuration, rendered by the image's own start.sh with
    the given TRUSTED_PROXY_RANGES; only what belongs to the container (upstream hosts, folders,
    the port) is pointed at this machine."""
    procs: list[subprocess.Popen] = []

    def start(trusted_ranges: str = "") -> RunningNginx:
        work = tmp_path / f"nginx{len(procs)}"
        snippets = work / "openpress"
        snippets.mkdir(parents=True)
        rendered = work / "default.conf"
        env = {
            "PATH": os.environ["PATH"],
            "UPLOAD_MAX_SIZE": "1048576",
            "MEDIA_LINK_SECRET": django_settings.MEDIA_LINK_SECRET,
            "TRUSTED_PROXY_RANGES": trusted_ranges,
        }
        subprocess.run(
            [
                "sh",
                str(NGINX_DIR / "start.sh"),
                "--render",
                str(NGINX_DIR / "openpress.conf.template"),
                str(rendered),
            ],
            env=env,
            check=True,
            timeout=30,
        )
        # nginx speaks the uwsgi protocol to the image's uWSGI, which hands the request to the
        # live server (the test's settings).
        bridge = start_uwsgi_bridge(work / "uwsgi", urllib.parse.urlsplit(live_server.url).port)
        procs.append(bridge.proc)
        port, app = _free_port(), bridge.uwsgi_port
        media = f"{Path(django_settings.MEDIA_ROOT).resolve()}/"
        conf = rendered.read_text()
        for old, new in (
            ("server web:9001;", f"server 127.0.0.1:{app};"),
            ("server api:9001;", f"server 127.0.0.1:{app};"),
            ("listen 8080 default_server;", f"listen 127.0.0.1:{port} default_server;"),
            ("/var/cache/nginx/", f"{work}/cache/"),
            ("/usr/share/openpress/static/", f"{work}/static/"),
            ("/data/media/", media),
            ("/etc/nginx/openpress/", f"{snippets}/"),
        ):
            assert old in conf, f"{old!r} is no longer in the nginx configuration"
            conf = conf.replace(old, new)
        rendered.write_text(conf)
        for snippet in (NGINX_DIR / "snippets").glob("*.conf"):
            text = snippet.read_text().replace("/etc/nginx/openpress/", f"{snippets}/")
            (snippets / snippet.name).write_text(text.replace("/data/media/", media))
        (work / "cache").mkdir()
        main = work / "nginx.conf"
        user = "user root;" if os.geteuid() == 0 else ""
        temp = " ".join(
            f"{kind}_temp_path {work}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main.write_text(MAIN_CONF.format(user=user, work=work, temp=temp, rendered=rendered))
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(work), "-c", str(main)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert checked.returncode == 0, checked.stderr
        proc = subprocess.Popen(
            [NGINX, "-p", str(work), "-c", str(main), "-g", "daemon off;"], stderr=subprocess.PIPE
        )
        procs.append(proc)
        server = RunningNginx(port)
        deadline = time.monotonic() + 20
        while True:
            try:
                if server.health() == 200:
                    return server
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not answer within 20 s"
            time.sleep(0.05)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def forwarded_to_django():
    """Every X-Forwarded-For the live Django received (WSGI's environ at request start)."""
    from django.core.signals import request_started

    seen: list[str | None] = []

    def record(sender, environ=None, **_kwargs):
        if environ is not None and environ.get("PATH_INFO", "").startswith("/api/"):
            seen.append(environ.get("HTTP_X_FORWARDED_FOR"))

    request_started.connect(record, weak=False, dispatch_uid="test-forwarded-to-django")
    yield seen
    request_started.disconnect(dispatch_uid="test-forwarded-to-django")


def login_through(nginx: RunningNginx, username: str, password: str, forwarded: str | None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return nginx.post_json("/api/v1/login", {"username": username, "password": password}, headers)


needs_nginx = pytest.mark.skipif(
    NGINX is None or UWSGI is None,
    reason="nginx or uWSGI is not installed (CI installs both: .ci/run)",
)


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_nginx_at_the_edge_replaces_the_clients_forwarded_for(
    settings, start_nginx, forwarded_to_django
):
    behind_proxies(settings, 1)  # Django behind our nginx, as in compose and Kubernetes
    nginx = start_nginx("")
    target = UserFactory()
    for n in range(1, 4):
        status, headers, _ = login_through(nginx, f"nobody-{n}", "wrong", f"192.0.2.{n}")
    # Three made-up addresses were one client (this test, at 127.0.0.1): it is locked out.
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    # Django was handed nginx's view of the client, never the client's own claim.
    assert forwarded_to_django == ["127.0.0.1"] * 3
    status, _, _ = login_through(nginx, target.username, PASSWORD, "198.51.100.1")
    assert status == 429


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_nginx_believes_only_a_trusted_proxy_and_passes_one_address_on(
    settings, start_nginx, forwarded_to_django
):
    behind_proxies(settings, 1)
    # This test stands for a load balancer at 127.0.0.1 that appends the address it saw.
    nginx = start_nginx("127.0.0.1/32")
    target = UserFactory()
    # The client wrote 192.0.2.x itself; the balancer saw 198.51.100.20: that is the client.
    for n in range(1, 4):
        status, _, _ = login_through(nginx, f"nobody-{n}", "wrong", f"192.0.2.{n}, 198.51.100.20")
    assert status == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}
    assert forwarded_to_django == ["198.51.100.20"] * 3
    # Another client behind the same balancer is not that client.
    status, _, body = login_through(nginx, target.username, PASSWORD, "198.51.100.21")
    assert status == 200, body
