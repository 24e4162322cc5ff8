"""``hls_info`` of the media detail comes from the database (issue 16).

It used to be read from the master playlist in storage and regex-parsed on every uncached
detail request. The encoder records each rendition's playlist in its ``Encoding`` row, so the
answer is built from those rows: these tests encode real clips (ffmpeg) and check that the
answer is what reading the master gives, on the filesystem and in the bucket, and that a detail
request opens nothing in storage.
"""

from __future__ import annotations

import posixpath

import pytest
from django.core.files.storage import Storage

from media_app import delivery
from media_app.api.serializers.media import file_url
from media_app.encoding import hls
from media_app.models import Media
from tests.conftest import client_for
from tests.encoding.clips import BEEP, ffmpeg, make_clip
from tests.encoding.conftest import encode_inline, read_text, upload

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(params=["filesystem", "s3"])
def mode(request):
    if request.param == "s3":
        request.getfixturevalue("s3_media")
    return request.param


def _from_master(media: Media) -> dict[str, str]:
    """What the API answered before: the master read from storage, one key per variant
    (``<height>_playlist``, or ``audio_playlist`` for a variant without a resolution)."""
    run = posixpath.dirname(media.hls_file)
    master = hls.parse_master(read_text(media.hls_file))
    found = {"master_file": file_url(media.hls_file, media)}
    for variant in master.variants:
        key = f"{variant.resolution[1]}_playlist" if variant.resolution else "audio_playlist"
        found[key] = file_url(posixpath.normpath(posixpath.join(run, variant.uri)), media)
    return found


def _detail(media: Media) -> dict:
    answer = client_for(media.user).get(f"/api/v1/media/{media.friendly_token}")
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.fixture
def no_storage_reads(monkeypatch):
    """Fails a test that opens a stored file (filesystem or bucket) or GETs an object."""
    opened: list[str] = []

    def refuse(*args, **kwargs):
        opened.append(str(args[1] if len(args) > 1 else kwargs))
        raise AssertionError(f"storage read during the request: {args[1:]}")

    def install():
        monkeypatch.setattr(Storage, "open", refuse)
        monkeypatch.setattr(delivery, "read_object", refuse)
        return opened

    return install


def test_a_video_answers_what_its_master_lists_without_reading_storage(
    mode, tmp_path, no_storage_reads
):
    clip = make_clip(tmp_path / "ladder.mp4", size="640x360", seconds=2)
    media = encode_inline(upload(clip))
    assert media.encoding_status == "success", media.encoding_fail_reason
    expected = _from_master(media)
    assert set(expected) == {"master_file", "240_playlist", "360_playlist"}

    opened = no_storage_reads()
    data = _detail(media)

    assert opened == []
    assert data["hls_info"] == expected
    assert list(data["hls_info"]) == list(expected)  # the master's order, lowest first


def test_a_source_shorter_than_every_profile_keys_its_own_height(mode, tmp_path):
    # 320x180: shorter than the lowest profile (240), encoded once at its own height.
    clip = make_clip(tmp_path / "tiny.mp4", size="320x180", seconds=2)
    media = encode_inline(upload(clip))
    assert media.encoding_status == "success", media.encoding_fail_reason
    expected = _from_master(media)
    assert set(expected) == {"master_file", "180_playlist"}

    assert _detail(media)["hls_info"] == expected


def test_audio_only_media_answers_its_audio_playlist(mode, tmp_path, no_storage_reads):
    clip = tmp_path / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", BEEP.format(d=2), "-c:a", "aac", str(clip))
    media = encode_inline(upload(clip))
    assert media.encoding_status == "success", media.encoding_fail_reason
    expected = _from_master(media)
    assert set(expected) == {"master_file", "audio_playlist"}

    opened = no_storage_reads()
    assert _detail(media)["hls_info"] == expected
    assert opened == []


def test_a_rendition_of_another_run_is_not_listed(tmp_path):
    media = encode_inline(upload(make_clip(tmp_path / "c.mp4", size="640x360", seconds=2)))
    served = _detail(media)["hls_info"]
    assert set(served) == {"master_file", "240_playlist", "360_playlist"}
    # A new run has started: its rows are reset while the complete run stays served.
    media.encodings.update(status="running", media_file="")
    assert _detail(media)["hls_info"] == {"master_file": served["master_file"]}
