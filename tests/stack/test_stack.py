"""The whole stack in real containers, used through nginx only (issue 5).

``scripts/stack-test.sh`` starts the engine and builds the images, then runs this module with
``-m stack -p no:django``: nothing here imports Django, everything goes through HTTP on the port
nginx publishes, or through ``docker compose`` for what an operator would type.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import re
import secrets
import ssl
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.stack.signing import signing_env

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
PROJECT = os.environ.get("STACK_PROJECT", "openpress-stack")
PORT = int(os.environ.get("STACK_HTTP_PORT", "18080"))
BASE = f"http://127.0.0.1:{PORT}"
# The TLS-terminating proxy in front of nginx (tests/stack/compose.tls.yml), as an ingress.
HTTPS_PORT = int(os.environ.get("STACK_HTTPS_PORT", "18443"))
HTTPS_BASE = f"https://127.0.0.1:{HTTPS_PORT}"
TLS_OVERRIDE = ROOT / "tests" / "stack" / "compose.tls.yml"
TLS_FRONT_IP = "10.213.87.250"  # compose.tls.yml; the only proxy nginx trusts in this stack
REPORT = os.environ.get("STACK_REPORT")
HEALTHY_WITHIN = 420  # seconds from `up` to every service healthy (2 shared cores, cold start)
ENCODED_WITHIN = 900  # seconds for an encode, restart of the long worker included
APP_SERVICES = ("web", "api", "celery-short", "celery-long", "celery-beat")
SERVICES = ("postgres", "redis", *APP_SERVICES, "nginx", "tls-front")
# The key of signed media links for this run: the test signs links of its own with it (an
# expired one), independently of the app's signer.
LINK_SECRET = secrets.token_hex(32)
LOGIN_FAILURE_LIMIT = 5
LOGIN_LOCKOUT_SECONDS = 30


def report(line: str) -> None:
    print(line)
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def wait_for(predicate, *, timeout: float, interval: float = 1.0, message: str):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class Compose:
    def __init__(self, env_file: Path):
        self.base = [
            "docker",
            "compose",
            "-f",
            str(ROOT / "docker-compose.yml"),
            "-f",
            str(TLS_OVERRIDE),
            "-p",
            PROJECT,
            "--env-file",
            str(env_file),
        ]

    def run(self, *args: str, check: bool = True, timeout: float = 600, **kw):
        proc = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, timeout=timeout, **kw
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return proc

    def states(self) -> dict[str, dict]:
        out = self.run("ps", "-a", "--format", "json").stdout.strip()
        rows = json.loads(out) if out.startswith("[") else [json.loads(x) for x in out.splitlines()]
        return {row["Service"]: row for row in rows}

    def all_healthy(self) -> bool:
        states = self.states()
        migrate = states.get("migrate", {})
        if migrate.get("State") == "exited" and migrate.get("ExitCode") != 0:
            raise AssertionError(f"migrate failed:\n{self.run('logs', 'migrate').stdout[-3000:]}")
        return migrate.get("State") == "exited" and all(
            states.get(name, {}).get("Health") == "healthy" for name in SERVICES
        )


FRONT_CONF = """\
# The stack test's TLS front (tests/stack/compose.tls.yml): ends TLS, passes everything on to
# nginx as an ingress controller does (X-Forwarded-For appended, X-Forwarded-Proto set).
worker_processes 1;
pid /tmp/nginx.pid;
events {
    worker_connections 256;
}
http {
    access_log /dev/stdout;
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    server {
        listen 8443 ssl;
        ssl_certificate /front/cert.pem;
        ssl_certificate_key /front/key.pem;
        client_max_body_size 0;
        location / {
            proxy_pass http://nginx:8080;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # nginx behind buffers the body (on disk); this one streams it.
            proxy_request_buffering off;
            proxy_read_timeout 300s;
        }
    }
    server {
        listen 8080;
        location = /nginx-health {
            return 200 "ok\\n";
        }
    }
}
"""


def tls_front_files(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1, made now, and the front's configuration; readable
    by the front's user (10101). Returns the certificate, which the test's client trusts."""
    folder.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    (folder / "nginx.conf").write_text(FRONT_CONF)
    folder.chmod(0o755)
    for name in ("key.pem", "cert.pem", "nginx.conf"):
        (folder / name).chmod(0o644)  # a throw-away key for this run only
    return folder / "cert.pem"


