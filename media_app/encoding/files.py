"""Where the encoder reads and writes: Django storage names, local scratch, atomic publishing.

Outputs of a media live under ``encoded/<uid.hex>/``: stills at fixed names (replaced
atomically), HLS trees per pipeline run under ``hls/<run>/`` (the database points at one; the
others are removed when a run completes), chunk work under ``work/<run>/``.

With a filesystem storage (the default: a shared volume) ffmpeg reads the source and writes HLS
in place, which is what lets viewers start on the first segments while the encode goes on.
With a remote storage the source is copied to scratch first and outputs are uploaded at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from media_app.storage import (  # noqa: F401 - names live in media_app.storage
    encoded_prefix,
    hls_prefix,
    local_storage,
    storage_path,
    work_prefix,
)

SCRATCH_PREFIX = "openpress-enc-"


@contextlib.contextmanager
def scratch() -> Iterator[str]:
    """A private scratch folder, removed afterwards whatever happens."""
    base = settings.SCRATCH_DIR or None
    if base:
        os.makedirs(base, exist_ok=True)
    path = tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=base)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def local_source(name: str, workdir: str) -> Iterator[str]:
    """A local path ffmpeg can read for storage file ``name``."""
    if local_storage():
        yield storage_path(name)
        return
    dst = os.path.join(workdir, "source" + os.path.splitext(name)[1])
    with default_storage.open(name, "rb") as src, open(dst, "wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)
    yield dst


def publish_file(local_path: str, name: str) -> str:
    """Put a finished file at storage ``name``, replacing an older one in a single step."""
    if local_storage():
        final = storage_path(name)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(final), prefix=".tmp-")
        os.close(fd)
        try:
            shutil.copyfile(local_path, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return name
    default_storage.delete(name)
    with open(local_path, "rb") as fh:
        return default_storage.save(name, File(fh))


def publish_tree(local_dir: str, prefix: str) -> None:
    """Upload a finished folder (remote storages only; local ones are written in place)."""
    for root, _dirs, files in os.walk(local_dir):
        for fname in files:
            full = os.path.join(root, fname)
            rel = os.path.relpath(full, local_dir).replace(os.sep, "/")
            publish_file(full, f"{prefix}/{rel}")


def delete_tree(prefix: str) -> None:
    """Remove a folder of storage names; a missing folder is fine."""
    if local_storage():
        shutil.rmtree(storage_path(prefix), ignore_errors=True)
        return
    try:
        dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for fname in files:
        default_storage.delete(f"{prefix}/{fname}")
    for sub in dirs:
        delete_tree(f"{prefix}/{sub}")


def list_dirs(prefix: str) -> list[str]:
    try:
        dirs, _files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    return sorted(dirs)


def tree_size(local_dir: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(local_dir):
        for fname in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.path.getsize(os.path.join(root, fname))
    return total
