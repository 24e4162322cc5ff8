"""Files that cannot be encoded end ``fail`` with a reason a person can read."""

import random
import socket

import pytest

from media_app import storage
from media_app.models import Encoding, Media
from tests.encoding.clips import ffmpeg, make_clip
from tests.encoding.conftest import encode_inline, upload

pytestmark = pytest.mark.django_db


def _bad_files(d):
    (d / "empty.mp4").write_bytes(b"")
    # Seeded: noise that ffprobe's detection takes for a rare format it may not open (the
    # product's answer is the same either way; the seed keeps the test from depending on luck).
    (d / "random.mp4").write_bytes(random.Random(11).randbytes(64 * 1024))
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
    media.media_file.storage.delete(media.media_file.name)
    assert not storage.exists(media.media_file.name)
    media = encode_inline(media)
    assert media.encoding_status == "fail"
    assert media.encoding_fail_reason == "The uploaded file is missing from storage."


def test_a_playlist_behind_an_id3_tag_is_refused_without_opening_what_it_names(tmp_path):
    """An HLS playlist after an ID3 tag sniffs as MP3 (it passes the upload's type check), and
    ffmpeg's own detection would open it as HLS and read every path and URL it lists."""
    from media_app.services.media import detect_media_type

    secret = make_clip(tmp_path / "someone-elses-private.mp4", seconds=2)
    with socket.socket() as listener:  # an "internal" address the playlist points at
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        playlist = (
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
            f"#EXTINF:1.0,\nhttp://127.0.0.1:{port}/internal.ts\n"
            f"#EXTINF:1.0,\n{secret}\n#EXT-X-ENDLIST\n"
        )
        hostile = tmp_path / "song.mp3"
        hostile.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + playlist.encode())
        assert detect_media_type(hostile.read_bytes()[:8192])[0] == "audio"  # the sniff passes

        media = encode_inline(upload(hostile))
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing connected
    assert media.encoding_status == Media.EncodingStatus.FAIL
    assert "refers to other files or addresses" in media.encoding_fail_reason
    assert not media.hls_file


def test_a_refused_format_is_called_a_playlist_only_when_it_reads_like_one():
    from media_app.encoding.ffmpeg import NOT_ALLOWED, probe_error_reason

    refused = f"[in#0 @ 0x1] {NOT_ALLOWED} 'mov,mp4,m4a,mp3'"
    noise = random.Random(3).randbytes(4096)
    assert "not a video, audio or image" in probe_error_reason(refused, noise)
    for head in (b"ID3\x04\x00#EXTM3U\n#EXTINF:1,\nseg.ts", b"ffconcat version 1.0\nfile a.mp4"):
        assert "refers to other files or addresses" in probe_error_reason(refused, head)