TLS_CONTEXT: ssl.SSLContext | None = None


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    global TLS_CONTEXT
    folder = tmp_path_factory.mktemp("stack")
    env_file = folder / "stack.env"
    TLS_CONTEXT = ssl.create_default_context(cafile=str(tls_front_files(folder / "tls")))
    # Throw-away secrets for this run only; hex, so they are safe inside DATABASE_URL.
    env_file.write_text(
        f"SECRET_KEY={secrets.token_hex(32)}\n"
        f"POSTGRES_PASSWORD={secrets.token_hex(16)}\n"
        f"MEDIA_LINK_SECRET={LINK_SECRET}\n"
        f"REDIS_PASSWORD={secrets.token_hex(16)}\n"
        f"OPENPRESS_HTTP_PORT={PORT}\n"
        f"STACK_HTTPS_PORT={HTTPS_PORT}\n"
        f"STACK_TLS_DIR={folder / 'tls'}\n"
        # The TLS front is the only proxy whose forwarded headers nginx believes.
        f"TRUSTED_PROXY_RANGES={TLS_FRONT_IP}\n"
        # A small, short lockout, so the abuse test can watch one begin and end.
        f"LOGIN_FAILURE_LIMIT={LOGIN_FAILURE_LIMIT}\n"
        f"LOGIN_LOCKOUT_SECONDS={LOGIN_LOCKOUT_SECONDS}\n"
        # The encoder signs what it publishes; without a chain it would not start.
        + "".join(f"{k}={v}\n" for k, v in signing_env().items())
    )
    compose = Compose(env_file)
    compose.run("down", "-v", "--remove-orphans", check=False)
    started = time.monotonic()
    try:
        # --no-build: the driver built the images; `up` returns once nginx's dependencies are
        # healthy (inside the try: when it fails, the logs below say why).
        compose.run("up", "-d", "--no-build", timeout=HEALTHY_WITHIN)
        wait_for(compose.all_healthy, timeout=HEALTHY_WITHIN, interval=1, message="healthy stack")
        report(f"stack: up to all healthy in {time.monotonic() - started:.1f}s")
        yield compose
    finally:
        logs = compose.run("logs", "--no-color", "--tail", "60", check=False).stdout
        if REPORT:
            Path(REPORT).with_suffix(".logs").write_text(logs)
        compose.run("down", "-v", "--remove-orphans", check=False)


# --- HTTP through nginx ------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def http(
    method: str, path: str, *, token: str | None = None, json_body=None, data=None, headers=None
) -> Response:
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Token {token}"
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    url = path if path.startswith("http") else BASE + path
    assert url.startswith(BASE), url  # only ever nginx of the stack under test
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=120) as resp:  # noqa: S310
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.headers, exc.read())


def multipart(fields: dict[str, str], file_field: str, path: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{path.name}"\r\nContent-Type: video/mp4\r\n\r\n'.encode()
        + path.read_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def clip(tmp: Path, name: str, *, seconds: int, size: str) -> Path:
    out = tmp / name
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(out),
        ],
        check=True,
        timeout=300,
    )
    return out


def upload(token: str, path: Path, *, title: str, state: str) -> str:
    body, content_type = multipart({"title": title, "state": state}, "media_file", path)
    resp = http(
        "POST", "/api/v1/media", token=token, data=body, headers={"Content-Type": content_type}
    )
    assert resp.status == 201, (resp.status, resp.body[:500])
    return resp.json()["friendly_token"]


def detail(token: str | None, friendly_token: str) -> Response:
    return http("GET", f"/api/v1/media/{friendly_token}", token=token)


def first_segment(master_url: str, token: str | None = None) -> tuple[str, str]:
    """The URL of a variant playlist and of its first media segment, read from the playlists."""
    master = http("GET", master_url, token=token)
    assert master.status == 200, master.status
    variant = next(
        line for line in master.body.decode().splitlines() if line and not line.startswith("#")
    )
    variant_url = urllib.parse.urljoin(BASE + master_url, variant)
    playlist = http("GET", variant_url, token=token)
    assert playlist.status == 200, playlist.status
    segment = next(
        line for line in playlist.body.decode().splitlines() if line and not line.startswith("#")
    )
    return variant_url, urllib.parse.urljoin(variant_url, segment)


SIGNED = re.compile(
    r"^/media/s/(?P<sig>[A-Za-z0-9_-]{22})/(?P<expires>[0-9]+)/"
    r"(?P<name>(?P<scope>encoded/[0-9a-f]{32}/|original/[0-9a-f]{2}/[0-9a-f]{32}\.\w+$).*)$"
)


def signed_parts(url: str) -> re.Match:
    match = SIGNED.match(urllib.parse.urlsplit(url).path)
    assert match, f"not a signed media link: {url}"
    return match


def sign(scope: str, expires: int) -> str:
    """nginx's secure_link_md5 "$expires $scope $key", computed here on our own."""
    digest = hashlib.md5(f"{expires} {scope} {LINK_SECRET}".encode()).digest()  # noqa: S324
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# --- the test ------------------------------------------------------------------------------------


