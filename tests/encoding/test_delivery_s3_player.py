"""The player's whole path in S3 mode on what the encoder really published (issue 14, point 4):
a clip uploaded to the bucket and encoded there, then played as a browser would, by plain HTTP
with no credentials: master and variant from the playlist view, init and segments from the
bucket by presigned URLs. The bytes fetched are decoded by ffprobe."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from media_app.models import Media
from tests.conftest import client_for
from tests.encoding.clips import probe
from tests.encoding.conftest import encode_inline, upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch(settings, tmp_path) -> Path:
    folder = tmp_path / "scratch"
    folder.mkdir()
    settings.SCRATCH_DIR = str(folder)
    return folder


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (http only)
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def uris(playlist: str) -> list[str]:
    found = []
    for line in playlist.splitlines():
        if line.startswith("#EXT-X-MAP:"):
            found.append(line.split('URI="', 1)[1].split('"', 1)[0])
        elif line and not line.startswith("#"):
            found.append(line)
    return found


def play(api: APIClient, master_url: str, tmp_path: Path) -> list[tuple[int, int]]:
    """Every rendition of the master, as a player fetches it: (width, height) decoded from its
    init segment plus first media segment; every segment URL answers 200."""
    master = api.get(master_url)
    assert master.status_code == 200, master.content
    sizes = []
    for variant_url in uris(master.content.decode()):
        assert variant_url.startswith("/stream/")
        variant = api.get(variant_url)
        assert variant.status_code == 200, variant.content
        segments = uris(variant.content.decode())
        assert len(segments) >= 2
        bodies = []
        for url in segments:
            assert "X-Amz-Signature=" in url
            status, body = fetch(url)
            assert status == 200, (url, body[:300])
            bodies.append(body)
        joined = tmp_path / f"{len(sizes)}.mp4"
        joined.write_bytes(bodies[0] + bodies[1])
        video = next(s for s in probe(joined)["streams"] if s["codec_type"] == "video")
        sizes.append((video["width"], video["height"]))
    return sizes


def test_an_encoded_public_media_plays_by_plain_http(s3_media, small_clip, scratch, tmp_path):
    media = encode_inline(upload(small_clip))
    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    data = APIClient().get(f"/api/v1/media/{media.friendly_token}").json()
    assert data["hls_info"]["master_file"] == f"/stream/{media.hls_file}"
    assert play(APIClient(), data["hls_info"]["master_file"], tmp_path) == [(426, 240), (640, 360)]
    status, body = fetch(data["poster_url"])
    assert status == 200 and body[:3] == b"\xff\xd8\xff"  # a JPEG


def test_an_encoded_private_media_plays_for_its_owner_only(
    s3_media, s3_bucket, small_clip, scratch, tmp_path
):
    owner = UserFactory(is_verified_journalist=True)
    media = encode_inline(upload(small_clip, user=owner, state=Media.State.PRIVATE))
    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    assert APIClient().get(f"/api/v1/media/{media.friendly_token}").status_code == 404
    data = client_for(owner).get(f"/api/v1/media/{media.friendly_token}").json()
    master = data["hls_info"]["master_file"]
    assert master.startswith("/stream/s/")
    # The signed link is what opens it: no session goes with the player's requests.
    assert play(APIClient(), master, tmp_path) == [(426, 240), (640, 360)]
    # Guessing: the real keys of what was just played, unsigned, and the bucket's listing.
    variant = APIClient().get(uris(APIClient().get(master).content.decode())[0]).content.decode()
    for url in uris(variant):
        bare = urllib.parse.urlsplit(url)._replace(query="").geturl()
        status, body = fetch(bare)
        assert status == 403 and b"AccessDenied" in body, bare
    status, _ = fetch(f"{s3_media.endpoint}/{s3_bucket}?list-type=2&prefix=encoded/")
    assert status == 403
    # And the unsigned playlist view gives an anonymous visitor nothing.
    assert APIClient().get(f"/stream/{media.hls_file}").status_code == 404
