"""File housekeeping through Django's storage API (relative names only)."""

import contextlib
import logging
import os

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def _delete_tree(prefix: str) -> None:
    try:
        dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{prefix}{name}")
    for sub in dirs:
        _delete_tree(f"{prefix}{sub}/")
    if hasattr(default_storage, "path"):
        with contextlib.suppress(OSError):
            os.rmdir(default_storage.path(prefix))


def media_files_delete(*, names: list[str], prefix: str | None = None) -> None:
    """Remove a deleted media's files; missing ones are fine (deletion is idempotent)."""
    for name in names:
        default_storage.delete(name)
    if prefix:
        _delete_tree(prefix)
    logger.info("deleted %d files and %s", len(names), prefix or "no folder")
