"""Content Credentials benchmark: what signing adds to a publication, and its memory.

Measures, on this machine, with the real c2pa-python and OpenPress's own signing code
(``media_app.provenance``, the functions ``services/provenance.py`` calls at the end of an
encode):

1. a generated 1080p30 clip (``--seconds``, default 60) encoded once to 1080p H.264 with the
   ladder's preset and CRF (ENCODE_PRESET / ENCODE_CRF defaults): the reference encode time
   (the full ladder costs more, see "Encoding" in docs/performance.md, so the share below is
   an upper bound);
2. embedded signing of that MP4 (what the public download gets), of a 1280-px poster and a
   344-px thumbnail JPEG, and the detached manifest of a 1080p fMP4 HLS rendition of the clip
   (init + segments read as one stream), plus the SHA-256 the provenance record keeps: seconds
   and seconds per MB;
3. a large MP4 (``--big-gib``, default 2: the clip looped with stream copy, cheap to make):
   embedded signing and the HLS detached manifest in a child process each, its peak RSS
   (``ru_maxrss``) and time, to show signing streams (no rendition read whole into memory).

Usage::

    .venv/bin/python bench/provenance.py                 # 60-s clip, 2 GiB big file
    .venv/bin/python bench/provenance.py --quick         # 10-s clip, 256 MiB big file
    .venv/bin/python bench/provenance.py --big-gib 0     # skip the big file

Needs ffmpeg (imageio-ffmpeg's or FFMPEG_BINARY) and disk for three copies of the big file.
Signs with a throwaway ES256 chain (the development one, made in the scratch folder).
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.dev")


def setup(work: str) -> None:
    import django
    from django.conf import settings

    django.setup()
    settings.C2PA_DEV_CHAIN = True
    settings.C2PA_DEV_DIR = os.path.join(work, "chain")
    settings.C2PA_SIGNING_CERT = settings.C2PA_SIGNING_KEY = settings.C2PA_SIGNER = ""
    settings.C2PA_TRUST_ANCHORS = ""


def ffmpeg() -> str:
    from media_app.encoding.runner import ffmpeg_binary

    return ffmpeg_binary()


def run(*argv: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def definition(role: str) -> dict:
    from media_app import provenance as c2p

    when = "2026-12-06T00:00:00+00:00"
    return c2p.manifest(
        title=role,
        actions=[
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["original"]}},
            {"action": "c2pa.transcoded"},
            {"action": "c2pa.edited.metadata", "description": "metadata removed"},
            {"action": "c2pa.published", "when": when},
        ],
        author={"name": "Bench Journalist", "url": "/user/bench", "verified_at": when},
        publication={"media": "bench", "url": "/view?m=bench", "published_at": when},
        original_format="video/mp4",
    )


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def sign_embedded(src: str, dst: str, mime: str) -> None:
    from media_app import provenance as c2p

    c2p.sign_file(c2p.signer_config(), definition("public"), src, dst, mime)


def sign_rendition(folder: str) -> bytes:
    from media_app import provenance as c2p

    parts = [os.path.join(folder, "init.mp4"), *sorted(glob.glob(os.path.join(folder, "seg_*")))]
    return c2p.sign_sidecar(c2p.signer_config(), definition("rendition"), parts)


def sha256(path: str) -> str:
    from media_app import provenance as c2p

    return c2p.sha256_file(path)


def hls(src: str, folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    run(ffmpeg(), "-v", "error", "-y", "-i", src, "-c", "copy", "-f", "hls", "-hls_time", "4",
        "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
        "-hls_fmp4_init_filename", "init.mp4",
        "-hls_segment_filename", os.path.join(folder, "seg_%05d.m4s"),
        os.path.join(folder, "index.m3u8"))  # fmt: skip


def mb(path_or_folder: str) -> float:
    if os.path.isdir(path_or_folder):
        return sum(os.path.getsize(p) for p in glob.glob(os.path.join(path_or_folder, "*"))) / 1e6
    return os.path.getsize(path_or_folder) / 1e6


def child(mode: str, src: str, dst: str, work: str) -> None:
    """Run one signing in this (child) process; the parent reads our peak RSS."""
    setup(work)
    start = time.perf_counter()
    if mode == "embedded":
        sign_embedded(src, dst, "video/mp4")
    else:
        sign_rendition(src)
    print(f"{time.perf_counter() - start:.3f}")


def _rusage_run(argv: list[str]) -> tuple[str, float]:
    """Run ``argv``; its stdout and its own peak RSS in MiB (``wait4``: this child only)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{argv[:4]} failed ({proc.returncode})")
    return out, usage.ru_maxrss / 1024


