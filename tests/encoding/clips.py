"""Test inputs made on the spot with ffmpeg's lavfi sources (no binary media in the repository).

Video is ``testsrc2``; audio is a 1 kHz beep of 50 ms starting on every whole second, so that a
test can find each beep in an output and check audio/video sync.
"""

from __future__ import annotations

import array
import json
import subprocess
from pathlib import Path

BEEP = (
    "aevalsrc=exprs='if(lt(mod(t\\,1)\\,0.05)\\,0.8*sin(2*PI*1000*t)\\,0)':s=48000:c=stereo:d={d}"
)


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error", *args],
        check=True,
        timeout=300,
    )


def make_clip(
    path: Path,
    *,
    size: str = "320x240",
    seconds: float = 3,
    rate: int = 30,
    audio: bool = True,
    gop_seconds: float = 2,
    extra_video: list[str] | None = None,
    vf: str = "",
) -> Path:
    src = f"testsrc2=s={size}:r={rate}:d={seconds}" + (f",{vf}" if vf else "")
    args = ["-f", "lavfi", "-i", src]
    if audio:
        args += ["-f", "lavfi", "-i", BEEP.format(d=seconds)]
    args += [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(int(rate * gop_seconds)),
        "-keyint_min",
        str(int(rate * gop_seconds)),
        "-sc_threshold",
        "0",
        *(extra_video or []),
    ]
    if audio:
        args += ["-c:a", "aac", "-b:a", "128k", "-shortest"]
    ffmpeg(*args, str(path))
    return path


def probe(path: str | Path) -> dict:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def count_frames(path: str | Path) -> int:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_packets",
            "-show_entries",
            "stream=nb_read_packets",
            "-of",
            "csv=p=0",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return int(out.stdout.decode().strip().split(",")[0])


def beep_onsets(path: str | Path, *, rate: int = 8000) -> list[float]:
    """Times (s) where each beep starts in the first audio stream of ``path``."""
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "s16le",
            "-",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout

    samples = array.array("h", raw)
    onsets: list[float] = []
    last_loud = -rate
    for i, sample in enumerate(samples):
        if abs(sample) > 3000:
            # A beep starts where sound follows at least half a second of silence.
            if i - last_loud > rate // 2:
                onsets.append(i / rate)
            last_loud = i
    return onsets
