"""A web-ready source is packaged as it is for its own rung; everything else is encoded."""

import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from media_app.encoding import ffmpeg, hls
from media_app.encoding.ffmpeg import EncodeOptions, Packet, Rung
from tests.encoding.clips import count_frames, make_clip
from tests.encoding.conftest import encode_inline, fetch_tree, upload

SEGMENT = 4


def _packets(fps: int, seconds: float, keys_at: list[float], size: int = 1000) -> list[Packet]:
    frames = round(fps * seconds)
    keyframes = {round(t * fps) for t in keys_at}
    return [Packet(i / fps, size, i in keyframes) for i in range(frames)]


def _check(packets, *, fps=30, kbps=750):
    return ffmpeg.remux_check(packets, fps=Fraction(fps), segment_seconds=SEGMENT, max_kbps=kbps)


def test_keyframes_on_the_segment_grid_pass():
    assert _check(_packets(30, 12, [0, 4, 8]))[0]
    # A 2-s GOP puts a keyframe on every 4-s instant too.
    assert _check(_packets(30, 12, [0, 2, 4, 6, 8, 10]))[0]
    # One frame late is within tolerance (29.97 fps sources land there).
    assert _check(_packets(30, 12, [0, 4 + 1 / 30, 8 + 1 / 30]))[0]


def test_keyframes_off_the_grid_fail():
    # A 3-s GOP: the first keyframe at or after 4 s is at 6 s.
    ok, reason = _check(_packets(30, 12, [0, 3, 6, 9]))
    assert not ok and "after 4 s" in reason
    ok, reason = _check(_packets(30, 12, [0, 4, 8 + 2 / 30]))
    assert not ok and "after 8 s" in reason
    # A keyframe just before the instant does not count: the muxer cuts at or after it.
    assert not _check(_packets(30, 12, [0, 4 - 1 / 30, 8]))[0]
    assert not _check(_packets(30, 12, [1, 4, 8]))[0]


def test_bitrate_over_the_cap_fails_on_average_and_on_one_segment():
    # 30 fps x 3000 B = 720 kb/s: under a 750 kb/s cap, over a 700 kb/s one.
    assert _check(_packets(30, 12, [0, 4, 8], size=3000), kbps=750)[0]
    assert not _check(_packets(30, 12, [0, 4, 8], size=3000), kbps=700)[0]
    burst = _packets(30, 12, [0, 4, 8], size=1000)
    burst[130] = Packet(burst[130].pts, 600_000, False)  # 1.2 MB in the second segment
    ok, reason = _check(burst, kbps=750)
    assert not ok and "segment" in reason


def _probe(**video) -> ffmpeg.Probe:
    base = {
        "codec": "h264",
        "width": 640,
        "height": 360,
        "fps": Fraction(30),
        "r_fps": Fraction(30),
        "pix_fmt": "yuv420p",
        "rotation": 0,
        "bitrate": 400_000,
        "frames": 300,
        "profile": "High",
        "level": 30,
        "sar": "1:1",
        "field_order": "progressive",
    }
    base.update(video)
    return ffmpeg.Probe(
        format_name="mov",
        duration=10,
        size=1,
        bitrate=1,
        video=ffmpeg.VideoStream(**base),
        has_audio=True,
        audio_codec="aac",
    )


RUNGS = [Rung("240p", 240, 426, 450), Rung("360p", 360, 640, 750)]


@pytest.mark.parametrize(
    "change",
    [
        {"codec": "hevc"},
        {"pix_fmt": "yuv420p10le"},
        {"profile": "High 10"},
        {"level": 51},
        {"rotation": 90},
        {"sar": "4:3"},
        {"field_order": "tt"},
        {"fps": Fraction(30000, 1001), "r_fps": Fraction(60)},
        {"width": 480},
        {"bitrate": 751_000},  # above the 360p cap on average: no need to read the packets
    ],
)
def test_only_a_web_ready_stream_at_a_ladder_size_is_a_candidate(change):
    assert ffmpeg.remux_candidate(_probe(), RUNGS)[0] == RUNGS[1]
    rung, reason = ffmpeg.remux_candidate(_probe(**change), RUNGS)
    assert rung is None and reason


def test_ladder_argv_copies_one_rung_and_encodes_the_others():
    rungs = [RUNGS[0], Rung("360p", 360, 640, 750, copy=True)]
    opts = EncodeOptions(preset="veryfast", crf=23, segment_seconds=4, threads=2)
    argv = ffmpeg.ladder_hls_argv(
        src="in.mp4", out_dir="out", rungs=rungs, fps=Fraction(30), with_audio=True, opts=opts
    )
    graph = argv[argv.index("-filter_complex") + 1]
    assert "split" not in graph and graph.endswith("scale=426:240,setsar=1[o0]")
    maps = [argv[i + 1] for i, a in enumerate(argv) if a == "-map"]
    assert maps == ["[o0]", "0:v:0", "0:a:0"]
    assert argv[argv.index("-c:v:1") + 1] == "copy"
    assert argv[argv.index("-c:v:0") + 1] == "libx264"
    assert not any(a.endswith(":v:1") and a != "-c:v:1" for a in argv)


def test_codecs_from_avcc():
    box = b"\x00\x00\x00\x30avcC\x01\x64\x00\x28\xff"
    assert ffmpeg.codecs_from_avcc(b"junk" + box) == "avc1.640028"
    assert ffmpeg.codecs_from_avcc(b"no box here") is None


