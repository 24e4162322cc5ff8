"""File housekeeping through ``media_app.storage`` (relative names only, both modes): a
deleted media's files, runs no media uses any more, and objects no media row owns."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from media_app import storage
from media_app.models import Media

logger = logging.getLogger(__name__)


def media_files_delete(*, names: list[str], prefix: str | None = None) -> None:
    """Remove a deleted media's files; missing ones are fine (deletion is idempotent). Runs
    after the row's deletion is committed: a storage failure is logged, and what stays is
    deleted by the orphan sweep (:func:`storage_orphans_sweep`) after its grace."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        storage.delete_many([n for n in names if n])
        count = storage.delete_prefix(prefix) if prefix else 0
    except (BotoCoreError, ClientError, OSError):
        logger.exception("files of a deleted media left for the orphan sweep: %s", prefix)
        return
    logger.info("deleted %d files and %d under %s", len(names), count, prefix or "no folder")


def _media_by_uid() -> dict[str, Media]:
    rows = Media.objects.only("uid", "hls_file", "encoding_run", "encoding_status")
    return {m.uid.hex: m for m in rows.iterator(chunk_size=2000)}


def _live_runs(media: Media | None, sub: str) -> set[str]:
    """The runs of a media whose ``sub`` (``hls`` or ``work``) folder must stay: the running
    run's, and for ``hls`` the published run's too."""
    if media is None:
        return set()
    live = set()
    if media.encoding_status == Media.EncodingStatus.RUNNING and media.encoding_run:
        live.add(media.encoding_run)
    if sub == "hls" and (run := storage.run_of(media.hls_file or "")):
        live.add(run)
    return live


def _encoded_groups() -> dict[tuple[str, str | None], list[storage.Entry]]:
    """Files under ``encoded/`` by ``(uid_hex, "hls/<run>" | "work/<run>" | None)``."""
    groups: dict[tuple[str, str | None], list[storage.Entry]] = defaultdict(list)
    for entry in storage.list_prefix(storage.ENCODED):
        parts = storage.encoded_parts(entry.name)
        if parts is not None:
            groups[parts].append(entry)
    return groups


def _delete_group(prefix: str, entries: list[storage.Entry]) -> int:
    # S3: exactly the objects seen old (one written since the listing waits for the next
    # sweep); filesystem: the folder itself, so no empty folders are left behind.
    if storage.s3_mode():
        return storage.delete_many([e.name for e in entries])
    return storage.delete_prefix(prefix)


def stale_runs_delete(*, older_than: datetime.datetime) -> int:
    """Delete ``hls/<run>`` and ``work/<run>`` folders that are neither the published nor the
    running run of their media, and whose newest file is older than ``older_than``. Returns
    how many folders went."""
    media_by_uid = _media_by_uid()
    removed = 0
    for (uid_hex, folder), entries in _encoded_groups().items():
        if folder is None:
            continue
        sub, run = folder.split("/", 1)
        if run in _live_runs(media_by_uid.get(uid_hex), sub):
            continue
        if max(e.modified for e in entries) >= older_than:
            continue
        prefix = (storage.hls_prefix if sub == "hls" else storage.work_prefix)(uid_hex, run)
        _delete_group(prefix, entries)
        removed += 1
    return removed


def storage_orphans_sweep(*, grace_seconds: int | None = None, now=None) -> int:
    """Delete stored files no media row owns, once their newest file is older than the grace
    (``ORPHAN_GRACE_SECONDS``): originals no media names, everything under ``encoded/<uid>/``
    of a uid no media has, and run folders (``hls/<run>``, ``work/<run>``) that are neither
    the media's published run nor its running one. Returns how many files were deleted.

    The grace keeps what is being made: an upload whose row is not committed yet, an encode
    that is still writing, a run that was just published.
    """
    grace = settings.ORPHAN_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = (now or timezone.now()) - datetime.timedelta(seconds=grace)
    deleted = 0
    owned = set(Media.objects.exclude(media_file="").values_list("media_file", flat=True))
    originals = [
        e.name
        for e in storage.list_prefix(storage.ORIGINALS)
        if e.name not in owned and e.modified < cutoff
    ]
    deleted += storage.delete_many(originals)
    media_by_uid = _media_by_uid()
    by_uid: dict[str, list[storage.Entry]] = defaultdict(list)
    for (uid_hex, folder), entries in _encoded_groups().items():
        media = media_by_uid.get(uid_hex)
        if media is None:
            by_uid[uid_hex] += entries
            continue
        if folder is None:
            continue
        sub, run = folder.split("/", 1)
        if run in _live_runs(media, sub) or max(e.modified for e in entries) >= cutoff:
            continue
        prefix = (storage.hls_prefix if sub == "hls" else storage.work_prefix)(uid_hex, run)
        deleted += _delete_group(prefix, entries)
    for uid_hex, entries in by_uid.items():
        if max(e.modified for e in entries) < cutoff:
            deleted += _delete_group(storage.encoded_prefix(uid_hex), entries)
    if deleted:
        logger.warning("storage sweep: %d orphaned files deleted", deleted)
    return deleted
