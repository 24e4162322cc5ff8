"""docker/nginx/ run by a real nginx binary (no Docker): what nginx tells the app about the
client's scheme and address (issue 12, point 3).

Behind a TLS-terminating ingress, nginx itself is reached over http; the app must still learn
that the client is on https, or it builds http:// links (API URLs, the tus ``Location``) that an
https page refuses as mixed content. nginx believes ``X-Forwarded-Proto`` (and
``X-Forwarded-For``) only from the proxies of ``TRUSTED_PROXY_RANGES``, and hands the app one
scheme and one address. The upstream here is a small recorder of the headers it receives; the
configuration (the image's nginx.conf and the rendered template) is the image's own, with only
what belongs to the container (upstream hosts, folders, the port) pointed at this machine.
Skipped only when no nginx is installed; CI installs it (.ci/run).
"""

from __future__ import annotations

import http.client
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (CI installs it: .ci/run)"
)

ROOT = Path(__file__).resolve().parents[2]
NGINX_DIR = ROOT / "docker" / "nginx"
KEY = "0123456789abcdef" * 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is no longer in the nginx configuration: update this test"
    return text.replace(old, new)


class Recorder(http.server.ThreadingHTTPServer):
    """The app's place: records the headers of every request, answers 200 (the media-access
    verdict included, so auth_request lets the file request through to a 404)."""

    def __init__(self):
        self.seen: list[tuple[str, dict[str, str]]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                recorder.seen.append((self.path, dict(self.headers.items())))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.send_header("X-Media-Scope", "private")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def last(self, prefix: str) -> dict[str, str]:
        return [h for path, h in self.seen if path.startswith(prefix)][-1]


@pytest.fixture
def recorder():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def start_nginx(tmp_path, recorder):
    procs: list[subprocess.Popen] = []

    def start(trusted_ranges: str) -> int:
        work = tmp_path / f"nginx{len(procs)}"
        snippets = work / "openpress"
        snippets.mkdir(parents=True)
        rendered = work / "default.conf"
        subprocess.run(
            [
                "sh",
                str(NGINX_DIR / "start.sh"),
                "--render",
                str(NGINX_DIR / "openpress.conf.template"),
                str(rendered),
            ],
            env={
                "PATH": os.environ["PATH"],
                "MEDIA_LINK_SECRET": KEY,
                "TRUSTED_PROXY_RANGES": trusted_ranges,
            },
            check=True,
            timeout=30,
        )
        port, app = _free_port(), recorder.server_address[1]
        conf = rendered.read_text()
        for old, new in (
            ("server web:9000;", f"server 127.0.0.1:{app};"),
            ("server api:9000;", f"server 127.0.0.1:{app};"),
            ("listen 8080 default_server;", f"listen 127.0.0.1:{port} default_server;"),
            ("/var/cache/nginx/", f"{work}/cache/"),
            ("/usr/share/openpress/static/", f"{work}/static/"),
            ("/data/media/", f"{work}/media/"),
            ("/etc/nginx/openpress/", f"{snippets}/"),
        ):
            conf = _replace(conf, old, new)
        rendered.write_text(conf)
        for snippet in (NGINX_DIR / "snippets").glob("*.conf"):
            text = snippet.read_text().replace("/etc/nginx/openpress/", f"{snippets}/")
            (snippets / snippet.name).write_text(text.replace("/data/media/", f"{work}/media/"))
        (work / "cache").mkdir()
        # The image's own main configuration, its writable folders pointed at ours.
        main = (NGINX_DIR / "nginx.conf").read_text()
        for old, new in (
            ("pid /run/nginx.pid;", f"pid {work}/nginx.pid;"),
            ("/var/cache/nginx/", f"{work}/cache/"),
            ("include /etc/nginx/conf.d/*.conf;", f"include {rendered};"),
            ("access_log /dev/stdout;", "access_log off;"),
        ):
            main = _replace(main, old, new)
        if os.geteuid() == 0:  # as root, workers would switch to "nobody"
            main = "user root;\n" + main
        (work / "nginx.conf").write_text(main)
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(work), "-c", str(work / "nginx.conf")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert checked.returncode == 0, checked.stderr
        proc = subprocess.Popen(
            [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        deadline = time.monotonic() + 20
        while True:
            try:
                if get(port, "/nginx-health")[0] == 200:
                    return port
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not answer within 20 s"
            time.sleep(0.05)

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def proto_seen(recorder: Recorder, port: int, path: str, claim: str | None) -> str:
    headers = {"X-Forwarded-Proto": claim} if claim is not None else {}
    get(port, path, headers)
    return recorder.last(path)["X-Forwarded-Proto"]


@pytest.mark.parametrize("path", ["/api/v1/media", "/some/page"])
def test_a_trusted_proxy_says_https_and_the_app_hears_it(start_nginx, recorder, path):
    # This test stands for an ingress controller at 127.0.0.1 that ended TLS.
    port = start_nginx("127.0.0.1/32")
    assert proto_seen(recorder, port, path, "https") == "https"
    assert proto_seen(recorder, port, path, "HTTPS") == "https"
    # A chain of proxies: the first entry is the client's end.
    assert proto_seen(recorder, port, path, "https, http") == "https"
    assert proto_seen(recorder, port, path, "http") == "http"
    # Absent or nonsense: nginx's own scheme.
    assert proto_seen(recorder, port, path, None) == "http"
    assert proto_seen(recorder, port, path, "javascript") == "http"


def test_the_media_access_question_carries_the_scheme_too(start_nginx, recorder):
    port = start_nginx("127.0.0.1/32")
    uid = "0" * 32
    get(port, f"/media/encoded/{uid}/poster.jpg", {"X-Forwarded-Proto": "https"})
    assert recorder.last("/internal/media-file-access")["X-Forwarded-Proto"] == "https"


def test_anyone_else_cannot_claim_https(start_nginx, recorder):
    # nginx at the edge (compose), or a proxy not in the list: the claim is ignored.
    for ranges in ("", "192.0.2.0/24"):
        port = start_nginx(ranges)
        assert proto_seen(recorder, port, "/api/v1/media", "https") == "http"


def test_the_app_is_handed_one_address_the_real_clients(start_nginx, recorder):
    port = start_nginx("127.0.0.1/32")
    # The client wrote 192.0.2.9 itself; the trusted proxy saw 198.51.100.7: that is the client.
    get(port, "/api/v1/media", {"X-Forwarded-For": "192.0.2.9, 198.51.100.7"})
    assert recorder.last("/api/v1/media")["X-Forwarded-For"] == "198.51.100.7"
    untrusted = start_nginx("")
    get(untrusted, "/api/v1/media", {"X-Forwarded-For": "192.0.2.9"})
    assert recorder.last("/api/v1/media")["X-Forwarded-For"] == "127.0.0.1"