def test_stack_serves_uploads_encodes_and_hides_private_files(stack, tmp_path):
    assert http("GET", "/healthz").status == 200
    assert http("GET", "/readyz").status == 200
    deps = http("GET", "/healthz/dependencies")
    assert deps.status == 200 and deps.json()["checks"] == {"database": "ok", "redis": "ok"}
    assert http("GET", "/").status == 200
    static = re.search(rb'src="(/static/[^"]+\.js)"', http("GET", "/").body)
    assert static, "the home page names its script bundle"
    assert http("GET", static.group(1).decode()).status == 200
    # A traversal attempt never reaches a file.
    assert http("GET", "/static/%2e%2e/%2e%2e/etc/passwd").status == 400

    # An admin made with the command an operator would use, then a user made by that admin
    # through the API, verified as a journalist on the command line.
    admin_password = secrets.token_urlsafe(18)
    stack.run(
        "exec",
        "-T",
        "-e",
        "OPENPRESS_ADMIN_USER=stackadmin",
        "-e",
        f"OPENPRESS_ADMIN_PASSWORD={admin_password}",
        "api",
        "/app/docker/entrypoint.sh",
        "manage",
        "create_admin_if_missing",
    )
    login = http(
        "POST", "/api/v1/login", json_body={"username": "stackadmin", "password": admin_password}
    )
    assert login.status == 200, login.body
    admin = login.json()["token"]
    password = secrets.token_urlsafe(18)
    created = http(
        "POST",
        "/api/v1/users",
        token=admin,
        json_body={"username": "reporter", "password": password, "email": "reporter@example.org"},
    )
    assert created.status == 201, created.body
    out = stack.run(
        "exec",
        "-T",
        "api",
        "/app/docker/entrypoint.sh",
        "manage",
        "verify_journalist",
        "reporter",
        "--outlet",
        "Stack Gazette",
    ).stdout
    assert "verified journalist" in out
    token = http(
        "POST", "/api/v1/login", json_body={"username": "reporter", "password": password}
    ).json()["token"]
    assert http("GET", "/api/v1/whoami", token=token).json()["is_verified_journalist"] is True

    # A public upload long enough to be mid-encode when the long worker is restarted.
    long_clip = clip(tmp_path, "long.mp4", seconds=40, size="1280x720")
    public = upload(token, long_clip, title="Stack public", state="public")

    def mid_ladder():
        d = detail(token, public).json()
        # Early publishing: the master playlist exists while ffmpeg is still encoding the ladder.
        return d["encoding_status"] == "success" or (
            d["encoding_status"] == "running" and (d.get("hls_info") or {}).get("master_file")
        )

    wait_for(mid_ladder, timeout=300, interval=0.5, message="the ladder to be under way")
    restarted = time.monotonic()
    stack.run("restart", "celery-long")
    report(f"stack: celery-long restarted mid-encode in {time.monotonic() - restarted:.1f}s")
    assert detail(token, public).json()["encoding_status"] != "success", (
        "the encode finished before the restart: the clip is too short to prove anything"
    )
    finished = wait_for(
        lambda: (d := detail(token, public).json())["encoding_status"] in ("success", "fail") and d,
        timeout=ENCODED_WITHIN,
        interval=2,
        message="the encode to finish after the restart",
    )
    assert finished["encoding_status"] == "success", finished.get("encoding_fail_reason")
    # The restart interrupted a task: the same task id was received before and after it.
    received = re.findall(
        r"Task (encoding\.\w+)\[([0-9a-f-]+)\] received",
        stack.run("logs", "--no-color", "celery-long").stdout,
    )
    redelivered = {name for name in received if received.count(name) > 1}
    assert redelivered, f"no task was redelivered after the restart: {received}"
    report(f"stack: redelivered after the restart: {sorted(n for n, _ in redelivered)}")
    report(f"stack: encode finished {time.monotonic() - restarted:.1f}s after the restart")

    # Anyone may watch it: master playlist, a variant playlist and a segment, through nginx.
    anon = detail(None, public).json()
    master_url = anon["hls_info"]["master_file"]
    assert master_url.endswith("master.m3u8")
    _, segment_url = first_segment(master_url)
    segment = http("GET", segment_url)
    assert segment.status == 200 and len(segment.body) > 1000
    assert "immutable" in segment.headers["Cache-Control"]
    assert segment.headers["Cache-Control"].startswith("public")

    # A private upload: the API gives its owner signed links, which nginx checks by itself (no
    # cookie or token needed, no Python per segment); without the signature an anonymous client
    # and another user get nothing.
    small_clip = clip(tmp_path, "small.mp4", seconds=4, size="320x240")
    private = upload(token, small_clip, title="Stack private", state="private")
    done = wait_for(
        lambda: (
            (d := detail(token, private).json())["encoding_status"] in ("success", "fail") and d
        ),
        timeout=ENCODED_WITHIN,
        interval=1,
        message="the private encode",
    )
    assert done["encoding_status"] == "success", done.get("encoding_fail_reason")
    assert detail(None, private).status == 404
    other_password = secrets.token_urlsafe(18)
    assert (
        http(
            "POST",
            "/api/v1/users",
            token=admin,
            json_body={"username": "bystander", "password": other_password},
        ).status
        == 201
    )
    other = http(
        "POST", "/api/v1/login", json_body={"username": "bystander", "password": other_password}
    ).json()["token"]
    assert detail(other, private).status == 404

    p_master = done["hls_info"]["master_file"]
    p_variant, p_segment = first_segment(p_master)  # relative URIs carry the signature on
    p_original = done["original_media_url"]
    for url in (p_master, p_variant, p_segment, p_original):
        signed = signed_parts(url)
        got = http("GET", url)
        assert got.status == 200, (url, got.status)
        assert got.headers["Cache-Control"].startswith("private"), got.headers["Cache-Control"]
        unsigned = f"/media/{signed['name']}"
        for who in (None, other):
            refused = http("GET", unsigned, token=who)
            assert refused.status == 404, (unsigned, who, refused.status)
            assert refused.body.find(b"ftyp") == -1
    assert http("GET", p_segment, headers={"Range": "bytes=0-99"}).status == 206
    # The owner's old unsigned URL still works (the auth_request gate, asked each time).
    assert http("GET", f"/media/{signed_parts(p_master)['name']}", token=token).status == 200

    # Tampered with, stretched, or expired: refused by nginx alone.
    m = signed_parts(p_segment)
    tampered = f"/media/s/{'A' if m['sig'][0] != 'A' else 'B'}{m['sig'][1:]}/{m['expires']}/"
    assert http("GET", tampered + m["name"]).status == 403
    stretched = f"/media/s/{m['sig']}/{int(m['expires']) + 86400}/{m['name']}"
    assert http("GET", stretched).status == 403
    past = int(time.time()) - 60
    expired = http("GET", f"/media/s/{sign(m['scope'], past)}/{past}/{m['name']}")
    assert expired.status == 410 and expired.body.find(b"ftyp") == -1
    # The signature we computed is nginx's: the same link with a future expiry works.
    future = int(time.time()) + 600
    assert http("GET", f"/media/s/{sign(m['scope'], future)}/{future}/{m['name']}").status == 200

    # An admin is given signed links as well.
    admin_master = detail(admin, private).json()["hls_info"]["master_file"]
    assert signed_parts(admin_master) and http("GET", admin_master).status == 200
    report(f"stack: private media served by signed links only: {p_master}")


