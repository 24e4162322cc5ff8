"""docker/entrypoint.sh sizes the Celery workers from the CPUs the container may use.

A node's core count is what `nproc` prints inside a container (it ignores the CPU limit); here a
`nproc` on PATH prints 16, as on a 16-core node, and a `celery` on PATH prints the command line
it was given instead of starting a worker. The script waits for the real test database first:
the one pytest-django made: the database DATABASE_URL names need not exist (in CI it does not).
"""

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from openpress import cpu

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


@pytest.fixture
def test_database_url(db) -> str:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    return urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


@pytest.fixture
def node_of_16(tmp_path, test_database_url, monkeypatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nproc").write_text("#!/bin/sh\necho 16\n")
    (bin_dir / "celery").write_text('#!/bin/sh\necho "celery $*"\n')
    for stub in bin_dir.iterdir():
        stub.chmod(0o755)
    monkeypatch.setenv("DATABASE_URL", test_database_url)
    return bin_dir


def worker_argv(role: str, bin_dir: Path, **env: str) -> list[str]:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CELERY_LONG", "CELERY_SHORT"))
    }
    full_env.update(
        PATH=f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="openpress.settings.test",
        DB_WAIT_SECONDS="20",
        **env,
    )
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), role], capture_output=True, text=True, env=full_env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def concurrency(argv: list[str]) -> int:
    return int(argv[argv.index("--concurrency") + 1])


def test_long_worker_runs_one_encode_per_two_cpus_it_may_use_not_per_two_node_cores(node_of_16):
    argv = worker_argv("celery-long", node_of_16)
    assert argv[:4] == ["celery", "-A", "openpress", "worker"]
    assert "long_tasks" in argv
    # This machine's real CPUs (its cgroup limit, its affinity), not the 16 `nproc` claims.
    assert concurrency(argv) == cpu.long_concurrency(cpu.available_cpus())
    assert concurrency(argv) < 8


def test_short_worker_follows_the_cpus_too(node_of_16):
    argv = worker_argv("celery-short", node_of_16)
    assert concurrency(argv) == cpu.short_concurrency(cpu.available_cpus())


def test_explicit_concurrency_wins(node_of_16):
    assert concurrency(worker_argv("celery-long", node_of_16, CELERY_LONG_CONCURRENCY="3")) == 3
    assert concurrency(worker_argv("celery-short", node_of_16, CELERY_SHORT_CONCURRENCY="7")) == 7
