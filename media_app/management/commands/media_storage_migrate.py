"""Move a site's media between the filesystem and an S3 bucket (issue 14, point 5).

    manage.py media_storage_migrate --to s3           MEDIA_ROOT -> the AWS_* bucket
    manage.py media_storage_migrate --to filesystem   the AWS_* bucket -> MEDIA_ROOT

Both sides come from the settings, not from STORAGES: ``--to s3`` reads MEDIA_ROOT and writes
the bucket that AWS_STORAGE_BUCKET_NAME (with AWS_S3_ENDPOINT_URL and the keys) names, so it
works before or after the operator sets those variables for the site. It copies the names the
rows hold (original, stills, user logos) and the folders that belong to them (each media's
current HLS run, its subtitles), reads every copy back and compares size and SHA-256 with the
bytes read from the source, and records each verified file in ``StorageCopy``.

Switching: names are the same in both modes, so no media row is rewritten; once a run ends
with nothing failed, the site is switched by its configuration (set or unset
AWS_STORAGE_BUCKET_NAME for every role, restart). The source is left as it was.

Interrupt it (Ctrl-C, SIGTERM, even SIGKILL) and run it again: a file whose StorageCopy row
still matches the source (size and modification time) and the target (size) is skipped; any
other is copied again, a partial or damaged copy included. A target file of the right size
without a row (a run killed between writing and recording) is compared byte for byte and
recorded, not copied again.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import zlib
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from media_app import storage
from media_app.models import Media, ResumableUpload, StorageCopy

# Without a terminal: one progress line per this many files, or per this many seconds.
LINE_EVERY_FILES = 100
LINE_EVERY_SECONDS = 30.0
# Only one migration at a time (PostgreSQL advisory lock key).
LOCK_KEY = zlib.crc32(b"openpress media_storage_migrate")


@dataclass
class Outcome:
    name: str
    action: str  # copied, identical, skipped, missing, failed, or in a dry run: copy, compare
    size: int = 0
    sha256: str = ""
    modified: object = None
    reason: str = ""


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


class Command(BaseCommand):
    help = (
        "Copy every media file between MEDIA_ROOT and the S3 bucket of the AWS_* settings, "
        "verified by size and SHA-256; interrupt and run again to continue."
    )
    # The storage check would judge STORAGES' bucket; this command checks the side it uses and
    # names the setting itself (and must run before the bucket exists for --to filesystem).
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--to", required=True, choices=("s3", "filesystem"))
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be done; write nothing."
        )
        parser.add_argument("--jobs", type=int, default=4, help="Files copied at once (default 4).")

    def handle(self, *args, to: str, dry_run: bool, jobs: int, **options) -> None:
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        try:
            bucket = storage.s3_side()
            source, target = (
                (storage.filesystem_side(), bucket)
                if to == "s3"
                else (bucket, storage.filesystem_side())
            )
            source.probe()
            if not dry_run or target.kind == "s3":
                target.probe()
        except storage.StorageSettingMissing as exc:
            raise CommandError(str(exc)) from exc
        self.source, self.target, self.dry_run = source, target, dry_run
        self.stop = threading.Event()
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}media from {source.label} to {target.label}"
        )
        with self._only_one():
            self._warn_about_writers()
            plan = self._plan(jobs)
            outcomes = self._run(plan, jobs)
        self._summary(plan, outcomes, to)

    # --- before -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _only_one(self):
        """One migration at a time: two would write the same temporary names."""
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if not cur.fetchone()[0]:
                raise CommandError("Another media_storage_migrate is running.")
        try:
            yield
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])

    def _warn_about_writers(self) -> None:
        busy = Media.objects.filter(
            encoding_status__in=(Media.EncodingStatus.PENDING, Media.EncodingStatus.RUNNING)
        ).count()
        if busy:
            self.stderr.write(
                f"Warning: {busy} media are waiting for or in an encode: what the encoders "
                "write after their files were copied stays behind. Stop the workers during the "
                "migration, or run it again once they are done."
            )
        spooled = ResumableUpload.objects.filter(media__isnull=True).count()
        if spooled:
            self.stderr.write(
                f"Warning: {spooled} resumable uploads are unfinished; their partial bytes "
                "are not media yet and are not moved (they finish, or are reaped, in place)."
            )

    def _plan(self, jobs: int) -> list[tuple[str, storage.StoredFile | None]]:
        """Every file to handle, with its state at the source (None: not there)."""
        names, folders = storage.media_inventory()
        found: dict[str, storage.StoredFile | None] = {}
        with ThreadPoolExecutor(jobs) as pool:
            for entries in pool.map(self.source.list, folders):
                found.update((e.name, e) for e in entries)
            rest = [n for n in names if n not in found]
            for name, entry in zip(rest, pool.map(self._source_stat, rest), strict=True):
                found[name] = entry
        return sorted(found.items())

    def _source_stat(self, name: str) -> storage.StoredFile | None:
        try:
            return self.source.stat(name)
        except ValueError:  # a name that is not under MEDIA_ROOT: reported as missing
            return None

    # --- the copies -------------------------------------------------------------------------

    def _one(self, name: str, src, marker) -> Outcome:
        try:
            return self._decide_and_copy(name, src, marker)
        except storage.CopyInterrupted:
            return Outcome(name, "interrupted")
        except Exception as exc:  # one file's failure is reported; the others go on
            return Outcome(name, "failed", reason=f"{type(exc).__name__}: {exc}")

    def _decide_and_copy(self, name: str, src, marker) -> Outcome:
        there = self.target.stat(name)
        if src is None:
            if marker and there and there.size == marker.size:
                return Outcome(name, "skipped", size=there.size)
            return Outcome(name, "missing", reason="not at the source")
        if (
            marker
            and there
            and marker.size == src.size == there.size
            and marker.source_modified == src.modified
        ):
            return Outcome(name, "skipped", size=src.size)
        if there is not None and there.size == src.size:
            if self.dry_run:
                return Outcome(name, "compare", size=src.size)
            same = storage.same_content(self.source, self.target, name, self.stop)
            if same:
                return Outcome(name, "identical", *same, modified=src.modified)
        if self.dry_run:
            return Outcome(name, "copy", size=src.size)
        size, sha256 = storage.copy_verified(self.source, self.target, name, self.stop)
        return Outcome(name, "copied", size, sha256, modified=src.modified)

    def _run(self, plan, jobs: int) -> list[Outcome]:
        markers = {
            m.name: m
            for m in StorageCopy.objects.filter(target=self.target.label).only(
                "name", "size", "source_modified"
            )
        }
        progress = self._progress(plan)
        outcomes: list[Outcome] = []
        previous = signal.getsignal(signal.SIGTERM)
        in_main = threading.current_thread() is threading.main_thread()
        if in_main:  # SIGTERM (docker stop, kubectl delete) stops like Ctrl-C
            signal.signal(signal.SIGTERM, self._terminate)
        pool = ThreadPoolExecutor(jobs)
        running: set = set()
        submitted: list = []
        handled: set = set()

        def finish(future) -> None:
            handled.add(future)
            outcome = future.result()
            self._record(outcome)
            outcomes.append(outcome)
            progress(outcome)

        try:
            todo = iter(plan)
            while True:
                while len(running) < jobs * 2 and not self.stop.is_set():
                    item = next(todo, None)
                    if item is None:
                        break
                    name, src = item
                    future = pool.submit(self._one, name, src, markers.get(name))
                    submitted.append(future)
                    running.add(future)
                if not running:
                    break
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    finish(future)
        except KeyboardInterrupt:
            self.stop.set()
            # Every file handed to the pool is accounted for, including those that finished
            # while the interrupt was being raised (they are copied and must be counted).
            for future in submitted:
                if future not in handled:
                    finish(future)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            progress(None)
            if in_main:
                signal.signal(signal.SIGTERM, previous)
        if self.stop.is_set():
            self._summary(plan, outcomes, None)
            raise CommandError(
                "Interrupted: run the same command again to go on (verified files are skipped).",
                returncode=130,
            )
        return outcomes

    def _terminate(self, signum, frame) -> None:
        raise KeyboardInterrupt

    def _record(self, outcome: Outcome) -> None:
        if outcome.action in ("copied", "identical"):
            StorageCopy.objects.update_or_create(
                target=self.target.label,
                name=outcome.name,
                defaults={
                    "size": outcome.size,
                    "sha256": outcome.sha256,
                    "source_modified": outcome.modified,
                },
            )
        if self.dry_run and outcome.action in ("copy", "compare", "missing"):
            self.stdout.write(f"{outcome.action:8} {outcome.name} ({human(outcome.size)})")
        elif outcome.action in ("failed", "missing"):
            self.stderr.write(f"{outcome.action}: {outcome.name}: {outcome.reason}")

    # --- progress and summary -----------------------------------------------------------------

    def _progress(self, plan):
        total_files = len(plan)
        total_bytes = sum(src.size for _name, src in plan if src is not None)
        if self.dry_run:
            return lambda outcome: None
        if self.stdout.isatty():
            from tqdm import tqdm

            bar = tqdm(
                total=total_bytes,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                file=self.stdout._out,
                dynamic_ncols=True,
            )
            counts = {"files": 0}

            def on_bar(outcome):
                if outcome is None:
                    bar.close()
                    return
                counts["files"] += 1
                bar.set_postfix_str(f"{counts['files']}/{total_files} files", refresh=False)
                bar.update(outcome.size)

            return on_bar
        state = {"files": 0, "bytes": 0, "failed": 0, "at": time.monotonic()}

        def on_line(outcome):
            if outcome is not None:
                state["files"] += 1
                state["bytes"] += outcome.size
                state["failed"] += outcome.action == "failed"
                due = (
                    state["files"] % LINE_EVERY_FILES == 0
                    or time.monotonic() - state["at"] >= LINE_EVERY_SECONDS
                )
                if not due:
                    return
            elif state["files"] == 0:
                return
            state["at"] = time.monotonic()
            self.stdout.write(
                f"progress: {state['files']}/{total_files} files, {human(state['bytes'])}"
                f"/{human(total_bytes)}, {state['failed']} failed"
            )

        return on_line

    def _summary(self, plan, outcomes: list[Outcome], to: str | None) -> None:
        count: dict[str, int] = {}
        size: dict[str, int] = {}
        for o in outcomes:
            count[o.action] = count.get(o.action, 0) + 1
            size[o.action] = size.get(o.action, 0) + o.size
        total_bytes = sum(src.size for _name, src in plan if src is not None)
        parts = [f"files: {len(plan)} ({human(total_bytes)})"]
        labels = (
            ("copy", "would copy"),
            ("compare", "would compare (same size at the target)"),
            ("copied", "copied"),
            ("identical", "already there, identical"),
            ("skipped", "skipped (verified before)"),
            ("missing", "missing at the source"),
            ("failed", "failed"),
            ("interrupted", "interrupted"),
        )
        for action, label in labels:
            if action in count or action in ("skipped", "failed"):
                parts.append(f"{label}: {count.get(action, 0)} ({human(size.get(action, 0))})")
        self.stdout.write("Summary: " + "; ".join(parts))
        if to is None:
            return
        if count.get("failed"):
            raise CommandError(
                f"{count['failed']} files failed (listed above): run the command again; the "
                "site must not switch until a run ends without failures.",
                returncode=1,
            )
        if self.dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        switch = (
            "set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL, the keys) for every role"
            if to == "s3"
            else "unset AWS_STORAGE_BUCKET_NAME and give every role MEDIA_ROOT"
        )
        self.stdout.write(
            f"Every media file is at {self.target.label}, verified. Media rows keep their "
            f"names (the same in both modes). To switch the site: {switch}, then restart. The "
            f"files at {self.source.label} are left as they were."
        )