# --- nginx to uWSGI: every request gets an answer -----------------------------------------------


def test_stack_back_to_back_posts_never_get_a_502(stack):
    """Requests in quick succession each reach uWSGI: none is lost between nginx and uWSGI.

    nginx once kept a pool of connections to uWSGI, whose http-socket closes each connection
    after its answer; a request handed to a pooled connection as that close arrived was reset,
    and nginx answered 502 (about one POST in sixty here; a POST is never retried). It also
    threw off the throttle test below, whose lost request never counted.
    """
    statuses = [
        http("POST", "/api/v1/categories", json_body={"title": f"c{n}"}).status for n in range(300)
    ]
    assert not [s for s in statuses if s >= 500], statuses
    report(f"stack: 300 back-to-back POSTs through nginx, answers {sorted(set(statuses))}")


# --- abuse through nginx (issue 13, findings 3 and 4) ---------------------------------------------


def test_stack_abuse_spoofed_forwarded_for_and_the_login_lockout(stack):
    """A client that makes up X-Forwarded-For is still one client, for DRF's throttles and for
    the login lockout; the lockout holds through nginx on the API and HTTP Basic, and ends.

    Runs after the user story: it locks this machine's address out of logging in for
    LOGIN_LOCKOUT_SECONDS, and waits for that to end.
    """

    def spoofed(n: int) -> dict[str, str]:
        return {"X-Forwarded-For": f"192.0.2.{n % 250 + 1}"}

    # DRF: anonymous media actions, 60 a minute per client (checked before the media is looked
    # up). With a new made-up address each time, the 61st is still refused.
    answers = [
        http(
            "POST",
            "/api/v1/media/nosuchmedia/actions",
            json_body={"type": "like"},
            headers=spoofed(n),
        )
        for n in range(62)
    ]
    statuses = [a.status for a in answers]
    assert 429 in statuses, statuses
    first = statuses.index(429)
    assert first <= 60, statuses
    assert int(answers[first].headers["Retry-After"]) >= 1
    report(f"stack: spoofed X-Forwarded-For: action throttle refused request {first + 1}")

    # An account of our own, made the way an operator would.
    password = secrets.token_urlsafe(18)
    stack.run(
        "exec",
        "-T",
        "api",
        "/app/docker/entrypoint.sh",
        "manage",
        "shell",
        "-c",
        "from media_app.models import User; "
        f"User.objects.create_user('abuse-target', 'abuse-target@example.org', '{password}')",
    )

    def login(username: str, secret: str, n: int) -> Response:
        return http(
            "POST",
            "/api/v1/login",
            json_body={"username": username, "password": secret},
            headers=spoofed(n),
        )

    # LOGIN_FAILURE_LIMIT failures on made-up names, each "from" another made-up address.
    for n in range(1, LOGIN_FAILURE_LIMIT + 1):
        failed = login(f"nobody-{n}", "wrong password", n)
        if n < LOGIN_FAILURE_LIMIT:
            assert failed.status == 400, (n, failed.status, failed.body[:300])
    assert failed.status == 429, failed.body[:300]
    assert 1 <= int(failed.headers["Retry-After"]) <= LOGIN_LOCKOUT_SECONDS
    assert "Try again in" in failed.json()["detail"]
    locked_at = time.monotonic()
    # The right password of a real account, from yet another made-up address: still refused,
    # on the login endpoint and through HTTP Basic.
    assert login("abuse-target", password, 100).status == 429
    basic = base64.b64encode(f"abuse-target:{password}".encode()).decode()
    whoami = http(
        "GET", "/api/v1/whoami", headers={"Authorization": f"Basic {basic}", **spoofed(101)}
    )
    assert whoami.status == 429 and whoami.headers["Retry-After"]
    report("stack: login lockout holds through nginx (API and Basic) against spoofed addresses")

    # It ends: asking again during the lockout does not extend it.
    opened = wait_for(
        lambda: (r := login("abuse-target", password, 102)).status == 200 and r,
        timeout=LOGIN_LOCKOUT_SECONDS + 60,
        interval=2,
        message="the login lockout to end",
    )
    assert opened.json()["username"] == "abuse-target"
    report(f"stack: lockout ended {time.monotonic() - locked_at:.0f}s after it began")


