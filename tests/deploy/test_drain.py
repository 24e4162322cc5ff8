"""Rollouts drop no request (issue 12, point 8): docker/uwsgi.ini run by a real uWSGI stops
gracefully on SIGTERM, and the rendered pods give it the time to.

On SIGTERM the kubelet has already begun removing the pod from the Service endpoints; the
preStop sleep covers the moment the proxies take to learn it, then uWSGI gets SIGTERM and must
finish the requests it holds instead of killing its workers. The configuration is the image's
own file; only what belongs to the container (folder, app, port) is pointed here.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from openpress import config
from openpress.deployment import topology

ROOT = Path(__file__).resolve().parents[2]
UWSGI = shutil.which("uwsgi", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")

# A request that takes SLOW seconds, like an API call that is still working when SIGTERM comes.
SLOW = 3
APP = f"""\
import time

def application(environ, start_response):
    time.sleep({SLOW})
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"finished"]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is no longer in docker/uwsgi.ini: update this test"
    return text.replace(old, new)


@pytest.mark.skipif(
    UWSGI is None, reason="uWSGI is not installed (the server extra; CI installs it: .ci/run)"
)
def test_uwsgi_finishes_running_requests_on_sigterm(tmp_path):
    (tmp_path / "slowapp.py").write_text(APP)
    port = _free_port()
    ini = (ROOT / "docker" / "uwsgi.ini").read_text()
    ini = _replace(ini, "chdir = /app", f"chdir = {tmp_path}")
    ini = _replace(ini, "module = openpress.wsgi:application", "module = slowapp:application")
    ini = _replace(ini, "http-socket = :9000", f"http-socket = 127.0.0.1:{port}")
    # nginx's uwsgi-protocol port, unused here: on a free port, out of the way of any other
    ini = _replace(ini, "uwsgi-socket = :9001", f"uwsgi-socket = 127.0.0.1:{_free_port()}")
    (tmp_path / "uwsgi.ini").write_text(ini)
    env = {
        "PATH": os.environ["PATH"],
        "WEB_PROCESSES": config.BY_NAME["WEB_PROCESSES"].default,
        "WEB_THREADS": config.BY_NAME["WEB_THREADS"].default,
        "WEB_HARAKIRI": config.BY_NAME["WEB_HARAKIRI"].default,
    }
    log = tmp_path / "uwsgi.log"
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
        time.sleep(1)  # the workers have loaded the app

        answers: list[object] = []

        def request() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", "/slow", headers={"Host": "localhost"})
                resp = conn.getresponse()
                answers.append((resp.status, resp.read()))
            except (OSError, http.client.HTTPException) as exc:
                answers.append(type(exc).__name__)
            finally:
                conn.close()

        threads = [threading.Thread(target=request) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(1)  # both requests are inside the app now
        proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=30)
        assert answers == [(200, b"finished")] * 2, log.read_text()
        # ... and then uWSGI goes away by itself, well within the pod's grace.
        proc.wait(timeout=topology.UWSGI_GRACE_SECONDS)
        assert proc.returncode is not None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _pod(builds, which: str, role: str) -> dict:
    return builds[which].workload(role)["spec"]["template"]["spec"]


@pytest.mark.parametrize("which", ("base", "dev", "prod"))
def test_servers_sleep_before_stopping_and_get_a_grace_above_the_longest_request(builds, which):
    harakiri = int(config.BY_NAME["WEB_HARAKIRI"].default)
    graces = {}
    for role in ("nginx", "web", "api"):
        pod = _pod(builds, which, role)
        (c,) = pod["containers"]
        sleep = c["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert sleep >= 5, role
        graces[role] = pod["terminationGracePeriodSeconds"]
        # The sleep, then the longest request uWSGI lets run (harakiri), then a margin.
        assert graces[role] > sleep + harakiri, role
    # nginx outlives the requests it proxies to uWSGI.
    assert graces["nginx"] > max(graces["web"], graces["api"])
    # uWSGI's graceful stop waits for a running request as long as harakiri lets it run.
    ini = (ROOT / "docker" / "uwsgi.ini").read_text()
    assert "hook-master-start = unix_signal:15 gracefully_kill_them_all" in ini
    assert "worker-reload-mercy = $(WEB_HARAKIRI)" in ini


@pytest.mark.parametrize("which", ("base", "dev", "prod"))
def test_short_workers_get_a_grace_above_their_task_time_limit(builds, which):
    pod = _pod(builds, which, "celery-short")
    (c,) = pod["containers"]
    args = c["args"]
    limit = int(args[args.index("--time-limit") + 1])
    assert pod["terminationGracePeriodSeconds"] > limit


@pytest.mark.parametrize("role", ("nginx", "web", "api", "celery-short"))
def test_compose_gives_the_same_grace_as_kubernetes(builds, compose, role):
    pod = _pod(builds, "base", role)
    grace = compose["services"][role]["stop_grace_period"]
    assert grace == f"{pod['terminationGracePeriodSeconds']}s"


def test_nginx_stops_gracefully_within_its_grace():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    nginx_stage = dockerfile[dockerfile.index(" AS nginx") :]
    assert "STOPSIGNAL SIGQUIT" in nginx_stage  # graceful: SIGTERM would be a fast shutdown
    conf = (ROOT / "docker" / "nginx" / "nginx.conf").read_text()
    (line,) = [ln for ln in conf.splitlines() if ln.startswith("worker_shutdown_timeout")]
    seconds = int(line.split()[1].rstrip(";s"))
    harakiri = int(config.BY_NAME["WEB_HARAKIRI"].default)
    assert harakiri < seconds < topology.NGINX_GRACE_SECONDS - topology.DRAIN_SECONDS
