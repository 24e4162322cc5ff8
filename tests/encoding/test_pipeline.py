"""The pipeline end to end in this process, with real ffmpeg on generated clips."""

import pytest

from media_app import storage
from media_app.encoding import hls
from media_app.models import Encoding, Media
from tests.encoding.clips import count_frames, ffmpeg, make_clip, probe
from tests.encoding.conftest import (
    children,
    encode_inline,
    fetch,
    joined,
    master_of,
    playlist_of,
    read_text,
    stored,
    upload,
)

pytestmark = pytest.mark.django_db


def test_video_gets_a_ladder_without_upscaling_and_a_valid_master(small_clip, tmp_path):
    media = encode_inline(upload(small_clip))

    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    assert media.media_type == Media.MediaType.VIDEO
    assert (media.video_width, media.video_height) == (640, 360)
    assert media.duration == pytest.approx(3, abs=0.1)
    assert media.hls_file.startswith(f"encoded/{media.uid.hex}/hls/")
    run, master = master_of(media)
    # 640x360 source: 240p and 360p only, nothing taller than the source.
    assert [v.resolution for v in master.variants] == [(426, 240), (640, 360)]
    for v in master.variants:
        assert v.bandwidth > 0
        assert v.codecs == "avc1.4d402a,mp4a.40.2"
        assert v.audio == hls.AUDIO_GROUP
    assert master.audio_uri == "audio/index.m3u8"
    for v in master.variants:
        folder, playlist = playlist_of(run, v.uri)
        assert playlist.ended and playlist.playlist_type == "VOD"
        assert playlist.duration == pytest.approx(3, abs=0.1)
        # ffprobe a rendition: its init segment plus the first media segment.
        first = [f"{folder}/{playlist.init}", f"{folder}/{playlist.segments[0][0]}"]
        info = probe(joined(first, tmp_path / "joined.mp4"))
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        assert (video["width"], video["height"]) == v.resolution
        assert video["codec_name"] == "h264" and video["profile"] == "Main"
    rows = list(Encoding.objects.filter(media=media).select_related("profile"))
    assert [(r.profile.resolution, r.status, r.progress) for r in rows] == [
        (240, "success", 100),
        (360, "success", 100),
    ]
    assert all(r.size > 0 and r.bitrate > 0 and r.media_file.name.endswith(".m3u8") for r in rows)
    for field in ("poster", "thumbnail", "sprites", "sprites_vtt", "preview"):
        assert storage.size(getattr(media, field).name) > 0, field
    vtt = read_text(media.sprites_vtt.name)
    assert vtt.startswith("WEBVTT") and "sprites.jpg#xywh=0,0,160,90" in vtt


def test_segments_cut_on_the_same_keyframes_in_every_rendition(clip_dir):
    clip = make_clip(clip_dir / "nine.mp4", size="640x360", seconds=9)
    media = encode_inline(upload(clip))
    run, master = master_of(media)
    durations = [[d for _, d in playlist_of(run, v.uri)[1].segments] for v in master.variants]
    assert durations[0] == pytest.approx([4, 4, 1], abs=0.05)
    assert all(d == durations[0] for d in durations)


def test_running_the_pipeline_twice_gives_the_same_result_and_no_leftovers(small_clip):
    media = encode_inline(upload(small_clip))
    first = media.hls_file
    media = encode_inline(media)

    assert media.encoding_status == Media.EncodingStatus.SUCCESS
    assert media.hls_file != first  # a new run, published as a whole
    base = f"encoded/{media.uid.hex}"
    assert children(f"{base}/hls") == [media.hls_file.split("/")[3]]
    assert children(base) == [
        "download",  # the clean public copy (source protection, docs/provenance.md)
        "hls",
        "poster.jpg",
        "preview.webp",
        "sprites.jpg",
        "sprites.vtt",
        "thumbnail.jpg",
    ]
    assert Encoding.objects.filter(media=media).count() == 2
    assert not [name for name in stored(base) if name.rsplit("/", 1)[-1].startswith(".tmp-")]


