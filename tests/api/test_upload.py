"""POST /api/v1/media: real files, content sniffing, limits, hostile names, enqueue on commit."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from media_app.models import Media
from tests import broker
from tests.api._people import PNG, body
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
STORED = re.compile(r"^original/[0-9a-f]{2}/[0-9a-f]{32}\.(mp4|png|pdf)$")


@pytest.fixture(scope="session")
def tiny_mp4(tmp_path_factory) -> bytes:
    """A one-second 64x64 H.264 clip made by ffmpeg from a test source."""
    assert shutil.which("ffmpeg"), "ffmpeg is needed (apt-get install -y ffmpeg)"
    out = tmp_path_factory.mktemp("clips") / "tiny.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=10:duration=1",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            str(out),
        ],
        check=True,
        timeout=60,
    )
    return out.read_bytes()


def _upload(client, name: str, content: bytes, **fields):
    return client.post(
        "/api/v1/media",
        {"media_file": SimpleUploadedFile(name, content), **fields},
        format="multipart",
    )


def test_journalist_upload_is_public_and_encoded_after_commit(
    journalist, tiny_mp4, django_capture_on_commit_callbacks
):
    broker.purge("long_tasks")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(
            client_for(journalist), "clip.mp4", tiny_mp4, title="Flood", description="Valley"
        )
    assert response.status_code == 201, body(response)
    # The pipeline is handed to the broker by an on-commit callback, not in the request:
    # with the callbacks held back, the media is saved and nothing is queued yet.
    assert broker.queued("long_tasks") == []
    assert not Media.objects.get().encodings.exists()
    for callback in callbacks:
        callback()
    assert broker.queued("long_tasks") == [("encoding.media_encode", [Media.objects.get().pk])]
    data = response.json()
    assert data["title"] == "Flood" and data["media_type"] == "video"
    assert data["state"] == "public" and data["encoding_status"] == "pending"
    assert "related_media" not in data and "encodings_info" in data
    media = Media.objects.get(friendly_token=data["friendly_token"])
    assert STORED.match(media.media_file.name)
    assert default_storage.open(media.media_file.name).read() == tiny_mp4
    assert media.size == len(tiny_mp4)


def test_registered_user_upload_waits_for_review(user):
    response = _upload(client_for(user), "photo.png", PNG, state="public")
    assert response.status_code == 201, body(response)
    media = Media.objects.get(friendly_token=response.json()["friendly_token"])
    assert media.media_type == "image" and media.state == "private" and not media.is_reviewed
    assert media.requested_state == "public"
    assert response.json()["state"] == "private"


def test_type_comes_from_content_not_name(user):
    # A PDF called .mp4 is a PDF; a text file called .mp4 is refused.
    response = _upload(client_for(user), "report.mp4", PDF)
    assert response.status_code == 201, body(response)
    media = Media.objects.get(friendly_token=response.json()["friendly_token"])
    assert media.media_type == "pdf" and media.media_file.name.endswith(".pdf")
    refused = _upload(client_for(user), "video.mp4", b"just some words, nothing more\n" * 20)
    assert refused.status_code == 400
    assert "not a video" in body(refused)


def test_empty_and_missing_file(user):
    empty = _upload(client_for(user), "empty.mp4", b"")
    assert empty.status_code == 400
    missing = client_for(user).post("/api/v1/media", {"title": "x"}, format="multipart")
    assert missing.status_code == 400 and "media_file" in missing.json()
    assert not Media.objects.exists()


def test_over_the_limit_is_413(user, settings):
    settings.UPLOAD_MAX_SIZE = 1000
    response = _upload(client_for(user), "big.png", PNG + b"\x00" * 5000)
    assert response.status_code == 413, body(response)
    assert "limit" in body(response)
    assert not Media.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.png"))


def test_over_the_limit_by_content_length_is_413(user, settings):
    # Declared too large before a byte is read: refused without reading the body.
    settings.UPLOAD_MAX_SIZE = 100
    response = _upload(client_for(user), "big.png", PNG + b"\x00" * (200 * 1024))
    assert response.status_code == 413, body(response)
    assert not Media.objects.exists()


def test_anonymous_upload_is_refused_and_nothing_stored(settings):
    response = _upload(APIClient(), "photo.png", PNG)
    assert response.status_code == 403
    assert not Media.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.png",
        "..\\..\\windows\\x.png",
        "a\x00b.png",
        "x" * 300 + ".png",
        "invoice\u202egnp.exe",
        "/abs/path.png",
    ],
)
def test_hostile_file_names_are_never_used(user, settings, name):
    response = _upload(client_for(user), name, PNG)
    assert response.status_code == 201, body(response)
    media = Media.objects.get(friendly_token=response.json()["friendly_token"])
    assert STORED.match(media.media_file.name)
    assert default_storage.exists(media.media_file.name)
    if settings.TEST_STORAGE == "filesystem":
        stored = Path(default_storage.path(media.media_file.name)).resolve()
        assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "\u202e" not in media.title and "\x00" not in media.title
    assert "\u202e" not in media.original_filename and "/" not in media.original_filename
    assert 0 < len(media.title) <= 100


@pytest.mark.parametrize(
    "limit, padding, expected",
    [(10_000_000, 4000, 201), (1000, 4000, 413), (100, 200 * 1024, 413)],
)
def test_session_upload_with_csrf(user, settings, limit, padding, expected):
    # A browser: session cookie plus X-CSRFToken. The CSRF check reads the form first.
    settings.UPLOAD_MAX_SIZE = limit
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    response = client.post(
        "/api/v1/media",
        {"media_file": SimpleUploadedFile("p.png", PNG + b"\x00" * padding)},
        format="multipart",
        HTTP_X_CSRFTOKEN=secret,
    )
    assert response.status_code == expected, body(response)
    assert Media.objects.count() == (1 if expected == 201 else 0)
    no_token = client.post(
        "/api/v1/media", {"media_file": SimpleUploadedFile("p.png", PNG)}, format="multipart"
    )
    assert no_token.status_code == 403


def test_the_language_given_at_upload_is_kept_and_searched_in(journalist):
    client = client_for(journalist)
    response = _upload(
        client, "elections.pdf", PDF, title="Les élections municipales", language="fr"
    )
    assert response.status_code == 201, body(response)
    token = response.json()["friendly_token"]
    assert client.get(f"/api/v1/media/{token}").json()["language"] == "fr"
    media = Media.objects.get(friendly_token=token)
    assert media.language == "fr" and media.search_document.config == "openpress_french"
    # A tag that is not BCP 47 is refused before anything is stored.
    refused = _upload(client, "notes.pdf", PDF, language="French; DROP TABLE")
    assert refused.status_code == 400 and "BCP 47" in body(refused)
    assert Media.objects.count() == 1
