"""Load test through nginx and uWSGI at several archive sizes, with plots (issue 17;
docs/performance.md, "Load at 1k, 10k and 100k media").

For each archive (a database filled by ``manage.py demo_data``, given as size=DATABASE_URL), it
starts OpenPress as the compose topology runs it, with the real binaries on this machine: two
uWSGI servers from docker/uwsgi.ini (web and api, WEB_PROCESSES x WEB_THREADS each, the
defaults of openpress/config.py) behind the image's nginx configuration (tests/docker/servers.py),
production settings, PostgreSQL and Redis of this machine. No Celery worker runs: uploads are
stored and their encode queued, as a busy site's would be. Then locust (bench/locustfile.py)
sends its mix of readers and journalists for --duration with --users at once, and the figures
per endpoint (requests, requests per second, p50, p95, p99, failures) are printed, kept as JSON
and plotted (p95 and p50 against archive size, one line per endpoint; matplotlib PNGs).

    .venv/bin/pip install -e '.[bench]'      # locust, matplotlib
    .venv/bin/python bench/load.py \\
        --archive 1000=postgres://.../op_load_1000 --archive 10000=postgres://.../op_load_10000 \\
        --archive 100000=postgres://.../op_dev [--users 32] [--duration 60] \\
        [--connections uwsgi|close|http11|router] \\
        [--json docs/perf/load.json] [--plot docs/perf/load-p95.png]

Before each run the archive is ANALYZEd and VACUUMed (as autovacuum keeps a live site) and
the cache namespace starts empty. Exit status 1 when a request failed (a 5xx or no answer).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.docker.servers import app_env, start_nginx, start_uwsgi, stop  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from connections import CONNECTIONS, KINDS_HELP  # noqa: E402

PY = str(Path(sys.executable))
LOCUST = str(Path(sys.executable).parent / "locust")


def _manage(env: dict[str, str], code: str) -> str:
    out = subprocess.run(
        [PY, str(ROOT / "manage.py"), "shell", "-c", code],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if out.returncode:
        raise SystemExit(f"manage.py shell failed:\n{out.stderr[-3000:]}")
    return out.stdout


PREPARE = """
from django.db import connection
from media_app.models import Media, SearchTerm, User
from media_app.selectors.media import media_listable_q
from media_app.services.tokens import token_create
user, _ = User.objects.get_or_create(username="load-desk", defaults={"email": "load@example.org"})
user.is_verified_journalist = True
user.save()
Media.objects.filter(user=user).delete()
print("TOKEN", token_create(user=user, name="load test").key)
for t in Media.objects.filter(media_listable_q()).order_by("?").values_list(
        "friendly_token", flat=True)[:2000]:
    print("MEDIA", t)
