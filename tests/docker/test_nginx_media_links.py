"""docker/nginx/ run by a real nginx binary (no Docker): signed media links as the API hands them
out are checked by nginx itself; unsigned URLs are still gated by the app (a live Django server
answers nginx's ``auth_request``).

The configuration is rendered by the image's own ``start.sh --render``; only what belongs to the
container (upstream host names, folders, the port) is pointed at this machine. Skipped only when
no nginx is installed; CI installs it (.ci/run).

nginx is rendered in the test's storage mode. Filesystem mode (the tests marked ``filesystem``):
nginx serves the volume, checks signed links itself and asks Django's verdict for the rest. S3
mode (the suite's, or a test asking for ``s3_media``): start.sh includes snippets/media-s3.conf,
nginx hands /media/ and /stream/ to the app, and the bytes come from the bucket by presigned
URLs; the tests named ``..._in_s3_mode`` check the same guarantees that way.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media_app import delivery, storage
from media_app.models import Media
from media_app.services import signing
from tests import served
from tests.conftest import client_for
from tests.docker.servers import NGINX, UWSGI, start_uwsgi_bridge, stop
from tests.factories import MediaFactory, UserFactory

pytestmark = [
    pytest.mark.skipif(
        NGINX is None or UWSGI is None,
        reason="nginx or uWSGI is not installed (CI installs both: .ci/run)",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
NGINX_DIR = ROOT / "docker" / "nginx"
SEGMENT = b"\x00\x00\x00\x18ftypiso6" + bytes(range(256)) * 8
MASTER = (
    b"#EXTM3U\n#EXT-X-VERSION:7\n"
    b'#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=426x240,CODECS="avc1.64001e"\n'
    b"240/index.m3u8\n"
)
# The init segment's URI is a quoted string, as ffmpeg writes it (RFC 8216).
VARIANT = b'#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n'


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
    sendfile on;
    access_log off;
    {temp}
    include {rendered};
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is no longer in the nginx configuration: update this test"
    return text.replace(old, new)


class Nginx:
    def __init__(self, port: int):
        self.port = port

    def get(self, path: str, headers: dict[str, str] | None = None):
        """GET ``path`` exactly as written (no client-side normalisation of ``..``)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def open(self, path: str, headers: dict[str, str] | None = None) -> served.Served:
        """GET ``path`` and, where nginx answers with a redirect into the bucket (S3 mode),
        follow it as a browser does: the final answer (tests/served.py)."""
        status, found, body = self.get(path, headers)
        return served.follow(status, found, body, site=(status, found, body), sent=headers)


