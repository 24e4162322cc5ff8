"""docker/uwsgi.ini run by a real uWSGI (no Docker): large request bodies arrive whole while the
worker's other thread keeps finishing small requests (issue 12, point 19).

uWSGI 2.0.x keeps one harakiri deadline per *worker*, shared by its threads. With
``post-buffering`` on, every chunk of a body being buffered *adds* the harakiri time to that
deadline (core/reader.c, ``inc_harakiri``), and any thread that finishes a request resets it to
0 (core/utils.c, ``uwsgi_close_request``). A small request finishing during a large upload
therefore leaves the upload's deadline at "300 seconds after 1970": the master kills the worker
within a second (unbit/uwsgi issue 2706). The configuration is rendered from the image's own
file; only what belongs to the container (the folder, the app, the port) is pointed here.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from openpress import config

ROOT = Path(__file__).resolve().parents[2]
UWSGI = shutil.which("uwsgi", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
pytestmark = pytest.mark.skipif(
    UWSGI is None, reason="uWSGI is not installed (the server extra; CI installs it: .ci/run)"
)

# A WSGI app that reads the whole body and says how long it was; GETs answer at once.
APP = """\
def application(environ, start_response):
    size = 0
    while True:
        chunk = environ["wsgi.input"].read(1 << 20)
        if not chunk:
            break
        size += len(chunk)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(size).encode()]
"""
BODY_MB = 64


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is no longer in docker/uwsgi.ini: update this test"
    return text.replace(old, new)


@pytest.fixture
def uwsgi(tmp_path):
    (tmp_path / "bodyapp.py").write_text(APP)
    port = _free_port()
    ini = (ROOT / "docker" / "uwsgi.ini").read_text()
    ini = _replace(ini, "chdir = /app", f"chdir = {tmp_path}")
    ini = _replace(ini, "module = openpress.wsgi:application", "module = bodyapp:application")
    ini = _replace(ini, "http-socket = :9000", f"http-socket = 127.0.0.1:{port}")
    # nginx's uwsgi-protocol port, unused here: on a free port, out of the way of any other
    ini = _replace(ini, "uwsgi-socket = :9001", f"uwsgi-socket = 127.0.0.1:{_free_port()}")
    (tmp_path / "uwsgi.ini").write_text(ini)
    log = tmp_path / "uwsgi.log"
    env = {
        "PATH": os.environ["PATH"],
        # One process, so the small requests always land on the upload's worker; the threads and
        # the harakiri limit are the defaults of openpress/config.py.
        "WEB_PROCESSES": "1",
        "WEB_THREADS": config.BY_NAME["WEB_THREADS"].default,
        "WEB_HARAKIRI": config.BY_NAME["WEB_HARAKIRI"].default,
    }
    assert int(env["WEB_THREADS"]) > 1, "the defect needs threads; the defaults no longer have them"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [UWSGI, "--ini", str(tmp_path / "uwsgi.ini")],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield port, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _post(port: int, size: int, seconds: float) -> tuple[int | str, bytes]:
    """POST ``size`` bytes spread over about ``seconds`` (nginx hands a buffered body over at
    the speed of the container network, about a second for 100 MB in the stack test)."""
    chunk = b"x" * (1 << 20)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("POST", "/upload")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        chunks = size // len(chunk)
        for _ in range(chunks):
            conn.send(chunk)
            time.sleep(seconds / chunks)
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, b""
    finally:
        conn.close()


def test_large_uploads_survive_small_requests_on_the_other_thread(uwsgi):
    port, log = uwsgi
    stop = threading.Event()
    small: list[int] = []

    def health_checks():  # what Docker's and Kubernetes' probes do to every worker
        while not stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", "/healthz")
                small.append(conn.getresponse().status)
            except (OSError, http.client.HTTPException):
                small.append(0)
            finally:
                conn.close()
            time.sleep(0.05)

    prober = threading.Thread(target=health_checks, daemon=True)
    prober.start()
    try:
        size = BODY_MB << 20
        results = [_post(port, size, seconds=1.5) for _ in range(3)]
    finally:
        stop.set()
        prober.join(timeout=15)
    text = log.read_text()
    assert results == [(200, str(size).encode())] * 3, (results, text[-2000:])
    assert "HARAKIRI" not in text, text[-2000:]
    assert len(small) > 20 and set(small) == {200}, small
