"""The one place that knows where media files live (issue 14, docs/storage.md).

Names are Django storage names, relative and slash-separated, the same in both modes:

    original/<uid[:2]>/<uid>.<ext>            the file as uploaded
    encoded/<uid>/poster.jpg, thumbnail.jpg   stills (fixed names, replaced whole)
    encoded/<uid>/sprites.jpg, sprites.vtt, preview.webp
    encoded/<uid>/hls/<run>/...               one HLS tree per pipeline run
    encoded/<uid>/work/<run>/...              chunk results another worker needs
    encoded/<uid>/subtitles/<lang>.vtt        subtitles
    userlogos/<uuid>.<ext>                    user pictures

In filesystem mode (no ``AWS_STORAGE_BUCKET_NAME``) they are paths under ``MEDIA_ROOT``; in S3
mode, object keys in the bucket. No other module builds a media name or opens a media file by
path: they call this module.
"""

from __future__ import annotations

import contextlib
import datetime
import mimetypes
import os
import re
import shutil
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

ORIGINALS = "original"
ENCODED = "encoded"
LOGOS = "userlogos"
STILLS = ("poster.jpg", "thumbnail.jpg", "sprites.jpg", "sprites.vtt", "preview.webp")
MASTER_PLAYLIST = "master.m3u8"

_CLIENT_LOCK = threading.Lock()
_EXTENSION = re.compile(r"^[A-Za-z0-9]{1,10}\Z")


# --- names -----------------------------------------------------------------------------------


def original_name(uid: uuid.UUID, extension: str) -> str:
    """The original's name: ours, from the media's uid and the sniffed type, never the
    client's file name."""
    if not _EXTENSION.match(extension):
        raise ValueError(f"not a file extension: {extension!r}")
    return f"{ORIGINALS}/{uid.hex[:2]}/{uid.hex}.{extension}"


def logo_name(extension: str) -> str:
    if not _EXTENSION.match(extension):
        raise ValueError(f"not a file extension: {extension!r}")
    return f"{LOGOS}/{uuid.uuid4().hex}.{extension}"


def encoded_prefix(uid_hex: str) -> str:
    return f"{ENCODED}/{uid_hex}"


def hls_prefix(uid_hex: str, run: str) -> str:
    return f"{ENCODED}/{uid_hex}/hls/{run}"


def work_prefix(uid_hex: str, run: str) -> str:
    return f"{ENCODED}/{uid_hex}/work/{run}"


def still_name(uid_hex: str, still: str) -> str:
    if still not in STILLS:
        raise ValueError(f"not a still: {still!r}")
    return f"{ENCODED}/{uid_hex}/{still}"


def subtitle_name(uid_hex: str, language: str) -> str:
    if not re.match(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?\Z", language):
        raise ValueError(f"not a language code: {language!r}")
    return f"{ENCODED}/{uid_hex}/subtitles/{language}.vtt"


# --- mode --------------------------------------------------------------------------------------


def s3_mode() -> bool:
    """Media live in an S3-compatible bucket (``AWS_STORAGE_BUCKET_NAME`` set)."""
    return bool(getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""))


def local_storage() -> bool:
    """The default storage has paths (a filesystem): ffmpeg may read and write in place."""
    try:
        default_storage.path("x")
    except NotImplementedError:
        return False
    return True


def storage_path(name: str) -> str:
    """Absolute path of a storage name (filesystem storage only)."""
    return default_storage.path(name)


def s3_client():
    """The boto3 S3 client of the default storage (S3 mode only): the same endpoint,
    credentials, addressing style, retries and checksum settings as ``STORAGES``."""
    if not s3_mode():
        raise RuntimeError("s3_client() in filesystem mode")
    # One client per storage object and process, shared by every thread (boto3's clients are
    # thread-safe; django-storages keeps a resource per thread, and a server that starts a thread
    # per connection would build a new client, tens of KiB, for every request).
    backend = storages["default"]
    client = getattr(backend, "_openpress_client", None)
    if client is None:
        with _CLIENT_LOCK:
            client = getattr(backend, "_openpress_client", None)
            if client is None:
                client = backend.connection.meta.client
                backend._openpress_client = client
    return client


