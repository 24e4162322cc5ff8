"""The whole stack in real containers, used through nginx only (issue 5).

``scripts/stack-test.sh`` starts the engine and builds the images, then runs this module with
``-m stack -p no:django``: nothing here imports Django, everything goes through HTTP on the port
nginx publishes, or through ``docker compose`` for what an operator would type.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
PROJECT = os.environ.get("STACK_PROJECT", "openpress-stack")
PORT = int(os.environ.get("STACK_HTTP_PORT", "18080"))
BASE = f"http://127.0.0.1:{PORT}"
REPORT = os.environ.get("STACK_REPORT")
HEALTHY_WITHIN = 420  # seconds from `up` to every service healthy (2 shared cores, cold start)
ENCODED_WITHIN = 900  # seconds for an encode, restart of the long worker included
APP_SERVICES = ("web", "api", "celery-short", "celery-long", "celery-beat")
SERVICES = ("postgres", "redis", *APP_SERVICES, "nginx")
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


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    env_file = tmp_path_factory.mktemp("stack") / "stack.env"
    # Throw-away secrets for this run only; hex, so they are safe inside DATABASE_URL.
    env_file.write_text(
        f"SECRET_KEY={secrets.token_hex(32)}\n"
        f"POSTGRES_PASSWORD={secrets.token_hex(16)}\n"
        f"MEDIA_LINK_SECRET={LINK_SECRET}\n"
        f"REDIS_PASSWORD={secrets.token_hex(16)}\n"
        f"OPENPRESS_HTTP_PORT={PORT}\n"
        # A small, short lockout, so the abuse test can watch one begin and end.
        f"LOGIN_FAILURE_LIMIT={LOGIN_FAILURE_LIMIT}\n"
        f"LOGIN_LOCKOUT_SECONDS={LOGIN_LOCKOUT_SECONDS}\n"
    )
    compose = Compose(env_file)
    compose.run("down", "-v", "--remove-orphans", check=False)
    started = time.monotonic()
    # --no-build: the driver built the images; `up` returns once nginx's dependencies are healthy.
    compose.run("up", "-d", "--no-build", timeout=HEALTHY_WITHIN)
    try:
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
    ready = http("GET", "/readyz")
    assert ready.status == 200 and ready.json()["checks"] == {"database": "ok", "redis": "ok"}
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
