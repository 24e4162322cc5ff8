"""Finding 7, the file items: the media-access verdict endpoint answered the public; originals of
failed encodes stayed served; pages had no Content-Security-Policy and uploaded files could be
opened as documents of our origin; Redis had no password.

nginx runs from the real binary with the image's configuration (as in
tests/docker/test_nginx_media_links.py); the policy is tried in Debian's Chromium; Redis is a
real ``redis-server`` with a password, reached by a process running the production settings.

Both storage modes: files are stored through ``default_storage`` (MEDIA_ROOT, or the bucket) and
nginx is rendered in the test's mode (tests/docker/test_nginx_media_links.py). What a visitor
gets is the final answer (tests/served.py: in S3 mode the site redirects into the bucket). The
bucket cannot add ``Content-Security-Policy: sandbox`` (docs/security.md): in S3 mode user files
come from the bucket's origin, never the site's, and originals are downloads; the tests of the
sandbox headers themselves are marked ``filesystem``, their S3 counterpart follows them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from media_app import storage
from media_app.models import Media
from tests import served
from tests.conftest import client_for
from tests.docker.test_nginx_media_links import NGINX, nginx  # noqa: F401 (the fixture)
from tests.factories import MediaFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n" * 4
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (CI installs it: .ci/run)"
)


def _media(**kwargs) -> Media:
    """Media with an original and a poster on disk, named as the services name them."""
    media = MediaFactory(**kwargs)
    uid = media.uid.hex
    original = default_storage.save(f"original/{uid[:2]}/{uid}.pdf", ContentFile(ORIGINAL))
    poster = default_storage.save(f"encoded/{uid}/poster.jpg", ContentFile(b"\xff\xd8\xff jpg"))
    # Its owner confirmed publishing the original unchanged (issue 15: otherwise it is sealed,
    # served to its owner and editors only): these tests are about how it is served.
    Media.objects.filter(pk=media.pk).update(
        media_file=original, poster=poster, original_unchanged_confirmed_at=timezone.now()
    )
    media.refresh_from_db()
    return media


def _cookie(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"Cookie": f"{name}={client.cookies[name].value}"}


# --- a. the verdict endpoint is nginx's alone -------------------------------------------------


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_the_verdict_endpoint_is_404_from_outside_and_still_answers_nginx(nginx):  # noqa: F811
    media = _media()
    path = f"/media/{media.poster.name}"
    for headers in (
        {"X-Original-URI": path},
        # Saying one is the subrequest does not help: nginx answers before Django is asked.
        {"X-Original-URI": path, "X-OpenPress-Auth-Request": "1"},
    ):
        assert nginx.get("/internal/media-file-access", headers)[0] == 404, headers
    assert nginx.get("/internal/media-file-access/")[0] == 404
    assert nginx.get("/internal/")[0] == 404
    # The public poster is still served: nginx's own auth_request reaches the verdict
    # (filesystem mode); in S3 mode nginx hands /media/ to the app, which redirects to the bucket.
    assert nginx.open(path).status == 200


@pytest.mark.django_db
def test_django_gives_no_verdict_without_the_subrequest_header():
    media = _media()
    path = f"/media/{media.poster.name}"
    response = Client().get("/internal/media-file-access", HTTP_X_ORIGINAL_URI=path)
    assert response.status_code == 404
    response = Client().get(
        "/internal/media-file-access",
        HTTP_X_ORIGINAL_URI=path,
        HTTP_X_OPENPRESS_AUTH_REQUEST="1",
    )
    assert response.status_code == 204


def test_nginx_strips_the_subrequest_header_from_what_clients_send():
    # A uwsgi_param named HTTP_* stands for the client's header of that name, which nginx drops.
    passed = (ROOT / "docker/nginx/snippets/uwsgi.conf").read_text()
    assert re.search(r'^uwsgi_param HTTP_X_OPENPRESS_AUTH_REQUEST "";$', passed, re.M)
    template = (ROOT / "docker/nginx/openpress.conf.template").read_text()
    access = template.split("location = /_openpress/media-access {", 1)[1].split("}", 1)[0]
    assert "internal;" in access and 'uwsgi_param HTTP_X_OPENPRESS_AUTH_REQUEST "1";' in access


# --- b. originals of failed encodes ------------------------------------------------------------


@pytest.mark.django_db
def test_the_original_of_a_failed_encode_is_not_served_to_the_public():
    media = _media(encoding_status=Media.EncodingStatus.FAIL, encoding_fail_reason="not media")
    url = f"/media/{media.media_file.name}"
    stranger = Client()
    stranger.force_login(UserFactory())
    for client in (Client(), stranger):
        assert client.get(url).status_code == 404
    detail = client_for(None).get(f"/api/v1/media/{media.friendly_token}").json()
    assert detail["original_media_url"] is None
    owner = Client()
    owner.force_login(media.user)
    assert served.django_get(owner, url).status == 200
    assert (
        client_for(media.user)
        .get(f"/api/v1/media/{media.friendly_token}")
        .json()["original_media_url"]
    )


@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_nginx_refuses_the_original_of_a_failed_encode_to_the_public(nginx):  # noqa: F811
    media = _media(encoding_status=Media.EncodingStatus.FAIL)
    url = f"/media/{media.media_file.name}"
    status, _, body = nginx.get(url)
    assert status == 404 and ORIGINAL not in body
    assert nginx.get(url, _cookie(UserFactory()))[0] == 404
    assert nginx.open(url, _cookie(media.user)).status == 200


# --- c. Content-Security-Policy on pages, sandbox and attachment on user files ---------------

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.django_db
def test_pages_carry_a_strict_policy_and_no_inline_script():
    media = MediaFactory()
    for path in ("/", f"/view?m={media.friendly_token}", "/accounts/login/", "/search?q=x"):
        response = Client().get(path)
        assert response.status_code == 200, path
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"], path  # no nonce asked for, none given
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'self'"], path
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
        # Every <script> is a file of ours or a JSON data block (which never runs).
        assert not _INLINE_SCRIPT.search(response.content.decode()), path
    # The player may be framed by any site; the rest of the policy stays.
    embed = Client().get(f"/embed?m={media.friendly_token}")
    assert "frame-ancestors" not in _policy(embed) and "X-Frame-Options" not in embed
    assert _policy(embed)["script-src"] == ["'self'"]
    # JSON answers carry it too (a browser that opens one gets no room for script either).
    assert _policy(Client().get("/api/v1/media"))["default-src"] == ["'self'"]


@pytest.mark.filesystem  # the sandbox headers on files the site serves; S3: the test below
@pytest.mark.django_db
def test_user_files_from_djangos_media_view_are_sandboxed_and_originals_downloaded():
    media = _media()
    logo = default_storage.save("userlogos/a.png", ContentFile(b"\x89PNG\r\n\x1a\n logo"))
    for path, attachment in (
        (f"/media/{media.media_file.name}", True),
        (f"/media/{media.poster.name}", False),
        (f"/media/{logo}", False),
    ):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == "sandbox", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        disposition = response.get("Content-Disposition", "")
        assert disposition.startswith("attachment") is attachment, path


@pytest.mark.filesystem  # the sandbox headers on files nginx serves; S3: the test below
@needs_nginx
@pytest.mark.django_db(transaction=True)
def test_user_files_through_nginx_are_sandboxed_and_originals_downloaded(nginx):  # noqa: F811
    from media_app.services import signing

    media = _media()
    private = _media(state=Media.State.PRIVATE, requested_state=Media.State.PRIVATE)
    logo = default_storage.save("userlogos/b.png", ContentFile(b"\x89PNG\r\n\x1a\n logo"))
    for path, attachment in (
        (f"/media/{media.media_file.name}", True),
        (f"/media/{media.poster.name}", False),
        (f"/media/{logo}", False),
        ("/media/" + signing.signed_name(private.media_file.name), True),
        ("/media/" + signing.signed_name(private.poster.name), False),
    ):
        status, headers, _ = nginx.get(path)
        assert status == 200, path
        assert headers["Content-Security-Policy"] == "sandbox", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers.get("Content-Disposition") == ("attachment" if attachment else None), path


@pytest.mark.parametrize("through", ["django", pytest.param("nginx", marks=needs_nginx)])
@pytest.mark.django_db(transaction=True)
def test_user_files_in_s3_mode_come_from_the_buckets_origin_and_originals_downloaded(
    request, s3_media, through
):
    """S3 mode's answer to the same threat: the bucket cannot send ``sandbox``, so no user file
    is answered by the site itself, only by a redirect to the bucket's origin (an origin of its
    own, as docs/security.md asks of MEDIA_PUBLIC_BASE_URL too); the original, whatever was
    uploaded, comes back from there as a download."""
    from media_app.services import signing

    media = _media()
    private = _media(state=Media.State.PRIVATE, requested_state=Media.State.PRIVATE)
    logo = default_storage.save("userlogos/b.png", ContentFile(b"\x89PNG\r\n\x1a\n logo"))
    if through == "nginx":
        site = request.getfixturevalue("nginx")
        get = site.open
    else:
        client = Client()

        def get(path):
            return served.django_get(client, path)

    assert storage.s3_mode()
    for path, attachment, data in (
        (f"/media/{media.media_file.name}", True, ORIGINAL),
        (f"/media/{media.poster.name}", False, b"\xff\xd8\xff jpg"),
        (f"/media/{logo}", False, b"\x89PNG\r\n\x1a\n logo"),
        ("/media/" + signing.signed_name(private.media_file.name), True, ORIGINAL),
        ("/media/" + signing.signed_name(private.poster.name), False, b"\xff\xd8\xff jpg"),
    ):
        answer = get(path)
        # The site answered with a redirect into the bucket, not with the file.
        assert answer.url is not None and served.in_bucket(answer.url), path
        assert (answer.status, answer.body) == (200, data), path
        assert answer.headers.get("Content-Disposition") == (
            "attachment" if attachment else None
        ), path


def _hls_tree(media: Media, work: Path) -> None:
    """A short fMP4 HLS rendition made by ffmpeg, published as the encoder lays it out."""
    out = work / "240"
    out.mkdir(parents=True)
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
            "-c:a", "aac", "-shortest",
            "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", str(out / "seg_%05d.m4s"), str(out / "index.m3u8"),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    base = f"encoded/{media.uid.hex}/hls/run1"
    for path in out.iterdir():
        default_storage.save(f"{base}/240/{path.name}", ContentFile(path.read_bytes()))
    master = b"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x240\n"
    default_storage.save(f"{base}/master.m3u8", ContentFile(master + b"240/index.m3u8\n"))
    Media.objects.filter(pk=media.pk).update(hls_file=f"{base}/master.m3u8", duration=6)


# The Chromium test of the policy is tests/browser/test_csp.py (the browser fixtures are
# session-wide: one Playwright per run).


# --- d. Redis with a password -------------------------------------------------------------------


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_redis_requires_a_password_and_every_app_role_has_it():
    services = _compose()["services"]
    redis = services["redis"]
    assert "${REDIS_PASSWORD:?" in redis["environment"]["REDISCLI_AUTH"]
    command = " ".join(redis["command"])
    # The password of Redis's default user (no administrative commands: REDIS_CLIENT_ACL).
    assert "user default on >%s" in command and '"$$REDISCLI_AUTH"' in command
    for name, service in services.items():
        env = service.get("environment") or {}
        if "REDIS_URL" in env:
            assert "${REDIS_PASSWORD:?" in env["REDIS_PASSWORD"], name


def _documents(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((ROOT / "deploy/base" / name).read_text()) if d]


def test_kubernetes_redis_and_sentinels_require_the_password_from_the_secret():
    from openpress.deployment import kubernetes

    redis = next(d for d in _documents("redis.yaml") if d["kind"] == "StatefulSet")
    spec = redis["spec"]["template"]["spec"]
    for container in (*spec["initContainers"], *spec["containers"]):
        env = {e["name"]: e for e in container.get("env", [])}
        ref = env["REDISCLI_AUTH"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "openpress-secrets", "key": "REDIS_PASSWORD"}, container["name"]
    script = kubernetes.REDIS_INIT_SCRIPT.read_text()  # docker/redis-init.sh
    # Clients are Redis's and the Sentinels' default user with REDIS_PASSWORD; replication and
    # the Sentinels use their own users with REDIS_ADMIN_PASSWORD (tests/deploy/test_redis_init.py
    # runs them on real servers).
    for line in (
        'echo "user default on >$REDISCLI_AUTH ~* &* +@all -@admin"',
        'echo "masterauth $REDIS_ADMIN_PASSWORD"',
        'echo "sentinel sentinel-pass $REDIS_ADMIN_PASSWORD"',
        'echo "sentinel auth-pass $MASTER_NAME $REDIS_ADMIN_PASSWORD"',
        'echo "user default on >$REDISCLI_AUTH -@all +auth +hello +ping +client|setname" \\',
    ):
        assert line in script, line
    for name in ("web.yaml", "api.yaml", "celery-short.yaml", "celery-long.yaml"):
        app = next(d for d in _documents(name) if d["kind"] == "Deployment")
        env = {e["name"]: e for e in app["spec"]["template"]["spec"]["containers"][0]["env"]}
        ref = env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "openpress-secrets", "key": "REDIS_PASSWORD"}, name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_CLIENT = """
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from openpress.celery import app
cache.set("h5-probe", 7, 60)
assert cache.get("h5-probe") == 7
with app.connection_for_write() as conn:
    conn.ensure_connection(max_retries=1)
