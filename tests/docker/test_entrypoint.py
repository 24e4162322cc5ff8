"""docker/entrypoint.sh refuses what it does not know and gives up on a missing database in time.

Run on the host with the project's venv first on PATH (the image has /opt/venv there): the
script is POSIX sh and only needs `python` with the project importable.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args], capture_output=True, text=True, env=full_env, timeout=60
    )


def test_unknown_role_exits_non_zero_with_the_roles():
    result = run("webserver")
    assert result.returncode == 64
    assert "unknown role 'webserver'" in result.stderr
    assert "web api celery-short celery-long celery-beat migrate manage" in result.stderr


def test_unreachable_database_is_a_bounded_wait_then_a_clear_error_without_the_password():
    started = time.monotonic()
    result = run(
        "migrate",
        DJANGO_SETTINGS_MODULE="openpress.settings.production",
        SECRET_KEY="entrypoint-test",
        MEDIA_LINK_SECRET="entrypoint-test-media-link-secret-0123",
        DATABASE_URL="postgres://op:not-to-be-printed@127.0.0.1:1/openpress",
        DB_WAIT_SECONDS="2",
    )
    assert result.returncode == 3
    assert time.monotonic() - started < 30
    assert "database at 127.0.0.1:1 did not answer within 2s" in result.stderr
    assert "not-to-be-printed" not in result.stderr + result.stdout