print("PAGES", max(1, Media.objects.filter(media_listable_q()).count() // 50))
for w in SearchTerm.objects.filter(documents__gte=2).order_by("?").values_list(
        "term", flat=True)[:600]:
    print("WORD", w)
with connection.cursor() as c:
    c.execute("ANALYZE")
"""


def run_archive(size: int, database_url: str, args, work: Path) -> list[dict]:
    redis_url = args.redis_url
    subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=True, capture_output=True)
    env = app_env(database_url, redis_url, args.media_root)
    subprocess.run(["psql", database_url, "-qc", "VACUUM ANALYZE"], check=True, capture_output=True)
    lines = _manage(env, PREPARE).splitlines()
    token = next(line.split()[1] for line in lines if line.startswith("TOKEN "))
    pages = next(line.split()[1] for line in lines if line.startswith("PAGES "))
    (work / "tokens").write_text("\n".join(x.split()[1] for x in lines if x.startswith("MEDIA ")))
    (work / "words").write_text("\n".join(x.split()[1] for x in lines if x.startswith("WORD ")))
    clip = work / "clip.mp4"
    if not clip.exists():
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=160x120:rate=10",
                "-t",
                "1",
                "-pix_fmt",
                "yuv420p",
                "-y",
                str(clip),
            ],
            check=True,
        )
    way = CONNECTIONS[args.connections]
    servers = []
    try:
        ports = {}
        for role in ("web", "api"):  # two servers, as compose runs them
            folder = _dir(work / f"{role}-{size}")
            server = start_uwsgi(
                folder,
                module="openpress.wsgi:application",
                env=env,
                edit=lambda ini, folder=folder: way.uwsgi(_chdir_root(ini, folder)),
            )
            servers.append(server.proc)
            ports[role] = getattr(server, way.port)
        nginx, port = start_nginx(
            work / f"nginx-{size}",
            upstream_port=ports["web"],
            api_port=ports["api"],
            trusted_ranges="127.0.0.1/32",
            edit=way.nginx,
        )
        servers.append(nginx)
        prefix = work / f"locust-{size}"
        subprocess.run(
            [
                LOCUST,
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(max(1, args.users // 4)),
                "-t",
                f"{args.duration}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={
                **os.environ,
                "OPENPRESS_LOAD_TOKENS": str(work / "tokens"),
                "OPENPRESS_LOAD_WORDS": str(work / "words"),
                "OPENPRESS_LOAD_API_TOKEN": token,
                "OPENPRESS_LOAD_CLIP": str(clip),
                "OPENPRESS_LOAD_PAGES": pages,
            },
            check=False,
            timeout=args.duration + 120,
        )
        rows = _read_stats(Path(f"{prefix}_stats.csv"), size)
        failures = Path(f"{prefix}_failures.csv")
        if failures.exists():
            for row in csv.DictReader(failures.open()):
                print(f"  failure x{row['Occurrences']}: {row['Name']}: {row['Error'][:160]}")
        return rows
    finally:
        for proc in reversed(servers):
            stop(proc)


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _chdir_root(ini: str, work: Path) -> str:
    return ini.replace(f"chdir = {work}", f"chdir = {ROOT}")


def _read_stats(path: Path, size: int) -> list[dict]:
    rows = []
    for row in csv.DictReader(path.open()):
        rows.append(
            {
                "archive": size,
                "endpoint": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
            }
        )
    return rows


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    endpoints = sorted({r["endpoint"] for r in results if r["endpoint"] != "Aggregated"})
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharex=True)
    for ax, key in zip(axes, ("p95", "p50"), strict=True):
        for name in endpoints:
            rows = [r for r in results if r["endpoint"] == name]
            points = sorted((r["archive"], r[key]) for r in rows)
            few = min(r["requests"] for r in rows) < 50  # a p95 of a handful is their slowest
            ax.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                marker="o",
                linestyle=":" if few else "-",
                label=f"{name} (under 50 requests)" if few else name,
            )
        ax.set_xscale("log")
        ax.set_xlabel("media in the archive")
        ax.set_ylabel(f"{key} latency (ms)")
        ax.set_title(f"{key} per endpoint")
        ax.axhline(100, color="grey", linestyle=":", linewidth=1)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("OpenPress through nginx and uWSGI, 2 CPU cores (bench/load.py)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", action="append", default=[], help="SIZE=DATABASE_URL")
    parser.add_argument("--from-json", type=Path, help="plot a run kept with --json, run none")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument("--media-root", default=os.environ.get("MEDIA_ROOT", "/tmp/op_load_media"))
    parser.add_argument(
        "--connections", choices=sorted(CONNECTIONS), default="uwsgi", help=KINDS_HELP
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()
    if args.from_json:
        plot(
            json.loads(args.from_json.read_text()), args.plot or args.from_json.with_suffix(".png")
        )
        return 0
    if not args.archive:
        parser.error("give at least one --archive SIZE=DATABASE_URL")
    work = Path(tempfile.mkdtemp(prefix="op-load-"))
    results: list[dict] = []
    for item in args.archive:
        size_text, url = item.split("=", 1)
        size = int(size_text)
        started = time.monotonic()
        rows = [{**r, "connections": args.connections} for r in run_archive(size, url, args, work)]
        results += rows
        print(
            f"\n== {size} media: {args.users} users for {args.duration} s, nginx to uWSGI: "
            f"{args.connections} "
            f"(run {time.monotonic() - started:.0f} s)"
        )
        print(
            f"{'endpoint':32} {'requests':>8} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} "
            f"{'p99':>6}  (ms)"
        )
        for r in rows:
            print(
                f"{r['endpoint']:32} {r['requests']:8d} {r['failures']:5d} {r['rps']:7.1f} "
                f"{r['p50']:6.0f} {r['p95']:6.0f} {r['p99']:6.0f}"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    if args.plot:
        plot(results, args.plot)
        print(f"plot: {args.plot}")
    return 1 if any(r["failures"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