print("ok", flush=True)
"""


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_compose_redis_command_requires_the_password_and_the_app_gives_it(tmp_path):
    """compose's own redis command, run by a shell as the container would (the image's entrypoint
    stood in by one that runs its arguments), with /data in a temporary folder; then a process
    with the production settings uses it through REDIS_PASSWORD."""
    import redis

    port, password = _free_port(), "0123456789abcdef0123456789abcdef0123456789abcdef"
    command = _compose()["services"]["redis"]["command"]
    assert command[:2] == ["sh", "-c"]
    # compose turns $$ into $; /data is the container's.
    argv = [arg.replace("$$", "$").replace("/data/", f"{tmp_path}/") for arg in command]
    argv += ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path)]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker-entrypoint.sh").write_text('#!/bin/sh\nexec "$@"\n')
    (bin_dir / "docker-entrypoint.sh").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "REDISCLI_AUTH": password}
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis(port=port, password=password).ping()
                break
            except redis.ConnectionError:
                assert server.poll() is None, "redis-server stopped"
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port).ping()
        # Not on the command line, where `ps` on the host would show it; the file is private.
        cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes()
        assert password.encode() not in cmdline
        assert (tmp_path / "redis.conf").stat().st_mode & 0o077 == 0

        def run(**extra: str) -> subprocess.CompletedProcess:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "openpress.settings.production",
                "SECRET_KEY": "redis-password-test-only",
                "MEDIA_LINK_SECRET": "redis-password-test-only-media-link-secret",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "REDIS_URL": f"redis://127.0.0.1:{port}/3",
                "REDIS_SENTINELS": "",
                "CELERY_BROKER_URL": "",
                "CACHE_URL": "",
                "CELERY_RESULT_BACKEND": "",
                "PYTHONPATH": str(ROOT),
                **extra,
            }
            return subprocess.run(
                [sys.executable, "-c", _CLIENT],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )

        done = run(REDIS_PASSWORD=password)
        assert done.returncode == 0 and done.stdout.startswith("ok"), done.stderr
        assert redis.Redis(port=port, password=password, db=3).get(":1:h5-probe") == b"7"
        refused = run(REDIS_PASSWORD="")
        assert refused.returncode != 0
        assert "AuthenticationError" in refused.stderr, refused.stderr[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=10)
