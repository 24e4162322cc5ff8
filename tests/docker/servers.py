"""The image's nginx and uWSGI configurations run by real binaries on this machine (no Docker),
with only what belongs to the container (folders, the app, host names, ports) pointed here.
Used by the tests of tests/docker/ and by bench/keepalive.py."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from openpress import config

ROOT = Path(__file__).resolve().parents[2]
NGINX_DIR = ROOT / "docker" / "nginx"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
UWSGI = shutil.which("uwsgi", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
LINK_KEY = "0123456789abcdef" * 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is no longer in the image's configuration: update the tests"
    return text.replace(old, new)


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen, what: str, seconds=30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ready():
                return
        except OSError:
            pass
        assert proc.poll() is None, f"{what} exited ({proc.returncode})"
        assert time.monotonic() < deadline, f"{what} did not answer within {seconds} s"
        time.sleep(0.05)


def app_env(database_url: str, redis_url: str, media_root: str) -> dict[str, str]:
    """OpenPress's production settings for a uWSGI started here behind :func:`start_nginx`
    (the load test, bench/keepalive.py, tests that need the real app behind nginx)."""
    return {
        "DJANGO_SETTINGS_MODULE": "openpress.settings.production",
        "SECRET_KEY": "servers-py-test-only-" + "k" * 40,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": media_root,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SECURE_COOKIES": "false",
        "C2PA_ALLOW_UNSIGNED": "true",
        "PYTHONPATH": str(ROOT),
        "UPLOAD_CREATE_RATE": "100000/hour",
        "UPLOAD_CREATE_RATE_PER_CLIENT": "100000/hour",
        "UPLOADS_PER_USER": "100000",
        "WEB_PROCESSES": config.BY_NAME["WEB_PROCESSES"].default,
        "WEB_THREADS": config.BY_NAME["WEB_THREADS"].default,
        "WEB_HARAKIRI": config.BY_NAME["WEB_HARAKIRI"].default,
        "LOG_LEVEL": "WARNING",
        "MEDIA_LINK_SECRET": LINK_KEY,  # the key nginx is rendered with
        "TRUSTED_PROXY_COUNT": "1",  # nginx in front, as in compose and Kubernetes
    }


class Uwsgi(NamedTuple):
    proc: subprocess.Popen
    http_port: int  # HTTP (the probes' :9000)
    uwsgi_port: int  # the uwsgi protocol (nginx's :9001)


def start_uwsgi(
    work: Path,
    *,
    module: str,
    env: dict[str, str],
    edit: Callable[[str], str] = lambda ini: ini,
) -> Uwsgi:
    """docker/uwsgi.ini serving ``module`` (importable from ``work``) on two free ports."""
    port, uwsgi_port = free_port(), free_port()
    ini = (ROOT / "docker" / "uwsgi.ini").read_text()
    ini = replace(ini, "chdir = /app", f"chdir = {work}")
    ini = replace(ini, "module = openpress.wsgi:application", f"module = {module}")
    ini = replace(ini, "http-socket = :9000", f"http-socket = 127.0.0.1:{port}")
    ini = replace(ini, "uwsgi-socket = :9001", f"uwsgi-socket = 127.0.0.1:{uwsgi_port}")
    (work / "uwsgi.ini").write_text(edit(ini))
    with (work / "uwsgi.log").open("w") as out:
        proc = subprocess.Popen(
            [UWSGI, "--ini", str(work / "uwsgi.ini")],
            cwd=work,
            env={"PATH": os.environ["PATH"], **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_until(
        lambda: bool(socket.create_connection(("127.0.0.1", port), 1).close() or 1), proc, "uWSGI"
    )
    return Uwsgi(proc, port, uwsgi_port)


# A WSGI app that hands each request it is given to an HTTP server and its answer back.
BRIDGE = """\
import http.client
import os

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


