"""The ladder's ffmpeg command: cascaded scaling and the x264 thread budget, run for real."""

import json
import re
import subprocess
from fractions import Fraction

from media_app.encoding import ffmpeg
from media_app.encoding.ffmpeg import EncodeOptions, Rung
from tests.encoding.clips import make_clip

PROFILES = [(240, 450, None), (360, 750, None), (480, 1500, None), (720, 3750, None)]
OPTS = EncodeOptions(preset="ultrafast", crf=23, segment_seconds=4, threads=2)


def _rungs(width=1280, height=720):
    return ffmpeg.plan_ladder(width=width, height=height, profiles=PROFILES)


def test_each_rung_is_scaled_from_the_next_taller_one():
    rungs = _rungs()
    graph = ffmpeg._filter_graph(rungs, Fraction(30))
    chains = graph.split(";")
    # The tallest (720p, label o3) reads the decoded source; each other one its taller neighbour.
    assert chains[0].startswith("[0:v:0]fps=30/1,scale=1280:720,setsar=1,split=2[o3][c1]")
    assert chains[1] == "[c1]scale=854:480,setsar=1,split=2[o2][c2]"
    assert chains[2] == "[c2]scale=640:360,setsar=1,split=2[o1][c3]"
    assert chains[3] == "[c3]scale=426:240,setsar=1[o0]"
    # One rung: no split at all.
    assert (
        ffmpeg._filter_graph(rungs[:1], Fraction(25))
        == "[0:v:0]fps=25/1,scale=426:240,setsar=1[o0]"
    )


def test_labels_follow_the_order_the_rungs_are_given_in():
    rungs = list(reversed(_rungs()))  # 720p first: o0 must still be 720p
    graph = ffmpeg._filter_graph(rungs, Fraction(30))
    sizes = dict(re.findall(r"scale=(\d+:\d+),setsar=1(?:,split=2)?\[(o\d)\]", graph))
    assert {label: size for size, label in sizes.items()} == {
        "o0": "1280:720",
        "o1": "854:480",
        "o2": "640:360",
        "o3": "426:240",
    }


def test_thread_budget_is_shared_by_picture_area_with_at_least_two_each():
    rungs = ffmpeg.plan_ladder(width=1920, height=1080, profiles=[*PROFILES, (1080, 6750, None)])
    assert ffmpeg.encoder_threads(rungs, 2) == [2, 2, 2, 2, 2]
    assert ffmpeg.encoder_threads(rungs, 4) == [2, 2, 2, 2, 3]
    assert ffmpeg.encoder_threads(rungs, 16) == [2, 2, 3, 6, 13]
    assert ffmpeg.encoder_threads(rungs[:1], 2) == [3]
    assert ffmpeg.encoder_threads([], 2) == []


def test_ladder_argv_sets_threads_on_encoded_rungs_only():
    rungs = _rungs()
    rungs[2] = Rung(rungs[2].name, rungs[2].height, rungs[2].width, rungs[2].max_kbps, copy=True)
    argv = ffmpeg.ladder_hls_argv(
        src="in.mp4", out_dir="out", rungs=rungs, fps=Fraction(30), with_audio=True, opts=OPTS
    )
    per_stream = {argv[i]: argv[i + 1] for i, a in enumerate(argv) if a.startswith("-threads:")}
    assert sorted(per_stream) == ["-threads:v:0", "-threads:v:1", "-threads:v:3"]
    assert argv[argv.index("-c:v:2") + 1] == "copy"