def test_audio_only_media_gets_an_aac_rendition(clip_dir):
    from tests.encoding.clips import BEEP

    clip = clip_dir / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", BEEP.format(d=3), "-c:a", "aac", str(clip))
    media = encode_inline(upload(clip))

    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.media_type == Media.MediaType.AUDIO
    run, master = master_of(media)
    assert [(v.uri, v.codecs, v.resolution) for v in master.variants] == [
        ("audio/index.m3u8", "mp4a.40.2", None)
    ]
    _, playlist = playlist_of(run, "audio/index.m3u8")
    assert playlist.duration == pytest.approx(3, abs=0.1)


def test_image_gets_its_size_poster_and_thumbnail(clip_dir, tmp_path):
    image = clip_dir / "photo.jpg"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1600x1200:d=1", "-frames:v", "1", str(image))
    media = encode_inline(upload(image))

    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.media_type == Media.MediaType.IMAGE
    assert (media.video_width, media.video_height) == (1600, 1200)
    poster = probe(fetch(media.poster.name, tmp_path / "poster.jpg"))["streams"][0]
    thumb = probe(fetch(media.thumbnail.name, tmp_path / "thumbnail.jpg"))["streams"][0]
    assert (poster["width"], poster["height"]) == (1280, 960)
    assert (thumb["width"], thumb["height"]) == (344, 258)
    assert not media.hls_file


def test_pdf_gets_a_first_page_thumbnail(clip_dir, tmp_path):
    pdf = clip_dir / "doc.pdf"
    pdf.write_bytes(_tiny_pdf())
    media = encode_inline(upload(pdf))

    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.media_type == Media.MediaType.PDF
    thumb = probe(fetch(media.thumbnail.name, tmp_path / "thumbnail.jpg"))["streams"][0]
    assert thumb["width"] == 344


def test_short_rotated_and_vfr_clips_succeed(clip_dir):
    short = make_clip(clip_dir / "short.mp4", seconds=0.3)
    # A phone held upright: landscape pixels plus a 90° display matrix (set on a stream copy).
    landscape = make_clip(clip_dir / "landscape.mp4", size="640x360", seconds=2)
    rotated = clip_dir / "rotated.mp4"
    ffmpeg("-i", str(landscape), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated))
    vfr = make_clip(
        clip_dir / "vfr.mp4",
        seconds=3,
        vf="select='not(between(mod(n\\,30)\\,5\\,14))'",
        extra_video=["-fps_mode", "vfr"],
    )
    for clip in (short, rotated, vfr):
        media = encode_inline(upload(clip))
        assert media.encoding_status == "success", (clip.name, media.encoding_fail_reason)

    media = Media.objects.get(media_file__contains="rotated")
    assert (media.video_width, media.video_height) == (360, 640)
    _, master = master_of(media)
    # Upright: a portrait rendition, 360 wide at most (no upscaling), taller than wide.
    assert [v.resolution for v in master.variants] == [(136, 240), (202, 360), (270, 480)]
    media = Media.objects.get(media_file__contains="vfr")
    run, master = master_of(media)
    _, playlist = playlist_of(run, master.variants[0].uri)
    assert playlist.duration == pytest.approx(3, abs=0.2)


def test_frame_count_of_a_rendition_matches_the_source(small_clip, tmp_path):
    media = encode_inline(upload(small_clip))
    run, master = master_of(media)
    folder, playlist = playlist_of(run, master.variants[0].uri)
    names = [f"{folder}/{n}" for n in [playlist.init] + [s for s, _ in playlist.segments]]
    assert count_frames(joined(names, tmp_path / "all.mp4")) == count_frames(small_clip) == 90


def _tiny_pdf() -> bytes:
    """A one-page PDF with a filled rectangle, xref offsets computed."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 400] /Contents 4 0 R >>",
    ]
    stream = b"0.2 0.4 0.8 rg 20 20 260 360 re f"
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
