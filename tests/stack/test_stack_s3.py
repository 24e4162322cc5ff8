"""compose's `s3` profile in real containers (issue 14, point 6): docker-compose.s3.yml on top of
docker-compose.yml, with the profile's own S3 server (docker/s3: Ceph RGW) and its one-shot
bucket set-up.

Run by ``scripts/stack-test.sh`` after the filesystem stack (test_stack.py) has gone down. What
it checks holds whatever the app does with the bucket: the merged configuration mounts no media
volume anywhere, the server starts and becomes healthy, and the set-up makes a private bucket
with the CORS rule the browser's direct upload needs and the lifecycle rule that aborts
abandoned multipart uploads. The app in S3 mode through nginx is test_stack_s3_story.py.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from tests.stack.signing import signing_env

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
PROJECT = os.environ.get("STACK_S3_PROJECT", "openpress-stack-s3")
HTTP_PORT = int(os.environ.get("STACK_HTTP_PORT", "18080"))
S3_PORT = int(os.environ.get("STACK_S3_PORT", "18480"))
S3_ENDPOINT = f"http://127.0.0.1:{S3_PORT}"
BUCKET = "stack-media"
APP_SERVICES = ("migrate", "web", "api", "celery-short", "celery-long", "celery-beat")
SETUP_WITHIN = 300  # seconds from `up` to the bucket set up (a cold Ceph start on 2 shared cores)
REPORT = os.environ.get("STACK_REPORT")


def report(line: str) -> None:
    print(line)
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class S3Compose:
    """`docker compose` with both files, the s3 profile and this run's .env."""

    def __init__(self, env_file: Path, project: str = PROJECT):
        self.base = [
            "docker",
            "compose",
            "-f",
            str(ROOT / "docker-compose.yml"),
            "-f",
            str(ROOT / "docker-compose.s3.yml"),
            "-p",
            project,
            "--env-file",
            str(env_file),
            "--profile",
            "s3",
        ]

    def run(self, *args: str, check: bool = True, timeout: float = 600):
        proc = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return proc

    def states(self) -> dict[str, dict]:
        out = self.run("ps", "-a", "--format", "json").stdout.strip()
        rows = json.loads(out) if out.startswith("[") else [json.loads(x) for x in out.splitlines()]
        return {row["Service"]: row for row in rows}


def env_text(access_key: str, secret_key: str, **extra: str) -> str:
    """A .env for the s3 profile: throw-away secrets for this run, the bucket's key pair."""
    values = {
        "SECRET_KEY": secrets.token_hex(32),
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "MEDIA_LINK_SECRET": secrets.token_hex(32),
        "REDIS_PASSWORD": secrets.token_hex(16),
        "OPENPRESS_HTTP_PORT": str(HTTP_PORT),
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "OPENPRESS_S3_PORT": str(S3_PORT),
        # A small store: the stack writes a few MB (the default is 50 GiB, sparse).
        "OPENPRESS_S3_SIZE_MB": "4096",
        **signing_env(),
        **extra,
    }
    return "".join(f"{k}={v}\n" for k, v in values.items())


