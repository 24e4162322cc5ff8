"""The encoder's local scratch space; the reading and writing of stored media is
``media_app.storage``'s (``stage_in``, ``publish_file``, ``TreePublisher``, ``delete_prefix``).

Outputs of a media live under ``encoded/<uid.hex>/``: stills at fixed names (replaced
atomically), HLS trees per pipeline run under ``hls/<run>/`` (the database points at one; the
others are removed when a run completes), chunk work under ``work/<run>/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

from django.conf import settings

SCRATCH_PREFIX = "openpress-enc-"


@contextlib.contextmanager
def scratch() -> Iterator[str]:
    """A private scratch folder (under ``SCRATCH_DIR``), removed afterwards whatever happens."""
    base = settings.SCRATCH_DIR or None
    if base:
        os.makedirs(base, exist_ok=True)
    path = tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=base)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def tree_size(local_dir: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(local_dir):
        for fname in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.path.getsize(os.path.join(root, fname))
    return total
