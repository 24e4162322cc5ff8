"""docker/nginx/ run by a real nginx binary (no Docker): what nginx tells the app about the
client's scheme and address (issue 12, point 3).

Behind a TLS-terminating ingress, nginx itself is reached over http; the app must still learn
that the client is on https, or it builds http:// links (API URLs, the tus ``Location``) that an
https page refuses as mixed content. nginx believes ``X-Forwarded-Proto`` (and
``X-Forwarded-For``) only from the proxies of ``TRUSTED_PROXY_RANGES``, and hands the app one
scheme and one address. The upstream here is a small recorder of the headers it receives; the
configuration (the image's nginx.conf and the rendered template) is the image's own, with only
what belongs to the container (upstream hosts, folders, the port) pointed at this machine, and
the image's uWSGI between them (servers.start_uwsgi_bridge: nginx speaks the uwsgi protocol).
Skipped only when no nginx is installed; CI installs it (.ci/run).
"""

from __future__ import annotations

import http.client
import http.server
import threading

import pytest

from tests.docker import servers
from tests.docker.servers import NGINX

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (CI installs it: .ci/run)"
)


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
    bridge = servers.start_uwsgi_bridge(tmp_path / "uwsgi", recorder.server_address[1])
    procs = [bridge.proc]

    def start(trusted_ranges: str) -> int:
        proc, port = servers.start_nginx(
            tmp_path / f"nginx{len(procs)}",
            upstream_port=bridge.uwsgi_port,
            trusted_ranges=trusted_ranges,
        )
        procs.append(proc)
        return port

    yield start
    for proc in procs:
        servers.stop(proc)


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


def test_only_nginx_itself_says_a_request_is_its_media_access_question(start_nginx, recorder):
    """A uwsgi_param named HTTP_* stands for a header: nginx must drop the client's own
    X-OpenPress-Auth-Request, or a client could ask Django for verdicts (docs/security.md)."""
    port = start_nginx("")
    for path in ("/api/v1/media", "/view?m=x", "/internal-ish"):
        get(port, path, {"X-OpenPress-Auth-Request": "1", "X-Original-URI": "/media/x"})
        assert recorder.last(path).get("X-Openpress-Auth-Request", "") == "", path
    get(port, "/media/original/01/0123456789abcdef0123456789abcdef.mp4")
    asked = recorder.last("/internal/media-file-access")
    assert asked["X-Openpress-Auth-Request"] == "1"
    assert asked["X-Original-Uri"] == "/media/original/01/0123456789abcdef0123456789abcdef.mp4"
