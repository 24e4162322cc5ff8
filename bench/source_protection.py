"""Source protection benchmark: what removing identifying metadata adds to a publication.

Measures, on this machine, OpenPress's own cleaning (``media_app/services/source_protection.py``,
the steps ``public_copy_make`` runs during an encode) next to the encode itself:

1. a generated "phone" video, 1080p30 H.264/AAC with a location, artist and comment
   (``--seconds``, default 60), encoded once to 1080p with the ladder's preset and CRF (the
   reference: the full ladder costs more, so the share printed is an upper bound);
2. its clean copy: reading what it reveals (exiftool), the metadata-free remux (ffmpeg stream
   copy), and the check of the copy (exiftool and ffprobe again): seconds, seconds per MB and
   per minute of video;
3. a 12-megapixel JPEG with GPS, serial and author: cleaned upright (exiftool strips it in
   place) and turned (Orientation 6: re-encoded upright first);
4. a PDF with an author (mat2 then qpdf).

Usage::

    .venv/bin/python bench/source_protection.py             # 60-s clip
    .venv/bin/python bench/source_protection.py --seconds 10 --repeat 1

Needs ffmpeg, exiftool, mat2 and qpdf (scripts/system-packages.txt). Signing is measured by
bench/provenance.py; docs/performance.md puts both next to the encode.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.dev")


def setup() -> None:
    import django

    django.setup()


def ffmpeg() -> str:
    from media_app.encoding.runner import ffmpeg_binary

    return ffmpeg_binary()


def run(*argv: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def phone_video(path: str, seconds: int) -> None:
    run(ffmpeg(), "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k",
        "-metadata", "location=+48.8584+002.2945/", "-metadata", "artist=A Source",
        "-metadata", "comment=handed over at the usual place",
        "-movflags", "use_metadata_tags", path)  # fmt: skip


def reference_encode(src: str, dst: str) -> float:
    from django.conf import settings

    return run(ffmpeg(), "-v", "error", "-y", "-i", src, "-map", "0:v:0", "-map", "0:a:0",
               "-c:v", "libx264", "-preset", settings.ENCODE_PRESET,
               "-crf", str(settings.ENCODE_CRF), "-c:a", "aac", "-b:a", "128k", dst)  # fmt: skip


def phone_jpeg(path: str, orientation: int) -> None:
    run(ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=4000x3000",
        "-frames:v", "1", "-q:v", "2", path)  # fmt: skip
    run("exiftool", "-q", "-overwrite_original", "-GPSLatitude=48.8584", "-GPSLatitudeRef=N",
        "-GPSLongitude=2.2945", "-GPSLongitudeRef=E", "-Make=PhoneCo", "-Model=P9",
        "-SerialNumber=SN-4711", "-Artist=A Source", "-XMP-dc:Creator=A Source",
        f"-Orientation#={orientation}", path)  # fmt: skip


def clean_video(src: str, work: str) -> dict[str, float]:
    from media_app.services import source_protection as sp

    read, _ = timed(sp._read, src)
    remux, clean = timed(sp._clean_av, src, work, "video")
    check_start = time.perf_counter()
    sp._read(clean)
    sp._ffprobe_tags(clean)
    check = time.perf_counter() - check_start
    return {"read": read, "remux": remux, "check": check, "total": read + remux + check}


def clean_image(src: str, work: str) -> float:
    from media_app.encoding import ffmpeg as ff
    from media_app.encoding import runner
    from media_app.encoding.ffmpeg import parse_probe
    from media_app.services import source_protection as sp

    start = time.perf_counter()
    probe = parse_probe(runner.run(ff.probe_argv(src), timeout=120))
    sp._read(src)
    clean, _ = sp._clean_image(src, work, probe.raw)
    sp._read(clean)
    return time.perf_counter() - start


def clean_pdf(src: str, work: str) -> float:
    from media_app.services import source_protection as sp

    start = time.perf_counter()
    sp._read(src)
    clean = sp._clean_pdf(src, work)
    sp._read(clean)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the 1080p clip")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each cleaning (median)")
    args = parser.parse_args()
    setup()
    from tests.trust.test_source_protection import make_pdf

    with tempfile.TemporaryDirectory(prefix="op-bench-clean-") as work:
        video = os.path.join(work, "phone.mp4")
        phone_video(video, args.seconds)
        size_mb = os.path.getsize(video) / 1e6
        encode = reference_encode(video, os.path.join(work, "encoded.mp4"))
        runs = []
        for i in range(args.repeat):
            scratch = os.path.join(work, f"v{i}")
            os.makedirs(scratch)
            runs.append(clean_video(video, scratch))
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        minutes = args.seconds / 60
        print(f"video: {args.seconds} s 1080p30, {size_mb:.1f} MB")
        print(f"  reference 1080p encode: {encode:.1f} s")
        print(
            f"  cleaning (median of {args.repeat}): read {med['read']:.2f} s, remux "
            f"{med['remux']:.2f} s, check {med['check']:.2f} s = {med['total']:.2f} s"
        )
        print(
            f"  per MB {med['total'] / size_mb * 1000:.1f} ms, per minute of 1080p "
            f"{med['total'] / minutes:.2f} s, {med['total'] / encode * 100:.1f} % of the encode"
        )
        for orientation in (1, 6):
            jpeg = os.path.join(work, f"phone-{orientation}.jpg")
            phone_jpeg(jpeg, orientation)
            times = []
            for i in range(args.repeat):
                scratch = os.path.join(work, f"i{orientation}-{i}")
                os.makedirs(scratch)
                times.append(clean_image(jpeg, scratch))
            print(
                f"image: 4000x3000 JPEG, {os.path.getsize(jpeg) / 1e6:.1f} MB, Orientation "
                f"{orientation}: {statistics.median(times):.2f} s "
                f"({'stripped in place' if orientation == 1 else 're-encoded upright'})"
            )
        pdf = str(make_pdf(Path(work) / "source.pdf"))
        times = []
        for i in range(args.repeat):
            scratch = os.path.join(work, f"p{i}")
            os.makedirs(scratch)
            times.append(clean_pdf(pdf, scratch))
        print(f"pdf: one page with an author: {statistics.median(times):.2f} s (mat2 + qpdf)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