@pytest.fixture
def nginx(request, tmp_path, live_server):
    """nginx with the project's configuration, the app at live_server; media from MEDIA_ROOT,
    or in S3 mode (the suite's, or the test's ``s3_media``) handed to the app."""
    if "s3_media" in request.fixturenames:
        request.getfixturevalue("s3_media")  # before rendering: it decides the mode
    s3 = storage.s3_mode()
    work = tmp_path / "nginx"
    snippets = work / "openpress"
    snippets.mkdir(parents=True)
    rendered = work / "default.conf"
    env = {
        "PATH": os.environ["PATH"],
        "UPLOAD_MAX_SIZE": "1048576",
        "MEDIA_LINK_SECRET": settings.MEDIA_LINK_SECRET,
    }
    if s3:
        # What start.sh reads to choose snippets/media-s3.conf (the name is all it looks at).
        env["AWS_STORAGE_BUCKET_NAME"] = storage.bucket_name()
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
    # nginx speaks the uwsgi protocol to the image's uWSGI, which hands the request to the live
    # server (the test's settings, database and storage).
    bridge = start_uwsgi_bridge(tmp_path / "uwsgi", urllib.parse.urlsplit(live_server.url).port)
    request.addfinalizer(lambda: stop(bridge.proc))
    port, app = _free_port(), bridge.uwsgi_port
    media = f"{Path(settings.MEDIA_ROOT).resolve()}/"
    conf = rendered.read_text()
    assert settings.MEDIA_LINK_SECRET in conf and "@" not in conf.split("server {")[0]
    assert f"openpress/media-{'s3' if s3 else 'filesystem'}.conf;" in conf
    for old, new in (
        ("server web:9001;", f"server 127.0.0.1:{app};"),
        ("server api:9001;", f"server 127.0.0.1:{app};"),
        ("listen 8080 default_server;", f"listen 127.0.0.1:{port} default_server;"),
        ("/var/cache/nginx/", f"{work}/cache/"),
        ("/usr/share/openpress/static/", f"{work}/static/"),
        ("/data/media/", media),
        ("/etc/nginx/openpress/", f"{snippets}/"),
    ):
        conf = _replace(conf, old, new)
    rendered.write_text(conf)
    for snippet in (NGINX_DIR / "snippets").glob("*.conf"):
        text = snippet.read_text().replace("/etc/nginx/openpress/", f"{snippets}/")
        (snippets / snippet.name).write_text(text.replace("/data/media/", media))
    (work / "cache").mkdir()  # start.sh makes /var/cache/nginx
    main = work / "nginx.conf"
    # As root, nginx's workers would switch to "nobody", who cannot read pytest's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {work}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main.write_text(MAIN_CONF.format(user=user, work=work, temp=temp, rendered=rendered))
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(work), "-c", str(main)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(
        [NGINX, "-p", str(work), "-c", str(main), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    server = Nginx(port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if server.get("/nginx-health")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not answer within 20 s"
            time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _hls_media(**kwargs) -> Media:
    """A media with an original and a published HLS tree, named as the services name them."""
    media = MediaFactory(**kwargs)
    uid = media.uid.hex
    original = f"original/{uid[:2]}/{uid}.mp4"
    base = f"encoded/{uid}/hls/run1"
    for name, data in (
        (original, SEGMENT),
        (f"{base}/master.m3u8", MASTER),
        (f"{base}/240/index.m3u8", VARIANT),
        (f"{base}/240/init.mp4", SEGMENT[:24]),
        (f"{base}/240/seg_00001.m4s", SEGMENT),
        (f"encoded/{uid}/poster.jpg", b"\xff\xd8\xff not really a jpeg"),
    ):
        default_storage.save(name, ContentFile(data))
    Media.objects.filter(pk=media.pk).update(
        media_file=original, hls_file=f"{base}/master.m3u8", poster=f"encoded/{uid}/poster.jpg"
    )
    media.refresh_from_db()
    return media


# nginx's signed links and relative playlists over the volume; S3 mode: the test after this one.
@pytest.mark.filesystem
def test_the_owner_plays_a_private_media_through_nginx_with_the_links_the_api_gives(nginx):
    owner = UserFactory()
    media = _hls_media(user=owner, state=Media.State.PRIVATE, is_reviewed=False)
    detail = client_for(owner).get(f"/api/v1/media/{media.friendly_token}").json()
    master = detail["hls_info"]["master_file"]
    assert master.startswith("/media/s/")

    # No cookie, no token: the signature is all nginx needs, and it does not ask Django.
    status, headers, body = nginx.get(master)
    assert (status, body) == (200, MASTER)
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers["Cache-Control"] == "private, no-cache"
    # The playlists name their files relatively: the signature carries on.
    variant = urllib.parse.urljoin(master, "240/index.m3u8")
    assert nginx.get(variant)[0] == 200
    segment = urllib.parse.urljoin(variant, "seg_00001.m4s")
    status, headers, body = nginx.get(segment)
    assert (status, body) == (200, SEGMENT)
    assert headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = nginx.get(segment, {"Range": "bytes=4-11"})
    assert (status, body) == (206, SEGMENT[4:12])
    assert headers["Content-Range"] == f"bytes 4-11/{len(SEGMENT)}"
    # The original lives elsewhere and has a signature of its own.
    status, headers, body = nginx.get(detail["original_media_url"])
    assert (status, body) == (200, SEGMENT)
    assert headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert nginx.get(detail["poster_url"])[0] == 200

    # Without the signature the same files are refused to an anonymous visitor (Django's
    # verdict through auth_request), answered like a missing file.
    unsigned = "/media/" + segment.split("/", 5)[5]
    assert unsigned.startswith(f"/media/encoded/{media.uid.hex}/")
    status, _, body = nginx.get(unsigned)
    assert status == 404 and SEGMENT not in body


def _uris(playlist: bytes) -> list[str]:
    """What a playlist names: the init segment (EXT-X-MAP) first, then its URI lines."""
    lines = playlist.decode().splitlines()
    maps = [ln.split('URI="', 1)[1].split('"', 1)[0] for ln in lines if ln.startswith("#EXT-X-MAP")]
    return maps + [ln for ln in lines if ln and not ln.startswith("#")]


def test_the_owner_plays_a_private_media_through_nginx_in_s3_mode(s3_media, nginx):
    owner = UserFactory()
    media = _hls_media(user=owner, state=Media.State.PRIVATE, is_reviewed=False)
    detail = client_for(owner).get(f"/api/v1/media/{media.friendly_token}").json()
    master = detail["hls_info"]["master_file"]
    assert master.startswith("/stream/s/")

    # No cookie, no token: the signature opens the playlists, which the app behind nginx
    # rewrites with presigned URLs that die with the link.
    status, headers, body = nginx.get(master)
    assert status == 200, body
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers["Cache-Control"] == "private, no-store"
    [variant] = _uris(body)
    assert variant.startswith("/stream/s/")
    status, _, body = nginx.get(variant)
    assert status == 200, body
    init, segment = _uris(body)
    # The init segment and the segment come from the bucket, by plain HTTP.
    assert served.in_bucket(init) and served.in_bucket(segment)
    status, _, data = served.fetch(init)
    assert (status, data) == (200, SEGMENT[:24])
    status, headers, data = served.fetch(segment)
    assert (status, data) == (200, SEGMENT)
    assert headers["Cache-Control"] == "private"
    status, headers, data = served.fetch(segment, {"Range": "bytes=4-11"})
    assert (status, data) == (206, SEGMENT[4:12])
    assert headers["Content-Range"] == f"bytes 4-11/{len(SEGMENT)}"
    # The original (a download) and the poster: presigned objects of their own.
    status, headers, data = served.fetch(detail["original_media_url"])
    assert (status, data) == (200, SEGMENT)
    assert headers["Content-Disposition"] == "attachment"
    assert served.fetch(detail["poster_url"])[0] == 200

    # Without the signature, through nginx, the same files are refused to an anonymous visitor
    # (404, never a redirect into the bucket), and the bucket refuses the bare key.
    name = f"{media.hls_file.rsplit('/', 1)[0]}/240/seg_00001.m4s"
    for path in (f"/media/{name}", f"/media/{media.hls_file}", f"/stream/{media.hls_file}"):
        status, headers, data = nginx.get(path)
        assert status == 404 and "Location" not in headers and SEGMENT not in data, path
    assert served.fetch(segment.split("?", 1)[0])[0] == 403


def test_tampered_foreign_and_expired_links_are_refused(nginx):
    private = _hls_media(state=Media.State.PRIVATE)
    other = _hls_media(state=Media.State.PRIVATE)
    name = private.hls_file
    good = "/media/" + signing.signed_name(name)
    assert nginx.get(good)[0] == 200

    _, sig, expires, rest = good.split("/", 5)[2:]
    # The first character: all six of its bits count (the last one carries two, and nginx's
    # decoder ignores the other four).
    tampered = f"/media/s/{'A' if sig[0] != 'A' else 'B'}{sig[1:]}/{expires}/{rest}"
    assert nginx.get(tampered)[0] == 403
    longer = f"/media/s/{sig}/{int(expires) + 3600}/{rest}"
    assert nginx.get(longer)[0] == 403
    # A signature is for one media's folder: it opens no other media's files.
    foreign = f"/media/s/{sig}/{expires}/{other.hls_file}"
    assert nginx.get(foreign)[0] == 403
    # An honest signature whose time has passed.
    past = int(time.time()) - 10
    expired = f"/media/s/{signing.link_signature(scope=signing.link_scope(name), expires=past)}"
    status, _, body = nginx.get(f"{expired}/{past}/{name}")
    assert status == 410 and MASTER not in body
    # Nothing else is served under /media/s/: nginx's own 404 over the volume; in S3 mode the
    # app, behind nginx, finds no link it signed (403).
    refused = 403 if storage.s3_mode() else 404
    assert nginx.get(f"/media/s/{sig}/{expires}/userlogos/a.png")[0] == refused
    assert nginx.get(f"/media/s/{sig}/{expires}/uploads/spool/x.bin")[0] == refused


def test_a_signed_folder_is_no_ladder_into_another_one(nginx):
    private = _hls_media(state=Media.State.PRIVATE)
    other = _hls_media(state=Media.State.PRIVATE)
    good = "/media/" + signing.signed_name(private.hls_file)
    prefix = good.split("/encoded/")[0]
    climb = f"{prefix}/encoded/{private.uid.hex}/../{other.uid.hex}/hls/run1/master.m3u8"
    assert nginx.get(climb)[0] == 400
    encoded = f"{prefix}/encoded/{private.uid.hex}/%2e%2e/{other.uid.hex}/hls/run1/master.m3u8"
    assert nginx.get(encoded)[0] == 400
    slash = f"{prefix}/encoded/{private.uid.hex}/hls%2frun1/master.m3u8"
    assert nginx.get(slash)[0] == 400


# The /media/ form and nginx's headers over the volume; S3 mode: the test after this one.
@pytest.mark.filesystem
def test_public_media_stay_unsigned_and_cacheable_by_anyone(nginx):
    public = _hls_media()
    detail = client_for(None).get(f"/api/v1/media/{public.friendly_token}").json()
    master = detail["hls_info"]["master_file"]
    assert master == f"/media/{public.hls_file}"
    status, headers, body = nginx.get(master)
    assert (status, body) == (200, MASTER)
    assert headers["Cache-Control"] == "public, no-cache"


def test_public_media_stay_unsigned_and_cacheable_by_anyone_in_s3_mode(s3_media, nginx):
    public = _hls_media()
    detail = client_for(None).get(f"/api/v1/media/{public.friendly_token}").json()
    master = detail["hls_info"]["master_file"]
    assert master == f"/stream/{public.hls_file}"
    status, headers, body = nginx.get(master)
    assert status == 200, body
    # Cacheable by anyone, and the same answer again within a step: caches keep working.
    assert headers["Cache-Control"] == f"public, max-age={delivery.public_step() // 4}"
    assert nginx.get(master)[2] == body
    [variant] = _uris(body)
    assert variant == f"/stream/{public.hls_file.rsplit('/', 1)[0]}/240/index.m3u8"
    status, _, body = nginx.get(variant)
    assert status == 200, body
    segment = _uris(body)[1]
    status, headers, data = served.fetch(segment)
    assert (status, data) == (200, SEGMENT)
    assert headers["Cache-Control"] == "public"


# Content Credentials of HLS renditions (issue 15, docs/provenance.md): the rendition playlist
# announces the detached manifest beside it; the master does not.
C2PA_LINK = '<manifest.c2pa>; rel="c2pa-manifest"'


def _with_sidecar(media: Media) -> str:
    folder = media.hls_file.rsplit("/", 1)[0] + "/240"
    default_storage.save(f"{folder}/manifest.c2pa", ContentFile(b"c2pa manifest store"))
    return folder


@pytest.mark.filesystem
def test_rendition_playlists_announce_their_c2pa_manifest(nginx):
    public = _hls_media()
    folder = _with_sidecar(public)
    status, headers, _ = nginx.get(f"/media/{folder}/index.m3u8")
    assert status == 200 and headers["Link"] == C2PA_LINK
    assert "Link" not in nginx.get(f"/media/{public.hls_file}")[1]
    status, headers, body = nginx.get(f"/media/{folder}/manifest.c2pa")
    assert (status, body) == (200, b"c2pa manifest store")
    assert headers["Content-Type"] == "application/c2pa"

    # A signed link (private media): the same header, the manifest reached relatively.
    owner = UserFactory()
    private = _hls_media(user=owner, state=Media.State.PRIVATE)
    _with_sidecar(private)
    master = client_for(owner).get(f"/api/v1/media/{private.friendly_token}").json()
    variant = urllib.parse.urljoin(master["hls_info"]["master_file"], "240/index.m3u8")
    status, headers, _ = nginx.get(variant)
    assert status == 200 and headers["Link"] == C2PA_LINK
    sidecar = urllib.parse.urljoin(variant, "manifest.c2pa")
    assert nginx.get(sidecar)[0] == 200


def test_rendition_playlists_announce_their_c2pa_manifest_in_s3_mode(s3_media, nginx):
    public = _hls_media()
    folder = _with_sidecar(public)
    status, headers, _ = nginx.get(f"/stream/{folder}/index.m3u8")
    assert status == 200
    link = headers["Link"]
    assert link.endswith('>; rel="c2pa-manifest"') and "manifest.c2pa" in link
    status, _, data = served.fetch(link[1 : link.index(">")])
    assert (status, data) == (200, b"c2pa manifest store")
    assert "Link" not in nginx.get(f"/stream/{public.hls_file}")[1]
