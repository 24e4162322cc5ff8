"""Files that cannot be encoded end ``fail`` with a reason a person can read."""

import os

import pytest

from media_app.models import Encoding, Media
from tests.encoding.clips import ffmpeg, make_clip
from tests.encoding.conftest import encode_inline, upload

pytestmark = pytest.mark.django_db


def _bad_files(d):
    (d / "empty.mp4").write_bytes(b"")
    (d / "random.mp4").write_bytes(os.urandom(64 * 1024))
    (d / "text.mp4").write_text("Meeting notes\nnothing to see here\n" * 100)
    whole = make_clip(d / "whole.mp4", seconds=3)  # moov atom at the end, as cameras write it
    (d / "truncated.mp4").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    ffmpeg(
        "-f", "lavfi", "-i", "color=c=red:s=16x16", "-vf", "scale=1:1",
        "-frames:v", "1", str(d / "tiny.png"),
    )  # fmt: skip
    ffmpeg(
        "-f", "lavfi", "-i", "color=s=10000x10000:d=0.04", "-frames:v", "1",
        "-c:v", "mjpeg", "-q:v", "31", str(d / "huge.mp4"),
    )  # fmt: skip
    subs = d / "subs.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n")
    ffmpeg("-i", str(subs), "-c:s", "mov_text", str(d / "no_streams.mp4"))
    return {
        "empty.mp4": "The file is empty.",
        "random.mp4": "not a video, audio or image",
        "text.mp4": "not a video, audio or image",
        "truncated.mp4": "incomplete or corrupt",
        "tiny.png": "too small (1x1)",
        "huge.mp4": "too large (10000x10000)",
        "no_streams.mp4": "no video or audio stream",
    }


def test_bad_inputs_fail_with_a_readable_reason(tmp_path):
    for name, reason in _bad_files(tmp_path).items():
        media = encode_inline(upload(tmp_path / name))
        assert media.encoding_status == Media.EncodingStatus.FAIL, name
        assert reason in media.encoding_fail_reason, (name, media.encoding_fail_reason)
        assert not media.hls_file
        assert not Encoding.objects.filter(media=media).exclude(status="fail").exists()


def test_a_file_cut_short_after_its_index_fails_as_truncated(tmp_path):
    whole = make_clip(tmp_path / "whole.mp4", seconds=6, extra_video=["-movflags", "+faststart"])
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 5])
    media = encode_inline(upload(cut))
    assert media.encoding_status == Media.EncodingStatus.FAIL
    assert "truncated or damaged" in media.encoding_fail_reason, media.encoding_fail_reason


def test_a_missing_original_fails_instead_of_staying_pending(tmp_path):
    media = upload(make_clip(tmp_path / "gone.mp4", seconds=1))
    os.unlink(media.media_file.path)
    media = encode_inline(media)
    assert media.encoding_status == "fail"
    assert media.encoding_fail_reason == "The uploaded file is missing from storage."
