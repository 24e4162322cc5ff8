"""File housekeeping through Django's storage API (relative names only)."""

import logging

from django.core.files.storage import default_storage

from media_app.encoding.files import delete_tree

logger = logging.getLogger(__name__)


def media_files_delete(*, names: list[str], prefix: str | None = None) -> None:
    """Remove a deleted media's files; missing ones are fine (deletion is idempotent)."""
    for name in names:
        default_storage.delete(name)
    if prefix:
        delete_tree(prefix.rstrip("/"))
    logger.info("deleted %d files and %s", len(names), prefix or "no folder")
