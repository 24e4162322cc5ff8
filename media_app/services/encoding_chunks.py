"""Chunked encoding of long videos: split on keyframes, encode chunks anywhere, join, package.

The video stream is cut without re-encoding at the first keyframe after every
``ENCODE_CHUNK_SECONDS``; each chunk is encoded (video only, decode once, every rung) by whichever
long worker takes it; the audio is encoded once for the whole file, because AAC encoded per chunk
gains or loses a frame of priming at every join. The join is a stream copy per rung, then HLS
packaging, also a stream copy.

What another worker needs (the cut chunks, each chunk's renditions, the audio) lives under
``storage.work_prefix`` (``work/<run>/``) so that any worker can take any chunk: on the
filesystem that folder is written in place; in S3 mode each step works in its own scratch folder
and uploads its results there. The join deletes it once the run's ladder is published.
"""

from __future__ import annotations

import logging
import os
import time

from django.conf import settings
from django.utils import timezone

from media_app import storage
from media_app.encoding import ffmpeg, files, runner
from media_app.encoding.ffmpeg import BadInput
from media_app.encoding.runner import ToolFailed
from media_app.models import Encoding
from media_app.services import encoding as svc

logger = logging.getLogger(__name__)


class _Work:
    """A run's shared chunk work. Filesystem: the storage folder itself, read and written in
    place. S3: objects under the work prefix; files are fetched into and made in ``scratch``."""

    def __init__(self, media, run: str, scratch: str):
        self.prefix = storage.work_prefix(media.uid.hex, run)
        self.shared = storage.local_storage()
        self.root = storage.storage_path(self.prefix) if self.shared else scratch

    def path(self, rel: str) -> str:
        """The local path of ``rel`` (its folder made)."""
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def exists(self, rel: str) -> bool:
        if self.shared:
            return os.path.exists(os.path.join(self.root, rel))
        return storage.exists(f"{self.prefix}/{rel}")

    def fetch(self, rel: str) -> str:
        """A local path holding ``rel`` (downloaded in S3 mode)."""
        if self.shared:
            return os.path.join(self.root, rel)
        return storage.download(f"{self.prefix}/{rel}", self.path(rel))

    def put(self, rel: str) -> None:
        """Make the finished local ``rel`` visible to every worker."""
        if not self.shared:
            storage.publish_file(os.path.join(self.root, rel), f"{self.prefix}/{rel}")

    def names(self, folder: str) -> list[str]:
        if self.shared:
            try:
                return sorted(os.listdir(os.path.join(self.root, folder)))
            except FileNotFoundError:
                return []
        return sorted(
            e.name.rsplit("/", 1)[1] for e in storage.list_prefix(f"{self.prefix}/{folder}")
        )

    def clear(self) -> None:
        storage.delete_prefix(self.prefix)
        if self.shared:
            os.makedirs(self.root)


def _is_chunk(name: str) -> bool:
    return name.startswith("c_") and name.endswith(".mp4")


def _chunk_names(work: _Work) -> list[str]:
    return [n for n in work.names("chunks") if _is_chunk(n)]


def encoding_split(*, plan: svc.Plan) -> svc.Plan | None:
    """Cut the source into video-only chunks; the plan says how many."""
    media = svc._current(plan.media_id, plan.run)
    if media is None:
        return None
    with files.scratch() as scratch:
        work = _Work(media, plan.run, scratch)
        work.clear()
        started = time.monotonic()
        try:
            src = storage.ffmpeg_source(str(media.media_file), scratch)
            os.makedirs(os.path.join(work.root, "chunks"), exist_ok=True)
            runner.run(
                ffmpeg.split_argv(
                    src=src,
                    pattern=os.path.join(work.root, "chunks", "c_%05d.mp4"),
                    chunk_seconds=settings.ENCODE_CHUNK_SECONDS,
                ),
                timeout=3600,
            )
        except ToolFailed as exc:
            svc._source_failed(str(media.media_file), exc)
            svc.encoding_fail(
                media_id=media.pk, run=plan.run, reason=svc._tool_reason(exc, "Cutting the video")
            )
            return None
        cut = [n for n in sorted(os.listdir(os.path.join(work.root, "chunks"))) if _is_chunk(n)]
        for name in cut:
            work.put(f"chunks/{name}")
    count = len(cut)
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
    with files.scratch() as scratch:
        work = _Work(media, run, scratch)
        finals = [f"out/c_{index:05d}_{r.name}.mp4" for r in rungs]
        if all(work.exists(f) for f in finals):
            return  # done by an earlier delivery of this task
        temps = [work.path(f) + ".part" for f in finals]
        assert probe.video is not None  # chunks are cut from videos only
        try:
            runner.run(
                ffmpeg.chunk_encode_argv(
                    src=work.fetch(f"chunks/c_{index:05d}.mp4"),
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
            os.replace(tmp, work.path(final))
            work.put(final)
        total = len(_chunk_names(work))
        done = len([n for n in work.names("out") if n.endswith(".mp4")])
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
    with files.scratch() as scratch:
        work = _Work(media, run, scratch)
        if work.exists("audio.m4a"):
            return
        final = work.path("audio.m4a")
        started = time.monotonic()
        try:
            runner.run(
                ffmpeg.audio_encode_argv(
                    src=storage.ffmpeg_source(str(media.media_file), scratch),
                    dst=final + ".part",
                    audio_kbps=settings.ENCODE_AUDIO_KBPS,
                ),
                timeout=settings.CELERY_LONG_TASK_TIME_LIMIT,
            )
        except ToolFailed as exc:
            svc._source_failed(str(media.media_file), exc)
            svc.encoding_fail(media_id=media_id, run=run, reason=svc._tool_reason(exc, "The audio"))
            return
        os.replace(final + ".part", final)
        work.put("audio.m4a")
    logger.info("media %s audio encoded in %.2f s", media_id, time.monotonic() - started)


def encoding_join(*, media_id: int, run: str) -> None:
    """Join each rung's chunks (stream copy), then package every rung and the audio as HLS."""
    media = svc._current(media_id, run)
    if media is None:
        return
    probe = svc._probe_of(media)
    rungs = svc._rungs_of(media)
    prefix = storage.hls_prefix(media.uid.hex, run)
    with files.scratch() as scratch:
        work = _Work(media, run, scratch)
        count = len(_chunk_names(work))
        started = time.monotonic()
        try:
            audio = work.fetch("audio.m4a") if probe.has_audio else None
            joined = []
            for rung in rungs:
                if rung.copy:
                    # Staged: the packager reads it alongside the joined rungs, over file only.
                    joined.append(storage.stage_in(str(media.media_file), scratch))
                    continue
                listing = work.path(f"list_{rung.name}.txt")
                with open(listing, "w", encoding="utf-8") as fh:
                    for i in range(count):
                        part = work.fetch(f"out/c_{i:05d}_{rung.name}.mp4")
                        fh.write(f"file '{part}'\n")
                dst = work.path(f"joined_{rung.name}.mp4")
                runner.run(ffmpeg.concat_argv(list_file=listing, dst=dst), timeout=3600)
                joined.append(dst)
            out_dir = svc._output_dir(prefix, scratch)
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
            stats, _ = svc._finalise_hls(
                media, run, out_dir, rungs, audio is not None, probe.duration
            )
            # Segments, then playlists, then the master; the row points at it after that.
            storage.publish_tree(out_dir, prefix)
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
    storage.delete_prefix(storage.work_prefix(media.uid.hex, run))
