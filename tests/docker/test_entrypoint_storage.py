"""docker/entrypoint.sh runs the storage check before a serving or working role starts, so a
worker given a wrong S3 key refuses to start with a message naming the setting (issue 14, "Bad
input gets a clear error"), against the real S3 server.

As in test_entrypoint_workers.py, a `celery` on PATH prints its command line instead of
starting a worker, so "started" means the entrypoint reached `exec celery`.
"""

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


@pytest.fixture
def fake_celery(tmp_path, db) -> dict[str, str]:
    from django.db import connection

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "celery"
    stub.write_text('#!/bin/sh\necho "celery $*"\n')
    stub.chmod(0o755)
    name = connection.settings_dict["NAME"]
    database = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=f"{bin_dir}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="openpress.settings.test",
        OPENPRESS_TEST_STORAGE="filesystem",
        DATABASE_URL=database.geturl(),
        DB_WAIT_SECONDS="20",
    )
    return env


def start(role: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), role], capture_output=True, text=True, env=env, timeout=120
    )


def bucket_env(s3_server, s3_bucket, **override: str) -> dict[str, str]:
    return {
        "AWS_STORAGE_BUCKET_NAME": s3_bucket,
        "AWS_S3_ENDPOINT_URL": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
        **override,
    }


@pytest.mark.parametrize("role", ["celery-long", "celery-beat"])
def test_a_worker_with_a_wrong_s3_key_refuses_to_start_naming_the_setting(
    role, fake_celery, s3_server, s3_bucket
):
    env = {**fake_celery, **bucket_env(s3_server, s3_bucket, AWS_ACCESS_KEY_ID="NOSUCHKEY01234")}

    result = start(role, env)

    assert result.returncode == 78, result.stdout + result.stderr
    assert "openpress.E104" in result.stderr
    assert "AWS_ACCESS_KEY_ID is not a key that the S3 server" in result.stderr
    assert f"not starting {role}" in result.stderr
    assert "celery" not in result.stdout


def test_a_wrong_secret_stops_a_short_worker_too(fake_celery, s3_server, s3_bucket):
    env = {**fake_celery, **bucket_env(s3_server, s3_bucket, AWS_SECRET_ACCESS_KEY="wrong")}

    result = start("celery-short", env)

    assert result.returncode == 78
    assert "AWS_SECRET_ACCESS_KEY is not the secret of AWS_ACCESS_KEY_ID" in result.stderr


def test_the_right_key_lets_the_worker_start(fake_celery, s3_server, s3_bucket):
    result = start("celery-long", {**fake_celery, **bucket_env(s3_server, s3_bucket)})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:4] == ["celery", "-A", "openpress", "worker"]
    assert "System check identified no issues" in result.stderr
