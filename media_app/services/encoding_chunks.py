"""Chunked encoding of long videos: split on keyframes, encode chunks anywhere, join, package.

The video stream is cut without re-encoding at the first keyframe after every
``ENCODE_CHUNK_SECONDS``; each chunk is encoded (video only, decode once, every rung) by whichever
long worker takes it; the audio is encoded once for the whole file, because AAC encoded per chunk
gains or loses a frame of priming at every join. The join is a stream copy per rung, then HLS
packaging, also a stream copy. Work lives on the shared media volume under ``work/<run>/`` so
that any worker can take any chunk; it is removed when the run finishes.
"""

from __future__ import annotations

import logging
import os
import shutil
import time

from django.conf import settings
from django.utils import timezone

from media_app.encoding import ffmpeg, files, runner
from media_app.encoding.ffmpeg import BadInput
from media_app.encoding.runner import ToolFailed
from media_app.models import Encoding
from media_app.services import encoding as svc

logger = logging.getLogger(__name__)


def _work_dir(media, run: str) -> str:
    return files.storage_path(files.work_prefix(media.uid.hex, run))


def _chunk_names(work: str) -> list[str]:
    folder = os.path.join(work, "chunks")
    return sorted(n for n in os.listdir(folder) if n.startswith("c_") and n.endswith(".mp4"))


def encoding_split(*, plan: svc.Plan) -> svc.Plan | None:
    """Cut the source into video-only chunks; the plan says how many. Without a local (shared)
    media volume the single-process ladder is used instead."""
    if not files.local_storage():
        return svc.Plan(plan.media_id, plan.run, plan.kind, 0)
    media = svc._current(plan.media_id, plan.run)
    if media is None:
        return None
    work = _work_dir(media, plan.run)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "chunks"))
    os.makedirs(os.path.join(work, "out"))
    started = time.monotonic()
    try:
        runner.run(
            ffmpeg.split_argv(
                src=files.storage_path(media.media_file.name),
                pattern=os.path.join(work, "chunks", "c_%05d.mp4"),
                chunk_seconds=settings.ENCODE_CHUNK_SECONDS,
            ),
            timeout=3600,
        )
    except ToolFailed as exc:
        svc.encoding_fail(
            media_id=media.pk, run=plan.run, reason=svc._tool_reason(exc, "Cutting the video")
        )
        return None
    count = len(_chunk_names(work))
    svc._rendition_rows(media, svc._rungs_of(media))
    # The serial parts are logged with their durations: bench/encode.py reads them.
    logger.info(
        "media %s cut into %d chunks in %.2f s", media.pk, count, time.monotonic() - started
    )
    return svc.Plan(plan.media_id, plan.run, plan.kind, count)


def encoding_chunk(*, media_id: int, run: str, index: int) -> None:
    media = svc._current(media_id, run)
    if media is None:
        return
    probe = svc._probe_of(media)
    # A copied rung needs no chunks: the join packages the source's own video stream for it.
    rungs = [r for r in svc._rungs_of(media) if not r.copy]
    if not rungs:
        return
    work = _work_dir(media, run)
    finals = [os.path.join(work, "out", f"c_{index:05d}_{r.name}.mp4") for r in rungs]
    if all(os.path.exists(f) for f in finals):
        return  # done by an earlier delivery of this task
    temps = [f + ".part" for f in finals]
    try:
        runner.run(
            ffmpeg.chunk_encode_argv(
                src=os.path.join(work, "chunks", f"c_{index:05d}.mp4"),
                outputs=temps,
                rungs=rungs,
                fps=ffmpeg.output_fps(probe.video.fps),
                opts=svc._options(),
            ),
            timeout=settings.CELERY_LONG_TASK_TIME_LIMIT,
        )
    except ToolFailed as exc:
        svc.encoding_fail(
            media_id=media_id, run=run, reason=svc._tool_reason(exc, f"Encoding chunk {index}")
        )
        return
    for tmp, final in zip(temps, finals, strict=True):
        os.replace(tmp, final)
    total = len(_chunk_names(work))
    done = len([n for n in os.listdir(os.path.join(work, "out")) if n.endswith(".mp4")])
    Encoding.objects.filter(
        media=media, chunk=False, status=Encoding.Status.RUNNING, media__encoding_run=run
    ).update(
        progress=min(99, int(100 * done / max(1, total * len(rungs)))),
        update_date=timezone.now(),
    )


def encoding_audio_track(*, media_id: int, run: str) -> None:
    media = svc._current(media_id, run)
    if media is None or not svc._probe_of(media).has_audio:
        return
    final = os.path.join(_work_dir(media, run), "audio.m4a")
    if os.path.exists(final):
        return
    started = time.monotonic()
    try:
        runner.run(
            ffmpeg.audio_encode_argv(
                src=files.storage_path(media.media_file.name),
                dst=final + ".part",
                audio_kbps=settings.ENCODE_AUDIO_KBPS,
            ),
            timeout=settings.CELERY_LONG_TASK_TIME_LIMIT,
        )
    except ToolFailed as exc:
        svc.encoding_fail(media_id=media_id, run=run, reason=svc._tool_reason(exc, "The audio"))
        return
    os.replace(final + ".part", final)
    logger.info("media %s audio encoded in %.2f s", media_id, time.monotonic() - started)


def encoding_join(*, media_id: int, run: str) -> None:
    """Join each rung's chunks (stream copy), then package every rung and the audio as HLS."""
    media = svc._current(media_id, run)
    if media is None:
        return
    probe = svc._probe_of(media)
    rungs = svc._rungs_of(media)
    work = _work_dir(media, run)
    count = len(_chunk_names(work))
    audio = os.path.join(work, "audio.m4a") if probe.has_audio else None
    started = time.monotonic()
    try:
        joined = []
        for rung in rungs:
            if rung.copy:
                joined.append(files.storage_path(media.media_file.name))
                continue
            listing = os.path.join(work, f"list_{rung.name}.txt")
            with open(listing, "w", encoding="utf-8") as fh:
                for i in range(count):
                    fh.write(f"file '{os.path.join(work, 'out', f'c_{i:05d}_{rung.name}.mp4')}'\n")
            dst = os.path.join(work, f"joined_{rung.name}.mp4")
            runner.run(ffmpeg.concat_argv(list_file=listing, dst=dst), timeout=3600)
            joined.append(dst)
        prefix = files.hls_prefix(media.uid.hex, run)
        out_dir = svc._output_dir(prefix, work)
        joined_at = time.monotonic()
        runner.run(
            ffmpeg.package_argv(
                videos=joined,
                audio=audio,
                rungs=rungs,
                out_dir=out_dir,
                segment_seconds=settings.ENCODE_SEGMENT_SECONDS,
            ),
            timeout=3600,
        )
        stats, _ = svc._finalise_hls(media, run, out_dir, rungs, audio is not None, probe.duration)
        logger.info(
            "media %s chunks joined in %.2f s, packaged in %.2f s",
            media_id,
            joined_at - started,
            time.monotonic() - joined_at,
        )
    except BadInput as exc:
        svc.encoding_fail(media_id=media_id, run=run, reason=str(exc))
        return
    except ToolFailed as exc:
        svc.encoding_fail(media_id=media_id, run=run, reason=svc._tool_reason(exc, "Joining"))
        return
    rows = {
        r.name: e.pk
        for e in Encoding.objects.filter(media=media, chunk=False)
        for r in rungs
        if r.profile_id == e.profile_id
    }
    svc._publish_ladder(media.pk, run, prefix, rungs, stats, rows)
