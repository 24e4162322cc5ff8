"""Connections between nginx and uWSGI (issue 17, point 4), with the real binaries and the
image's configurations (tests/docker/servers.py).

uWSGI's http-socket serves one request per connection. It once did so silently: an HTTP/1.1
answer without ``Connection: close``, then the connection dropped, so a client that sent a
second request on it lost it ("remote end closed connection"), and nginx's keepalive pool hit
exactly that (502s). What holds now: nginx speaks the uwsgi protocol to uWSGI's uwsgi-socket (a
connection per request, which neither side takes for a kept-alive one; measured against HTTP
with and without kept-alive connections: bench/keepalive.py, bench/load.py, docs/performance.md);
the HTTP port left for the probes says ``Connection: close``; no request is lost. Skipped only
when nginx or uWSGI is not installed; CI installs both (.ci/run).
"""

from __future__ import annotations

import http.client

import pytest

from openpress import config
from tests.docker.servers import NGINX, UWSGI, start_nginx, start_uwsgi, stop

pytestmark = pytest.mark.skipif(
    NGINX is None or UWSGI is None, reason="nginx or uWSGI is not installed (CI installs both)"
)

APP = """\
def application(environ, start_response):
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
"""


@pytest.fixture
def uwsgi(tmp_path):
    (tmp_path / "okapp.py").write_text(APP)
    env = {
        name: config.BY_NAME[name].default
        for name in ("WEB_PROCESSES", "WEB_THREADS", "WEB_HARAKIRI")
    }
    server = start_uwsgi(tmp_path, module="okapp:application", env=env)
    yield server
    stop(server.proc)


def _ask(conn: http.client.HTTPConnection, method: str = "GET"):
    conn.request(
        method,
        "/api/v1/x",
        body=b"{}" if method == "POST" else None,
        headers={"Host": "localhost"},
    )
    resp = conn.getresponse()
    return resp.status, resp.read(), resp.getheader("Connection")


def test_uwsgi_says_it_closes_the_connection(uwsgi):
    """A client is told the connection ends with the answer, so it opens a new one for its
    next request instead of losing it on a dropped one."""
    conn = http.client.HTTPConnection("127.0.0.1", uwsgi.http_port, timeout=10)
    assert _ask(conn) == (200, b"ok", "close")
    # http.client honours the header: the next request goes out on a new connection.
    assert _ask(conn)[0] == 200
    conn.close()


def test_every_request_through_nginx_is_answered(uwsgi, tmp_path):
    """Back-to-back GETs and POSTs through nginx (the uwsgi protocol, a connection per request):
    none lost."""
    proc, port = start_nginx(tmp_path / "nginx", upstream_port=uwsgi.uwsgi_port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        answers = [_ask(conn, "POST" if n % 2 else "GET")[:2] for n in range(200)]
        conn.close()
    finally:
        stop(proc)
    assert set(answers) == {(200, b"ok")}