def bucket_name() -> str:
    return settings.AWS_STORAGE_BUCKET_NAME


# --- I/O (H1): what every encoder step and every sweep uses, in both modes -------------------
#
# Filesystem mode: names are paths under MEDIA_ROOT; ffmpeg reads the original and writes HLS in
# place, and a finished file replaces the old one with one rename. S3 mode: ffmpeg reads the
# original through a presigned URL with ranged requests (ffmpeg_source), the worker stages what
# else it reads to its scratch folder (SCRATCH_DIR) and uploads what it wrote; objects of one
# HLS run go up segments first, each rendition's playlist after its segments, the master last,
# so a player never finds a playlist that names a missing object.

# Objects at least this big go up (and down) in parts, several at once: boto3's managed transfer.
MULTIPART_THRESHOLD = 16 * 1024 * 1024
MULTIPART_CHUNK = 16 * 1024 * 1024
TRANSFER_THREADS = 4
# DeleteObjects takes at most this many keys per request (the S3 API's limit).
DELETE_BATCH = 1000
# How often the background uploader of an HLS tree looks for finished segments, seconds.
TREE_POLL_SECONDS = 0.5

_CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".c2pa": "application/c2pa",
}


@dataclass(frozen=True)
class Entry:
    """One stored file: its name, size in bytes and last modification (aware, UTC)."""

    name: str
    size: int
    modified: datetime.datetime


def _transfer_config():
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD,
        multipart_chunksize=MULTIPART_CHUNK,
        max_concurrency=TRANSFER_THREADS,
    )


def _content_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    return _CONTENT_TYPES.get(ext) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _upload(local: str, name: str) -> None:
    extra = {"ContentType": _content_type(name)}
    client = s3_client()
    if os.path.getsize(local) < MULTIPART_THRESHOLD:
        # One PUT: replaces the object in a single step (readers see the old or the new one).
        with open(local, "rb") as fh:
            client.put_object(Bucket=bucket_name(), Key=name, Body=fh, **extra)
        return
    # A multipart upload becomes visible only when completed: also all or nothing.
    client.upload_file(local, bucket_name(), name, ExtraArgs=extra, Config=_transfer_config())


def stage_in(name: str, workdir: str) -> str:
    """A local path ffmpeg can read for stored file ``name``: on the filesystem the file
    itself, in S3 mode a copy downloaded (in parts, several at once) into ``workdir``."""
    if local_storage():
        return storage_path(name)
    return download(name, os.path.join(workdir, "source" + os.path.splitext(name)[1]))


# A presigned URL may live at most this long (SigV4's limit on AWS, Ceph RGW, MinIO, Garage).
SOURCE_URL_MAX_SECONDS = 7 * 24 * 3600


def ffmpeg_source(name: str, workdir: str) -> str:
    """What ffmpeg and ffprobe read stored file ``name`` from.

    Filesystem: the file itself. S3 mode: a presigned GET URL of the object, signed by the
    app's own client (``AWS_S3_ENDPOINT_URL``, never the public endpoint) and valid as long as
    a long task may run (``CELERY_LONG_TASK_TIME_LIMIT``), so a step's reconnects and seeks keep
    working to its end. ffmpeg reads it with ranged requests as it goes, so a step starts at
    once where :func:`stage_in` first downloads the whole original, into as much scratch space
    (docs/performance.md, "Object storage"). A tool that reads only local files (pdftoppm, the
    packager of a chunked join) gets :func:`stage_in`'s copy instead.

    The URL is a credential for that object: it is passed to the tool only, and the runner
    (``media_app.encoding.runner``) cuts it out of every log line and error it makes. A storage
    with its own ``AWS_S3_VERIFY`` (another CA, or none) is staged as before, since ffmpeg
    checks the server only against boto3's default CA bundle.
    """
    if local_storage():
        return storage_path(name)
    if not s3_mode() or getattr(default_storage, "verify", None) is not None:
        return stage_in(name, workdir)
    lifetime = min(int(settings.CELERY_LONG_TASK_TIME_LIMIT), SOURCE_URL_MAX_SECONDS)
    return s3_client().generate_presigned_url(
        "get_object", Params={"Bucket": bucket_name(), "Key": name}, ExpiresIn=max(60, lifetime)
    )


