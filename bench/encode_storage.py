"""Encoding in S3 mode next to filesystem mode (issue 14: S3 within 10 % of the filesystem).

The same generated clip (default 60 s of 1080p30 with a beep track) goes through the same
pipeline steps in this process, as a worker runs them (probe and stills, the one-ffmpeg ladder,
sprites and preview, finish), once with media under a temporary MEDIA_ROOT and once in a bucket
of the S3 server that S3_ENDPOINT / S3_ACCESS_KEY / S3_SECRET_KEY name (scripts/s3-test-server.sh
starts one). In S3 mode ffmpeg reads the original through a presigned URL
(``storage.ffmpeg_source``); ``--staged`` adds S3 mode as it was before, every step downloading
the original to scratch first. Modes take turns over ``--repeat`` rounds; the medians are
printed, with the time from the start of the ladder step to the moment a master playlist is
published (the first playable segment, polled from a thread every 0.1 s).

Usage::

    eval "export $(scripts/s3-test-server.sh start /tmp/op-s3 7480 | tail -n 1)"
    .venv/bin/python bench/encode_storage.py                 # 60 s 1080p, one round each
    .venv/bin/python bench/encode_storage.py --repeat 3      # shared box: median of 3
    .venv/bin/python bench/encode_storage.py --seconds 10    # a smoke run
    .venv/bin/python bench/encode_storage.py --repeat 2 --staged   # and S3 mode staged

DATABASE_URL names the PostgreSQL server; the bench makes its own ``test_…`` database there
and drops it at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.test")


def make_clip(path: Path, seconds: int) -> Path:
    from tests.encoding.clips import make_clip as make

    return make(path, size="1920x1080", seconds=seconds)


@contextlib.contextmanager
def staged(on: bool):
    """While ``on``: every step downloads the original to scratch (``storage.stage_in``) where it
    would read it in place (``storage.ffmpeg_source``), as S3 mode did before."""
    from media_app import storage

    if not on:
        yield
        return
    real = storage.ffmpeg_source
    storage.ffmpeg_source = lambda name, workdir, **_: storage.stage_in(name, workdir)
    try:
        yield
    finally:
        storage.ffmpeg_source = real


def encode(clip: Path) -> tuple[float, float | None, float, float, float]:
    """(whole pipeline s, ladder start -> master published s, ladder step s, probe-and-stills
    step s, sprites-and-preview step s)."""
    from django.core.files.storage import default_storage

    from media_app.models import Media
    from media_app.services import encoding as svc
    from tests.factories import MediaFactory

    with open(clip, "rb") as fh:
        name = default_storage.save(f"original/be/{uuid.uuid4().hex}.mp4", fh)
    media = MediaFactory(media_file=name, encoding_status=Media.EncodingStatus.PENDING)
    started = time.monotonic()
    plan = svc.encoding_prepare(media_id=media.pk)
    prepare = time.monotonic() - started
    assert plan is not None and plan.kind == "video" and plan.chunks == 0, plan
    playable: list[float] = []
    stop = threading.Event()

    def watch(t0: float) -> None:
        from django.db import connection

        try:
            while not stop.is_set():
                if Media.objects.filter(pk=media.pk).exclude(hls_file="").exists():
                    playable.append(time.monotonic() - t0)
                    return
                time.sleep(0.1)
        finally:
            connection.close()

    ladder_start = time.monotonic()
    watcher = threading.Thread(target=watch, args=(ladder_start,))
    watcher.start()
    svc.encoding_ladder(media_id=media.pk, run=plan.run)
    ladder = time.monotonic() - ladder_start
    stop.set()
    watcher.join()
    extras_start = time.monotonic()
    svc.encoding_extras(media_id=media.pk, run=plan.run)
    extras = time.monotonic() - extras_start
    svc.encoding_finish(media_id=media.pk, run=plan.run)
    total = time.monotonic() - started
    media.refresh_from_db()
    assert media.encoding_status == "success", media.encoding_fail_reason
    return total, (playable[0] if playable else None), ladder, prepare, extras


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--staged",
        action="store_true",
        help="also S3 mode as it was before reading in place: every step downloads the "
        "original to scratch first (mode s3-staged)",
    )
    args = parser.parse_args()
    for var in ("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY"):
        if not os.environ.get(var):
            sys.exit(f"{var} is not set: start an S3 server (see the docstring)")

    import boto3
    import django
    from botocore.config import Config

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    from openpress.settings.base import storage_backends

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    endpoint, key, secret = (
        os.environ[v] for v in ("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")
    )
    bucket = f"openpress-bench-{uuid.uuid4().hex[:8]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"}, request_checksum_calculation="when_required"
        ),
    )
    client.create_bucket(Bucket=bucket)
    s3 = {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_S3_REGION_NAME": "us-east-1",
        "STORAGES": storage_backends(
            bucket=bucket,
            endpoint_url=endpoint,
            access_key=key,
            secret_key=secret,
            region="us-east-1",
            addressing_style="path",
            link_seconds=settings.MEDIA_LINK_SECONDS,
        ),
    }
    modes = ["filesystem", "s3"] + (["s3-staged"] if args.staged else [])
    results: dict[str, list[tuple]] = {mode: [] for mode in modes}
    try:
        with tempfile.TemporaryDirectory(prefix="op-bench-storage-") as tmp:
            clip = make_clip(Path(tmp) / "clip.mp4", args.seconds)
            print(
                f"clip: {args.seconds} s 1920x1080p30, {clip.stat().st_size / 1e6:.1f} MB; "
                f"ffmpeg threads {settings.ENCODE_FFMPEG_THREADS}, preset {settings.ENCODE_PRESET}"
            )
            for round_ in range(args.repeat):
                # Each round starts with the next mode: none always runs first (or last).
                for mode in modes[round_ % len(modes) :] + modes[: round_ % len(modes)]:
                    scratch = Path(tmp) / f"scratch-{mode}-{round_}"
                    scratch.mkdir()
                    extra = s3 if mode.startswith("s3") else {}
                    with (
                        override_settings(
                            MEDIA_ROOT=str(Path(tmp) / f"media-{round_}"),
                            SCRATCH_DIR=str(scratch),
                            **extra,
                        ),
                        staged(mode == "s3-staged"),
                    ):
                        figures = encode(clip)
                    results[mode].append(figures)
                    first = f"{figures[1]:.1f} s" if figures[1] is not None else "-"
                    print(
                        f"round {round_ + 1} {mode:10s} pipeline {figures[0]:6.1f} s  "
                        f"ladder {figures[2]:6.1f} s  first playable {first}  "
                        f"(probe and stills {figures[3]:.1f} s, sprites and preview "
                        f"{figures[4]:.1f} s)",
                        flush=True,
                    )
    finally:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for page in pages:
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys})
        client.delete_bucket(Bucket=bucket)
        connection.creation.destroy_test_db(old_name, verbosity=0)

    def med(mode: str, i: int) -> float:
        values = [r[i] for r in results[mode] if r[i] is not None]
        return statistics.median(values) if values else float("nan")

    print(f"\nmedian of {args.repeat} (ratio: to filesystem mode)")
    figures = (
        ("whole pipeline", 0),
        ("ladder step", 2),
        ("probe and stills", 3),
        ("sprites and preview", 4),
        ("first playable", 1),
    )
    for label, i in figures:
        fs = med("filesystem", i)
        cells = [f"filesystem {fs:6.1f} s"]
        cells += [f"{mode} {med(mode, i):6.1f} s ({med(mode, i) / fs:.3f})" for mode in modes[1:]]
        print(f"  {label:20s} " + "   ".join(cells))
    print("  (first playable: from the start of the ladder step to the master's publication)")


if __name__ == "__main__":
    main()
