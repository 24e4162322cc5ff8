"""Starting and restarting the encoding pipeline of a media."""

from __future__ import annotations


def encoding_start(*, media_id: int) -> None:
    """Enqueue the whole pipeline of one media (called after the upload's commit)."""
    from media_app.tasks.encoding import media_encode

    media_encode.delay(media_id)
