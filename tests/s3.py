"""A real S3 server for the tests, as PostgreSQL and Redis are real (issue 14, docs/storage.md).

Where it comes from, in order:
- ``S3_ENDPOINT``, ``S3_ACCESS_KEY`` and ``S3_SECRET_KEY`` in the environment: an S3 server
  already running (CI's, a developer's MinIO or Ceph RGW), used as it is;
- otherwise ``scripts/s3-test-server.sh`` starts a one-node Ceph RADOS Gateway in a temporary
  folder for the session (a fresh folder serves S3 in about 6.5 s here, 2 cores, bluestore;
  installing its Debian packages the first time takes about 25 s more) and stops it at the end.

A test asks for ``s3_server`` (endpoint and keys) or ``s3_bucket`` (a bucket made for this
session, emptied and removed at its end). When no server can be had, the test fails with the
reason: never a skip, so a CI without S3 is red, not silently thinner.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "s3-test-server.sh"
ENV_NAMES = ("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")
# The server keeps its data in a sparse file of this apparent size (disk used = data): a full
# store makes Ceph block writes instead of failing, so it is sized well above what a suite writes.
STORE_MB = "10240"


class S3ServerUnavailable(RuntimeError):
    """No S3 server could be had; the message says why."""


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def client(self, **overrides):
        """A boto3 client for this server (path-style: no DNS name per bucket needed)."""
        import boto3
        from botocore.config import Config

        options = {
            "endpoint_url": self.endpoint,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
            "region_name": self.region,
            "config": Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 2, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
            ),
        }
        options.update(overrides)
        return boto3.client("s3", **options)

    def storages(self, bucket: str, *, link_seconds: int) -> dict:
        """Django's ``STORAGES`` for media in ``bucket`` on this server (path-style)."""
        from openpress.settings.base import storage_backends

        return storage_backends(
            bucket=bucket,
            endpoint_url=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            addressing_style="path",
            link_seconds=link_seconds,
        )


def parse_started(output: str) -> S3Server:
    """The server from the script's last line: S3_ENDPOINT=… S3_ACCESS_KEY=… S3_SECRET_KEY=…"""
    lines = output.strip().splitlines()
    fields = dict(item.split("=", 1) for item in lines[-1].split() if "=" in item) if lines else {}
    if not all(fields.get(name) for name in ENV_NAMES):
        raise S3ServerUnavailable(f"{SCRIPT.name} printed no endpoint line: {output[-500:]!r}")
    return S3Server(fields["S3_ENDPOINT"], fields["S3_ACCESS_KEY"], fields["S3_SECRET_KEY"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path, port: int, *, timeout: float = 300) -> S3Server:
    """Start the script's server in ``folder`` on ``port``; S3ServerUnavailable says why not."""
    env = {**os.environ, "S3_RGW_SIZE_MB": os.environ.get("S3_RGW_SIZE_MB", STORE_MB)}
    try:
        proc = subprocess.run(
            ["bash", str(SCRIPT), "start", str(folder), str(port)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        stop_server(folder)
        raise S3ServerUnavailable(f"{SCRIPT.name} start did not finish in {timeout:.0f}s") from exc
    if proc.returncode != 0:
        raise S3ServerUnavailable(
            f"{SCRIPT.name} start {folder} {port} failed (exit {proc.returncode}):\n"
            f"{proc.stderr[-3000:]}"
        )
    return parse_started(proc.stdout)


def stop_server(folder: Path) -> None:
    subprocess.run(
        ["bash", str(SCRIPT), "stop", str(folder)], capture_output=True, text=True, timeout=120
    )


def server_from_environment() -> S3Server | None:
    given = {name: os.environ.get(name, "") for name in ENV_NAMES}
    if not any(given.values()):
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        raise S3ServerUnavailable(
            f"{', '.join(missing)} not set: give all of {', '.join(ENV_NAMES)} (an S3 server "
            "already running) or none (the tests start scripts/s3-test-server.sh)"
        )
    return S3Server(given["S3_ENDPOINT"], given["S3_ACCESS_KEY"], given["S3_SECRET_KEY"])


def answers(server: S3Server) -> None:
    """A signed ListBuckets: the endpoint answers and takes these keys, else why not."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        server.client().list_buckets()
    except (BotoCoreError, ClientError) as exc:
        raise S3ServerUnavailable(f"the S3 server at {server.endpoint} refuses us: {exc}") from exc


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    """A running S3 server: the environment's, else one started for this session."""
    try:
        server = server_from_environment()
        if server is not None:
            answers(server)
            yield server
            return
    except S3ServerUnavailable as exc:
        pytest.fail(f"no S3 server for the tests: {exc}", pytrace=False)
    folder = tmp_path_factory.mktemp("s3-server")
    try:
        server = start_server(folder, free_port())
        answers(server)
    except S3ServerUnavailable as exc:
        stop_server(folder)
        pytest.fail(f"no S3 server for the tests: {exc}", pytrace=False)
    try:
        yield server
    finally:
        stop_server(folder)


def empty_bucket(client, bucket: str) -> None:
    """Delete every object and unfinished multipart upload of ``bucket``."""
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    for upload in uploads:
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


@pytest.fixture(scope="session")
def s3_bucket(s3_server) -> Iterator[str]:
    """A bucket of its own for this test session (a shared server may hold others')."""
    client = s3_server.client()
    name = f"openpress-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    try:
        yield name
    finally:
        empty_bucket(client, name)
        client.delete_bucket(Bucket=name)


@pytest.fixture
def s3_media(settings, s3_server, s3_bucket) -> Iterator[S3Server]:
    """This test runs in S3 mode: ``AWS_*`` settings point at the session's bucket and
    ``default_storage`` is the S3 storage (Django resets it when ``STORAGES`` changes). The
    bucket is emptied afterwards, so each test starts with no objects."""
    settings.AWS_STORAGE_BUCKET_NAME = s3_bucket
    settings.AWS_S3_ENDPOINT_URL = s3_server.endpoint
    settings.AWS_ACCESS_KEY_ID = s3_server.access_key
    settings.AWS_SECRET_ACCESS_KEY = s3_server.secret_key
    settings.AWS_S3_REGION_NAME = s3_server.region
    settings.STORAGES = s3_server.storages(s3_bucket, link_seconds=settings.MEDIA_LINK_SECONDS)
    try:
        yield s3_server
    finally:
        empty_bucket(s3_server.client(), s3_bucket)
