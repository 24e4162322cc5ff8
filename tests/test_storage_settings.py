"""Where media go is configuration (openpress/settings/base.py, storage_backends): the filesystem
as always when AWS_STORAGE_BUCKET_NAME is empty, an S3 bucket (django-storages) when it is set.
The S3 cases talk to a real S3 server (tests/s3.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from openpress.settings.base import storage_backends

ROOT = Path(__file__).resolve().parent.parent
SHOW = """
import json, django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
options = settings.STORAGES["default"].get("OPTIONS", {})
config = options.get("client_config")
print(json.dumps({
    "class": type(storages["default"]).__name__,
    "backend": settings.STORAGES["default"]["BACKEND"],
    "bucket": options.get("bucket_name"),
    "endpoint": options.get("endpoint_url"),
    "style": config.s3["addressing_style"] if config else None,
    "expire": options.get("querystring_expire"),
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "openpress.settings.production",
    "SECRET_KEY": "k" * 50,
    "DATABASE_URL": "postgres://op@db:5432/op",
    "MEDIA_LINK_SECRET": "0123456789abcdef" * 4,
}


def settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    """The settings as a container would load them: a fresh interpreter, a scrubbed environment."""
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def shown(env: dict[str, str]) -> dict:
    result = settings_with(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_bucket_media_stay_on_the_filesystem_as_before():
    seen = shown({})
    assert seen["backend"] == "django.core.files.storage.FileSystemStorage"
    assert seen["class"] == "FileSystemStorage"
    assert seen["staticfiles"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert seen["bucket"] is None


@pytest.mark.filesystem
def test_the_suite_runs_on_the_filesystem_storage(settings):
    if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        pytest.fail("this run names a bucket: this test checks the filesystem default")
    name = default_storage.save("probe/a.txt", ContentFile(b"x"))
    assert isinstance(default_storage._wrapped, FileSystemStorage)
    assert (Path(settings.MEDIA_ROOT) / name).read_bytes() == b"x"


def test_a_bucket_in_the_environment_selects_s3_storage():
    seen = shown(
        {
            "AWS_STORAGE_BUCKET_NAME": "newsroom-media",
            "AWS_S3_ENDPOINT_URL": "http://minio:9000",
            "MEDIA_LINK_SECONDS": "600",
        }
    )
    assert seen["backend"] == "storages.backends.s3.S3Storage"
    assert seen["class"] == "S3Storage"
    assert seen["bucket"] == "newsroom-media"
    assert seen["endpoint"] == "http://minio:9000"
    # auto: path style against a self-hosted endpoint (no DNS name per bucket there)
    assert seen["style"] == "path"
    assert seen["expire"] == 600
    assert seen["staticfiles"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_on_amazon_s3_auto_leaves_the_addressing_style_to_boto3():
    seen = shown({"AWS_STORAGE_BUCKET_NAME": "newsroom-media"})
    assert seen["endpoint"] is None
    assert seen["style"] == "auto"
    seen = shown({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ADDRESSING_STYLE": "virtual"})
    assert seen["style"] == "virtual"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ADDRESSING_STYLE": "dns"},
            "AWS_S3_ADDRESSING_STYLE",
        ),
        ({"MEDIA_PUBLIC_BASE_URL": "cdn.example.org"}, "MEDIA_PUBLIC_BASE_URL"),
        ({"MEDIA_PUBLIC_BASE_URL": "https://cdn.example.org/media"}, "MEDIA_PUBLIC_BASE_URL"),
    ],
)
def test_a_bad_storage_setting_stops_start_up_naming_it(env, named):
    result = settings_with(env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last and named in last


def rgw_storages(server, bucket: str, *, link_seconds: int = 900) -> dict:
    return storage_backends(
        bucket=bucket,
        endpoint_url=server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        region="us-east-1",
        addressing_style="auto",
        link_seconds=link_seconds,
    )


def test_s3_storage_writes_reads_and_links_objects_in_the_real_bucket(
    settings, s3_server, s3_bucket
):
    settings.STORAGES = rgw_storages(s3_server, s3_bucket, link_seconds=900)
    client = s3_server.client()

    first = default_storage.save("probe/clip.txt", ContentFile(b"first"))
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    assert client.get_object(Bucket=s3_bucket, Key=first)["Body"].read() == b"first"
    # As on the filesystem: a taken name gets another, the first object is not replaced.
    second = default_storage.save("probe/clip.txt", ContentFile(b"second"))
    assert second != first
    assert client.get_object(Bucket=s3_bucket, Key=first)["Body"].read() == b"first"
    with default_storage.open(second, "rb") as fh:
        assert fh.read() == b"second"

    url = default_storage.url(first)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["900"]
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - our test server
        assert answer.read() == b"first"
    # The bucket is private: the same object without the signature is refused.
    bare = url.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bare, timeout=10)  # noqa: S310 - our test server
    assert refused.value.code == 403

    for name in (first, second):
        default_storage.delete(name)
    assert not default_storage.exists(first)


def test_an_unknown_addressing_style_is_refused():
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_ADDRESSING_STYLE"):
        storage_backends(
            bucket="b",
            endpoint_url="",
            access_key="",
            secret_key="",
            region="us-east-1",
            addressing_style="dns",
            link_seconds=60,
        )
