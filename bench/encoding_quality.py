"""Encoding quality per bit (issue 17): OpenPress's default ladder next to MediaCMS's settings.

For a generated, deterministic 1080p30 clip ("easy": ``testsrc2``; "hard": ``testsrc2`` with
temporal noise and a moving overlay), every rung is encoded both ways, and each rendition is
compared with the source:

* **OpenPress:** the command line production runs, built by the project's own code:
  ``media_app.encoding.ffmpeg.ladder_hls_argv`` with the rungs of ``plan_ladder`` (the caps of
  the default encode profiles, ``media_app/migrations/0002_encode_profiles.py``, filtered by
  ``ENCODE_LADDER``), the frame rate of ``output_fps`` over the clip's probe, and
  ``EncodeOptions`` read from the settings as ``media_app.services.encoding._options`` reads
  them (ENCODE_PRESET, ENCODE_CRF, ENCODE_SEGMENT_SECONDS, ENCODE_FFMPEG_THREADS,
  ENCODE_AUDIO_KBPS). One ffmpeg writes fMP4 HLS for all rungs; each rendition is closed with
  ``media_app.encoding.ladder.close_rendition`` (the size and average bitrate production stores).
* **MediaCMS:** one ffmpeg per rendition with MediaCMS's x264 settings, as written in
  ``/work/shared/docs/encoding-measurements.md`` (section 4 and the B1 command lines of section
  12): ``scale=-2:H,fps=fps=30``, CRF 23, ``-maxrate`` = ``-bufsize`` = 1.5 x the ladder bitrate
  (240p 300k, 360p 500k, 480p 1000k, 720p 2500k, 1080p 4500k), preset ``medium`` below 720p and
  ``faster`` from 720p, profile main, level 4.2, keyframes forced every 4 s (keyint 8 s,
  keyint_min 4 s), ``yuv420p``, AAC 128k stereo in every rendition, ``+faststart`` MP4.

Both ways run the same ffmpeg binary (``FFMPEG_BINARY``'s rule, ``media_app.encoding.runner``),
so the comparison is between settings, never between ffmpeg builds.

Measures, per rung and per way:

* **video kb/s:** the sum of the rendition's video packet sizes (ffprobe) x 8 / duration: the
  same measure for both, without container or audio. The files' own sizes are given too: the
  OpenPress rendition's init + segments (video only; audio is one shared rendition, its size is
  printed once) and the MediaCMS MP4 (video + its own AAC track).
* **SSIM** (the "All" value) of the rendition, decoded and scaled to the source's size with a
  fixed scaler (bicubic), against the decoded source:
  ``[0:v]scale=W:H:flags=bicubic[a];[a][1:v]ssim``.
* **VMAF** (libvmaf's default model, vmaf_v0.6.1) in the same pass, when the ffmpeg build has the
  ``libvmaf`` filter (``--vmaf auto``); Debian 12's apt ffmpeg 5.1 has only ``vmafmotion``.

Any failed encode, probe or score parse exits non-zero.

Usage::

    nice -n 19 .venv/bin/python bench/encoding_quality.py                   # easy + hard, 10 s
    nice -n 19 .venv/bin/python bench/encoding_quality.py --clip easy --seconds 20 \\
        --markdown /tmp/quality.md
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Settings' defaults (no database is opened): the values production reads when nothing overrides.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.base")

from django.conf import settings  # noqa: E402 (after the path)

from media_app.encoding import ffmpeg, hls, ladder  # noqa: E402
from media_app.encoding.ffmpeg import EncodeOptions, Rung  # noqa: E402
from media_app.encoding.runner import resolve_ffmpeg  # noqa: E402

FFMPEG = resolve_ffmpeg(settings.FFMPEG_BINARY)
FFPROBE = shutil.which("ffprobe") or "ffprobe"

# MediaCMS's ladder bitrates (kb/s) at <= 30 fps; maxrate = bufsize = 1.5 x these
# (encoding-measurements.md, section 4).
MEDIACMS_LADDER = {240: 300, 360: 500, 480: 1000, 720: 2500, 1080: 4500}


class BenchError(RuntimeError):
    """An encode, probe or score parse failed: the bench stops with a non-zero exit."""


def run(argv: list[str], *, what: str) -> str:
    """Run ``argv``; its stderr is returned (scores are printed there). Fails loudly."""
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise BenchError(f"{what} failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stderr


def has_libvmaf() -> bool:
    out = subprocess.run([FFMPEG, "-hide_banner", "-filters"], capture_output=True, text=True)
    return any(line.split()[1:2] == ["libvmaf"] for line in out.stdout.splitlines())


# --- clips --------------------------------------------------------------------------------


def make_clip(name: str, folder: Path, *, seconds: int, size: str) -> Path:
    """A deterministic lavfi clip with a 440 Hz tone (so the audio paths run too).

    ``easy``: testsrc2 at x264 veryfast CRF 18 (encoding-measurements.md's easy clip).
    ``hard``: testsrc2 with temporal noise and a 640x360 ``testsrc`` panel moving across it,
    at 16 Mb/s (the measurements' hard clip plus the moving overlay).
    """
    w, h = (int(x) for x in size.split("x"))
    base = f"testsrc2=s={size}:r=30:d={seconds}"
    if name == "easy":
        graph = f"{base}[v]"
        rate = ["-crf", "18"]
    elif name == "hard":
        pw, ph = w // 3, h // 3
        graph = (
            f"{base},noise=alls=20:allf=t[bg];"
            f"testsrc=s={pw}x{ph}:r=30:d={seconds}[fg];"
            f"[bg][fg]overlay=x='mod(t*{w // 4},{w - pw})':y='{(h - ph) // 2}"
            f"+{h // 4}*sin(t*2)':shortest=1[v]"
        )
        rate = ["-b:v", "16M", "-maxrate", "20M", "-bufsize", "32M"]
    else:
        raise BenchError(f"unknown clip {name!r}: easy or hard")
    path = folder / f"src_{name}.mp4"
    run(
        [
            *(FFMPEG, "-hide_banner", "-nostdin", "-y", "-v", "error"),
            *("-filter_complex", graph, "-f", "lavfi"),
            *("-i", f"sine=frequency=440:sample_rate=48000:d={seconds}"),
            *("-map", "[v]", "-map", "0:a", "-c:v", "libx264", "-preset", "veryfast", *rate),
            *("-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-b:a", "192k", "-shortest", str(path)),
        ],
        what=f"making the {name} clip",
    )
    return path


# --- measures -----------------------------------------------------------------------------


def video_bytes(path: Path) -> int:
    """Sum of the video packet sizes of ``path`` (the bitstream, without container or audio)."""
    out = subprocess.run(
        [
            *(FFPROBE, "-v", "error", "-select_streams", "v:0"),
            *("-show_entries", "packet=size", "-of", "csv=p=0", str(path)),
        ],
        capture_output=True,
        text=True,
    )
    sizes = [int(x) for x in out.stdout.split() if x.strip().isdigit()]
    if out.returncode != 0 or not sizes:
        raise BenchError(f"ffprobe found no video packets in {path}: {out.stderr[-500:]}")
    return sum(sizes)


def scores(rendition: Path, source: Path, *, width: int, height: int, vmaf: bool) -> dict:
    """SSIM "All" (and VMAF) of ``rendition`` scaled to ``width``x``height`` (bicubic) against
    ``source``, in one decode of each."""
    scale = f"[0:v]setpts=PTS-STARTPTS,scale={width}:{height}:flags=bicubic"
    ref = "[1:v]setpts=PTS-STARTPTS"
    if vmaf:
        graph = (
            f"{scale},split[a][b];{ref},split[r][s];"
            "[a][r]ssim;[b][s]libvmaf=n_threads=2"  # distorted first, then the reference
        )
    else:
        graph = f"{scale}[a];{ref}[r];[a][r]ssim"
    err = run(
        [
            *(FFMPEG, "-hide_banner", "-nostdin", "-nostats"),
            *("-i", str(rendition), "-i", str(source), "-lavfi", graph, "-f", "null", "-"),
        ],
        what=f"scoring {rendition.name}",
    )
    found = re.search(r"SSIM Y:.* All:([0-9.]+)", err)
    if not found:
        raise BenchError(f"no SSIM 'All:' value for {rendition}: {err[-1000:]}")
    result = {"ssim": float(found.group(1))}
    if vmaf:
        found = re.search(r"VMAF score: ([0-9.]+)", err)
        if not found:
            raise BenchError(f"no VMAF score for {rendition}: {err[-1000:]}")
        result["vmaf"] = float(found.group(1))
    return result


# --- the two ways -------------------------------------------------------------------------


@dataclass
class Rendition:
    height: int
    width: int
    file_bytes: int
    video_kbps: float
    ssim: float = 0.0
    vmaf: float | None = None


@dataclass
class Way:
    name: str
    wall: float = 0.0
    renditions: dict[int, Rendition] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def default_profiles() -> list[tuple[int, int, int | None]]:
    """The default encode profiles' (height, cap kb/s) from their migration, kept to
    ENCODE_LADDER, as ``services.encoding._ladder_profiles`` reads them from the database."""
    migration = importlib.import_module("media_app.migrations.0002_encode_profiles")
    heights = set(settings.ENCODE_LADDER)
    return [(h, kbps, None) for h, kbps in migration.LADDER if h in heights]


def options() -> EncodeOptions:
    """As ``media_app.services.encoding._options`` builds them."""
    return EncodeOptions(
        preset=settings.ENCODE_PRESET,
        crf=settings.ENCODE_CRF,
        segment_seconds=settings.ENCODE_SEGMENT_SECONDS,
        threads=settings.ENCODE_FFMPEG_THREADS,
        audio_kbps=settings.ENCODE_AUDIO_KBPS,
    )


def probe(path: Path) -> ffmpeg.Probe:
    argv = ffmpeg.probe_argv(str(path))
    out = subprocess.run([FFPROBE, *argv[1:]], capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"ffprobe failed on {path}: {out.stderr[-500:]}")
    result = ffmpeg.parse_probe(out.stdout)
    if result.video is None:
        raise BenchError(f"{path} has no video stream")
    return result


def run_openpress(src: Path, folder: Path, seconds: float) -> tuple[Way, list[Rung], list[str]]:
    info = probe(src)
    assert info.video is not None
    rungs = ffmpeg.plan_ladder(
        width=info.video.width, height=info.video.height, profiles=default_profiles()
    )
    out_dir = folder / "hls"
    out_dir.mkdir(parents=True)
    argv = ffmpeg.ladder_hls_argv(
        src=str(src),
        out_dir=str(out_dir),
        rungs=rungs,
        fps=ffmpeg.output_fps(info.video.fps),
        with_audio=info.has_audio,
        opts=options(),
    )
    argv = [FFMPEG, *argv[1:]]  # what runner.tool_argv does
    way = Way(f"OpenPress ({settings.ENCODE_PRESET})")
    t0 = time.monotonic()
    run(argv, what="the OpenPress ladder")
    way.wall = time.monotonic() - t0
    for rung in rungs:
        size, _bps = ladder.close_rendition(str(out_dir), rung.name, expect=seconds)
        playlist = hls.read_media_playlist(str(out_dir / rung.name / "index.m3u8"))
        assert playlist is not None and playlist.init  # close_rendition checked the segments
        # init + segments in playlist order: one fragmented MP4 ffmpeg and ffprobe read as is.
        joined = folder / f"{rung.name}.mp4"
        with open(joined, "wb") as fh:
            for part in [playlist.init, *(name for name, _ in playlist.segments)]:
                fh.write((out_dir / rung.name / part).read_bytes())
        way.renditions[rung.height] = Rendition(
            rung.height, rung.width, size, video_bytes(joined) * 8 / seconds / 1000
        )
        way.extra[rung.height] = joined
    if info.has_audio:
        way.extra["audio_bytes"], _ = ladder.close_rendition(
            str(out_dir), ladder.AUDIO, expect=seconds
        )
    return way, rungs, argv


def mediacms_argv(src: Path, dst: Path, height: int) -> list[str]:
    cap = MEDIACMS_LADDER[height] * 3 // 2
    preset = "faster" if height >= 720 else "medium"
    return [
        *(FFMPEG, "-hide_banner", "-nostdin", "-nostats", "-y", "-v", "error", "-i", str(src)),
        *("-vf", f"scale=-2:{height},fps=fps=30", "-c:v", "libx264", "-pix_fmt", "yuv420p"),
        *("-crf", "23", "-maxrate", f"{cap}k", "-bufsize", f"{cap}k"),
        *("-force_key_frames", "expr:gte(t,n_forced*4)"),
        *("-x264-params", "keyint=240:keyint_min=120", "-preset", preset),
        *("-profile:v", "main", "-level", "4.2", "-c:a", "aac", "-b:a", "128k", "-ac", "2"),
        *("-movflags", "+faststart", str(dst)),
    ]


def run_mediacms(src: Path, folder: Path, seconds: float, heights: list[int]) -> Way:
    folder.mkdir(parents=True)
    way = Way("MediaCMS")
    for h in heights:
        dst = folder / f"{h}p.mp4"
        t0 = time.monotonic()
        run(mediacms_argv(src, dst, h), what=f"the MediaCMS {h}p encode")
        way.wall += time.monotonic() - t0
        info = probe(dst)
        assert info.video is not None
        way.renditions[h] = Rendition(
            h, info.video.width, dst.stat().st_size, video_bytes(dst) * 8 / seconds / 1000
        )
        way.extra[h] = dst
    return way


# --- report -------------------------------------------------------------------------------


def table(columns: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(columns), rule, *(line(r) for r in rows)])


def clip_table(op: Way, mc: Way, *, vmaf: bool) -> str:
    columns = ["rung", "size", "OpenPress kb/s", "SSIM"]
    columns += ["VMAF"] if vmaf else []
    columns += ["MediaCMS kb/s", "SSIM"]
    columns += ["VMAF"] if vmaf else []
    columns += ["bits OP/MC", "ΔSSIM OP-MC"]
    columns += ["ΔVMAF"] if vmaf else []
    columns += ["OP rendition bytes", "MC MP4 bytes"]
    rows = []
    for h in sorted(op.renditions):
        a, b = op.renditions[h], mc.renditions[h]
        row = [f"{h}p", f"{a.width}x{a.height}", f"{a.video_kbps:.0f}", f"{a.ssim:.4f}"]
        row += [f"{a.vmaf:.2f}"] if vmaf else []
        row += [f"{b.video_kbps:.0f}", f"{b.ssim:.4f}"]
        row += [f"{b.vmaf:.2f}"] if vmaf else []
        row += [f"{a.video_kbps / b.video_kbps:.2f}", f"{a.ssim - b.ssim:+.4f}"]
        row += [f"{(a.vmaf or 0) - (b.vmaf or 0):+.2f}"] if vmaf else []
        row += [f"{a.file_bytes:,}", f"{b.file_bytes:,}"]
        rows.append(row)
    return table(columns, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", default="easy,hard", help="easy, hard or both (comma-separated)")
    parser.add_argument("--seconds", type=int, default=10, help="clip length (default 10)")
    parser.add_argument("--size", default="1920x1080", help="source size (default 1920x1080)")
    parser.add_argument(
        "--vmaf", choices=["auto", "on", "off"], default="auto", help="auto: if ffmpeg has libvmaf"
    )
    parser.add_argument("--markdown", type=Path, help="also write the report here (markdown)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")

    vmaf_ok = has_libvmaf()
    if args.vmaf == "on" and not vmaf_ok:
        raise BenchError(f"{FFMPEG} has no libvmaf filter (--vmaf off, or another FFMPEG_BINARY)")
    vmaf = vmaf_ok and args.vmaf != "off"
    version = subprocess.run([FFMPEG, "-version"], capture_output=True, text=True).stdout
    lines = [
        "# Encoding quality per bit",
        "",
        f"* ffmpeg: `{FFMPEG}` ({version.split(' Copyright')[0]}), libvmaf filter: "
        f"{'yes' if vmaf_ok else 'no'}; VMAF {'on (model vmaf_v0.6.1)' if vmaf else 'off'}",
        f"* OpenPress options: {options()}; ladder caps (kb/s, bufsize 2x): "
        f"{', '.join(f'{h}p {k}' for h, k, _ in default_profiles())}",
        f"* clips: {args.clip}, {args.seconds} s, {args.size} at 30 fps; "
        f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
    ]
    print("\n".join(lines), flush=True)
    work = Path(tempfile.mkdtemp(prefix="encoding-quality-"))
    w, h = (int(x) for x in args.size.split("x"))
    try:
        for name in [c.strip() for c in args.clip.split(",") if c.strip()]:
            src = make_clip(name, work, seconds=args.seconds, size=args.size)
            src_kbps = src.stat().st_size * 8 / args.seconds / 1000
            op, rungs, argv = run_openpress(src, work / f"op_{name}", args.seconds)
            mc = run_mediacms(src, work / f"mc_{name}", args.seconds, [r.height for r in rungs])
            for way in (op, mc):
                for height, rendition in way.renditions.items():
                    got = scores(way.extra[height], src, width=w, height=h, vmaf=vmaf)
                    rendition.ssim = got["ssim"]
                    rendition.vmaf = got.get("vmaf")
            block = [
                "",
                f"## {name} clip (source {src_kbps:.0f} kb/s)",
                "",
                f"Encode wall time: OpenPress {op.wall:.1f} s (one ffmpeg, all rungs), "
                f"MediaCMS {mc.wall:.1f} s (one ffmpeg per rung). OpenPress's shared audio "
                f"rendition: {op.extra.get('audio_bytes', 0):,} bytes.",
                "",
                clip_table(op, mc, vmaf=vmaf),
                "",
                "OpenPress argv (built by `ffmpeg.ladder_hls_argv`):",
                "",
                "```",
                shlex.join(argv),
                "```",
            ]
            print("\n".join(block), flush=True)
            lines += block
        lines += ["", f"load average at end: {os.getloadavg()[0]:.1f}"]
        print(lines[-1])
        if args.markdown:
            args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"encoding_quality: {exc}", file=sys.stderr)
        sys.exit(1)