# --- end to end ---------------------------------------------------------------------------


def _packet_hashes(path: Path) -> list[tuple[str, str]]:
    """(size, md5) of every video packet, stream-copied: equal lists mean equal bitstreams."""
    argv = ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy"]
    out = subprocess.run(
        [*argv, "-f", "framemd5", "-"],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout.decode()
    rows = [line.split(",") for line in out.splitlines() if line and not line.startswith("#")]
    return [(r[4].strip(), r[5].strip()) for r in rows]


def _decodes_cleanly(path: Path) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _web_ready(path: Path, *, seconds: float, force_keys: str | None = None) -> Path:
    """640x360 H.264 + AAC at about 400 kb/s (under the 360p cap of 750 kb/s)."""
    keys = ["-force_key_frames", force_keys, "-g", "300"] if force_keys else []
    return make_clip(
        path,
        size="640x360",
        seconds=seconds,
        gop_seconds=SEGMENT,
        extra_video=["-b:v", "400k", "-maxrate", "500k", "-bufsize", "1000k", *keys],
    )


def _master(media, dst: Path) -> tuple[Path, hls.Master]:
    """The media's published HLS run copied into folder ``dst`` (ffmpeg reads a rendition's
    playlist there, with its segments), and its master playlist."""
    run, name = media.hls_file.rsplit("/", 1)
    path = fetch_tree(run, dst) / name
    return path, hls.parse_master(path.read_text())


@pytest.mark.slow
@pytest.mark.django_db
def test_web_ready_source_is_copied_for_its_rung_and_plays(tmp_path, settings):
    settings.ENCODE_SEGMENT_SECONDS = SEGMENT
    clip = _web_ready(tmp_path / "ready.mp4", seconds=10)
    media = encode_inline(upload(clip))
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.media_info["remux"]["rung"] == "360p", media.media_info["remux"]

    path, master = _master(media, tmp_path / "hls")
    assert [v.uri for v in master.variants] == ["240p/index.m3u8", "360p/index.m3u8"]
    copied = path.parent / "360p/index.m3u8"
    encoded = path.parent / "240p/index.m3u8"
    # Same bitstream: every packet has the source's size and hash.
    assert _packet_hashes(copied) == _packet_hashes(clip)
    assert _packet_hashes(encoded) != _packet_hashes(clip)
    # And it plays: it decodes without an error, frame for frame.
    _decodes_cleanly(copied)
    assert len(_packet_hashes(copied)) == count_frames(clip) == 300
    # Its segments start where the encoded rung's do, so players can switch between them.
    durations = [d for _, d in hls.parse_media_playlist(copied.read_text()).segments]
    assert durations == [d for _, d in hls.parse_media_playlist(encoded.read_text()).segments]
    assert durations == pytest.approx([4, 4, 2], abs=0.01)
    # CODECS states the source's own profile and level (ultrafast x264: Constrained Baseline).
    source_codecs = ffmpeg.codecs_from_avcc(clip.read_bytes())
    assert master.variants[1].codecs == f"{source_codecs},mp4a.40.2"
    assert master.variants[0].codecs == "avc1.4d402a,mp4a.40.2"


@pytest.mark.slow
@pytest.mark.django_db
def test_irregular_keyframes_are_encoded(tmp_path, settings):
    settings.ENCODE_SEGMENT_SECONDS = SEGMENT
    clip = _web_ready(tmp_path / "irregular.mp4", seconds=10, force_keys="0,2.5,4.9,7.3")
    media = encode_inline(upload(clip))
    assert media.encoding_status == "success", media.encoding_fail_reason
    decision = media.media_info["remux"]
    assert decision["rung"] is None and "keyframe" in decision["reason"]
    path, master = _master(media, tmp_path / "hls")
    rendition = path.parent / "360p/index.m3u8"
    assert _packet_hashes(rendition) != _packet_hashes(clip)
    assert master.variants[1].codecs == "avc1.4d402a,mp4a.40.2"
    durations = [d for _, d in hls.parse_media_playlist(rendition.read_text()).segments]
    assert durations == pytest.approx([4, 4, 2], abs=0.01)


@pytest.mark.slow
@pytest.mark.django_db
def test_chunked_path_packages_the_copied_rung_from_the_source(tmp_path, settings):
    from media_app.services import encoding as svc
    from media_app.services import encoding_chunks as chunks

    settings.ENCODE_SEGMENT_SECONDS = SEGMENT
    settings.ENCODE_CHUNK_THRESHOLD_SECONDS = 5
    settings.ENCODE_CHUNK_SECONDS = 4
    clip = _web_ready(tmp_path / "long.mp4", seconds=12)
    media = upload(clip)
    plan = chunks.encoding_split(plan=svc.encoding_prepare(media_id=media.pk))
    assert plan.chunks == 3
    for i in range(plan.chunks):
        chunks.encoding_chunk(media_id=media.pk, run=plan.run, index=i)
    chunks.encoding_audio_track(media_id=media.pk, run=plan.run)
    chunks.encoding_join(media_id=media.pk, run=plan.run)
    svc.encoding_finish(media_id=media.pk, run=plan.run)
    media.refresh_from_db()
    assert media.encoding_status == "success", media.encoding_fail_reason
    path, _ = _master(media, tmp_path / "hls")
    assert _packet_hashes(path.parent / "360p/index.m3u8") == _packet_hashes(clip)
    assert len(_packet_hashes(path.parent / "240p/index.m3u8")) == count_frames(clip) == 360