def application(environ, start_response):
    headers = {
        name[5:].replace("_", "-").title(): value
        for name, value in environ.items()
        if name.startswith("HTTP_") and name not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    length = environ.get("CONTENT_LENGTH") or ""
    body = environ["wsgi.input"].read(int(length)) if length else None
    if length:
        headers["Content-Length"] = length
    conn = http.client.HTTPConnection("127.0.0.1", int(os.environ["BRIDGE_TO"]), timeout=300)
    try:
        conn.request(environ["REQUEST_METHOD"], environ["REQUEST_URI"], body, headers)
        answer = conn.getresponse()
        data = answer.read()
    finally:
        conn.close()
    start_response(
        f"{answer.status} {answer.reason}",
        [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP],
    )
    return [data]
"""


def start_uwsgi_bridge(work: Path, http_port: int) -> Uwsgi:
    """The image's uWSGI in front of an HTTP server on ``http_port`` (a recorder standing for
    the app, or Django's live server with the test's settings): what nginx hands over in the
    uwsgi protocol, uWSGI parses and the bridge passes on, headers as nginx set them."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "openpress_bridge.py").write_text(BRIDGE)
    env = {
        "BRIDGE_TO": str(http_port),
        "WEB_PROCESSES": "1",
        "WEB_THREADS": "8",
        "WEB_HARAKIRI": "300",
    }
    return start_uwsgi(work, module="openpress_bridge:application", env=env)


def start_nginx(
    work: Path,
    *,
    upstream_port: int,
    api_port: int | None = None,
    trusted_ranges: str = "",
    bucket: str = "",
    edit: Callable[[str], str] = lambda conf: conf,
) -> tuple[subprocess.Popen, int]:
    """The image's nginx.conf and rendered openpress.conf.template, handing requests to uWSGI's
    uwsgi-protocol port ``upstream_port`` on 127.0.0.1 (web, and api unless ``api_port``; an
    HTTP stand-in for the app goes behind :func:`start_uwsgi_bridge`), listening on a free port;
    rendered in S3 mode (no media volume) when ``bucket`` is given. The rendered server
    configuration is left in ``work / "default.conf"``."""
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
            "MEDIA_LINK_SECRET": LINK_KEY,
            "TRUSTED_PROXY_RANGES": trusted_ranges,
            **({"AWS_STORAGE_BUCKET_NAME": bucket} if bucket else {}),
        },
        check=True,
        timeout=30,
    )
    port = free_port()
    conf = rendered.read_text()
    for old, new in (
        ("server web:9001;", f"server 127.0.0.1:{upstream_port};"),
        ("server api:9001;", f"server 127.0.0.1:{api_port or upstream_port};"),
        ("listen 8080 default_server;", f"listen 127.0.0.1:{port} default_server;"),
        ("/var/cache/nginx/", f"{work}/cache/"),
        ("/usr/share/openpress/static/", f"{work}/static/"),
        *(() if bucket else (("/data/media/", f"{work}/media/"),)),  # S3 mode: no volume
        ("/etc/nginx/openpress/", f"{snippets}/"),
    ):
        conf = replace(conf, old, new)
    rendered.write_text(edit(conf))
    for snippet in (NGINX_DIR / "snippets").glob("*.conf"):
        text = snippet.read_text().replace("/etc/nginx/openpress/", f"{snippets}/")
        (snippets / snippet.name).write_text(edit(text.replace("/data/media/", f"{work}/media/")))
    (work / "cache").mkdir()
    main = (NGINX_DIR / "nginx.conf").read_text()
    for old, new in (
        ("pid /run/nginx.pid;", f"pid {work}/nginx.pid;"),
        ("/var/cache/nginx/", f"{work}/cache/"),
        ("include /etc/nginx/conf.d/*.conf;", f"include {rendered};"),
        ("access_log /dev/stdout;", "access_log off;"),
    ):
        main = replace(main, old, new)
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
        stderr=subprocess.DEVNULL,
    )

    def healthy() -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/nginx-health")
            return conn.getresponse().status == 200
        finally:
            conn.close()

    wait_until(healthy, proc, "nginx", seconds=20)
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
