"""manage.py media_storage_setup prepares the real S3 bucket (issue 14): CORS for the site's
origins (PUT, ETag exposed) and a lifecycle rule aborting incomplete multipart uploads after
2 days, read back from the Ceph RGW server; idempotent; a missing bucket is created only when
allowed; filesystem mode has nothing to do."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.s3 import empty_bucket


def setup(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("media_storage_setup", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.fixture
def clean_rules(s3_media, s3_bucket):
    client = s3_media.client()
    for reset in (client.delete_bucket_cors, client.delete_bucket_lifecycle):
        reset(Bucket=s3_bucket)
    yield client
    for reset in (client.delete_bucket_cors, client.delete_bucket_lifecycle):
        reset(Bucket=s3_bucket)


def test_sets_cors_and_lifecycle_on_the_bucket_and_a_second_run_changes_nothing(
    clean_rules, s3_bucket, settings
):
    settings.CSRF_TRUSTED_ORIGINS = ["https://news.example.org", "https://www.example.org"]

    first = setup()

    assert f"Bucket {s3_bucket}: exists." in first
    assert "CORS: set" in first
    assert "Lifecycle: set" in first
    (rule,) = clean_rules.get_bucket_cors(Bucket=s3_bucket)["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://news.example.org", "https://www.example.org"]
    assert "PUT" in rule["AllowedMethods"]
    assert rule["ExposeHeaders"] == ["ETag"]
    (life,) = clean_rules.get_bucket_lifecycle_configuration(Bucket=s3_bucket)["Rules"]
    assert life["Status"] == "Enabled"
    assert life["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}

    second = setup()

    assert "CORS: unchanged" in second
    assert "Lifecycle: unchanged" in second
    assert len(clean_rules.get_bucket_cors(Bucket=s3_bucket)["CORSRules"]) == 1
    assert len(clean_rules.get_bucket_lifecycle_configuration(Bucket=s3_bucket)["Rules"]) == 1


def test_a_new_origin_replaces_our_rule_and_keeps_the_operators_own(
    clean_rules, s3_bucket, settings
):
    theirs = {
        "ID": "operator-reads",
        "AllowedOrigins": ["https://tools.example.net"],
        "AllowedMethods": ["GET"],
    }
    clean_rules.put_bucket_cors(Bucket=s3_bucket, CORSConfiguration={"CORSRules": [theirs]})
    settings.CSRF_TRUSTED_ORIGINS = ["https://old.example.org"]
    setup()
    settings.CSRF_TRUSTED_ORIGINS = ["https://new.example.org"]

    output = setup("--origin", "http://localhost:5173")

    assert "CORS: set" in output
    rules = {r["ID"]: r for r in clean_rules.get_bucket_cors(Bucket=s3_bucket)["CORSRules"]}
    assert set(rules) == {"operator-reads", "openpress-browser"}
    assert sorted(rules["openpress-browser"]["AllowedOrigins"]) == [
        "http://localhost:5173",
        "https://new.example.org",
    ]


def test_without_csrf_origins_the_allowed_hosts_are_used(clean_rules, s3_bucket, settings):
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.ALLOWED_HOSTS = ["news.example.org", "*"]
    settings.SESSION_COOKIE_SECURE = True

    setup()

    (rule,) = clean_rules.get_bucket_cors(Bucket=s3_bucket)["CORSRules"]
    assert rule["AllowedOrigins"] == ["https://news.example.org"]


def test_a_missing_bucket_is_created_only_when_allowed(s3_media, settings):
    name = f"openpress-setup-{uuid.uuid4().hex[:10]}"
    settings.AWS_STORAGE_BUCKET_NAME = name
    settings.AWS_S3_CREATE_BUCKET = False
    settings.CSRF_TRUSTED_ORIGINS = ["https://news.example.org"]
    client = s3_media.client()
    with pytest.raises(CommandError, match=rf"bucket '{name}' \(AWS_STORAGE_BUCKET_NAME\) does"):
        setup()
    assert name not in [b["Name"] for b in client.list_buckets()["Buckets"]]
    try:
        output = setup("--create-bucket")
        assert f"Bucket {name}: created." in output
        assert client.get_bucket_cors(Bucket=name)["CORSRules"][0]["ExposeHeaders"] == ["ETag"]
        settings.AWS_S3_CREATE_BUCKET = True
        assert f"Bucket {name}: exists." in setup()
    finally:
        empty_bucket(client, name)
        client.delete_bucket(Bucket=name)


def test_filesystem_mode_has_nothing_to_do(settings):
    from openpress.settings.base import storage_backends

    settings.AWS_STORAGE_BUCKET_NAME = ""
    settings.STORAGES = storage_backends(
        bucket="",
        endpoint_url="",
        access_key="",
        secret_key="",
        region="us-east-1",
        addressing_style="auto",
        link_seconds=60,
    )
    assert "Filesystem mode (AWS_STORAGE_BUCKET_NAME is not set): nothing to do." in setup()
