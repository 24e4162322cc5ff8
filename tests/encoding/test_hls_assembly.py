"""Assembling the HLS tree (media_app/encoding/ladder.py) and the sprite track
(media_app/encoding/sprites.py) on trees written by hand into a temporary folder: no database,
no ffmpeg run."""

from pathlib import Path

import pytest

from media_app.encoding import hls, ladder, sprites
from media_app.encoding.ffmpeg import BadInput, Rung

R240 = Rung("240p", 240, 426, 450)
R360 = Rung("360p", 360, 640, 750)
AUDIO_KBPS = 128


def write_rendition(
    out: Path, name: str, seconds: list[float], *, seg_bytes: int = 1000, ended: bool = True
) -> None:
    """An fMP4 rendition as ffmpeg leaves it: EVENT playlist, init segment, one file a segment."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "init.mp4").write_bytes(b"\0" * 100)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-TARGETDURATION:4",
        "#EXT-X-PLAYLIST-TYPE:EVENT",
        '#EXT-X-MAP:URI="init.mp4"',
    ]
    for i, d in enumerate(seconds):
        (folder / f"seg_{i}.m4s").write_bytes(b"\0" * seg_bytes)
        lines += [f"#EXTINF:{d},", f"seg_{i}.m4s"]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    (folder / "index.m3u8").write_text("\n".join(lines) + "\n")


def master(out: Path) -> hls.Master:
    return hls.parse_master((out / "master.m3u8").read_text())


# --- the final master ---------------------------------------------------------------------------


def test_finalise_closes_each_rendition_and_lists_measured_bitrates(tmp_path):
    write_rendition(tmp_path, "240p", [4.0, 4.0], seg_bytes=4000)
    write_rendition(tmp_path, "360p", [4.0, 4.0], seg_bytes=8000)
    write_rendition(tmp_path, "audio", [4.0, 4.0], seg_bytes=1000)
    (tmp_path / "ffmpeg-master.m3u8").write_text("#EXTM3U\n")

    stats, variants = ladder.finalise(
        str(tmp_path), [R240, R360], with_audio=True, expect=8.0, audio_kbps=AUDIO_KBPS
    )

    # Size counts every file of the folder (playlist and init segment too), bitrate is over 8 s.
    for name, seg in (("240p", 4000), ("360p", 8000), ("audio", 1000)):
        folder = tmp_path / name
        size = sum(f.stat().st_size for f in folder.iterdir())
        assert size > 2 * seg
        assert stats[name] == (size, int(size * 8 / 8.0))
        text = (folder / "index.m3u8").read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and "EVENT" not in text
    assert not (tmp_path / "ffmpeg-master.m3u8").exists()

    parsed = master(tmp_path)
    assert parsed.audio_uri == "audio/index.m3u8"
    assert parsed.variants == variants
    low, high = variants
    assert low.uri == "240p/index.m3u8" and low.resolution == (426, 240)
    assert low.bandwidth == int((450_000 + 128_000) * 1.1)
    assert high.bandwidth == int((750_000 + 128_000) * 1.1)
    assert low.average_bandwidth == stats["240p"][1] + stats["audio"][1]
    assert high.average_bandwidth == stats["360p"][1] + stats["audio"][1]
    assert low.codecs == "avc1.4d402a,mp4a.40.2" and low.audio == hls.AUDIO_GROUP


def test_finalise_without_audio_lists_video_only(tmp_path):
    write_rendition(tmp_path, "240p", [3.0])

    stats, variants = ladder.finalise(
        str(tmp_path), [R240], with_audio=False, expect=3.0, audio_kbps=AUDIO_KBPS
    )

    assert set(stats) == {"240p"}
    (only,) = variants
    assert only.bandwidth == int(450_000 * 1.1)
    assert only.codecs == "avc1.4d402a" and only.audio is None
    assert master(tmp_path).audio_uri is None
    assert "#EXT-X-MEDIA" not in (tmp_path / "master.m3u8").read_text()


def test_finalise_audio_only_lists_the_audio_playlist_alone(tmp_path):
    write_rendition(tmp_path, "audio", [4.0, 2.0], seg_bytes=3000)

    stats, variants = ladder.finalise(
        str(tmp_path), [], with_audio=True, expect=6.0, audio_kbps=AUDIO_KBPS
    )

    assert variants == [
        hls.Variant(
            uri="audio/index.m3u8",
            bandwidth=int(128_000 * 1.1),
            average_bandwidth=stats["audio"][1],
            codecs="mp4a.40.2",
        )
    ]
    text = (tmp_path / "master.m3u8").read_text()
    assert "#EXT-X-MEDIA" not in text  # no audio group: the variant is the audio
    assert text.splitlines()[-1] == "audio/index.m3u8"


def test_empty_rendition_is_bad_input_naming_it(tmp_path):
    write_rendition(tmp_path, "240p", [4.0])
    write_rendition(tmp_path, "360p", [])
    write_rendition(tmp_path, "audio", [4.0])

    with pytest.raises(BadInput, match=r"^The 360p rendition came out empty: the file is prob"):
        ladder.finalise(
            str(tmp_path), [R240, R360], with_audio=True, expect=4.0, audio_kbps=AUDIO_KBPS
        )
    assert not (tmp_path / "master.m3u8").exists()


def test_missing_audio_playlist_is_bad_input(tmp_path):
    write_rendition(tmp_path, "240p", [4.0])

    with pytest.raises(BadInput, match="The audio rendition came out empty"):
        ladder.finalise(str(tmp_path), [R240], with_audio=True, expect=0, audio_kbps=AUDIO_KBPS)


def test_truncated_decode_is_bad_input_with_both_durations(tmp_path):
    write_rendition(tmp_path, "240p", [4.0, 4.0])  # 8 s of an announced 10 s: under 90 %

    with pytest.raises(BadInput) as err:
        ladder.finalise(str(tmp_path), [R240], with_audio=False, expect=10.0, audio_kbps=AUDIO_KBPS)
    assert str(err.value) == (
        "The file is truncated or damaged: only 8.0 s of 10.0 s could be decoded."
    )
    # 9 s of 10 is enough, and an unknown duration (0) is not checked.
    write_rendition(tmp_path, "360p", [4.0, 5.0])
    ladder.close_rendition(str(tmp_path), "360p", expect=10.0)
    ladder.close_rendition(str(tmp_path), "240p", expect=0)


# --- copied renditions, early masters -----------------------------------------------------------


def test_copied_rung_takes_its_codecs_from_the_init_segment(tmp_path):
    copied = Rung("360p", 360, 640, 750, copy=True)
    write_rendition(tmp_path, "360p", [4.0])
    # avcC box: version 1, then profile High (0x64), compatibility 0, level 3.1 (0x1f).
    (tmp_path / "360p" / "init.mp4").write_bytes(b"\0" * 40 + b"avcC\x01\x64\x00\x1f" + b"\0" * 8)

    assert ladder.copied_codecs(copied, str(tmp_path), with_audio=True) == "avc1.64001f,mp4a.40.2"
    got = ladder.variant(copied, with_audio=False, audio_kbps=AUDIO_KBPS, out_dir=str(tmp_path))
    assert got.codecs == "avc1.64001f"
    # Without out_dir, or for an encoded rung, the CODECS of our own encoder settings.
    assert ladder.variant(copied, with_audio=False, audio_kbps=AUDIO_KBPS).codecs == "avc1.4d402a"
    encoded = ladder.variant(R360, with_audio=False, audio_kbps=AUDIO_KBPS, out_dir=str(tmp_path))
    assert encoded.codecs == "avc1.4d402a"


def test_copied_codecs_fall_back_when_init_segment_is_missing_or_unreadable(tmp_path):
    copied = Rung("360p", 360, 640, 750, copy=True)
    assert ladder.copied_codecs(copied, str(tmp_path), with_audio=True) is None  # no playlist
    write_rendition(tmp_path, "360p", [4.0])  # init.mp4 holds no avcC box
    assert ladder.copied_codecs(copied, str(tmp_path), with_audio=True) is None
    (tmp_path / "360p" / "init.mp4").unlink()
    assert ladder.copied_codecs(copied, str(tmp_path), with_audio=True) is None
    got = ladder.variant(copied, with_audio=True, audio_kbps=AUDIO_KBPS, out_dir=str(tmp_path))
    assert got.codecs == "avc1.4d402a,mp4a.40.2"


def test_ready_rungs_wait_for_the_audio_then_add_rungs_with_a_segment(tmp_path):
    out = str(tmp_path)
    write_rendition(tmp_path, "240p", [4.0], ended=False)
    write_rendition(tmp_path, "360p", [], ended=False)

    assert ladder.ready_rungs(out, [R240, R360], with_audio=True, listed=set()) == set()
    write_rendition(tmp_path, "audio", [4.0], ended=False)
    assert ladder.ready_rungs(out, [R240, R360], with_audio=True, listed=set()) == {"240p"}
    # A rung already listed stays listed; without audio none is waited for.
    assert ladder.ready_rungs(out, [R240, R360], with_audio=False, listed={"360p"}) == {
        "240p",
        "360p",
    }


def test_early_master_lists_the_given_rungs_without_averages(tmp_path):
    variants = ladder.write_early_master(
        str(tmp_path), [R240], with_audio=True, audio_kbps=AUDIO_KBPS
    )

    parsed = master(tmp_path)
    assert parsed.variants == variants
    assert [v.uri for v in variants] == ["240p/index.m3u8"]
    assert variants[0].average_bandwidth is None
    assert parsed.audio_uri == "audio/index.m3u8"


# --- the sprite track ---------------------------------------------------------------------------


def test_sprite_vtt_maps_each_interval_to_its_tile():
    text = sprites.vtt(25.0, 10.0, 2, 4, "sprites.jpg", tile=(160, 90))

    # Three tiles start before 25 s (the fourth is left out); the last cue ends at 25 s.
    assert text == "\n".join(
        [
            "WEBVTT",
            "",
            "00:00:00.000 --> 00:00:10.000",
            "sprites.jpg#xywh=0,0,160,90",
            "",
            "00:00:10.000 --> 00:00:20.000",
            "sprites.jpg#xywh=160,0,160,90",
            "",
            "00:00:20.000 --> 00:00:25.000",
            "sprites.jpg#xywh=0,90,160,90",
            "",
        ]
    )


def test_vtt_timestamps_carry_hours_and_round_to_the_millisecond():
    assert sprites.timestamp(0) == "00:00:00.000"
    assert sprites.timestamp(3723.4567) == "01:02:03.457"
    assert sprites.timestamp(59.9996) == "00:01:00.000"
