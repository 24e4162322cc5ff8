"""Chapters of a media (issue 16, point 3): a list of ``{"start": seconds, "title": str}``,
in order, kept in ``Media.chapters``.

Written through ``PUT /api/v1/media/<token>/chapters`` (its owner or an editor) in our shape
or in MediaCMS 7's (``{"chapters": [{"startTime", "endTime", "chapterTitle"}]}``, times in
seconds or ``hh:mm:ss[.mmm]``; ``endTime`` is implied by the next chapter's start and not
kept); a list out of order, with a negative or repeated start, a start past the media's
duration, an empty title or more than :data:`CHAPTERS_LIMIT` entries is refused naming the
entry. Chapters the uploaded file carries itself (MP4/MKV chapter atoms, ffprobe
``-show_chapters``) fill ``Media.chapters`` at ingest while the owner has set none.
"""

from __future__ import annotations

import logging
import math
import re

from django.db import transaction

from media_app.models import Media
from media_app.selectors.media import user_can_edit_media
from media_app.services.cache import listings_changed
from media_app.services.errors import NotAllowed, ServiceError

logger = logging.getLogger(__name__)

CHAPTERS_LIMIT = 200
TITLE_LIMIT = 200
_START_KEYS = ("start", "startTime", "start_time")
_TITLE_KEYS = ("title", "chapterTitle", "text")
_CLOCK = re.compile(r"^(?:(?:(\d+):)?([0-5]?\d):)?([0-5]?\d(?:\.\d+)?)$")


class ChapterRejected(ServiceError):
    """A chapter list refused; ``extra["entry"]`` is the index (0-based) of the entry at fault."""

    def __init__(self, message: str, *, entry: int | None = None):
        text = f"Chapter {entry + 1} (entry {entry}): {message}" if entry is not None else message
        super().__init__(text, field="chapters")
        self.extra = {"entry": entry} if entry is not None else {}


def _first(item: dict, keys: tuple[str, ...]):
    for key in keys:
        if key in item:
            return item[key]
    return None


def _seconds(raw, *, entry: int) -> float:
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str) and (match := _CLOCK.match(raw.strip())):
        hours, minutes, secs = match.groups()
        value = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs)
    elif isinstance(raw, str) and raw.strip().startswith("-"):
        raise ChapterRejected(f"the start {raw!r} is negative.", entry=entry)
    else:
        raise ChapterRejected(
            f"the start must be a number of seconds or hh:mm:ss; got {raw!r}.", entry=entry
        )
    if not math.isfinite(value):
        raise ChapterRejected("the start must be a finite number of seconds.", entry=entry)
    if value < 0:
        raise ChapterRejected(f"the start {raw!r} is negative.", entry=entry)
    return round(value, 3)


def chapters_clean(raw, *, duration: float | None) -> list[dict]:
    """``raw`` (a list, or ``{"chapters": list}``) as our chapter list; :class:`ChapterRejected`
    naming the first entry at fault."""
    if isinstance(raw, dict) and "chapters" in raw:
        raw = raw["chapters"]
    if not isinstance(raw, list):
        raise ChapterRejected(
            'Send a list of {"start": seconds, "title": text}, or {"chapters": [...]}.'
        )
    if len(raw) > CHAPTERS_LIMIT:
        raise ChapterRejected(
            f"{len(raw)} chapters; at most {CHAPTERS_LIMIT} are allowed.", entry=CHAPTERS_LIMIT
        )
    chapters: list[dict] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ChapterRejected('each entry is {"start": seconds, "title": text}.', entry=index)
        start = _seconds(_first(item, _START_KEYS), entry=index)
        title = _first(item, _TITLE_KEYS)
        title = title.strip() if isinstance(title, str) else ""
        if not title:
            raise ChapterRejected("the title is empty.", entry=index)
        if len(title) > TITLE_LIMIT:
            raise ChapterRejected(
                f"the title is {len(title)} characters long; at most {TITLE_LIMIT} are allowed.",
                entry=index,
            )
        if duration and start >= duration:
            raise ChapterRejected(
                f"starts at {start:g} s, past the end of the media ({duration:g} s).", entry=index
            )
        if chapters:
            previous = chapters[-1]["start"]
            if start == previous:
                raise ChapterRejected(
                    f"starts at {start:g} s, as the chapter before it does.", entry=index
                )
            if start < previous:
                raise ChapterRejected(
                    f"starts at {start:g} s, before the chapter before it ({previous:g} s): "
                    "chapters go in order.",
                    entry=index,
                )
        chapters.append({"start": start, "title": title})
    return chapters


def chapters_set(*, media: Media, by, raw) -> list[dict]:
    """Replace the chapters of ``media`` (its owner or an editor); an empty list clears them."""
    if not user_can_edit_media(user=by, media=media):
        raise NotAllowed("Only the owner or an editor may change this media's chapters.")
    chapters = chapters_clean(raw, duration=media.duration or None)
    with transaction.atomic():
        Media.objects.filter(pk=media.pk).update(chapters=chapters)
        media.chapters = chapters
        listings_changed()
    logger.info("media %s: %s chapters by %s", media.pk, len(chapters), by)
    return chapters


def chapters_from_probe(probe_raw: dict, *, duration: float | None) -> list[dict]:
    """The chapters ffprobe found in a file (``-show_chapters``), cleaned; ``[]`` when it has
    none or they do not make a valid list (a file's own chapters are a bonus, never a reason
    to fail an upload)."""
    found = []
    for number, chapter in enumerate(probe_raw.get("chapters") or [], start=1):
        tags = chapter.get("tags") or {}
        title = next((v for k, v in tags.items() if k.lower() == "title"), "") or ""
        try:
            start = max(0.0, float(chapter.get("start_time")))
        except (TypeError, ValueError):
            return []
        found.append({"start": start, "title": title.strip() or f"Chapter {number}"})
    if not found:
        return []
    try:
        return chapters_clean(found[:CHAPTERS_LIMIT], duration=duration)
    except ChapterRejected as exc:
        logger.info("chapters of the file not used: %s", exc.message)
        return []


def chapters_ingest(*, media_id: int, probe_raw: dict, duration: float | None) -> bool:
    """Fill the chapters of media ``media_id`` from its file's own when its owner has set none;
    whether it did."""
    chapters = chapters_from_probe(probe_raw, duration=duration)
    if not chapters:
        return False
    done = Media.objects.filter(pk=media_id, chapters=[]).update(chapters=chapters) == 1
    if done:
        listings_changed()
        logger.info("media %s: %s chapters from the file", media_id, len(chapters))
    return done
