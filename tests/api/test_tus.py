"""tus 1.0 uploads: creation, resume after an interrupted PATCH, termination, refusals."""

import base64
import os
import socket
from urllib.parse import urlparse

import pytest

from media_app.models import Media, ResumableUpload
from media_app.services.uploads import spool_path
from tests import broker
from tests.api._people import make_token
from tests.conftest import client_for
from tests.workers import wait_for

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(40_000)


def _meta(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def _create(client, length: int, **meta) -> str:
    response = client.post(
        "/api/v1/uploads/",
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=_meta(**meta),
        **TUS,
    )
    assert response.status_code == 201, response.content
    assert response["Tus-Resumable"] == "1.0.0"
    return urlparse(response["Location"]).path


def _patch(client, url: str, offset: int, body: bytes):
    return client.generic(
        "PATCH",
        url,
        body,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
    )


def test_options_announces_version_extensions_and_limit(api, settings):
    response = api.options("/api/v1/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "termination"}
    assert response["Tus-Max-Size"] == str(settings.UPLOAD_MAX_SIZE)


@pytest.mark.django_db
def test_upload_in_chunks_becomes_media_and_starts_encoding(
    user, django_capture_on_commit_callbacks
):
    client = client_for(user)
    url = _create(client, len(PNG), filename="../../etc/passwd\u202egnp.png", title="Harbour")
    assert client.head(url, **TUS)["Upload-Offset"] == "0"

    first = _patch(client, url, 0, PNG[:10_000])
    assert first.status_code == 204 and first["Upload-Offset"] == "10000"
    head = client.head(url, **TUS)
    assert head["Upload-Offset"] == "10000" and head["Upload-Length"] == str(len(PNG))

    broker.purge("long_tasks")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        last = _patch(client, url, 10_000, PNG[10_000:])
        assert broker.queued("long_tasks") == []  # not before the commit
    assert last.status_code == 204
    assert last["Upload-Offset"] == str(len(PNG))
    media = Media.objects.get(friendly_token=last["Upload-Media"])
    assert media.user == user and media.title == "Harbour" and media.media_type == "image"
    assert media.size == len(PNG)
    # Stored under a name we made, never the client's; the spool file is gone (moved, not copied).
    assert media.media_file.name.startswith("original/") and "passwd" not in media.media_file.name
    assert media.media_file.read() == PNG
    assert not spool_path(ResumableUpload.objects.get(media=media)).exists()
    assert callbacks  # ran at commit: the encoding is queued
    assert broker.queued("long_tasks") == [("encoding.media_encode", [media.pk])]

    again = client.head(url, **TUS)
    assert again["Upload-Media"] == media.friendly_token


@pytest.mark.django_db
def test_wrong_offset_conflicts_and_changes_nothing(user):
    client = client_for(user)
    url = _create(client, len(PNG), filename="a.png")
    _patch(client, url, 0, PNG[:9000])
    response = _patch(client, url, 5, PNG[5:100])
    assert response.status_code == 409
    assert client.head(url, **TUS)["Upload-Offset"] == "9000"


@pytest.mark.django_db
def test_not_media_is_refused_after_first_bytes(user):
    client = client_for(user)
    text = b"just some notes, not a video\n" * 1000
    url = _create(client, len(text), filename="notes.mp4")
    response = _patch(client, url, 0, text[:9000])
    assert response.status_code == 400
    assert "not a video" in response.json()["detail"]
    assert not ResumableUpload.objects.exists()
    assert not Media.objects.exists()


@pytest.mark.django_db
def test_too_large_and_bad_headers_are_refused(user, settings):
    settings.UPLOAD_MAX_SIZE = 1000
    client = client_for(user)
    too_big = client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="1001", **TUS)
    assert too_big.status_code == 413 and "limit" in too_big.json()["detail"]
    assert client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="-3", **TUS).status_code == 400
    assert client.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10").status_code == 412
    bad_meta = client.post(
        "/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA="filename !!!", **TUS
    )
    assert bad_meta.status_code == 400
    url = _create(client, 900, filename="x.png")
    wrong_type = client.generic(
        "PATCH", url, b"x", content_type="application/json", HTTP_UPLOAD_OFFSET="0", **TUS
    )
    assert wrong_type.status_code == 415
    assert not Media.objects.exists()


@pytest.mark.django_db
def test_termination_and_other_peoples_uploads(user, journalist, api):
    url = _create(client_for(user), len(PNG), filename="a.png")
    assert client_for(journalist).head(url, **TUS).status_code == 404
    assert _patch(client_for(journalist), url, 0, PNG[:10]).status_code == 404
    assert api.post("/api/v1/uploads/", HTTP_UPLOAD_LENGTH="10", **TUS).status_code == 403
    owner = client_for(user)
    assert owner.delete(url, **TUS).status_code == 204
    assert owner.head(url, **TUS).status_code == 404
    assert not ResumableUpload.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_dropped_connection_keeps_what_arrived_and_resumes(live_server, user):
    """A real socket closed mid-body: the server keeps the bytes, the client resumes at HEAD."""
    token = make_token(user)
    client = client_for(user)
    url = _create(client, len(PNG), filename="field.png")
    host, port = urlparse(live_server.url).hostname, urlparse(live_server.url).port
    sent = 20_000
    with socket.create_connection((host, port)) as sock:
        head = (
            f"PATCH {url} HTTP/1.1\r\nHost: {host}\r\nTus-Resumable: 1.0.0\r\n"
            f"Authorization: Token {token}\r\nUpload-Offset: 0\r\n"
            f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(PNG)}\r\n\r\n"
        )
        sock.sendall(head.encode() + PNG[:sent])
        sock.shutdown(socket.SHUT_WR)  # the network drops: no more bytes will come
    offset = wait_for(
        lambda: int(client.head(url, **TUS)["Upload-Offset"]) == sent and sent,
        timeout=30,
        message="the partial body to be kept",
    )
    done = _patch(client, url, offset, PNG[offset:])
    assert done.status_code == 204
    media = Media.objects.get(friendly_token=done["Upload-Media"])
    assert media.media_file.read() == PNG


@pytest.mark.django_db
def test_abandoned_uploads_expire(user):
    from datetime import timedelta

    from django.utils import timezone

    from media_app.tasks.housekeeping import expire_uploads

    client = client_for(user)
    old_url = _create(client, len(PNG), filename="old.png")
    _patch(client, old_url, 0, PNG[:9000])
    fresh_url = _create(client, len(PNG), filename="fresh.png")
    old = ResumableUpload.objects.get(filename="old.png")
    ResumableUpload.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))

    assert expire_uploads() == 1
    assert not spool_path(old).exists()
    assert client.head(old_url, **TUS).status_code == 404
    assert client.head(fresh_url, **TUS).status_code == 200


@pytest.mark.django_db
def test_the_language_in_the_metadata_reaches_the_media_and_a_bad_one_is_refused_at_once(user):
    client = client_for(user)
    refused = client.post(
        "/api/v1/uploads/",
        HTTP_UPLOAD_LENGTH=str(len(PNG)),
        HTTP_UPLOAD_METADATA=_meta(filename="a.png", language="not a language"),
        **TUS,
    )
    assert refused.status_code == 400 and b"BCP 47" in refused.content
    assert not ResumableUpload.objects.exists()
    url = _create(client, len(PNG), filename="a.png", language="pt-BR")
    last = _patch(client, url, 0, PNG)
    assert last.status_code == 204
    media = Media.objects.get(friendly_token=last["Upload-Media"])
    assert media.language == "pt-BR" and media.search_document.config == "openpress_portuguese"
