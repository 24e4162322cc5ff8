"""Production settings refuse to start without their secrets, and start with them.

Each case imports the settings in a fresh interpreter with a scrubbed environment, as a container
would, so nothing from the test process (DATABASE_URL, a developer's .env) leaks in.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = "import django; django.setup(); print('started')"
LONG_KEY = "k" * 20 + "Zq7-3fX!9pL#2mW$8rT@5vB^1nY&4cH*"
LINK_KEY = "0123456789abcdef" * 4


def run_with(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv or [sys.executable, "-c", SETUP],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "openpress.settings.production",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY"),
        ({"DATABASE_URL": "postgres://op@db:5432/op"}, "SECRET_KEY"),
        ({"SECRET_KEY": LONG_KEY}, "DATABASE_URL"),
        ({"SECRET_KEY": "", "DATABASE_URL": "postgres://op@db:5432/op"}, "SECRET_KEY"),
        ({"SECRET_KEY": LONG_KEY, "DATABASE_URL": "postgres://op@db:5432/op"}, "MEDIA_LINK_SECRET"),
    ],
)
def test_a_missing_secret_stops_start_up_naming_it(env, missing):
    result = run_with(env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert f"{missing} is not set" in last_line


@pytest.mark.parametrize("key", ["short-key", "x" * 31, "a$b" * 20, '0123456789abcdef"' * 3])
def test_a_media_link_key_nginx_could_not_hold_safely_stops_start_up(key):
    result = run_with(
        {
            "SECRET_KEY": LONG_KEY,
            "DATABASE_URL": "postgres://op@db:5432/op",
            "MEDIA_LINK_SECRET": key,
        }
    )
    assert result.returncode != 0
    assert "MEDIA_LINK_SECRET must be 32 or more letters" in result.stderr.strip().splitlines()[-1]
    assert key not in result.stderr


def test_with_its_secrets_set_production_starts_and_is_locked_down():
    env = {
        "SECRET_KEY": LONG_KEY,
        "DATABASE_URL": "postgres://op:pw@db:5432/openpress",
        "MEDIA_LINK_SECRET": LINK_KEY,
    }
    result = run_with(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"

    shown = run_with(
        env,
        sys.executable,
        "-c",
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'])",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == [
        "False",
        "True",
        "True",
        "django.db.backends.postgresql",
        # Redis, answering a miss while it is away (openpress/cache.py, tests/test_cache.py).
        "openpress.cache.ResilientRedisCache",
    ]


def test_production_passes_django_security_deploy_checks():
    env = {
        "SECRET_KEY": LONG_KEY,
        "DATABASE_URL": "postgres://op:pw@db:5432/openpress",
        "MEDIA_LINK_SECRET": LINK_KEY,
    }
    result = run_with(
        env,
        sys.executable,
        "manage.py",
        "check",
        "--deploy",
        # Only the security checks: others (a frontend build not made yet) are not the settings'.
        "--tag",
        "security",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