def keys() -> tuple[str, str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    access = "".join(secrets.choice(alphabet) for _ in range(20))
    return access, secrets.token_urlsafe(30)


def s3_client(access_key: str, secret_key: str):
    return boto3.client(
        "s3",
        endpoint_url=S3_ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def wait_for(predicate, *, timeout: float, message: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@pytest.fixture(scope="module")
def s3_profile(tmp_path_factory):
    """The profile's server and set-up, up; the app services are left down (their config is
    checked, and the story module runs them)."""
    folder = tmp_path_factory.mktemp("stack-s3")
    access, secret = keys()
    env_file = folder / "stack-s3.env"
    env_file.write_text(env_text(access, secret))
    compose = S3Compose(env_file)
    compose.run("down", "-v", "--remove-orphans", check=False)
    started = time.monotonic()
    try:
        compose.run("up", "-d", "--no-build", "s3", "s3-setup", timeout=SETUP_WITHIN)

        def set_up():
            setup = compose.states().get("s3-setup", {})
            if setup.get("State") == "exited" and setup.get("ExitCode") != 0:
                logs = compose.run("logs", "s3", "s3-setup", check=False).stdout[-4000:]
                raise AssertionError(f"s3-setup failed:\n{logs}")
            return setup.get("State") == "exited"

        wait_for(set_up, timeout=SETUP_WITHIN, message="s3-setup to finish")
        report(f"stack-s3: server up and bucket set up in {time.monotonic() - started:.1f}s")
        yield compose, access, secret
    finally:
        logs = compose.run("logs", "--no-color", "--tail", "40", check=False).stdout
        if REPORT:
            Path(REPORT).with_suffix(".s3.logs").write_text(logs)
        compose.run("down", "-v", "--remove-orphans", check=False)


def test_stack_s3_profile_mounts_no_media_volume_and_hands_out_the_bucket(s3_profile):
    compose, access, _secret = s3_profile
    config = json.loads(compose.run("config", "--format", "json").stdout)
    services = config["services"]
    assert {"s3", "s3-setup", *APP_SERVICES, "nginx"} <= set(services)
    assert "media" not in config.get("volumes", {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            assert volume.get("source") != "media", name
            assert volume["target"] != "/data/media", name
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["AWS_STORAGE_BUCKET_NAME"] == BUCKET, name
        assert env["AWS_S3_ENDPOINT_URL"] == "http://s3:7480", name
        assert env["AWS_ACCESS_KEY_ID"] == access, name
        # Workers and uWSGI keep their work in a scratch volume of their own.
        targets = {v["target"] for v in services[name]["volumes"]}
        assert targets == {"/tmp", "/data/scratch"}, name
    # nginx hands /media/ to the app (docker/nginx/start.sh, snippets/media-s3.conf).
    assert services["nginx"]["environment"]["AWS_STORAGE_BUCKET_NAME"] == BUCKET
    # Nothing starts before the bucket is set up.
    assert services["migrate"]["depends_on"]["s3-setup"]["condition"] == (
        "service_completed_successfully"
    )


def test_stack_s3_server_is_healthy_and_the_bucket_is_private_with_cors_and_lifecycle(s3_profile):
    compose, access, secret = s3_profile
    assert compose.states()["s3"]["Health"] == "healthy"
    client = s3_client(access, secret)
    assert BUCKET in [b["Name"] for b in client.list_buckets()["Buckets"]]
    client.put_object(Bucket=BUCKET, Key="probe/hello.txt", Body=b"hello")
    assert client.get_object(Bucket=BUCKET, Key="probe/hello.txt")["Body"].read() == b"hello"

    (rule,) = client.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    assert set(rule["AllowedOrigins"]) == {
        f"http://localhost:{HTTP_PORT}",
        f"http://127.0.0.1:{HTTP_PORT}",
    }
    assert {"PUT", "GET", "HEAD"} <= set(rule["AllowedMethods"])
    assert "ETag" in rule["ExposeHeaders"]
    (lifecycle,) = client.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert lifecycle["Status"] == "Enabled"
    assert lifecycle["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}

    # A browser on the site's origin may PUT a part: the preflight the bucket answers.
    preflight = urllib.request.Request(  # noqa: S310 - the stack's own server on loopback
        f"{S3_ENDPOINT}/{BUCKET}/original/part",
        method="OPTIONS",
        headers={
            "Origin": f"http://127.0.0.1:{HTTP_PORT}",
            "Access-Control-Request-Method": "PUT",
        },
    )
    with urllib.request.urlopen(preflight, timeout=30) as resp:  # noqa: S310
        assert resp.headers["Access-Control-Allow-Origin"] == f"http://127.0.0.1:{HTTP_PORT}"
        assert "PUT" in resp.headers["Access-Control-Allow-Methods"]

    # Nobody without the key lists the bucket or reads an object.
    for url in (f"{S3_ENDPOINT}/{BUCKET}", f"{S3_ENDPOINT}/{BUCKET}/probe/hello.txt"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=30)  # noqa: S310
        assert refused.value.code == 403, url


def test_stack_s3_setup_runs_again_without_harm(s3_profile):
    compose, access, secret = s3_profile
    client = s3_client(access, secret)
    client.put_object(Bucket=BUCKET, Key="probe/kept.txt", Body=b"kept")
    out = compose.run("run", "--rm", "--no-deps", "s3-setup").stdout
    assert f"bucket {BUCKET} exists" in out
    assert client.get_object(Bucket=BUCKET, Key="probe/kept.txt")["Body"].read() == b"kept"
