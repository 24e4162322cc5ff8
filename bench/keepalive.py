"""nginx to uWSGI, with and without kept-alive connections (issue 17, point 4;
docs/performance.md, "nginx to uWSGI").

Runs OpenPress itself under the image's docker/uwsgi.ini (the compose topology's
WEB_PROCESSES x WEB_THREADS) behind the image's nginx configuration, with real binaries on this
machine (tests/docker/servers.py), once per configuration (bench/connections.py):

* ``uwsgi``: the image's: the uwsgi protocol (``uwsgi-socket``) and nginx's ``uwsgi_pass``, a
  connection per request (nginx keeps no uwsgi-protocol connection);
* ``close``: HTTP: ``http-socket`` answering ``Connection: close``, nginx sending
  ``Connection: close``, one TCP connection per request between nginx and uWSGI (the image's
  until session 12);
* ``router``: uWSGI's HTTP router on the port (``http`` + ``http-keepalive``), which keeps
  connections in its own process and hands requests to the workers, and nginx's upstream pool
  (``keepalive 16``);
* ``http11``: ``http11-socket`` (uWSGI keeps the connection in the worker thread that served
  it) and nginx's upstream pool (``keepalive 1``, closed after 2 s idle).

Each run sends --requests GETs of --path from --concurrency client threads, each keeping its own
connection to nginx (as browsers and the load test do), and prints requests per second, p50,
p95 and p99, and how many connections uWSGI accepted (from ss, the established connections to
its port, sampled). The database and cache are those of the environment (DATABASE_URL,
REDIS_URL: point them at a demo archive, ``manage.py demo_data``).

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/keepalive.py \\
        [--requests 3000] [--concurrency 16] [--path /api/v1/media]

A shared 2-core machine runs nginx, uWSGI, PostgreSQL, Redis and the client together: compare
the two lines of one run, not figures from different machines.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpress import config  # noqa: E402
from tests.docker.servers import app_env, start_nginx, start_uwsgi, stop  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from connections import CONNECTIONS, KINDS_HELP  # noqa: E402


def _connections_to(port: int) -> int:
    out = subprocess.run(
        ["ss", "-Htn", "state", "established", f"( dport = :{port} )"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return len(out.splitlines())


def run(kind: str, *, requests: int, concurrency: int, path: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"op-keepalive-{kind}-"))
    (work / "app").mkdir()
    env = app_env(
        os.environ["DATABASE_URL"],
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        os.environ.get("MEDIA_ROOT", "/tmp/op_load_media"),
    )
    way = CONNECTIONS[kind]
    ini_dir = work / "app"
    server = start_uwsgi(
        ini_dir,
        module="openpress.wsgi:application",
        env=env,
        edit=lambda ini: way.uwsgi(ini.replace(f"chdir = {ini_dir}", f"chdir = {ROOT}")),
    )
    uwsgi, uport = server.proc, getattr(server, way.port)
    nginx, nport = start_nginx(
        work / "nginx", upstream_port=uport, edit=way.nginx, trusted_ranges="127.0.0.1/32"
    )
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    per_thread = requests // concurrency
    peak = [0]

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", nport, timeout=30)
        mine, bad = [], []
        for _ in range(per_thread):
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Host": "localhost"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    bad.append(str(resp.status))
            except (OSError, http.client.HTTPException) as exc:
                bad.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", nport, timeout=30)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    def sampler(stop_at: threading.Event) -> None:
        while not stop_at.is_set():
            peak[0] = max(peak[0], _connections_to(uport))
            time.sleep(0.2)

    try:
        # Warm up: every worker loads the app and fills its caches.
        for _ in range(20):
            conn = http.client.HTTPConnection("127.0.0.1", nport, timeout=30)
            conn.request("GET", path, headers={"Host": "localhost"})
            conn.getresponse().read()
            conn.close()
        done = threading.Event()
        watch = threading.Thread(target=sampler, args=(done,), daemon=True)
        watch.start()
        threads = [threading.Thread(target=client) for _ in range(concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        done.set()
    finally:
        stop(nginx)
        stop(uwsgi)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {
        "kind": kind,
        "rps": len(latencies) / elapsed,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "mean": statistics.fmean(latencies) * 1000,
        "failures": len(failures),
        "failure_kinds": sorted(set(failures)),
        "peak_connections": peak[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--path", default="/api/v1/media")
    parser.add_argument(
        "--kinds",
        default="uwsgi,close,router,http11",
        help=KINDS_HELP,
    )
    args = parser.parse_args()
    print(
        f"{args.requests} GET {args.path}, {args.concurrency} clients; uWSGI "
        f"{os.environ.get('WEB_PROCESSES', config.BY_NAME['WEB_PROCESSES'].default)} processes x "
        f"{os.environ.get('WEB_THREADS', config.BY_NAME['WEB_THREADS'].default)} threads"
    )
    failed = False
    for kind in args.kinds.split(","):
        r = run(kind, requests=args.requests, concurrency=args.concurrency, path=args.path)
        print(
            f"{r['kind']:>9}: {r['rps']:7.1f} req/s  p50 {r['p50']:6.1f} ms  p95 "
            f"{r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  failures {r['failures']} "
            f"{r['failure_kinds'] or ''}  connections to uWSGI at once (peak) "
            f"{r['peak_connections']}"
        )
        failed |= bool(r["failures"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