# --- behind a TLS-terminating proxy, and hardened containers (issue 12, points 3, 14, 19) --------


def https(method: str, path: str, *, token: str | None = None, data=None, headers=None) -> Response:
    """A request to the TLS front (compose.tls.yml), trusting this run's own certificate."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Token {token}"
    url = path if path.startswith("https://") else HTTPS_BASE + path
    assert url.startswith(HTTPS_BASE + "/"), url  # only ever the front of the stack under test
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=120, context=TLS_CONTEXT) as resp:  # noqa: S310
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.headers, exc.read())


def absolute_urls(value) -> list[str]:
    """Every absolute http(s) URL anywhere in a JSON answer."""
    if isinstance(value, dict):
        return [u for v in value.values() for u in absolute_urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in absolute_urls(v)]
    if isinstance(value, str) and re.match(r"(?i)^https?://", value):
        return [value]
    return []


def new_account(stack, username: str) -> str:
    """An account made the way an operator would, signed in; its API token."""
    password = secrets.token_urlsafe(18)
    stack.run(
        "exec",
        "-T",
        "api",
        "/app/docker/entrypoint.sh",
        "manage",
        "shell",
        "-c",
        "from media_app.models import User; "
        f"User.objects.create_superuser('{username}', '{username}@example.org', '{password}')",
    )
    login = http("POST", "/api/v1/login", json_body={"username": username, "password": password})
    assert login.status == 200, login.body[:300]
    return login.json()["token"]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_stack_over_https_a_tus_upload_follows_its_location_and_every_url_is_https(stack, tmp_path):
    """A client on https (the TLS front stands for the ingress) uploads with tus, following the
    Location it is given, and is handed https:// URLs only; a client that merely claims https
    straight to nginx is not believed, and nginx sees the real client's address once."""
    token = new_account(stack, "tls-uploader")
    data = clip(tmp_path, "tls.mp4", seconds=4, size="320x240").read_bytes()

    created = https(
        "POST",
        "/api/v1/uploads",
        token=token,
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(data)),
            "Upload-Metadata": f"filename {b64('tls.mp4')},title {b64('Over TLS')},"
            f"state {b64('public')}",
        },
    )
    assert created.status == 201, created.body[:300]
    location = created.headers["Location"]
    assert location.startswith(f"{HTTPS_BASE}/api/v1/uploads/"), location
    # Two PATCHes to the Location as given, as a tus client does (an http:// one would be
    # refused by the browser as mixed content, and by this client's assertion in https()).
    offset, media = 0, None
    for part in (data[: len(data) // 2], data[len(data) // 2 :]):
        sent = https(
            "PATCH",
            location,
            token=token,
            data=part,
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert sent.status == 204, (sent.status, sent.body[:300])
        offset = int(sent.headers["Upload-Offset"])
        media = sent.headers.get("Upload-Media") or media
    assert offset == len(data) and media, (offset, media)
    head = https("HEAD", location, token=token, headers={"Tus-Resumable": "1.0.0"})
    assert head.status == 200 and head.headers["Upload-Offset"] == str(len(data))

    done = wait_for(
        lambda: (
            (d := https("GET", f"/api/v1/media/{media}", token=token).json())["encoding_status"]
            in ("success", "fail")
            and d
        ),
        timeout=ENCODED_WITHIN,
        interval=1,
        message="the encode of the tus upload",
    )
    assert done["encoding_status"] == "success", done.get("encoding_fail_reason")

    # Every absolute URL the API hands this client is on https, at the front's address.
    answers = [
        done,
        https("GET", "/api/v1/media").json(),
        https("GET", f"/api/v1/media/{media}").json(),
        https("GET", "/api/v1/whoami", token=token).json(),
    ]
    urls = [u for answer in answers for u in absolute_urls(answer)]
    assert len(urls) >= 5, urls
    assert all(u.startswith(f"{HTTPS_BASE}/") for u in urls), urls
    assert https("GET", urllib.parse.urlsplit(done["api_url"]).path).status == 200
    report(f"stack: over https, tus upload and {len(urls)} API URLs, all https")

    # Straight to nginx (not a trusted proxy), a claim of https changes nothing.
    claimed = http(
        "GET", f"/api/v1/media/{media}", token=token, headers={"X-Forwarded-Proto": "https"}
    ).json()
    plain = absolute_urls(claimed)
    assert plain and all(u.startswith(f"{BASE}/") for u in plain), plain

    # The client's address: nginx resolves it once, to what the front saw, whatever the client
    # wrote in X-Forwarded-For itself.
    marker = uuid.uuid4().hex
    https("GET", f"/api/v1/media?marker={marker}", headers={"X-Forwarded-For": "192.0.2.77"})

    def address(service: str) -> str | None:
        for line in stack.run("logs", "--no-color", service).stdout.splitlines():
            if marker in line:
                return line.split("|", 1)[1].split()[0]
        return None

    front_saw = wait_for(lambda: address("tls-front"), timeout=30, message="the front's log")
    nginx_saw = wait_for(lambda: address("nginx"), timeout=30, message="nginx's log")
    assert nginx_saw == front_saw, (nginx_saw, front_saw)
    assert nginx_saw not in ("192.0.2.77", TLS_FRONT_IP), nginx_saw
    report(f"stack: client address through the front: {nginx_saw} (front at {TLS_FRONT_IP})")


def padded_clip(tmp: Path, name: str, megabytes: int) -> Path:
    """A small valid MP4 made about ``megabytes`` long by a trailing ``free`` box (which players
    and ffprobe skip): an upload as big as a real one, encoded in seconds."""
    path = clip(tmp, name, seconds=2, size="320x240")
    pad = megabytes * 1024 * 1024 - path.stat().st_size
    with path.open("ab") as fh:
        fh.write(struct.pack(">I", pad) + b"free")
        fh.write(b"\0" * (pad - 8))
    return path


UPLOADS_IN_A_ROW = 6


def test_stack_large_uploads_in_a_row_all_arrive(stack, tmp_path):
    """Several ~100 MB uploads in a row while other API requests come and go (players, probes):
    every one is accepted. uWSGI's post-buffering killed the worker about a second into such an
    upload whenever another thread of it finished a request (docker/uwsgi.ini)."""
    token = new_account(stack, "big-uploader")
    big = padded_clip(tmp_path, "big.mp4", 100)
    body, content_type = multipart({"title": "Big", "state": "private"}, "media_file", big)
    stop = threading.Event()
    small: list[int] = []

    def players():
        while not stop.is_set():
            small.append(http("GET", "/api/v1/media?page=1").status)
            time.sleep(0.01)

    # Four clients polling the API: every uWSGI worker keeps finishing small requests on its
    # other thread while an upload's body arrives (the window of the defect is a second or less).
    threads = [threading.Thread(target=players, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    results = []
    try:
        for _ in range(UPLOADS_IN_A_ROW):
            started = time.monotonic()
            resp = http(
                "POST",
                "/api/v1/media",
                token=token,
                data=body,
                headers={"Content-Type": content_type},
            )
            results.append((resp.status, round(time.monotonic() - started, 1)))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert [status for status, _ in results] == [201] * UPLOADS_IN_A_ROW, results
    assert small and set(small) == {200}, sorted(set(small))
    logs = stack.run("logs", "--no-color", "api").stdout
    assert "HARAKIRI" not in logs, logs[-2000:]
    report(
        f"stack: {UPLOADS_IN_A_ROW} uploads of {len(body) / 2**20:.0f} MB in a row, "
        f"{len(small)} small requests beside them: {results}"
    )

    # The same with the timing of the reported failure made certain: inside the api container,
    # bodies arriving at uWSGI over ~3 s each while a probe asks /healthz once a second (each
    # probe ending on the upload's worker used to leave the upload a deadline in 1970).
    proc = subprocess.run(
        [*stack.base, "exec", "-T", "api", "python", "-c", SLOW_UPLOADS, token],
        input=body,
        capture_output=True,
        timeout=600,
    )
    out = proc.stdout.decode(errors="replace")
    assert proc.returncode == 0, (out, proc.stderr.decode(errors="replace")[-2000:])
    assert "HARAKIRI" not in stack.run("logs", "--no-color", "api").stdout
    report(f"stack: slow uploads straight to uWSGI beside probes: {out.strip()}")


# Run by `python -c` in the api container, the multipart body on stdin, the token as argument:
# three uploads straight to uWSGI (127.0.0.1:9000), each body spread over ~3 s, while another
# thread asks /healthz once a second. Prints the statuses; exits 1 unless all were 201.
SLOW_UPLOADS = """
import http.client, sys, threading, time
body, token = sys.stdin.buffer.read(), sys.argv[1]
boundary = body[2:body.index(b"\\r\\n")].decode()
stop = threading.Event()
def probe():
    while not stop.is_set():
        try:
            c = http.client.HTTPConnection("127.0.0.1", 9000, timeout=10)
            c.request("GET", "/healthz", headers={"Host": "localhost"})
            c.getresponse().read()
            c.close()
        except OSError:
            pass
        stop.wait(1)
threading.Thread(target=probe, daemon=True).start()
statuses = []
for _ in range(3):
    c = http.client.HTTPConnection("127.0.0.1", 9000, timeout=300)
    try:
        c.putrequest("POST", "/api/v1/media", skip_host=True)
        c.putheader("Host", "localhost")
        c.putheader("Authorization", "Token " + token)
        c.putheader("Content-Type", "multipart/form-data; boundary=" + boundary)
        c.putheader("Content-Length", str(len(body)))
        c.endheaders()
        step = 1 << 20
        for i in range(0, len(body), step):
            c.send(body[i:i + step])
            time.sleep(3 / (len(body) / step))
        statuses.append(c.getresponse().status)
    except (OSError, http.client.HTTPException) as exc:
        statuses.append(type(exc).__name__)
    finally:
        c.close()
stop.set()
print(statuses)
sys.exit(0 if statuses == [201] * 3 else 1)
"""


def test_stack_runs_every_container_as_kubernetes_does(stack):
    """Our containers run as Kubernetes runs them (docker-compose.yml, from the topology):
    their own non-root user, a read-only root filesystem, no capability, no privilege
    escalation, CPU and memory limits; nginx as 10101 on 8080."""
    for service in (*APP_SERVICES, "nginx"):
        cid = stack.run("ps", "-q", service).stdout.strip()
        proc = subprocess.run(
            ["docker", "inspect", cid], capture_output=True, text=True, timeout=60, check=True
        )
        host = json.loads(proc.stdout)[0]["HostConfig"]
        assert host["ReadonlyRootfs"] is True, service
        assert host["CapDrop"] == ["ALL"] and not host.get("CapAdd"), service
        assert "no-new-privileges:true" in (host.get("SecurityOpt") or []), service
        assert host["Memory"] > 0 and host["NanoCpus"] > 0, service
        uid = stack.run("exec", "-T", service, "id", "-u").stdout.strip()
        assert uid == ("10101" if service == "nginx" else "10001"), (service, uid)
        wrote = stack.run("exec", "-T", service, "touch", "/written-at-runtime", check=False)
        assert wrote.returncode != 0, service
    published = stack.run("port", "nginx", "8080").stdout.strip()
    assert published.endswith(f":{PORT}"), published
    report("stack: app roles and nginx run non-root, read-only, no capabilities, with limits")


# --- a celery-long killed with SIGKILL mid-encode (issue 12, point 17) ---------------------------

LOST_WORKER_RESUMED_WITHIN = 120  # seconds from the kill to the encode started again elsewhere


def _run_of(master_url: str | None) -> str | None:
    match = re.search(r"/hls/([0-9a-f]+)/master\.m3u8", master_url or "")
    return match.group(1) if match else None


def test_stack_celery_long_killed_with_sigkill_mid_encode_resumes(stack, tmp_path):
    """``docker kill -s KILL`` of celery-long (main process, pool and ffmpeg at once): Redis keeps
    its message for the visibility timeout (6 h), so only the lapsed lease of the step brings the
    encode back (media_app/encoding/lease.py). docker kill counts as a manual stop, so the test
    starts the container again, as an operator (or Kubernetes) would."""
    admin_password = secrets.token_urlsafe(18)
    stack.run(
        "exec",
        "-T",
        "-e",
        f"DJANGO_SUPERUSER_PASSWORD={admin_password}",
        "api",
        "/app/docker/entrypoint.sh",
        "manage",
        "createsuperuser",
        "--noinput",
        "--username",
        "killadmin",
        "--email",
        "killadmin@example.org",
    )
    admin = http(
        "POST", "/api/v1/login", json_body={"username": "killadmin", "password": admin_password}
    ).json()["token"]
    password = secrets.token_urlsafe(18)
    made = http(
        "POST",
        "/api/v1/users",
        token=admin,
        json_body={"username": "killreporter", "password": password},
    )
    assert made.status == 201, made.body
    stack.run(
        "exec", "-T", "api", "/app/docker/entrypoint.sh", "manage", "verify_journalist",
        "killreporter", "--outlet", "Stack Gazette",
    )  # fmt: skip
    token = http(
        "POST", "/api/v1/login", json_body={"username": "killreporter", "password": password}
    ).json()["token"]
    media = upload(
        token, clip(tmp_path, "kill.mp4", seconds=60, size="1280x720"), title="Kill", state="public"
    )

    def mid_ladder():
        d = detail(token, media).json()
        assert d["encoding_status"] != "success", "the encode ended before the kill"
        master = (d.get("hls_info") or {}).get("master_file")
        return d["encoding_status"] == "running" and master

    first_run = _run_of(wait_for(mid_ladder, timeout=600, interval=0.5, message="the ladder"))
    assert first_run
    container = stack.run("ps", "-q", "celery-long").stdout.strip()
    subprocess.run(["docker", "kill", "-s", "KILL", container], check=True, timeout=60)
    killed, killed_at = time.monotonic(), time.time()
    assert stack.states()["celery-long"]["State"] == "exited"
    stack.run("start", "celery-long")  # docker kill is a manual stop: no restart policy applies
    report(f"stack: celery-long killed with SIGKILL mid-encode (run {first_run}), started again")

    seen: list[tuple[float, str, str | None]] = []

    def new_run():
        d = detail(token, media).json()
        run = _run_of((d.get("hls_info") or {}).get("master_file"))
        seen.append((time.monotonic() - killed, d["encoding_status"], run))
        return run not in (None, first_run) or d["encoding_status"] in ("success", "fail")

    wait_for(new_run, timeout=LOST_WORKER_RESUMED_WITHIN + 60, interval=1, message="a new run")
    # When the sweep started the encode again, by the log's clock (the same host's).
    swept = [
        line
        for line in stack.run("logs", "-t", "--no-color", "celery-short").stdout.splitlines()
        if "encoding started again" in line
    ]
    assert swept, "the sweep never started the encode again"
    stamp = re.search(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)", swept[0]).group(1)
    restarted_at = (
        datetime.datetime.fromisoformat(stamp[:26]).replace(tzinfo=datetime.UTC).timestamp()
        - killed_at
    )
    assert 0 < restarted_at <= LOST_WORKER_RESUMED_WITHIN, swept
    # The lost run's unfinished master was taken back once its worker was found gone.
    assert all(run != first_run for t, _, run in seen if t > restarted_at + 1), seen
    finished = wait_for(
        lambda: (d := detail(token, media).json())["encoding_status"] in ("success", "fail") and d,
        timeout=ENCODED_WITHIN,
        interval=2,
        message="the encode to finish after the kill",
    )
    assert finished["encoding_status"] == "success", finished.get("encoding_fail_reason")
    assert _run_of(finished["hls_info"]["master_file"]) not in (None, first_run)
    logs = stack.run("logs", "--no-color", "celery-short").stdout
    assert "worker lost" in logs and "encoding started again" in logs, logs[-3000:]
    report(
        f"stack: after SIGKILL the encode started again {restarted_at:.0f}s after the kill and "
        f"finished {time.monotonic() - killed:.0f}s after it"
    )


def test_stack_a_task_queued_when_redis_crashes_still_runs(stack, tmp_path):
    """Redis runs with its append-only file on a volume (topology.REDIS_SETTINGS): a task queued
    while no worker takes it survives ``docker kill -s KILL`` of Redis and runs once a worker
    is back (issue 12, point 18)."""
    admin_password = secrets.token_urlsafe(18)
    stack.run(
        "exec", "-T", "-e", f"DJANGO_SUPERUSER_PASSWORD={admin_password}", "api",
        "/app/docker/entrypoint.sh", "manage", "createsuperuser", "--noinput",
        "--username", "aofadmin", "--email", "aofadmin@example.org",
    )  # fmt: skip
    token = http(
        "POST", "/api/v1/login", json_body={"username": "aofadmin", "password": admin_password}
    ).json()["token"]

    def queued() -> int:
        out = stack.run("exec", "-T", "redis", "redis-cli", "llen", "long_tasks").stdout
        return int(out.strip() or 0)

    stack.run("stop", "celery-long")  # nobody takes the task: it waits in Redis
    try:
        media = upload(
            token, clip(tmp_path, "aof.mp4", seconds=4, size="640x360"), title="AOF", state="public"
        )
        wait_for(queued, timeout=60, interval=0.5, message="the encode task in long_tasks")
        time.sleep(2)  # appendfsync everysec: on disk within a second
        container = stack.run("ps", "-q", "redis").stdout.strip()
        subprocess.run(["docker", "kill", "-s", "KILL", container], check=True, timeout=60)
        assert stack.states()["redis"]["State"] == "exited"
        stack.run("start", "redis")  # docker kill is a manual stop: no restart policy applies
        wait_for(
            lambda: stack.states()["redis"].get("Health") == "healthy",
            timeout=120,
            message="redis healthy again",
        )
        assert queued() >= 1, "the queued task was lost with Redis"
    finally:
        stack.run("start", "celery-long")
    finished = wait_for(
        lambda: (d := detail(token, media).json())["encoding_status"] in ("success", "fail") and d,
        timeout=ENCODED_WITHIN,
        interval=2,
        message="the encode queued before Redis crashed",
    )
    assert finished["encoding_status"] == "success", finished.get("encoding_fail_reason")
    report("stack: a task queued before Redis was killed (SIGKILL) ran after its restart")


def test_stack_the_api_answers_while_redis_is_down(stack, tmp_path):
    """The cache is Redis; while it is stopped the API answers from PostgreSQL, at once
    (openpress/cache.py; issue 12, point 18: it answered 500 after about 10 s)."""
    admin_password = secrets.token_urlsafe(18)
    stack.run(
        "exec", "-T", "-e", f"DJANGO_SUPERUSER_PASSWORD={admin_password}", "api",
        "/app/docker/entrypoint.sh", "manage", "createsuperuser", "--noinput",
        "--username", "cacheadmin", "--email", "cacheadmin@example.org",
    )  # fmt: skip
    token = http(
        "POST", "/api/v1/login", json_body={"username": "cacheadmin", "password": admin_password}
    ).json()["token"]
    media = upload(
        token, clip(tmp_path, "cache.mp4", seconds=2, size="320x180"), title="Cache", state="public"
    )
    assert detail(None, media).status == 200  # cached for anonymous readers
    stack.run("stop", "redis")
    try:
        times = []
        for _ in range(5):
            started = time.monotonic()
            anonymous, signed_in = detail(None, media), detail(token, media)
            times.append(time.monotonic() - started)
            assert anonymous.status == 200, anonymous.body[:300]
            assert signed_in.status == 200, signed_in.body[:300]
            assert anonymous.json()["friendly_token"] == media
        assert http("GET", "/api/v1/media").status == 200
        assert max(times) < 3, times
        report(f"stack: with Redis stopped, two media details answered 200 in {max(times):.2f} s")
    finally:
        stack.run("start", "redis")
        wait_for(
            lambda: stack.states()["redis"].get("Health") == "healthy",
            timeout=120,
            message="redis healthy again",
        )