def check_readable(name: str) -> None:
    """After a tool failed reading ``name`` from :func:`ffmpeg_source`: in S3 mode, ask the
    bucket for the object, and raise botocore's error when the storage cannot be reached or
    fails (5xx), so that an outage is retried as one (the encoding tasks treat those errors as
    transient) instead of being taken for a damaged file. An answer (or a 403/404, which the
    tool's own error already tells) returns: the tool's failure stands."""
    if local_storage() or not s3_mode():
        return
    from botocore.exceptions import ClientError

    try:
        s3_client().head_object(Bucket=bucket_name(), Key=name)
    except ClientError as exc:
        status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
        if status >= 500:
            raise


def read_head(name: str, size: int) -> bytes:
    """The first ``size`` bytes of stored file ``name`` (S3: one ranged GET, not the object)."""
    if s3_mode():
        answer = s3_client().get_object(
            Bucket=bucket_name(), Key=name, Range=f"bytes=0-{max(0, size - 1)}"
        )
        with answer["Body"] as body:
            return body.read(size)
    with default_storage.open(name, "rb") as fh:
        return fh.read(size)


def download(name: str, dst: str) -> str:
    """Copy stored file ``name`` to local path ``dst`` (S3: ranged GETs in parallel)."""
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    if s3_mode():
        s3_client().download_file(bucket_name(), name, dst, Config=_transfer_config())
    else:
        with default_storage.open(name, "rb") as src, open(dst, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
    return dst


def publish_file(local: str, name: str) -> str:
    """Put finished file ``local`` at ``name``, replacing an older one in a single step (a
    rename on the filesystem, one PUT or a completed multipart upload in S3). Returns ``name``."""
    if s3_mode():
        _upload(local, name)
        return name
    if not local_storage():
        default_storage.delete(name)
        with open(local, "rb") as fh:
            return default_storage.save(name, File(fh))
    final = storage_path(name)
    if os.path.abspath(local) == os.path.abspath(final):
        return name
    os.makedirs(os.path.dirname(final), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(final), prefix=".tmp-")
    os.close(fd)
    try:
        shutil.copyfile(local, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return name


def _playlist_uris(text: str) -> list[str]:
    """The files an HLS playlist names (init segment, media segments or variant playlists)."""
    uris = re.findall(r'#EXT-X-MAP:.*?URI="([^"]+)"', text)
    uris += [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return uris


class TreePublisher:
    """Publishes a folder of HLS renditions (``<rendition>/index.m3u8`` and its segments, the
    master at the top) to ``prefix``.

    Filesystem mode, folder in place (ffmpeg writes under the storage path): nothing to copy.
    S3 mode: :meth:`start` uploads, from a thread, every segment as soon as its rendition's
    playlist lists it (ffmpeg writes a segment under a temporary name and lists it once
    renamed), and after :meth:`go_live` also the playlists, each after its segments.
    :meth:`finish` uploads what is left: segments, then playlists, then ``last`` (the master).
    Until the master is up, nothing points at the run's objects: a crash leaves objects that no
    playlist of a published run names, which the sweeps remove.
    """

    def __init__(self, local_dir: str, prefix: str, *, last: str = MASTER_PLAYLIST):
        self.local_dir = local_dir
        self.prefix = prefix.rstrip("/")
        self.last = last
        self.in_place = local_storage() and os.path.abspath(local_dir) == os.path.abspath(
            storage_path(self.prefix)
        )
        self.live = False
        self._sent: dict[str, tuple[int, int]] = {}  # relative name -> (size, mtime_ns) sent
        self._playlists: dict[str, str] = {}  # relative name -> text sent
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # context manager: the background thread never outlives the step
    def __enter__(self) -> TreePublisher:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> TreePublisher:
        if not self.in_place and s3_mode() and self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name=f"publish {self.prefix}", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(TREE_POLL_SECONDS):
            try:
                self.sync()
            except Exception as exc:  # kept, and raised by finish() in the step's thread
                self._error = exc
                return

    def go_live(self) -> None:
        """From now on the renditions' playlists go up too (early publishing)."""
        self.live = True
        self.sync()

    def sync(self) -> None:
        """Upload the segments the renditions' playlists list (and, once live, the playlists
        after them)."""
        if self.in_place:
            return
        with self._lock:
            for rel in self._rendition_playlists():
                try:
                    with open(os.path.join(self.local_dir, rel), encoding="utf-8") as fh:
                        text = fh.read()
                except FileNotFoundError:
                    continue
                folder = os.path.dirname(rel)
                for uri in _playlist_uris(text):
                    self._send(f"{folder}/{uri}")
                if self.live and self._playlists.get(rel) != text:
                    self._send_text(rel, text)

    def put_last(self) -> None:
        """Upload (or replace) the master playlist now."""
        if self.in_place:
            return
        with self._lock:
            self._send(self.last, force=True)

    def finish(self) -> None:
        """Upload everything not yet up: files, then playlists, then the master, last."""
        self.stop()
        if self._error is not None:
            raise self._error
        if self.in_place:
            return
        files, playlists = [], []
        for root, _dirs, names in os.walk(self.local_dir):
            for fname in names:
                rel = os.path.relpath(os.path.join(root, fname), self.local_dir)
                rel = rel.replace(os.sep, "/")
                if rel == self.last:
                    continue
                (playlists if rel.endswith(".m3u8") else files).append(rel)
        with self._lock:
            if s3_mode() and files:
                with ThreadPoolExecutor(TRANSFER_THREADS) as pool:
                    list(pool.map(self._send, sorted(files)))
            else:
                for rel in sorted(files):
                    self._send(rel)
            for rel in sorted(playlists):
                self._send(rel, force=True)
            if os.path.exists(os.path.join(self.local_dir, self.last)):
                self._send(self.last, force=True)

    def _rendition_playlists(self) -> list[str]:
        found = []
        with contextlib.suppress(FileNotFoundError):
            for sub in sorted(os.listdir(self.local_dir)):
                folder = os.path.join(self.local_dir, sub)
                if os.path.isdir(folder):
                    found += [
                        f"{sub}/{f}" for f in sorted(os.listdir(folder)) if f.endswith(".m3u8")
                    ]
        return found

    def _send(self, rel: str, *, force: bool = False) -> None:
        local = os.path.join(self.local_dir, rel)
        try:
            st = os.stat(local)
        except FileNotFoundError:
            return
        stamp = (st.st_size, st.st_mtime_ns)
        if not force and self._sent.get(rel) == stamp:
            return
        publish_file(local, f"{self.prefix}/{rel}")
        self._sent[rel] = stamp

    def _send_text(self, rel: str, text: str) -> None:
        name = f"{self.prefix}/{rel}"
        if s3_mode():
            s3_client().put_object(
                Bucket=bucket_name(),
                Key=name,
                Body=text.encode("utf-8"),
                ContentType=_content_type(name),
            )
        else:
            default_storage.delete(name)
            default_storage.save(name, ContentFile(text.encode("utf-8")))
        self._playlists[rel] = text


def publish_tree(local_dir: str, prefix: str, last: str = MASTER_PLAYLIST) -> None:
    """Publish a finished folder at ``prefix``: every file, playlists after the segments they
    name, ``last`` (the master playlist) at the very end. Nothing to do for a folder written in
    place on the filesystem."""
    TreePublisher(local_dir, prefix, last=last).finish()


def list_prefix(prefix: str) -> list[Entry]:
    """Every file under folder ``prefix`` (recursively), with size and last modification."""
    prefix = prefix.rstrip("/") + "/"
    if s3_mode():
        entries = []
        pages = (
            s3_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=bucket_name(), Prefix=prefix)
        )
        for page in pages:
            for item in page.get("Contents", []):
                entries.append(Entry(item["Key"], item["Size"], item["LastModified"]))
        return entries
    root = storage_path(prefix)
    base = storage_path("")
    entries = []
    for folder, _dirs, names in os.walk(root):
        for fname in names:
            full = os.path.join(folder, fname)
            try:
                st = os.stat(full)
            except FileNotFoundError:
                continue
            rel = os.path.relpath(full, base).replace(os.sep, "/")
            modified = datetime.datetime.fromtimestamp(st.st_mtime, tz=datetime.UTC)
            entries.append(Entry(rel, st.st_size, modified))
    return sorted(entries, key=lambda e: e.name)


def list_folders(prefix: str) -> list[str]:
    """The names of the sub-folders directly under ``prefix`` (``hls`` runs, for example)."""
    prefix = prefix.rstrip("/") + "/"
    if s3_mode():
        found: set[str] = set()
        pages = (
            s3_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=bucket_name(), Prefix=prefix, Delimiter="/")
        )
        for page in pages:
            for item in page.get("CommonPrefixes", []):
                found.add(item["Prefix"][len(prefix) :].rstrip("/"))
        return sorted(found)
    try:
        dirs, _files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    return sorted(dirs)


def delete_many(names: list[str]) -> int:
    """Delete stored files by name; missing ones are fine. Returns how many were asked."""
    if not names:
        return 0
    if s3_mode():
        client = s3_client()
        for i in range(0, len(names), DELETE_BATCH):
            batch = [{"Key": n} for n in names[i : i + DELETE_BATCH]]
            answer = client.delete_objects(
                Bucket=bucket_name(), Delete={"Objects": batch, "Quiet": True}
            )
            if answer.get("Errors"):
                raise OSError(f"S3 refused to delete {answer['Errors'][:3]}")
        return len(names)
    for name in names:
        default_storage.delete(name)
    return len(names)


def delete_prefix(prefix: str) -> int:
    """Delete every file under folder ``prefix``; a missing folder is fine. Returns how many
    files (S3: objects) were deleted."""
    prefix = prefix.rstrip("/")
    if not prefix:
        raise ValueError("refusing to delete the whole storage")
    if s3_mode():
        return delete_many([e.name for e in list_prefix(prefix)])
    count = len(list_prefix(prefix))
    if local_storage():
        shutil.rmtree(storage_path(prefix), ignore_errors=True)
    return count


def size(name: str) -> int:
    return default_storage.size(name)


def exists(name: str) -> bool:
    return default_storage.exists(name)


def open_read(name: str):
    """A binary file object for stored file ``name`` (S3: read as it streams)."""
    return default_storage.open(name, "rb")


def encoded_parts(name: str) -> tuple[str, str | None] | None:
    """For a name under ``encoded/``: ``(uid_hex, folder)``, where folder is ``hls/<run>`` or
    ``work/<run>`` for a run's files and ``None`` for stills and subtitles; else ``None``."""
    parts = name.split("/")
    if len(parts) < 3 or parts[0] != ENCODED:
        return None
    if len(parts) >= 5 and parts[2] in ("hls", "work"):
        return parts[1], f"{parts[2]}/{parts[3]}"
    return parts[1], None


def run_of(hls_file: str) -> str | None:
    """The run token of a master playlist name ``encoded/<uid>/hls/<run>/master.m3u8``."""
    parts = hls_file.split("/")
    if len(parts) >= 5 and parts[0] == ENCODED and parts[2] == "hls":
        return parts[3]
    return None


# --- H4: migration ---------------------------------------------------------------------------
#
# ``manage.py media_storage_migrate`` copies every media file between the filesystem under
# MEDIA_ROOT and the bucket the AWS_* settings name, whatever STORAGES holds at the time (an
# operator sets the bucket's variables before switching to it, or still has them when leaving
# it). The two sides below are built from the settings, not from ``default_storage``. Names are
# the same on both sides, so no media row changes; ``StorageCopy`` rows record what was
# verified. The imports are local: this section stands on its own.

MIGRATION_CHUNK = 1024 * 1024
# Objects above this go up in parts (s3transfer reads the stream sequentially, a part at a
# time, per file: parts x threads bytes in memory).
MIGRATION_PART = 8 * 1024 * 1024
MIGRATION_PART_THREADS = 2


class StorageSettingMissing(ValueError):
    """A setting the other side needs is not set; the message names it."""


class CopyMismatch(OSError):
    """The copy read back from the target differs from what was read from the source."""


class CopyInterrupted(Exception):
    """The migration was asked to stop (Ctrl-C, SIGTERM) while this file was copied."""


class StoredFile:
    """One media file on one side: its name, size in bytes, last modification (UTC, whole
    seconds: S3 listings give milliseconds, HEAD whole seconds)."""

    __slots__ = ("modified", "name", "size")

    def __init__(self, name: str, size: int, modified) -> None:
        self.name, self.size, self.modified = name, size, modified


def configured(name: str) -> str:
    """An object-storage setting: Django's when the settings module defines one (the tests'
    ``s3_media``, the S3 suite), else the variable as ``openpress/config.py`` reads it."""
    value = getattr(settings, name, None)
    if value is None:
        from openpress import config

        value = config.value(name)
    return value


def hls_tree(hls_file: str) -> str | None:
    """The HLS folder ``encoded/<uid>/hls/<run>`` of master playlist name ``hls_file``."""
    parts = hls_file.split("/")
    if len(parts) == 5 and parts[0] == ENCODED and parts[2] == "hls" and parts[3]:
        return hls_prefix(parts[1], parts[3])
    return None


def media_inventory() -> tuple[list[str], list[str]]:
    """What a migration copies: the names the rows hold (the original, its clean public copy,
    the stills, user logos) and the folders copied whole (each media's current HLS run, its
    subtitles)."""
    from media_app.models import Media, User

    fields = (
        "media_file",
        "public_file",
        "poster",
        "thumbnail",
        "sprites",
        "sprites_vtt",
        "preview",
    )
    names: set[str] = set()
    folders: set[str] = set()
    rows = Media.objects.order_by("pk").values_list(*fields, "hls_file", "uid")
    for row in rows.iterator(chunk_size=2000):
        names.update(name for name in row[: len(fields)] if name)
        tree = hls_tree(row[len(fields)])
        if tree:
            folders.add(tree)
        folders.add(f"{encoded_prefix(row[-1].hex)}/subtitles")
    names.update(User.objects.exclude(logo="").values_list("logo", flat=True))
    return sorted(names), sorted(folders)


def _whole_seconds(moment):
    # S3 listings give milliseconds, HEAD whole seconds: compare at the coarser of the two.
    return moment.replace(microsecond=0)


class _HashingReader:
    """Reads a source stream once, counting and hashing what passes. Only ``read``: s3transfer
    then reads it strictly in order (its non-seekable path), so the digest is of the bytes
    sent. Stops with CopyInterrupted when ``stop`` is set."""

    def __init__(self, stream, stop=None):
        import hashlib

        self._stream = stream
        self._stop = stop
        self.size = 0
        self.sha256 = hashlib.sha256()

    def read(self, amount: int = -1) -> bytes:
        if self._stop is not None and self._stop.is_set():
            raise CopyInterrupted
        data = self._stream.read(amount if amount and amount > 0 else MIGRATION_CHUNK)
        self.size += len(data)
        self.sha256.update(data)
        return data


def _digest(stream, stop=None) -> tuple[int, str]:
    reader = _HashingReader(stream, stop)
    while reader.read(MIGRATION_CHUNK):
        pass
    return reader.size, reader.sha256.hexdigest()


class FilesystemSide:
    """Media files under a folder (MEDIA_ROOT). A copy is written next to its final name and
    renamed over it only once read back and found equal, so the final name never holds a
    partial file; an interrupted copy leaves ``<name>.migrating``, which the next run
    overwrites."""

    kind = "filesystem"

    def __init__(self, root) -> None:
        import os

        self.root = os.path.abspath(str(root))
        self.label = f"file://{self.root}"

    def _path(self, name: str) -> str:
        import os

        path = os.path.normpath(os.path.join(self.root, name))
        if not path.startswith(self.root + os.sep):
            raise ValueError(f"not a media name: {name!r}")
        return path

    def probe(self) -> None:
        import os

        if not os.path.isdir(self.root):
            raise StorageSettingMissing(f"MEDIA_ROOT ({self.root}) is not a folder.")

    def _entry(self, name: str, path: str) -> StoredFile:
        import datetime
        import os

        st = os.stat(path)
        modified = datetime.datetime.fromtimestamp(int(st.st_mtime), tz=datetime.UTC)
        return StoredFile(name, st.st_size, modified)

    def stat(self, name: str) -> StoredFile | None:
        import os

        path = self._path(name)
        if not os.path.isfile(path):
            return None
        try:
            return self._entry(name, path)
        except FileNotFoundError:
            return None

    def list(self, prefix: str) -> list[StoredFile]:
        import os

        top = self._path(prefix)
        found = []
        for folder, _dirs, files in os.walk(top):
            for fname in files:
                if fname.endswith(".migrating"):
                    continue
                path = os.path.join(folder, fname)
                name = os.path.relpath(path, self.root).replace(os.sep, "/")
                try:
                    found.append(self._entry(name, path))
                except FileNotFoundError:
                    continue
        return sorted(found, key=lambda e: e.name)

    def open(self, name: str):
        return open(self._path(name), "rb")

    def digest(self, name: str, stop=None) -> tuple[int, str]:
        with self.open(name) as fh:
            return _digest(fh, stop)

    def stage(self, name: str, reader: _HashingReader) -> str:
        import os

        final = self._path(name)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        staged = final + ".migrating"
        try:
            with open(staged, "wb") as out:
                while data := reader.read(MIGRATION_CHUNK):
                    out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(staged, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
        except BaseException:
            self.discard(staged)
            raise
        return staged

    def read_back(self, staged: str, stop=None) -> tuple[int, str]:
        with open(staged, "rb") as fh:
            return _digest(fh, stop)

    def commit(self, staged: str, name: str) -> None:
        import os

        os.replace(staged, self._path(name))

    def discard(self, staged: str) -> None:
        import contextlib
        import os

        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)


class S3Side:
    """Media objects in a bucket. An upload (one PUT, or a multipart upload completed) appears
    whole or not at all; a copy that reads back different is deleted. An interrupted multipart
    upload is aborted by s3transfer, or by the bucket's lifecycle rule (media_storage_setup)
    when the process was killed."""

    kind = "s3"

    def __init__(self, storage) -> None:
        self.client = storage.connection.meta.client
        self.bucket = storage.bucket_name
        where = storage.endpoint_url or "amazon-s3"
        self.label = f"s3://{where.split('://', 1)[-1].rstrip('/')}/{self.bucket}"
        self.where = (
            f"the S3 server at {storage.endpoint_url} (AWS_S3_ENDPOINT_URL)"
            if storage.endpoint_url
            else "Amazon S3"
        )

    def probe(self) -> None:
        """One listing: the bucket answers to these keys, else why not, naming the setting."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except BotoCoreError as exc:
            raise StorageSettingMissing(f"{self.where} cannot be reached: {exc}") from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            named = {
                "NoSuchBucket": f"The bucket '{self.bucket}' (AWS_STORAGE_BUCKET_NAME) does not "
                f"exist on {self.where}; create it (manage.py media_storage_setup).",
                "InvalidAccessKeyId": f"AWS_ACCESS_KEY_ID is not a key that {self.where} knows.",
                "SignatureDoesNotMatch": "AWS_SECRET_ACCESS_KEY is not the secret of "
                f"AWS_ACCESS_KEY_ID on {self.where}.",
                "AccessDenied": f"AWS_ACCESS_KEY_ID may not list the bucket '{self.bucket}' "
                f"(AWS_STORAGE_BUCKET_NAME) on {self.where}.",
            }
            raise StorageSettingMissing(
                named.get(code, f"{self.where} refused listing the bucket '{self.bucket}': {exc}")
            ) from exc

    def stat(self, name: str) -> StoredFile | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return None
            raise
        return StoredFile(name, head["ContentLength"], _whole_seconds(head["LastModified"]))

    def list(self, prefix: str) -> list[StoredFile]:
        prefix = prefix.rstrip("/") + "/"
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                modified = _whole_seconds(item["LastModified"])
                found.append(StoredFile(item["Key"], item["Size"], modified))
        return found

    def open(self, name: str):
        import contextlib

        return contextlib.closing(self.client.get_object(Bucket=self.bucket, Key=name)["Body"])

    def digest(self, name: str, stop=None) -> tuple[int, str]:
        # Computed from the bytes, never from the ETag: a multipart upload's ETag is no MD5 of
        # the object, and Ceph RGW answers an empty one when completing it.
        with self.open(name) as body:
            return _digest(body, stop)

    def stage(self, name: str, reader: _HashingReader) -> str:
        from boto3.s3.transfer import TransferConfig

        self.client.upload_fileobj(
            reader,
            self.bucket,
            name,
            ExtraArgs={"ContentType": _content_type(name)},
            Config=TransferConfig(
                multipart_threshold=MIGRATION_PART,
                multipart_chunksize=MIGRATION_PART,
                max_concurrency=MIGRATION_PART_THREADS,
            ),
        )
        return name

    def read_back(self, staged: str, stop=None) -> tuple[int, str]:
        return self.digest(staged, stop)

    def commit(self, staged: str, name: str) -> None:
        """Nothing: the upload put the object in place whole."""

    def discard(self, staged: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=staged)


def filesystem_side() -> FilesystemSide:
    return FilesystemSide(settings.MEDIA_ROOT)


def s3_side() -> S3Side:
    """The bucket the AWS_* settings name, with STORAGES' client options (endpoint, region,
    addressing style, retries, checksums only when required)."""
    bucket = configured("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        raise StorageSettingMissing(
            "AWS_STORAGE_BUCKET_NAME is not set: name the bucket (and AWS_S3_ENDPOINT_URL, "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY for a server other than Amazon S3)."
        )
    access, secret = configured("AWS_ACCESS_KEY_ID"), configured("AWS_SECRET_ACCESS_KEY")
    if bool(access) != bool(secret):
        missing, other = (
            ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")
            if access
            else ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        )
        raise StorageSettingMissing(f"{missing} is not set, but {other} is: set both, or neither.")
    from storages.backends.s3 import S3Storage

    from openpress.settings.base import storage_backends

    options = storage_backends(
        bucket=bucket,
        endpoint_url=configured("AWS_S3_ENDPOINT_URL"),
        access_key=access,
        secret_key=secret,
        region=configured("AWS_S3_REGION_NAME"),
        addressing_style=configured("AWS_S3_ADDRESSING_STYLE"),
        link_seconds=settings.MEDIA_LINK_SECONDS,
    )["default"]["OPTIONS"]
    return S3Side(S3Storage(**options))


def copy_verified(source, target, name: str, stop=None) -> tuple[int, str]:
    """Copy ``name`` from ``source`` to ``target``, read the copy back and compare size and
    SHA-256 with what was read from the source. Returns (size, sha256); raises CopyMismatch
    (the bad copy removed) or CopyInterrupted."""
    with source.open(name) as stream:
        reader = _HashingReader(stream, stop)
        staged = target.stage(name, reader)  # removes what it wrote when it fails
    try:
        size, digest = target.read_back(staged, stop)
    except BaseException:
        target.discard(staged)
        raise
    expected = (reader.size, reader.sha256.hexdigest())
    if (size, digest) != expected:
        target.discard(staged)
        raise CopyMismatch(
            f"{name}: the copy read back {size} bytes sha256 {digest[:12]}, the source "
            f"{expected[0]} bytes sha256 {expected[1][:12]}"
        )
    target.commit(staged, name)
    return expected


def same_content(source, target, name: str, stop=None) -> tuple[int, str] | None:
    """(size, sha256) when ``name`` is byte for byte the same on both sides, else None."""
    here = source.digest(name, stop)
    return here if target.digest(name, stop) == here else None
