"""The encoding pipeline's rules: start, probe and classify, encode, publish, fail, restart.

Each step is a function of ``(media_id, run)``. ``run`` is the token of one pipeline run, stored
on the media when the run starts: a step whose run is no longer the media's current one (a newer
run started, or this one failed) does nothing, so a redelivered or duplicated task can never
overwrite newer results. Steps are idempotent: a step redone after a crash first removes what
its earlier attempt left, then writes under a temporary name and publishes atomically.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Now
from django.utils import timezone

from media_app import storage
from media_app.encoding import ffmpeg, files, hls, ladder, lease, runner, sprites
from media_app.encoding.ffmpeg import BadInput, EncodeOptions, Probe, Rung
from media_app.encoding.runner import ToolFailed, run_with_progress
from media_app.models import EncodeProfile, Encoding, EncodingLease, Media
from media_app.services import provenance, source_protection
from media_app.services.chapters import chapters_ingest
from media_app.services.errors import NotAllowed
from media_app.services.history import history_encoded

logger = logging.getLogger(__name__)

POSTER_WIDTH = 1280
THUMBNAIL_WIDTH = 344
SPRITE_TILE = (160, 90)
PREVIEW_SECONDS = 3.0
PREVIEW_HEIGHT = 180
PROGRESS_EVERY_SECONDS = 3.0

Status = Media.EncodingStatus


@dataclass(frozen=True)
class Plan:
    """What the pipeline does next for one run."""

    media_id: int
    run: str
    kind: str  # video | audio | done
    chunks: int = 0


# --- entry points used by other services, the API and commands ------------------------------


# Encode order (issue 13, finding 5): media no editor has reviewed wait behind everyone else's.
# Celery's Redis transport keeps one list per priority step (0, 3, 6, 9) and a worker pops them
# in that order, 0 first; 0 is also what every message without a priority gets. The file broker
# of `make run` ignores priorities (first in, first out). See docs/security.md.
PRIORITY_REVIEWED = 0
PRIORITY_UNREVIEWED = 9


def encoding_priority(*, media_id: int) -> int:
    """The broker priority of the next encoding step of a media, from its review state now:
    an upload approved while it waits gets the normal priority for its remaining steps."""
    reviewed = Media.objects.filter(pk=media_id).values_list("is_reviewed", flat=True).first()
    return PRIORITY_UNREVIEWED if reviewed is False else PRIORITY_REVIEWED


#: The registered name of the pipeline's entry task (``media_app.tasks.encoding.media_encode``).
#: Services send tasks by name: tasks import services, never the other way round (the layers
#: contract in pyproject.toml); the task routes (CELERY_TASK_ROUTES) pick the queue by name.
MEDIA_ENCODE_TASK = "encoding.media_encode"


def encoding_start(*, media_id: int) -> None:
    """Enqueue the whole pipeline of one media (called after the upload's commit)."""
    current_app.send_task(
        MEDIA_ENCODE_TASK, args=(media_id,), priority=encoding_priority(media_id=media_id)
    )


def encoding_restart(*, media: Media, by) -> Media:
    """An editor's "encode again": the media goes back to pending and a new run is enqueued."""
    if not (by is not None and by.is_authenticated and by.can_edit_media):
        raise NotAllowed("Only editors may re-encode media.")
    return encoding_requeue(media=media)


def encoding_requeue(*, media: Media, reset_attempts: bool = True) -> Media:
    """Back to pending with a fresh start; the current outputs stay until the new run replaces
    them (playback goes on meanwhile)."""
    with transaction.atomic():
        media.encoding_status = Status.PENDING
        media.encoding_fail_reason = ""
        media.encoding_run = ""
        media.encoding_started_at = timezone.now()
        fields = ["encoding_status", "encoding_fail_reason", "encoding_run", "encoding_started_at"]
        if reset_attempts:
            media.encoding_attempts = 0
            fields.append("encoding_attempts")
        media.save(update_fields=[*fields, "edit_date"])
        media_id = media.pk
        transaction.on_commit(lambda: encoding_start(media_id=media_id))
    logger.info("media %s queued for encoding again", media.friendly_token)
    return media


# --- helpers ----------------------------------------------------------------------------------


def _options() -> EncodeOptions:
    return EncodeOptions(
        preset=settings.ENCODE_PRESET,
        crf=settings.ENCODE_CRF,
        segment_seconds=settings.ENCODE_SEGMENT_SECONDS,
        threads=settings.ENCODE_FFMPEG_THREADS,
        audio_kbps=settings.ENCODE_AUDIO_KBPS,
    )


def _current(media_id: int, run: str) -> Media | None:
    """The media if ``run`` is still its running pipeline run, else ``None`` (log why)."""
    media = Media.objects.filter(pk=media_id).first()
    if media is None:
        logger.info("media %s is gone; encoding step skipped", media_id)
        return None
    if media.encoding_run != run or media.encoding_status != Status.RUNNING:
        logger.info("media %s: run %s superseded or over; step skipped", media_id, run)
        return None
    return media


def _update_if_current(media_id: int, run: str, **fields) -> bool:
    """Write fields only while ``run`` is still the media's current run (one UPDATE, no race)."""
    fields.setdefault("edit_date", timezone.now())
    return bool(
        Media.objects.filter(pk=media_id, encoding_run=run, encoding_status=Status.RUNNING).update(
            **fields
        )
    )


class Superseded(Exception):
    """The run is no longer the media's running one: the step must publish nothing."""


@contextlib.contextmanager
def _fenced(media_id: int, run: str):
    """A transaction in which ``run`` is, and stays, the media's running run: the media row is
    locked (PostgreSQL; SQLite's transactions take the write lock when they begin), and the
    lease sweep changes the run under the same lock. Raises :class:`Superseded` otherwise. The
    run token is the fencing token of every publishing write (``encoding/lease.py``)."""
    with transaction.atomic():
        locked = (
            Media.objects.select_for_update()
            .filter(pk=media_id, encoding_run=run, encoding_status=Status.RUNNING)
            .values_list("pk", flat=True)
        )
        if not list(locked):
            raise Superseded(f"media {media_id}: run {run} is no longer the running one")
        yield


def encoding_fail(*, media_id: int, run: str | None, reason: str) -> None:
    """End a run as failed with a reason people can read; running renditions fail too."""
    qs = Media.objects.filter(pk=media_id)
    if run is not None:
        qs = qs.filter(encoding_run=run)
    changed = qs.exclude(encoding_status=Status.SUCCESS).update(
        encoding_status=Status.FAIL, encoding_fail_reason=reason[:2000], edit_date=timezone.now()
    )
    if changed:
        Encoding.objects.filter(
            media_id=media_id, status__in=[Encoding.Status.PENDING, Encoding.Status.RUNNING]
        ).update(status=Encoding.Status.FAIL, fail_reason=reason[:2000], finished_at=timezone.now())
        logger.warning("media %s encoding failed: %s", media_id, reason)


def _tool_reason(exc: ToolFailed, what: str) -> str:
    lines = [ln for ln in exc.tail.strip().splitlines() if ln.strip()]
    detail = lines[-1][:300] if lines else f"exit status {exc.returncode}"
    return f"{what} failed: {detail}"


def _source_failed(name: str, exc: ToolFailed) -> None:
    """A tool reading the original ``name`` failed. In S3 mode that may be the storage, not
    the file: a storage that cannot be reached now raises its own error, and a read cut short
    (:class:`runner.SourceLost`) is raised again; the encoding tasks retry both as an outage.
    Otherwise this returns and the failure is the file's."""
    storage.check_readable(name)
    if isinstance(exc, runner.SourceLost):
        raise exc


def _probe_of(media: Media) -> Probe:
    return ffmpeg.parse_probe_data(media.media_info.get("ffprobe") or {})


def _ladder_profiles() -> list[tuple[int, int, int | None]]:
    heights = set(settings.ENCODE_LADDER)
    rows = EncodeProfile.objects.filter(
        active=True, codec="h264", resolution__in=heights, max_video_kbps__isnull=False
    )
    return [
        (p.resolution, p.max_video_kbps, p.pk)
        for p in rows
        if p.resolution is not None and p.max_video_kbps is not None  # as filtered above
    ]


def _rungs_for(probe: Probe, *, remux: str | None = None) -> list[Rung]:
    """The ladder for ``probe``; the rung named ``remux`` is a stream copy of the source."""
    assert probe.video is not None
    rungs = ffmpeg.plan_ladder(
        width=probe.video.width, height=probe.video.height, profiles=_ladder_profiles()
    )
    return [replace(r, copy=True) if r.name == remux else r for r in rungs]


def _rungs_of(media: Media) -> list[Rung]:
    """The ladder of a media as its run decided it (the remux decision is taken once, at the
    start, so that every step of a run, chunks included, agrees on it)."""
    remux = (media.media_info.get("remux") or {}).get("rung")
    return _rungs_for(_probe_of(media), remux=remux)


def _remux_decision(probe: Probe, src: str) -> dict:
    """``{"rung": name or None, "reason": ...}``: may the source's video be a rendition as is?"""
    rung, reason = ffmpeg.remux_candidate(probe, _rungs_for(probe))
    if rung is None:
        return {"rung": None, "reason": reason}
    try:
        packets = ffmpeg.parse_packets(runner.run(ffmpeg.packets_argv(src), timeout=600))
    except ToolFailed as exc:
        return {"rung": None, "reason": f"packets unreadable ({exc.returncode})"}
    assert probe.video is not None  # remux_candidate found a video rung
    ok, reason = ffmpeg.remux_check(
        packets,
        fps=probe.video.fps,
        segment_seconds=settings.ENCODE_SEGMENT_SECONDS,
        max_kbps=rung.max_kbps,
    )
    return {"rung": rung.name if ok else None, "reason": reason}


# --- step 1: probe, classify, stills ----------------------------------------------------------


def encoding_prepare(*, media_id: int, task_id: str | None = None) -> Plan | None:
    """Start a run: probe, classify from content, make poster and thumbnail.

    Images and PDFs are finished here; for audio and video the returned plan says what to run.
    ``task_id`` (the Celery task's) takes the new run's first lease in the same transaction that
    starts the run; a second delivery of that task starts nothing (``encoding/lease.py``).
    """
    row = None
    with transaction.atomic():
        media = Media.objects.select_for_update().filter(pk=media_id).first()
        if media is None:
            logger.info("media %s is gone; nothing to encode", media_id)
            return None
        if task_id is not None and lease.is_duplicate(media_id=media_id, task_id=task_id):
            logger.warning("media %s: encode %s delivered again; dropped", media_id, task_id)
            return None
        replaced, replaced_status = media.encoding_run, media.encoding_status
        if replaced and replaced_status != Status.SUCCESS and f"/hls/{replaced}/" in media.hls_file:
            # The early master of a run that never finished (its worker died and this is its
            # first step delivered again, or an editor asked for a new encode while it ran):
            # not a previous complete encode to go on serving (encoding/lease.py).
            media.hls_file = ""
        run_token = uuid.uuid4().hex[:12]
        media.encoding_run = run_token
        media.encoding_status = Status.RUNNING
        media.encoding_fail_reason = ""
        media.encoding_started_at = timezone.now()
        media.encoding_attempts += 1
        media.save(
            update_fields=[
                "encoding_run",
                "encoding_status",
                "encoding_fail_reason",
                "encoding_started_at",
                "encoding_attempts",
                "hls_file",
                "edit_date",
            ]
        )
        if task_id is not None:
            row = lease.take(
                media_id=media_id, run=run_token, task_id=task_id, task="encoding.media_encode"
            )
    if row is not None:
        lease.keep(row)  # renewed from a thread once the row is committed
    try:
        return _prepare(media, run_token)
    except BadInput as exc:
        encoding_fail(media_id=media_id, run=run_token, reason=str(exc))
    except ToolFailed as exc:
        _source_failed(str(media.media_file), exc)
        encoding_fail(
            media_id=media_id, run=run_token, reason=_tool_reason(exc, "Reading the file")
        )
    return None


def _prepare(media: Media, run_token: str) -> Plan | None:
    name = media.media_file.name
    if not name or not media.media_file.storage.exists(name):
        raise BadInput("The uploaded file is missing from storage.")
    if media.media_file.storage.size(name) == 0:
        raise BadInput("The file is empty.")
    provenance.provenance_ingest(media=media)
    with files.scratch() as work:
        # Enough to tell a PDF, an MP4 and a playlist behind a tag (probe_error_reason).
        head = storage.read_head(name, 4096)
        if head.startswith(b"%PDF-"):
            _prepare_pdf(media, run_token, storage.stage_in(name, work), work)
            return Plan(media.pk, run_token, "done")
        src = storage.ffmpeg_source(name, work)
        try:
            out = runner.run(ffmpeg.probe_argv(src), timeout=120)
        except ToolFailed as exc:
            _source_failed(name, exc)
            raise BadInput(ffmpeg.probe_error_reason(exc.tail, head)) from exc
        probe = ffmpeg.parse_probe(out)
        if isinstance(probe.raw.get("format"), dict):
            # The stored name, not where it was read from (in S3 mode a presigned URL).
            probe.raw["format"]["filename"] = name
        kind = ffmpeg.classify(probe)
        info = {"ffprobe": probe.raw, "kind": kind}
        if kind == "video":
            info["remux"] = _remux_decision(probe, src)
            logger.info("media %s remux: %s", media.pk, info["remux"])
        fields = {
            "media_type": kind,
            "media_info": info,
            "duration": round(probe.duration, 3) if kind != "image" else 0,
            "video_width": probe.video.width if probe.video else 0,
            "video_height": probe.video.height if probe.video else 0,
        }
        if not _update_if_current(media.pk, run_token, **fields):
            return None
        if kind in ("video", "audio"):
            # The file's own chapters, while its owner has set none (issue 16).
            chapters_ingest(
                media_id=media.pk, probe_raw=probe.raw, duration=round(probe.duration, 3)
            )
        # Source protection: the clean download copy and what the original revealed; an image's
        # stills are drawn from its clean copy (upright, its orientation applied).
        local = storage.stage_in(name, work) if kind == "image" else src
        clean = source_protection.public_copy_make(
            media=media, kind=kind, src=local, work=work, probe_raw=probe.raw
        )
        if not _update_if_current(media.pk, run_token, **clean.fields):
            return None
        if kind in ("video", "image") and not (media.thumbnail_uploaded and media.poster):
            # (A poster the owner uploaded on the edit page is kept; issue 16.)
            at = 0.0
            if kind == "video":
                chosen = media.thumbnail_time
                at = (
                    chosen
                    if chosen is not None and 0 <= chosen < probe.duration
                    else min(probe.duration / 2, 5.0)
                )
            stills = _stills(media, clean.local if kind == "image" else src, work, at)
            if not _update_if_current(media.pk, run_token, **stills):
                return None
        if kind == "image":
            encoding_finish(media_id=media.pk, run=run_token)
            return Plan(media.pk, run_token, "done")
    chunks = 0
    if kind == "video" and probe.duration > settings.ENCODE_CHUNK_THRESHOLD_SECONDS:
        chunks = -1  # decided by the split step
    return Plan(media.pk, run_token, kind, chunks)


def _frame(src: str, dst: str, at: float, width: int) -> None:
    try:
        runner.run(ffmpeg.frame_argv(src=src, dst=dst, at=at, max_width=width), timeout=300)
    except ToolFailed:
        if at <= 0:
            raise
        # Seeking past the last decodable frame: ffmpeg 7 and newer fail ("nothing was written")
        # where 5.1 wrote an empty file. Either way the first frame is tried below.
    if not os.path.exists(dst) or os.path.getsize(dst) == 0:
        # Past the last decodable frame (very short or damaged files): take the first one.
        runner.run(ffmpeg.frame_argv(src=src, dst=dst, at=0, max_width=width), timeout=300)
    if not os.path.exists(dst) or os.path.getsize(dst) == 0:
        raise BadInput("No picture could be decoded from the file.")


def _stills(media: Media, src: str, work: str, at: float) -> dict:
    uid = media.uid.hex
    poster, thumb = os.path.join(work, "poster.jpg"), os.path.join(work, "thumbnail.jpg")
    try:
        _frame(src, poster, at, POSTER_WIDTH)
        _frame(poster, thumb, 0, THUMBNAIL_WIDTH)
    except ToolFailed as exc:
        _source_failed(str(media.media_file), exc)
        raise BadInput(_tool_reason(exc, "Decoding a picture from the file")) from exc
    return {
        "poster": storage.publish_file(poster, storage.still_name(uid, "poster.jpg")),
        "thumbnail": storage.publish_file(thumb, storage.still_name(uid, "thumbnail.jpg")),
    }


def _prepare_pdf(media: Media, run_token: str, src: str, work: str) -> None:
    # Source protection: the clean download copy first (a PDF that cannot be cleaned is not
    # published); the first page is drawn from it.
    clean = source_protection.public_copy_make(media=media, kind="pdf", src=src, work=work)
    if not _update_if_current(media.pk, run_token, **clean.fields):
        return
    src = clean.local
    stem = os.path.join(work, "page1")
    try:
        runner.run(
            ffmpeg.pdf_page_argv(src=src, dst_stem=stem, max_width=POSTER_WIDTH), timeout=120
        )
    except ToolFailed as exc:
        raise BadInput(_tool_reason(exc, "Reading the PDF")) from exc
    page = stem + ".jpg"
    if not os.path.exists(page):
        raise BadInput("The PDF has no page that could be drawn.")
    uid = media.uid.hex
    thumb = os.path.join(work, "thumbnail.jpg")
    try:
        _frame(page, thumb, 0, THUMBNAIL_WIDTH)
    except ToolFailed as exc:
        raise BadInput(_tool_reason(exc, "Drawing the PDF's first page")) from exc
    fields = {
        "media_type": Media.MediaType.PDF,
        "media_info": {"kind": "pdf"},
        "poster": storage.publish_file(page, storage.still_name(uid, "poster.jpg")),
        "thumbnail": storage.publish_file(thumb, storage.still_name(uid, "thumbnail.jpg")),
    }
    if _update_if_current(media.pk, run_token, **fields):
        encoding_finish(media_id=media.pk, run=run_token)


# --- step 2: the ladder, straight to HLS -------------------------------------------------------


class _Publisher:
    """Publishes the master playlist as soon as renditions become playable (first segment).

    In S3 mode the playlists and the master go up through ``tree`` (segments first, the master
    last) before the media row points at them."""

    def __init__(
        self,
        *,
        media: Media,
        run_token: str,
        out_dir: str,
        rungs,
        with_audio,
        early,
        tree: storage.TreePublisher | None = None,
    ):
        self.media_id = media.pk
        self.tree = tree
        self.run = run_token
        self.out_dir = out_dir
        self.rungs = rungs
        self.with_audio = with_audio
        # Early publishing only for a media that has nothing playable yet: a re-encode keeps
        # serving the previous complete ladder until the new one is complete. A step redone in
        # the same run (taken over from a dead holder) publishes early again.
        self.early = early and (not media.hls_file or f"/hls/{run_token}/" in media.hls_file)
        self.listed: set[str] = set()
        prefix = storage.hls_prefix(media.uid.hex, run_token)
        self.master_name = f"{prefix}/{storage.MASTER_PLAYLIST}"

    def tick(self) -> None:
        """Called every few seconds while ffmpeg runs: list newly playable renditions."""
        if not self.early or len(self.listed) == len(self.rungs):
            return
        ready = ladder.ready_rungs(
            self.out_dir, self.rungs, with_audio=self.with_audio, listed=self.listed
        )
        if ready == self.listed:
            return
        ladder.write_early_master(
            self.out_dir,
            [r for r in self.rungs if r.name in ready],
            with_audio=self.with_audio,
            audio_kbps=settings.ENCODE_AUDIO_KBPS,
        )
        if self.tree is not None:
            self.tree.go_live()
            self.tree.put_last()
        if not self.listed:
            _update_if_current(self.media_id, self.run, hls_file=self.master_name)
            logger.info("media %s playable: %s", self.media_id, ", ".join(sorted(ready)))
        self.listed = ready


def _rendition_rows(media: Media, rungs: list[Rung], *, chunked: bool = False) -> dict[str, int]:
    """Fresh ``Encoding`` rows (pending → running) for this run's rungs; stale ones removed.
    Only while the run is the media's running one (:func:`_fenced`)."""
    with _fenced(media.pk, media.encoding_run):
        return _fresh_rendition_rows(media, rungs)


def _fresh_rendition_rows(media: Media, rungs: list[Rung]) -> dict[str, int]:
    ids = [r.profile_id for r in rungs]
    Encoding.objects.filter(media=media, profile__codec="h264").exclude(
        profile_id__in=ids, chunk=False
    ).delete()
    now = timezone.now()
    rows = {}
    for rung in rungs:
        enc, _ = Encoding.objects.update_or_create(
            media=media,
            profile_id=rung.profile_id,
            chunk=False,
            defaults={
                "status": Encoding.Status.RUNNING,
                "progress": 0,
                "media_file": "",
                "size": 0,
                "bitrate": 0,
                "logs": "",
                "fail_reason": "",
                "started_at": now,
                "finished_at": None,
            },
        )
        rows[rung.name] = enc.pk
    return rows


def _output_dir(prefix: str, work: str) -> str:
    """Where ffmpeg writes a run's HLS: in place on the filesystem (players start on the first
    segments), in scratch in S3 mode (a :class:`storage.TreePublisher` uploads it)."""
    local = storage.local_storage()
    path = storage.storage_path(prefix) if local else os.path.join(work, "hls")
    # A redelivered step starts from nothing: whatever a killed attempt wrote goes first.
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def _finalise_hls(
    media: Media, run_token: str, out_dir: str, rungs: list[Rung], with_audio: bool, expect: float
) -> tuple[ladder.Stats, list[hls.Variant]]:
    """Check every rendition, close its playlist as VOD and write the final master
    (:func:`media_app.encoding.ladder.finalise`, with the configured audio bitrate); raises
    :class:`BadInput` for an empty or truncated rendition."""
    return ladder.finalise(
        out_dir,
        rungs,
        with_audio=with_audio,
        expect=expect,
        audio_kbps=settings.ENCODE_AUDIO_KBPS,
    )


def encoding_ladder(*, media_id: int, run: str) -> None:
    """Encode the whole ladder in one ffmpeg (decode once) straight to fMP4 HLS."""
    media = _current(media_id, run)
    if media is None:
        return
    try:
        probe = _probe_of(media)
        rungs = _rungs_of(media)
        with files.scratch() as work:
            # S3 mode: read over ranged GETs, so the encode (and the first playable segment)
            # does not wait for the whole original to download.
            src = storage.ffmpeg_source(str(media.media_file), work)
            _encode_ladder(media, run, probe, rungs, src, work)
    except BadInput as exc:
        encoding_fail(media_id=media_id, run=run, reason=str(exc))
    except ToolFailed as exc:
        _source_failed(str(media.media_file), exc)
        encoding_fail(media_id=media_id, run=run, reason=_tool_reason(exc, "Encoding"))


def _encode_ladder(media: Media, run_token: str, probe: Probe, rungs, src: str, work: str) -> None:
    prefix = storage.hls_prefix(media.uid.hex, run_token)
    out_dir = _output_dir(prefix, work)
    rows = _rendition_rows(media, rungs)
    assert probe.video is not None  # a ladder is only planned for a video
    fps = ffmpeg.output_fps(probe.video.fps)
    argv = ffmpeg.ladder_hls_argv(
        src=src, out_dir=out_dir, rungs=rungs, fps=fps, with_audio=probe.has_audio, opts=_options()
    )
    with storage.TreePublisher(out_dir, prefix) as tree:
        publisher = _Publisher(
            media=media,
            run_token=run_token,
            out_dir=out_dir,
            rungs=rungs,
            with_audio=probe.has_audio,
            early=True,
            tree=tree,
        )
        stats = _run_ladder(media, run_token, probe, rungs, argv, rows, publisher, tree)
    _publish_ladder(media.pk, run_token, prefix, rungs, stats, rows)


def _run_ladder(media, run_token, probe, rungs, argv, rows, publisher, tree) -> dict:
    """ffmpeg with its segments uploaded as they come (S3), then the closed playlists, then the
    master, last; the row points at the run only after that (:func:`_publish_ladder`)."""
    tree.start()

    def progress(done: float) -> None:
        pct = min(99, int(100 * done / probe.duration)) if probe.duration else 0
        Encoding.objects.filter(
            pk__in=rows.values(), status=Encoding.Status.RUNNING, media__encoding_run=run_token
        ).update(progress=pct, update_date=timezone.now())

    run_with_progress(
        argv, on_progress=progress, every=PROGRESS_EVERY_SECONDS, on_tick=publisher.tick
    )
    stats, _ = _finalise_hls(
        media, run_token, publisher.out_dir, rungs, probe.has_audio, probe.duration
    )
    tree.finish()
    return stats


def _publish_ladder(
    media_id: int, run: str, prefix: str, rungs, stats, rows: dict[str, int]
) -> None:
    """The renditions' rows and the master playlist, in one transaction fenced by the run."""
    now = timezone.now()
    with _fenced(media_id, run):
        for rung in rungs:
            size, bps = stats[rung.name]
            Encoding.objects.filter(pk=rows[rung.name]).update(
                status=Encoding.Status.SUCCESS,
                progress=100,
                media_file=f"{prefix}/{rung.name}/index.m3u8",
                size=size,
                bitrate=bps,
                finished_at=now,
            )
        _update_if_current(media_id, run, hls_file=f"{prefix}/master.m3u8")


def encoding_audio(*, media_id: int, run: str) -> None:
    """Audio-only media: one AAC rendition in HLS."""
    media = _current(media_id, run)
    if media is None:
        return
    try:
        probe = _probe_of(media)
        prefix = storage.hls_prefix(media.uid.hex, run)
        with files.scratch() as work:
            src = storage.ffmpeg_source(str(media.media_file), work)
            out_dir = _output_dir(prefix, work)
            with storage.TreePublisher(out_dir, prefix) as tree:
                tree.start()
                run_with_progress(
                    ffmpeg.audio_hls_argv(src=src, out_dir=out_dir, opts=_options()),
                    on_progress=lambda _done: None,
                )
                _finalise_hls(media, run, out_dir, [], True, probe.duration)
                tree.finish()
        _update_if_current(media.pk, run, hls_file=f"{prefix}/{storage.MASTER_PLAYLIST}")
    except BadInput as exc:
        encoding_fail(media_id=media_id, run=run, reason=str(exc))
    except ToolFailed as exc:
        _source_failed(str(media.media_file), exc)
        encoding_fail(media_id=media_id, run=run, reason=_tool_reason(exc, "Encoding the audio"))


# --- step 3: sprites, WebVTT thumbnails, animated preview -------------------------------------


def encoding_extras(*, media_id: int, run: str) -> None:
    """Sprite sheet with its WebVTT track, and the hover preview. Best effort: a failure here is
    logged and leaves the video playable (these are conveniences, not the media)."""
    media = _current(media_id, run)
    if media is None:
        return
    duration = media.duration
    uid = media.uid.hex
    fields = {}
    with files.scratch() as work:
        src = storage.ffmpeg_source(str(media.media_file), work)
        interval, cols, rows = ffmpeg.sprite_grid(duration)
        sheet = os.path.join(work, "sprites.jpg")
        try:
            runner.run(
                ffmpeg.sprites_argv(
                    src=src,
                    dst=sheet,
                    interval=interval,
                    columns=cols,
                    rows=rows,
                    tile_w=SPRITE_TILE[0],
                    tile_h=SPRITE_TILE[1],
                ),
                timeout=1800,
            )
            vtt = os.path.join(work, "sprites.vtt")
            with open(vtt, "w", encoding="utf-8") as fh:
                fh.write(
                    sprites.vtt(
                        duration, interval, cols, cols * rows, "sprites.jpg", tile=SPRITE_TILE
                    )
                )
            fields["sprites"] = storage.publish_file(sheet, storage.still_name(uid, "sprites.jpg"))
            fields["sprites_vtt"] = storage.publish_file(
                vtt, storage.still_name(uid, "sprites.vtt")
            )
        except (ToolFailed, OSError) as exc:
            if isinstance(exc, ToolFailed):
                _source_failed(str(media.media_file), exc)
            logger.warning("media %s: no sprites (%s)", media_id, exc)
        preview = os.path.join(work, "preview.webp")
        start = max(0.0, min(duration / 3, duration - PREVIEW_SECONDS))
        try:
            runner.run(
                ffmpeg.preview_argv(
                    src=src,
                    dst=preview,
                    start=start,
                    seconds=PREVIEW_SECONDS,
                    height=PREVIEW_HEIGHT,
                ),
                timeout=600,
            )
            fields["preview"] = storage.publish_file(
                preview, storage.still_name(uid, "preview.webp")
            )
        except (ToolFailed, OSError) as exc:
            if isinstance(exc, ToolFailed):
                _source_failed(str(media.media_file), exc)
            logger.warning("media %s: no preview (%s)", media_id, exc)
    if fields:
        _update_if_current(media_id, run, **fields)


# --- step 4: done -----------------------------------------------------------------------------


def encoding_finish(*, media_id: int, run: str) -> None:
    """Mark the run a success and remove what older or killed runs left behind."""
    # Content Credentials first: a media that must be signed and cannot be stays unpublished.
    refused = provenance.provenance_sign(media_id=media_id, run=run)
    if refused:
        encoding_fail(media_id=media_id, run=run, reason=refused)
        return
    with transaction.atomic():
        media = Media.objects.select_for_update().filter(pk=media_id).first()
        if media is None or media.encoding_run != run or media.encoding_status != Status.RUNNING:
            return
        if (
            media.media_type in (Media.MediaType.VIDEO, Media.MediaType.AUDIO)
            and not media.hls_file
        ):
            encoding_fail(
                media_id=media_id, run=run, reason="Encoding produced no playable output."
            )
            return
        media.encoding_status = Status.SUCCESS
        media.encoding_fail_reason = ""
        media.save(update_fields=["encoding_status", "encoding_fail_reason", "edit_date"])
        # The first publication of media waiting for its files, or new files of published
        # media, in its history chain (services/history.py).
        history_encoded(media=media)
    _remove_stale_outputs(media)
    logger.info("media %s encoded (run %s)", media.friendly_token, run)


def _remove_stale_outputs(media: Media) -> None:
    uid = media.uid.hex
    keep = storage.run_of(media.hls_file or "")
    for run_dir in storage.list_folders(f"{storage.encoded_prefix(uid)}/hls"):
        if run_dir != keep:
            storage.delete_prefix(storage.hls_prefix(uid, run_dir))
    storage.delete_prefix(f"{storage.encoded_prefix(uid)}/work")
    Encoding.objects.filter(media=media, chunk=True).delete()


# --- housekeeping -----------------------------------------------------------------------------


def encodings_stuck_handle(*, now=None) -> tuple[int, int]:
    """Requeue encodings stuck past the deadline, or fail them after too many attempts.

    Returns ``(requeued, failed)``.
    """
    now = now or timezone.now()
    deadline = now - timedelta(seconds=settings.ENCODE_STUCK_AFTER_SECONDS)
    requeued = failed = 0
    # A run whose worker still renews a lease is encoding, however long it takes (a long
    # chunked video on a busy cluster): only the lease sweep decides about a running step.
    alive = EncodingLease.objects.filter(
        media=OuterRef("pk"),
        run=OuterRef("encoding_run"),
        done=False,
        expires_at__gte=Now(),
    )
    stuck = Media.objects.filter(
        encoding_status__in=[Status.PENDING, Status.RUNNING],
        edit_date__lt=deadline,
    ).exclude(Exists(alive))
    for media_id in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            media = (
                Media.objects.select_for_update(skip_locked=True)
                .filter(pk=media_id, encoding_status__in=[Status.PENDING, Status.RUNNING])
                .first()
            )
            if media is None or media.edit_date >= deadline:
                continue
            if media.encoding_attempts >= settings.ENCODE_MAX_ATTEMPTS:
                hours = settings.ENCODE_STUCK_AFTER_SECONDS / 3600
                encoding_fail(
                    media_id=media.pk,
                    run=None,
                    reason=(
                        f"Encoding did not finish after {media.encoding_attempts} attempts "
                        f"({hours:g} h each). An editor can try again."
                    ),
                )
                failed += 1
            else:
                encoding_requeue(media=media, reset_attempts=False)
                requeued += 1
    if requeued or failed:
        logger.warning("stuck encodings: %d requeued, %d failed", requeued, failed)
    return requeued, failed


def encoding_leases_sweep() -> tuple[int, int]:
    """Start again (new run) or fail every running encode whose worker lost a step's lease.

    Returns ``(requeued, failed)``. Leases themselves are ``media_app.encoding.lease``'s.
    """
    requeued = failed = 0
    for media_id, run in lease.lapsed_runs():
        with transaction.atomic():
            media = (
                Media.objects.select_for_update()
                .filter(pk=media_id, encoding_run=run, encoding_status=Status.RUNNING)
                .first()
            )
            if media is None:
                continue
            rows = list(
                EncodingLease.objects.select_for_update().filter(
                    media_id=media_id, run=run, done=False
                )
            )
            lapsed_ids = set(lease.lapsed_ids(media_id, run))
            dead = [r for r in rows if r.pk in lapsed_ids]
            if not dead:
                continue  # renewed meanwhile
            # Every holder of the run loses its lease: a live sibling (another chunk) stops at its
            # next renewal instead of working for a run that is being replaced.
            EncodingLease.objects.filter(media_id=media_id, run=run, done=False).update(done=True)
            steps = ", ".join(sorted({f"{r.task} on {r.holder}" for r in dead}))
            if f"/hls/{run}/" in media.hls_file:
                media.hls_file = ""  # an unfinished early master of the lost run
                media.save(update_fields=["hls_file", "edit_date"])
            if media.encoding_attempts >= settings.ENCODE_MAX_ATTEMPTS:
                encoding_fail(
                    media_id=media_id,
                    run=run,
                    reason=(
                        f"The worker encoding it was lost {media.encoding_attempts} times "
                        "(killed, out of memory or its machine gone). An editor can try again."
                    ),
                )
                failed += 1
                logger.warning("media %s: worker lost (%s), attempts used up", media_id, steps)
            else:
                encoding_requeue(media=media, reset_attempts=False)
                requeued += 1
                logger.warning(
                    "media %s: worker lost (%s), encoding started again", media_id, steps
                )
    lease.forget_old_rows()
    return requeued, failed


def encoding_scratch_cleanup(*, older_than_seconds: int = 6 * 3600) -> int:
    """Remove chunk work and HLS trees no run will use any more, and old local scratch folders.

    A run's folder is kept while it is the media's published run or its current, running one;
    the age guard (the newest file of the folder) keeps a just-started run's folder safe from a
    racing sweep. Goes through ``media_app.storage``, so it works on the filesystem and in S3.
    """
    from media_app.services.storage import stale_runs_delete

    cutoff = time.time() - older_than_seconds
    removed = stale_runs_delete(older_than=timezone.now() - timedelta(seconds=older_than_seconds))
    scratch_root = settings.SCRATCH_DIR or tempfile.gettempdir()
    if os.path.isdir(scratch_root):
        for entry in os.listdir(scratch_root):
            path = os.path.join(scratch_root, entry)
            if entry.startswith(files.SCRATCH_PREFIX) and os.path.getmtime(path) < cutoff:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    if removed:
        logger.info("encoding cleanup removed %d folders", removed)
    return removed