def test_the_cascade_gives_every_rendition_its_size(tmp_path):
    """ffmpeg accepts the graph and writes each rung at its own size, with every frame."""
    src = make_clip(tmp_path / "src.mp4", size="1280x720", seconds=1, audio=False)
    rungs = _rungs()
    outputs = [str(tmp_path / f"{r.name}.mp4") for r in rungs]
    subprocess.run(
        ffmpeg.chunk_encode_argv(
            src=str(src), outputs=outputs, rungs=rungs, fps=Fraction(30), opts=OPTS
        ),
        check=True,
        timeout=120,
    )
    for rung, out in zip(rungs, outputs, strict=True):
        info = json.loads(
            subprocess.run(
                ["ffprobe", "-v", "error", "-count_frames", "-show_streams", "-of", "json", out],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )["streams"][0]
        assert (info["width"], info["height"]) == (rung.width, rung.height)
        assert int(info["nb_read_frames"]) == 30


def _carries_clean_output(argv: list[str]) -> bool:
    """``CLEAN_OUTPUT`` (no metadata, chapters, data or subtitle streams, bitexact muxer) sits
    in ``argv`` as one run, before the output's ``-f``."""
    clean = list(ffmpeg.CLEAN_OUTPUT)
    for at in range(len(argv) - len(clean) + 1):
        if argv[at : at + len(clean)] == clean:
            return "-f" in argv[at + len(clean) :]
    return False


def test_every_output_the_public_fetches_is_written_without_metadata():
    """Source protection (issue 15): an upload's tags (location, artist, comment, device) never
    reach a rendition, an HLS init segment, a still, the sprites or the preview."""
    rungs = _rungs()
    argvs = {
        "ladder": ffmpeg.ladder_hls_argv(
            src="in.mp4", out_dir="out", rungs=rungs, fps=Fraction(30), with_audio=True, opts=OPTS
        ),
        "audio_hls": ffmpeg.audio_hls_argv(src="in.m4a", out_dir="out", opts=OPTS),
        "chunk": ffmpeg.chunk_encode_argv(
            src="c.mp4", outputs=["a.mp4"], rungs=rungs[:1], fps=Fraction(30), opts=OPTS
        ),
        "audio": ffmpeg.audio_encode_argv(src="in.mp4", dst="a.mp4", audio_kbps=128),
        "concat": ffmpeg.concat_argv(list_file="l.txt", dst="v.mp4"),
        "package": ffmpeg.package_argv(
            videos=["v.mp4"], audio="a.mp4", rungs=rungs[:1], out_dir="out", segment_seconds=4
        ),
        "frame": ffmpeg.frame_argv(src="in.mp4", dst="p.jpg", at=1.0, max_width=1280),
        "sprites": ffmpeg.sprites_argv(
            src="in.mp4", dst="s.jpg", interval=1.0, columns=2, rows=2, tile_w=160, tile_h=90
        ),
        "preview": ffmpeg.preview_argv(src="in.mp4", dst="p.webp", start=0, seconds=3, height=180),
    }
    for name, argv in argvs.items():
        assert _carries_clean_output(argv), name
    assert {"-map_metadata", "-map_chapters", "-dn", "-sn", "+bitexact"} <= set(ffmpeg.CLEAN_OUTPUT)


def test_hls_init_segments_carry_none_of_the_uploads_tags(tmp_path):
    """Run for real: a clip tagged as a phone tags it, through the ladder's HLS muxer."""
    from tests.encoding.clips import ffmpeg as run_ffmpeg

    clip = make_clip(tmp_path / "clip.mp4", size="320x240", seconds=2)
    tagged = tmp_path / "tagged.mp4"
    run_ffmpeg(
        "-i", str(clip), "-c", "copy",
        "-metadata", "location=+48.8584+002.2945/",
        "-metadata", "artist=Ottilie Quellmann",
        "-metadata", "comment=whistle-7731",
        "-movflags", "use_metadata_tags",
        str(tagged),
    )  # fmt: skip
    out = tmp_path / "hls"
    rungs = ffmpeg.plan_ladder(width=320, height=240, profiles=PROFILES)
    argv = ffmpeg.ladder_hls_argv(
        src=str(tagged), out_dir=str(out), rungs=rungs, fps=Fraction(30), with_audio=True,
        opts=OPTS,
    )  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True)
    written = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name.startswith("init") for p in written)
    for path in written:
        data = path.read_bytes()
        # ("Lavf" and its version, ffmpeg's own name, may stay: the HLS muxer of ffmpeg 5.1 does
        # not hand bitexact on to the MP4 muxer of its init segments.)
        for needle in (b"48.8584", b"Ottilie", b"whistle-7731", b"+002.2945"):
            assert needle not in data, (needle, path.name)