def in_child(mode: str, src: str, dst: str, work: str) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one signing in a fresh process."""
    out, rss = _rusage_run([sys.executable, __file__, "--child", mode, src, dst, work])
    return float(out.strip().splitlines()[-1]), rss


def baseline_rss(work: str) -> float:
    """Peak RSS of a child that only imports Django and c2pa (the floor under the figures)."""
    code = (
        f"import os,sys;sys.path.insert(0,{ROOT!r});"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE','openpress.settings.dev');"
        "import django;django.setup();import c2pa;from media_app import provenance"
    )
    return _rusage_run([sys.executable, "-c", code])[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--big-gib", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.quick:
        args.seconds, args.big_gib = 10, 0.25
    work = tempfile.mkdtemp(prefix="bench-provenance-")
    setup(work)
    from django.conf import settings

    print(f"scratch: {work}")
    clip = os.path.join(work, "clip.mp4")
    encode = run(
        ffmpeg(), "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=30:d={args.seconds}",
        "-f", "lavfi", "-i", f"sine=f=440:d={args.seconds}",
        "-c:v", "libx264", "-preset", settings.ENCODE_PRESET, "-crf", str(settings.ENCODE_CRF),
        "-g", "120", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", clip,
    )  # fmt: skip
    poster, thumb = os.path.join(work, "poster.jpg"), os.path.join(work, "thumbnail.jpg")
    run(ffmpeg(), "-v", "error", "-y", "-ss", "5", "-i", clip, "-frames:v", "1",
        "-vf", "scale=1280:-2", poster)  # fmt: skip
    run(ffmpeg(), "-v", "error", "-y", "-i", poster, "-vf", "scale=344:-2", thumb)
    rendition = os.path.join(work, "hls", "1080p")
    hls(clip, rendition)
    sign_embedded(thumb, os.path.join(work, "warm.jpg"), "image/jpeg")  # load the library

    print(f"\n1080p30 clip, {args.seconds} s, {mb(clip):.1f} MB")
    print(f"  encode to 1080p H.264 ({settings.ENCODE_PRESET}, CRF {settings.ENCODE_CRF}): "
          f"{encode:.2f} s")  # fmt: skip
    rows = []
    t, _ = timed(sign_embedded, clip, os.path.join(work, "signed.mp4"), "video/mp4")
    rows.append(("MP4 download, embedded", mb(clip), t))
    t, _ = timed(sign_embedded, poster, os.path.join(work, "signed-poster.jpg"), "image/jpeg")
    rows.append(("poster JPEG, embedded", mb(poster), t))
    t, _ = timed(sign_embedded, thumb, os.path.join(work, "signed-thumb.jpg"), "image/jpeg")
    rows.append(("thumbnail JPEG, embedded", mb(thumb), t))
    t, _ = timed(sign_rendition, rendition)
    rows.append(("1080p HLS rendition, detached", mb(rendition), t))
    t, _ = timed(sha256, clip)
    rows.append(("SHA-256 of the MP4 (record)", mb(clip), t))
    total = 0.0
    for what, size, seconds in rows:
        total += seconds
        print(f"  {what:34s} {size:9.2f} MB {seconds:7.3f} s {seconds / max(size, 1e-9):7.4f} s/MB")
    print(f"  all of it: {total:.2f} s = {100 * total / encode:.1f} % of the 1080p encode "
          f"({total / (args.seconds / 60):.2f} s per minute of 1080p)")  # fmt: skip

    if args.big_gib > 0:
        big = os.path.join(work, "big.mp4")
        loops = max(1, int(args.big_gib * 1024**3 / os.path.getsize(clip)))
        run(ffmpeg(), "-v", "error", "-y", "-stream_loop", str(loops - 1), "-i", clip,
            "-c", "copy", "-movflags", "+faststart", big)  # fmt: skip
        big_hls = os.path.join(work, "hls", "big")
        hls(big, big_hls)
        floor = baseline_rss(work)
        print(f"\nlarge file: {mb(big) / 1000:.2f} GB MP4 ({loops} loops of the clip, stream copy)")
        print(f"  a process that only imports Django and c2pa: peak RSS {floor:.0f} MiB")
        t, rss = in_child("embedded", big, os.path.join(work, "big-signed.mp4"), work)
        print(f"  embedded signing:  {t:7.2f} s, {t / mb(big) * 1000:.2f} s/GB, peak RSS "
              f"{rss:.0f} MiB")  # fmt: skip
        t, rss = in_child("rendition", big_hls, "-", work)
        print(f"  HLS detached manifest ({mb(big_hls) / 1000:.2f} GB of init + segments): {t:7.2f}"
              f" s, peak RSS {rss:.0f} MiB")  # fmt: skip
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
