"""S3 mode as a browser meets it (issue 14): every page's Content-Security-Policy names the
bucket's origin (and MEDIA_PUBLIC_BASE_URL's) in img-src, media-src and connect-src, and only in
S3 mode; URLs handed to browsers are signed for AWS_S3_PUBLIC_ENDPOINT_URL, the name browsers
reach the bucket under, while the app keeps AWS_S3_ENDPOINT_URL for its own requests."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.test import Client

from media_app import delivery, storage
from openpress.settings.base import storage_backends
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MEDIA_DIRECTIVES = ("img-src", "media-src", "connect-src")
MIB = 1024 * 1024


def policy(path: str = "/", client=None) -> dict[str, list[str]]:
    response = (client or Client()).get(path)
    assert response.status_code == 200, (path, response.status_code)
    found = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        found[name] = values
    return found


def other_name(endpoint: str) -> str:
    """The same server under a second name: 127.0.0.1 <-> localhost."""
    parts = urlsplit(endpoint)
    host = "localhost" if parts.hostname != "localhost" else "127.0.0.1"
    return f"{parts.scheme}://{host}:{parts.port}"


def fetch(url: str, data: bytes | None = None, method: str = "GET") -> tuple[int, bytes]:
    assert url.startswith("http://"), url
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http only
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.filesystem  # compares with filesystem mode, the suite's storage in `make test`
def test_pages_name_the_buckets_origin_in_s3_mode_only(request, settings, user):
    settings.MEDIA_PUBLIC_BASE_URL = "https://cdn.example.org/media/"
    filesystem = policy("/")
    # Filesystem mode: media come from the site itself, as before.
    for directive in MEDIA_DIRECTIVES:
        assert [v for v in filesystem[directive] if "://" in v] == [], filesystem
    assert filesystem["media-src"] == ["'self'", "blob:"]

    server = request.getfixturevalue("s3_media")
    cdn = "https://cdn.example.org"
    for path, client in (("/", None), ("/accounts/login/", None), ("/upload", _logged_in(user))):
        found = policy(path, client)
        for directive in MEDIA_DIRECTIVES:
            assert found[directive][: len(filesystem[directive])] == filesystem[directive]
            assert server.endpoint in found[directive], (path, directive, found)
            assert cdn in found[directive], (path, directive, found)
            assert len(found[directive]) == len(set(found[directive])), found
        # The rest of the policy is the same in both modes.
        assert {k: v for k, v in found.items() if k not in MEDIA_DIRECTIVES} == {
            k: v for k, v in filesystem.items() if k not in MEDIA_DIRECTIVES
        }


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_amazon_s3_without_an_endpoint_is_named_by_the_buckets_own_host(settings):
    """No endpoint (AWS): presigned URLs go to the bucket's virtual host; the policy names it,
    the very origin of the URLs handed out (nothing here talks to AWS)."""
    settings.AWS_STORAGE_BUCKET_NAME = "openpress-media"
    settings.STORAGES = storage_backends(
        bucket="openpress-media",
        endpoint_url="",
        access_key="AKIAEXAMPLEEXAMPLE00",
        secret_key="example-secret-example-secret-example-00",
        region="eu-west-1",
        addressing_style="auto",
        link_seconds=settings.MEDIA_LINK_SECONDS,
    )
    origin = "https://openpress-media.s3.eu-west-1.amazonaws.com"
    url = delivery.object_url("encoded/ab/poster.jpg", public=True)
    assert url.startswith(f"{origin}/encoded/ab/poster.jpg?")
    found = policy("/")
    for directive in MEDIA_DIRECTIVES:
        assert origin in found[directive], found


def test_urls_for_browsers_are_signed_for_the_public_endpoint(s3_media, s3_bucket, settings, user):
    public = other_name(s3_media.endpoint)
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = public
    settings.UPLOAD_S3_PART_SIZE = 5 * MIB
    body = b"poster bytes " * 100
    s3_media.client().put_object(Bucket=s3_bucket, Key="encoded/ab/poster.jpg", Body=body)

    # Delivery: public and private presigned GETs name the public endpoint and download.
    for is_public in (True, False):
        url = delivery.object_url("encoded/ab/poster.jpg", public=is_public)
        assert url.startswith(f"{public}/{s3_bucket}/encoded/ab/poster.jpg?"), url
        assert fetch(url) == (200, body)
    # Rewriting the host of a URL signed for the app's name does not do: SigV4 signs the Host.
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = ""
    app_url = delivery.object_url("encoded/ab/poster.jpg", public=True)
    assert app_url.startswith(s3_media.endpoint)
    assert fetch(public + app_url.removeprefix(s3_media.endpoint))[0] == 403
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = public

    # Direct upload: the part URL the API hands out names the public endpoint and takes the part.
    client = client_for(user)
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * (6 * MIB)
    created = client.post(
        "/api/v1/uploads/s3",
        {"filename": "harbour.png", "size": len(data), "content_type": "image/png"},
        format="json",
    )
    assert created.status_code == 201, created.content
    upload = created.json()["upload"]
    part_url = client.post(f"/api/v1/uploads/s3/{upload}/parts/1").json()["url"]
    assert part_url.startswith(f"{public}/{s3_bucket}/"), part_url
    assert fetch(part_url, data[: 5 * MIB], "PUT")[0] == 200
    listed = client.get(f"/api/v1/uploads/s3/{upload}/parts").json()
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, 5 * MIB)]

    # The app's own requests keep AWS_S3_ENDPOINT_URL; pages name the public origin.
    assert storage.s3_client().meta.endpoint_url == s3_media.endpoint
    found = policy("/")
    for directive in MEDIA_DIRECTIVES:
        assert public in found[directive] and s3_media.endpoint not in found[directive], found
