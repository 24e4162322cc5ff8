"""With a bucket named, start-up refuses a storage that cannot work, naming the setting
(media_app/checks.py, object_storage), against a real S3 server (tests/s3.py); and S3 mode,
unfinished (issue 14), is refused outright outside the tests."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from media_app.checks import object_storage
from openpress.settings.base import storage_backends

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def s3_settings(settings, s3_server, s3_bucket, monkeypatch):
    """Point the settings at the test server; ``use(**changes)`` changes one thing."""
    # No instance metadata service here: boto3's credential chain must not wait for one.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)

    def use(*, bucket=s3_bucket, endpoint=s3_server.endpoint, **keys):
        options = {"access_key": s3_server.access_key, "secret_key": s3_server.secret_key}
        options.update(keys)
        settings.AWS_STORAGE_BUCKET_NAME = bucket
        settings.STORAGES = storage_backends(
            bucket=bucket,
            endpoint_url=endpoint,
            region="us-east-1",
            addressing_style="auto",
            link_seconds=600,
            **options,
        )
        return object_storage()

    settings.AWS_S3_CREATE_BUCKET = False
    return use


def only(problems):
    assert len(problems) == 1, problems
    return problems[0]


def test_a_working_bucket_passes(s3_settings):
    assert s3_settings() == []


def test_no_bucket_no_check(settings):
    settings.AWS_STORAGE_BUCKET_NAME = ""
    assert object_storage() == []


def test_a_wrong_secret_key_is_named(s3_settings):
    problem = only(s3_settings(secret_key="wrong-secret-key-0123456789abcdefghijklmn"))
    assert problem.id == "openpress.E104"
    assert "AWS_SECRET_ACCESS_KEY is not the secret of AWS_ACCESS_KEY_ID" in problem.msg


def test_an_unknown_access_key_is_named(s3_settings):
    problem = only(s3_settings(access_key="NOSUCHKEY0123456789X"))
    assert problem.id == "openpress.E104"
    assert "AWS_ACCESS_KEY_ID is not a key" in problem.msg


def test_an_endpoint_nobody_answers_on_is_named(s3_settings):
    from tests.s3 import free_port

    endpoint = f"http://127.0.0.1:{free_port()}"
    problem = only(s3_settings(endpoint=endpoint))
    assert problem.id == "openpress.E103"
    assert "AWS_S3_ENDPOINT_URL" in problem.msg and endpoint in problem.msg


@pytest.mark.parametrize(
    ("keys", "missing"),
    [({"secret_key": ""}, "AWS_SECRET_ACCESS_KEY"), ({"access_key": ""}, "AWS_ACCESS_KEY_ID")],
)
def test_a_missing_half_of_the_keys_is_named(s3_settings, keys, missing):
    problem = only(s3_settings(**keys))
    assert problem.id == "openpress.E102"
    assert problem.msg.startswith(f"{missing} is not set")


def test_no_keys_anywhere_are_named(s3_settings, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aws either
    problem = only(s3_settings(access_key="", secret_key=""))
    assert problem.id == "openpress.E102"
    assert "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set" in problem.msg


def test_a_missing_bucket_is_an_error_unless_creating_is_allowed(s3_settings, s3_server, settings):
    client = s3_server.client()
    name = f"openpress-missing-{uuid.uuid4().hex[:8]}"
    problem = only(s3_settings(bucket=name))
    assert problem.id == "openpress.E105"
    assert f"'{name}' (AWS_STORAGE_BUCKET_NAME) does not exist" in problem.msg
    assert "AWS_S3_CREATE_BUCKET" in problem.hint
    assert name not in [b["Name"] for b in client.list_buckets()["Buckets"]]

    settings.AWS_S3_CREATE_BUCKET = True
    try:
        assert s3_settings(bucket=name) == []
        assert name in [b["Name"] for b in client.list_buckets()["Buckets"]]
        settings.AWS_S3_CREATE_BUCKET = False
        assert s3_settings(bucket=name) == []  # there now: nothing to create
    finally:
        client.delete_bucket(Bucket=name)


def manage_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "AWS_EC2_METADATA_DISABLED": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "openpress.settings.production",
    "SECRET_KEY": "k" * 50,
    "DATABASE_URL": "postgres://op@db:5432/op",
    "MEDIA_LINK_SECRET": "0123456789abcdef" * 4,
    # About the bucket only: no Content Credentials signer here (its own check, E150, is
    # tested in tests/trust/test_provenance.py).
    "C2PA_ALLOW_UNSIGNED": "true",
}


def test_production_starts_with_a_working_bucket_and_refuses_a_wrong_key(s3_server, s3_bucket):
    s3 = {
        "AWS_STORAGE_BUCKET_NAME": s3_bucket,
        "AWS_S3_ENDPOINT_URL": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
    }
    started = manage_check({**PRODUCTION, **s3})
    assert started.returncode == 0, started.stderr
    refused = manage_check({**PRODUCTION, **s3, "AWS_SECRET_ACCESS_KEY": "wrong" * 8})
    assert refused.returncode != 0
    assert "openpress.E104" in refused.stderr
    assert "AWS_SECRET_ACCESS_KEY" in refused.stderr
    assert manage_check(PRODUCTION).returncode == 0


def test_manage_py_refuses_to_start_with_a_wrong_key(s3_server, s3_bucket):
    env = {
        "DJANGO_SETTINGS_MODULE": "openpress.settings.test",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "AWS_STORAGE_BUCKET_NAME": s3_bucket,
        "AWS_S3_ENDPOINT_URL": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": s3_server.access_key,
        "AWS_SECRET_ACCESS_KEY": "wrong-secret-key-0123456789abcdefghijklmn",
    }
    refused = manage_check(env)
    assert refused.returncode != 0
    assert "openpress.E104" in refused.stderr and "AWS_SECRET_ACCESS_KEY" in refused.stderr
    env["AWS_SECRET_ACCESS_KEY"] = s3_server.secret_key
    started = manage_check(env)
    assert started.returncode == 0, started.stderr
