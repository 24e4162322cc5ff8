"""API throughput: `GET /api/v1/media` and a media detail under uWSGI, measured with wrk.

The shape of DESIGN.md's target: uWSGI with 2 processes x 2 threads, 50 media rows, 8
connections, production settings against a real PostgreSQL (and Redis for the cache). Prints
requests per second, latency, SQL queries per request, the CPU time uWSGI spent per request (the
cost of our code, which a busy neighbour changes less than the throughput), and the share of
both cores PostgreSQL and all other processes used during the run (the machine is shared; a busy
neighbour lowers every throughput figure).

    .venv/bin/python bench/api.py [--duration 15] [--database-url postgres://...] [--keep]

Needs `uwsgi` in the venv (`pip install -e '.[server]'`) and `wrk` (`apt-get install -y wrk`).
A throwaway database ``openpress_bench_api`` is created and dropped unless --database-url names
one to use as is.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = 50
CONNECTIONS = 8
PROCESSES, THREADS = 2, 2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # the unit of the CPU times in /proc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def own_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(v) for v in stat[11:15])  # utime, stime, cutime, cstime
    return total


def postgres_ticks() -> int:
    """CPU jiffies used so far by every PostgreSQL process (ours and anyone else's)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if text[text.index("(") + 1 : text.rindex(")")].startswith("postgres"):
            total += sum(int(v) for v in text.rsplit(")", 1)[1].split()[11:13])
    return total


def loop_ms() -> float:
    """Best of five runs of a fixed pure-Python loop, in ms: how fast this (virtual) machine's
    CPU is at the moment. On the shared box it moved by half with no other load in sight."""
    best = float("inf")
    for _ in range(5):
        start = time.thread_time()
        sum(i * i % 7 for i in range(200_000))
        best = min(best, time.thread_time() - start)
    return best * 1000


def family(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    children = [int(p) for p in out.stdout.split()]
    return [pid, *[c for child in children for c in family(child)]]


def seed(env: dict[str, str]) -> str:
    """Migrate and create 50 public media with tags and categories; return one token."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from media_app.models import Category, Media, Tag, User

    call_command("migrate", verbosity=0)
    Media.objects.all().delete()
    author, _ = User.objects.get_or_create(
        username="bench", defaults={"is_verified_journalist": True, "name": "Bench Desk"}
    )
    tags = [Tag.objects.get_or_create(title=f"tag{i}")[0] for i in range(5)]
    cats = [Category.objects.get_or_create(title=f"Beat {i}")[0] for i in range(3)]
    token = ""
    for i in range(ROWS):
        media = Media.objects.create(
            user=author,
            title=f"Report {i}",
            description="From the field. " * 20,
            state="public",
            requested_state="public",
            is_reviewed=True,
            encoding_status="success",
            media_file=f"original/bench/{i}.mp4",
            duration=120 + i,
            add_date=timezone.now(),
        )
        media.tags.set(tags[: 1 + i % 5])
        media.categories.set(cats[: 1 + i % 3])
        token = media.friendly_token
    return token


def queries_per_request(path: str, cache_seconds: int, **headers: str) -> int:
    """SQL queries of one request after a first one, with API_CACHE_SECONDS as in the run."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", **headers)
    with override_settings(API_CACHE_SECONDS=cache_seconds):
        client.get(path)  # warm what a running process keeps (static URLs, profiles)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def wrk(url: str, duration: int, headers: list[str]) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(CONNECTIONS),
            "-d",
            f"{duration}s",
            "--latency",
            *headers,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    p50 = re.search(r"50%\s+(\S+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": errors.group(1) if errors else "0",
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per endpoint")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    uwsgi = shutil.which("uwsgi", path=str(Path(sys.executable).parent)) or shutil.which("uwsgi")
    if not uwsgi or not shutil.which("wrk"):
        sys.exit("needs uwsgi (pip install -e '.[server]') and wrk (apt-get install -y wrk)")

    throwaway = not args.database_url
    db_url = args.database_url or "postgres://postgres@127.0.0.1:5432/openpress_bench_api"
    if throwaway:
        admin = db_url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(
            ["psql", admin, "-qc", "DROP DATABASE IF EXISTS openpress_bench_api"], check=True
        )
        subprocess.run(["psql", admin, "-qc", "CREATE DATABASE openpress_bench_api"], check=True)

    port = free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "openpress.settings.production",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "DATABASE_URL": db_url,
        "REDIS_URL": args.redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "SECURE_COOKIES": "false",
        "MEDIA_LINK_SECRET": "bench-only-" + "y" * 40,
    }
    token = seed(env)
    list_path, detail_path = "/api/v1/media", f"/api/v1/media/{token}"
    paths = {"list": list_path, "detail": detail_path}
    auth = {"HTTP_AUTHORIZATION": f"Token {token_key()}"}
    queries = {
        "cached": {name: queries_per_request(path, 30) for name, path in paths.items()},
        "signed-in": {name: queries_per_request(path, 30, **auth) for name, path in paths.items()},
        "uncached": {name: queries_per_request(path, 0) for name, path in paths.items()},
    }

    speed_before = loop_ms()
    results = {}
    modes = (
        ("30", "cached", []),
        ("30", "signed-in", ["-H", f"Authorization: Token {token_key()}"]),
        ("0", "uncached", []),
    )
    for cache_seconds, label, headers in modes:
        results[label] = measure(
            uwsgi,
            port,
            {**env, "API_CACHE_SECONDS": cache_seconds},
            list_path,
            detail_path,
            args.duration,
            headers,
        )
        port = free_port()
    speed_after = loop_ms()

    if throwaway and not args.keep:
        from django.db import connections

        connections.close_all()
        admin = db_url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(
            ["psql", admin, "-qc", "DROP DATABASE IF EXISTS openpress_bench_api"], check=False
        )

    print(
        f"uWSGI {PROCESSES} processes x {THREADS} threads, {ROWS} media rows, "
        f"{CONNECTIONS} connections, {args.duration} s per endpoint, {os.cpu_count()} cores; "
        "anonymous requests ('cached': API_CACHE_SECONDS=30, 'uncached': 0), and "
        "'signed-in' ones with a token (never served the anonymous copy); a fixed Python loop "
        f"took {speed_before:.1f} ms before the runs and {speed_after:.1f} ms after (CPU speed)"
    )
    print(
        f"{'endpoint':<18}{'req/s':>10}{'p50':>10}{'p99':>10}{'non-2xx':>9}{'SQL/req':>9}"
        f"{'uWSGI ms/req':>14}{'PG CPU':>8}{'other CPU':>11}"
    )
    targets = {"list": 260, "detail": 150}
    for label, rows in results.items():
        for name, row in rows.items():
            sql = queries[label][name]
            print(
                f"{name + ' ' + label:<18}{row['rps']:>10}{row['p50']:>10}{row['p99']:>10}"
                f"{row['non2xx']:>9}{sql:>9}{row['uwsgi_ms']:>14}{row['postgres_cpu']:>8}"
                f"{row['foreign_cpu']:>11}"
                f"   (target {targets[name]} req/s)"
            )
    return 0


def token_key() -> str:
    """A new API token of the bench user (keys are stored hashed: each call makes one)."""
    from media_app.models import User
    from media_app.services.tokens import token_create

    return token_create(user=User.objects.get(username="bench"), name="bench").key


def measure(
    uwsgi: str,
    port: int,
    env: dict,
    list_path: str,
    detail_path: str,
    duration: int,
    headers: list[str],
) -> dict:
    server = subprocess.Popen(
        [
            uwsgi,
            "--master",
            "--need-app",
            "--die-on-term",
            "--http-socket",
            f"127.0.0.1:{port}",
            "--module",
            "openpress.wsgi:application",
            "--chdir",
            str(ROOT),
            "--processes",
            str(PROCESSES),
            "--threads",
            str(THREADS),
            "--disable-logging",
            "--single-interpreter",
            "--enable-threads",
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    results = {}
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + list_path, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("uwsgi did not answer within 60 s")
            time.sleep(0.3)
        for name, path in (("list", list_path), ("detail", detail_path)):
            wrk(base + path, 2, headers)  # warm every worker
            busy0, total0 = cpu_ticks()
            own0, pg0 = own_ticks(family(server.pid)), postgres_ticks()
            row = results[name] = wrk(base + path, duration, headers)
            busy1, total1 = cpu_ticks()
            own1, pg1 = own_ticks(family(server.pid)), postgres_ticks()
            own, pg, span = own1 - own0, pg1 - pg0, max(1, total1 - total0)
            row["uwsgi_ms"] = f"{own * 1000 / CLOCK_TICKS / max(1, row['requests']):.2f}"
            row["postgres_cpu"] = f"{pg / span:.0%}"
            # wrk itself and everything not ours count as "other"; wrk's share is small.
            row["foreign_cpu"] = f"{max(0, busy1 - busy0 - own - pg) / span:.0%}"
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


if __name__ == "__main__":
    sys.exit(main())
