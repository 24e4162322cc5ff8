"""Run the embedded default (``make run``): web server, one worker and beat, until Ctrl-C.

Before starting anything it checks for the system packages it needs (scripts/check_system.py,
ffmpeg among them), migrates the database and creates the first admin (printing how to log in).
Then it starts three processes with the settings in ``openpress.settings.dev`` (SQLite,
filesystem broker, local media):

* web:    ``manage.py runserver`` on http://HOST:PORT
* worker: ``celery worker`` consuming both ``short_tasks`` and ``long_tasks``
* beat:   ``celery beat`` with django-celery-beat's database scheduler, under a lease
          (openpress/beat.py)

Beat runs as its own process, as in production, rather than inside the worker (``-B``): it then
stops and starts independently of the worker's pool, and there is exactly one of each.

Each child runs in its own process group, so a Ctrl-C in the terminal reaches only this
supervisor, which stops the children (SIGTERM to each child, SIGKILL to its group after a grace
period). If a child dies on its own, the others are stopped too and the exit status is non-zero:
a half-running instance is worse than none. Used by ``make run`` and by
``tests/test_run_embedded.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 20


def say(message: str) -> None:
    print(f"[openpress] {message}", flush=True)


def system_ready(*, warn_only: bool) -> bool:
    """What ``make run`` needs (scripts/check_system.py, the one list), and the ffmpeg that the
    encoders will run (media_app/encoding/runner.py: FFMPEG_BINARY, imageio-ffmpeg's or PATH's)."""
    import check_system  # scripts/ is this script's folder, so it is on sys.path

    sys.path.insert(0, str(ROOT))
    from media_app.encoding.runner import resolve_ffmpeg

    encoder = resolve_ffmpeg(os.environ.get("FFMPEG_BINARY", ""))
    extra = [] if shutil.which(encoder) else [f"the ffmpeg that encodes, {encoder}, is not found"]
    return check_system.check("run", warn_only=warn_only, extra=extra)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def manage(*args: str) -> None:
    """Run a management command to completion; stop everything if it fails."""
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=False)
    if result.returncode != 0:
        sys.exit(f"[openpress] `manage.py {' '.join(args)}` failed (exit {result.returncode})")


class Child:
    """One supervised process whose output is copied to ours, each line tagged with its name."""

    def __init__(self, name: str, argv: list[str]):
        self.name = name
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self._pump = threading.Thread(target=self._copy_output, daemon=True, name=name)
        self._pump.start()

    def _copy_output(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            sys.stdout.write(f"{self.name:>6} | {line}")
            sys.stdout.flush()

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def stop(self, deadline: float) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{self.name} did not stop within {GRACE_SECONDS}s; killing it")
                self.signal_group(signal.SIGKILL)
                self.proc.wait()
        # The group may hold children (pool processes) that outlived their parent.
        self.signal_group(signal.SIGKILL)
        self._pump.join(timeout=5)


def wait_until_web_answers(url: str, child: Child, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
                if response.status < 500:
                    return True
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--concurrency", type=int, default=2, help="processes of the worker")
    parser.add_argument(
        "--no-system-check",
        "--no-ffmpeg-check",
        action="store_true",
        help="start even when system packages are missing (what needs them then fails)",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.dev")
    os.environ["PYTHONUNBUFFERED"] = "1"
    base_url = f"http://{args.host}:{args.port}"

    if not system_ready(warn_only=args.no_system_check) and not args.no_system_check:
        print(
            "[openpress] or start without them: make run SYSTEM_CHECK=warn "
            "(or RUN_ARGS=--no-system-check)",
            file=sys.stderr,
        )
        return 2
    if not port_is_free(args.host, args.port):
        print(
            f"[openpress] {args.host}:{args.port} is already in use; stop whatever holds it "
            "or choose another port: make run RUN_ARGS='--port 8001'",
            file=sys.stderr,
        )
        return 2

    say(f"settings: {os.environ['DJANGO_SETTINGS_MODULE']}")
    manage("migrate", "--noinput")
    manage("create_admin_if_missing", "--login-url", f"{base_url}/admin/")

    stopping = threading.Event()

    def request_stop(signum, _frame) -> None:
        if stopping.is_set():
            # A second Ctrl-C: do not wait for running tasks.
            for child in children:
                child.signal_group(signal.SIGKILL)
            return
        stopping.set()

    children: list[Child] = []
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    celery = [sys.executable, "-m", "celery", "-A", "openpress"]
    children.append(
        Child(
            "web",
            [sys.executable, "manage.py", "runserver", f"{args.host}:{args.port}", "--noreload"],
        )
    )
    children.append(
        Child(
            "worker",
            [
                *celery,
                "worker",
                "-Q",
                "short_tasks,long_tasks",
                "--concurrency",
                str(args.concurrency),
                "-n",
                "embedded@%h",
                "--loglevel",
                "INFO",
                # One worker on a file broker: nobody to gossip or synchronise with.
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )
    )
    children.append(
        Child(
            "beat",
            [
                *celery,
                "beat",
                "--scheduler",
                "openpress.beat:LeasedScheduler",
                "--loglevel",
                "INFO",
            ],
        )
    )

    if wait_until_web_answers(f"{base_url}/admin/login/", children[0]):
        say(f"OpenPress is running at {base_url}/")
        say(f"  admin: {base_url}/admin/   API docs: {base_url}/api/v1/docs/")
        say("  Press Ctrl-C to stop.")

    status = 0
    while not stopping.wait(0.5):
        dead = [c for c in children if c.proc.poll() is not None]
        if dead:
            for child in dead:
                say(f"{child.name} exited with status {child.proc.returncode}; stopping the rest")
            status = 1
            break

    say("stopping web, worker and beat")
    for child in children:
        # To the leader only: celery's worker stops its own pool processes (which die of a
        # SIGTERM at once, logged as an error, and can leave the leader waiting for them).
        child.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        child.stop(deadline)
    say("stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())
