"""Subtitle tracks of a media (issue 16, point 2): one WebVTT file per language.

A track is uploaded as WebVTT or SRT. Either is read whole (at most ``SUBTITLE_MAX_BYTES``) and
checked cue by cue before anything is stored; the first problem is refused with the number of
the line it is on (``SubtitleRejected.extra["line"]``): not WebVTT or SRT, a bad timestamp, a
negative time, a cue that ends before it starts, a cue that starts before the previous one
ends (overlapping cues are refused: the player and the transcript show one cue at a time).
SRT is converted to WebVTT (its ``<b>``/``<i>``/``<u>`` kept, ``<font>`` and ``{\\an8}``
dropped, other markup escaped); WebVTT is kept as sent.

The file is stored at ``storage.subtitle_name(uid, language)`` through
:func:`media_app.storage.publish_file` (one step, the old file replaced, with a ``text/vtt``
content type in S3 too); ``Subtitle.text`` keeps the cues' words, one cue per line, for the
transcript and for search. The same language again replaces the track.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import logging
import os
import re
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db import transaction

from media_app import storage
from media_app.models import Media, Subtitle
from media_app.selectors.media import user_can_edit_media
from media_app.services.cache import listings_changed
from media_app.services.errors import NotAllowed, ServiceError

logger = logging.getLogger(__name__)

LABEL_LIMIT = 100
ALLOWED_EXTENSIONS = (".vtt", ".srt", ".txt", "")


class SubtitleRejected(ServiceError):
    """A subtitle file refused; ``extra`` carries the ``line`` it failed on (when there is one),
    so the edit page can point at it."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(f"Line {line}: {message}" if line else message, field="file")
        self.line = line
        self.extra = {"line": line} if line else {}


# --- language tags ----------------------------------------------------------------------------

# The BCP 47 tags a track may carry: a 2-3 letter ISO 639 language, optionally one subtag: a
# script (Latn), a region (BR, 419) or a variant (valencia). That is what storage names allow
# (storage.subtitle_name) and what players' caption menus handle.
_TAG = re.compile(
    r"^(?P<lang>[A-Za-z]{2,3})"
    r"(?:-(?:(?P<script>[A-Za-z]{4})|(?P<region>[A-Za-z]{2}|\d{3})|(?P<variant>[A-Za-z0-9]{5,8})))?$"
)


def language_normalize(raw: str) -> str:
    """``raw`` as a BCP 47 tag in its canonical case (``pt-br`` → ``pt-BR``, ``zh-hant`` →
    ``zh-Hant``); :class:`ServiceError` on the ``language`` field when it is not one."""
    value = (raw or "").strip().replace("_", "-")
    match = _TAG.match(value)
    if not match:
        raise ServiceError(
            f"{raw!r} is not a language tag (BCP 47, e.g. en, pt-BR, zh-Hant).", field="language"
        )
    tag = match.group("lang").lower()
    if match.group("script"):
        tag += "-" + match.group("script").title()
    elif match.group("region"):
        tag += "-" + match.group("region").upper()
    elif match.group("variant"):
        tag += "-" + match.group("variant").lower()
    return tag


def language_name(tag: str) -> str:
    """The language's English name as Django knows it (``pt-BR`` → "Brazilian Portuguese",
    ``fr-CA`` → "French (CA)"), else the tag itself."""
    info = LANG_INFO.get(tag.lower()) or {}
    if info.get("name"):
        return info["name"]
    base, _, rest = tag.partition("-")
    info = LANG_INFO.get(base) or {}
    if not info.get("name"):
        return tag
    return f"{info['name']} ({rest})" if rest else info["name"]


# --- parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]  # payload, WebVTT markup
    line: int  # line number of its timing line (1-based)
    ident: str = ""
    settings: str = ""


@dataclass(frozen=True)
class Track:
    vtt: str  # the WebVTT file to store
    cues: tuple[Cue, ...]
    source: str  # "vtt" or "srt"

    @property
    def text(self) -> str:
        return "\n".join(cue_plain_text(c) for c in self.cues)


_ARROW = re.compile(r"\s+-->\s+")
# WebVTT: [hh:]mm:ss.ttt, hours of any length. SRT: hh:mm:ss,ttt (a dot is tolerated, and
# fewer than three digits of milliseconds, as many tools write them).
_VTT_TIME = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
_SRT_TIME = re.compile(r"^(\d{1,}):([0-5]?\d):([0-5]?\d)[,.](\d{1,3})$")
_VTT_FORMAT = "[hh:]mm:ss.ttt"
_SRT_FORMAT = "hh:mm:ss,ttt"


def _seconds(raw: str, *, srt: bool, line: int) -> float:
    raw = raw.strip()
    if raw.startswith("-"):
        raise SubtitleRejected(f"negative time {raw!r}: times start at 0.", line=line)
    match = (_SRT_TIME if srt else _VTT_TIME).match(raw)
    if not match:
        expected = _SRT_FORMAT if srt else _VTT_FORMAT
        raise SubtitleRejected(f"bad timestamp {raw!r} (expected {expected}).", line=line)
    hours, minutes, secs, frac = match.groups()
    millis = int(frac.ljust(3, "0")) if srt else int(frac)
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + millis / 1000


def _timing(text: str, *, srt: bool, line: int) -> tuple[float, float, str]:
    parts = _ARROW.split(text.strip(), maxsplit=1)
    if len(parts) != 2:
        raise SubtitleRejected(
            "expected a cue timing line such as 00:00:01.000 --> 00:00:04.000.", line=line
        )
    start_raw, rest = parts
    end_raw, _, cue_settings = rest.strip().partition(" ")
    start = _seconds(start_raw, srt=srt, line=line)
    end = _seconds(end_raw, srt=srt, line=line)
    if end <= start:
        raise SubtitleRejected(
            f"the cue ends ({end_raw.strip()}) before it starts ({start_raw.strip()}).", line=line
        )
    return start, end, "" if srt else cue_settings.strip()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubtitleRejected("not UTF-8 text.", line=line) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SubtitleRejected("not a text file (a NUL byte).", line=line)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _blocks(lines: list[str], first: int) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks from ``lines[first:]``: ``(index of first line, lines)``."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = first
    for i in range(first, len(lines)):
        if lines[i].strip() == "":
            if current:
                blocks.append((start, current))
                current = []
        else:
            if not current:
                start = i
            current.append(lines[i])
    if current:
        blocks.append((start, current))
    return blocks


def _check_order(cues: list[Cue]) -> None:
    for previous, cue in itertools.pairwise(cues):
        if cue.start < previous.end:
            raise SubtitleRejected(
                f"this cue starts at {format_time(cue.start)}, before the previous one "
                f"(line {previous.line}) ends at {format_time(previous.end)}: cues may not "
                "overlap or go back in time.",
                line=cue.line,
            )


def _parse_vtt(lines: list[str]) -> list[Cue]:
    header = lines[0]
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", header):
        raise SubtitleRejected("a WebVTT file starts with the line WEBVTT.", line=1)
    # The header runs to the first blank line.
    i = 1
    while i < len(lines) and lines[i].strip():
        if "-->" in lines[i]:
            raise SubtitleRejected("a blank line must follow the WEBVTT header.", line=i + 1)
        i += 1
    cues: list[Cue] = []
    for start, block in _blocks(lines, i):
        head = block[0].strip()
        if "-->" not in head and head.split()[0] in ("NOTE", "STYLE", "REGION"):
            continue
        ident = ""
        timing_at = 0
        if "-->" not in block[0]:
            ident = block[0].strip()
            timing_at = 1
            if len(block) < 2 or "-->" not in block[1]:
                raise SubtitleRejected(
                    f"expected a cue timing line such as 00:00:01.000 --> 00:00:04.000 after "
                    f"the cue identifier {ident[:40]!r}.",
                    line=start + 1 + (1 if len(block) > 1 else 0),
                )
        line_no = start + timing_at + 1
        begin, end, cue_settings = _timing(block[timing_at], srt=False, line=line_no)
        payload = block[timing_at + 1 :]
        for k, text in enumerate(payload):
            if "-->" in text:
                raise SubtitleRejected(
                    "cue text may not contain '-->' (a blank line missing between cues?).",
                    line=line_no + 1 + k,
                )
        cues.append(Cue(begin, end, tuple(payload), line_no, ident, cue_settings))
    return cues


_SRT_KEEP = re.compile(r"</?(?:b|i|u)>", re.IGNORECASE)
_SRT_DROP = re.compile(r"</?font\b[^>]*>|\{\\[^}]*\}", re.IGNORECASE)


def _srt_payload(text: str) -> str:
    """One SRT text line as WebVTT cue text: b/i/u kept, font and ASS overrides dropped, any
    other ``<``, ``>`` and ``&`` escaped."""
    text = _SRT_DROP.sub("", text)
    out, pos = [], 0
    for match in _SRT_KEEP.finditer(text):
        out.append(html.escape(html.unescape(text[pos : match.start()]), quote=False))
        out.append(match.group(0).lower())
        pos = match.end()
    out.append(html.escape(html.unescape(text[pos:]), quote=False))
    return "".join(out).replace("-->", "->")


def _parse_srt(lines: list[str]) -> list[Cue]:
    cues: list[Cue] = []
    for start, block in _blocks(lines, 0):
        head = block[0].strip()
        timing_at = 0
        if "-->" not in head:
            if not head.isdigit():
                raise SubtitleRejected(
                    "expected a cue number (SRT) or WEBVTT on the first line."
                    if not cues
                    else f"expected a cue number, got {head[:40]!r}.",
                    line=start + 1,
                )
            timing_at = 1
            if len(block) < 2:
                raise SubtitleRejected(
                    "expected a time line such as 00:00:01,000 --> 00:00:04,000 after the cue "
                    "number.",
                    line=start + 2,
                )
        line_no = start + timing_at + 1
        begin, end, _ = _timing(block[timing_at], srt=True, line=line_no)
        payload = block[timing_at + 1 :]
        for k, text in enumerate(payload):
            if _ARROW.search(text) and _SRT_TIME.match(text.split("-->")[0].strip()):
                raise SubtitleRejected(
                    "a time line inside a cue's text (a blank line missing between cues?).",
                    line=line_no + 1 + k,
                )
        cues.append(
            Cue(
                begin,
                end,
                tuple(_srt_payload(t) for t in payload),
                line_no,
                head[:20] if timing_at else "",
            )
        )
    return cues


def format_time(seconds: float) -> str:
    """``hh:mm:ss.ttt``, WebVTT's timestamp."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


_TAGS = re.compile(r"<[^>]*>")


def cue_plain_text(cue: Cue) -> str:
    """The words of a cue, markup removed, on one line (for the transcript and search)."""
    return " ".join(html.unescape(_TAGS.sub("", t)).strip() for t in cue.lines if t.strip())


def _to_vtt(cues: list[Cue]) -> str:
    out = ["WEBVTT", ""]
    for cue in cues:
        if cue.ident:
            out.append(cue.ident)
        out.append(f"{format_time(cue.start)} --> {format_time(cue.end)}")
        out.extend(cue.lines)
        out.append("")
    return "\n".join(out)


def subtitle_parse(data: bytes) -> Track:
    """A WebVTT or SRT file checked and as WebVTT; :class:`SubtitleRejected` naming the line
    of the first problem."""
    text = _decode(data)
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise SubtitleRejected("The file is empty.")
    if lines[0].startswith("WEBVTT"):
        cues, source = _parse_vtt(lines), "vtt"
        vtt = text if text.endswith("\n") else text + "\n"
    elif "-->" in lines[first] or lines[first].strip().isdigit():
        cues, source = _parse_srt(lines), "srt"
        vtt = ""
    else:
        raise SubtitleRejected(
            "not a WebVTT or SRT file (WebVTT starts with the line WEBVTT, SRT with a cue "
            "number and a time line).",
            line=first + 1,
        )
    if not cues:
        raise SubtitleRejected(f"no cue found (end of file at line {len(lines)}).")
    _check_order(cues)
    if source == "srt":
        vtt = _to_vtt(cues)
    return Track(vtt=vtt, cues=tuple(cues), source=source)


# --- the service ------------------------------------------------------------------------------


def _may_edit(*, media: Media, by) -> None:
    if not user_can_edit_media(user=by, media=media):
        raise NotAllowed("Only the owner or an editor may change this media's subtitles.")


def _read_limited(upload) -> bytes:
    limit = settings.SUBTITLE_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise SubtitleRejected(f"The file is {size} bytes; at most {limit} are allowed.")
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise SubtitleRejected(f"The file is larger than {limit} bytes, the most allowed.")
    return data


def _publish(vtt: str, name: str) -> None:
    fd, tmp = tempfile.mkstemp(suffix=".vtt", prefix="subtitle-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(vtt.encode("utf-8"))
        storage.publish_file(tmp, name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def subtitle_set(*, media: Media, by, upload, language: str, label: str = "") -> Subtitle:
    """Add (or replace) the ``language`` track of ``media`` from an uploaded WebVTT or SRT
    file. Nothing changes when the file is refused."""
    _may_edit(media=media, by=by)
    language = language_normalize(language)
    label = (label or "").strip()
    if len(label) > LABEL_LIMIT:
        raise ServiceError(
            f"The label is {len(label)} characters long; at most {LABEL_LIMIT} are allowed.",
            field="label",
        )
    extension = os.path.splitext(getattr(upload, "name", "") or "")[1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise SubtitleRejected(
            f"A subtitle file is WebVTT (.vtt) or SRT (.srt); got a {extension} file."
        )
    track = subtitle_parse(_read_limited(upload))
    name = storage.subtitle_name(media.uid.hex, language)
    with transaction.atomic():
        # The row is locked first: two uploads of the same language take turns, and the file
        # is written only once the row is ours, so a failure rolls back to the old track.
        Media.objects.select_for_update().filter(pk=media.pk).first()
        subtitle, _ = Subtitle.objects.update_or_create(
            media=media,
            language=language,
            defaults={
                "label": label or language_name(language),
                "file": name,
                "text": track.text,
                "user": by if getattr(by, "is_authenticated", False) else None,
            },
        )
        _publish(track.vtt, name)
        # The detail answer lists the tracks and search reads their words.
        listings_changed()
    logger.info("media %s: subtitles %s (%s cues) by %s", media.pk, language, len(track.cues), by)
    return subtitle


def subtitle_delete(*, media: Media, by, language: str) -> bool:
    """Remove the ``language`` track of ``media`` (its file too); whether there was one."""
    _may_edit(media=media, by=by)
    try:
        language = language_normalize(language)
    except ServiceError:
        return False
    with transaction.atomic():
        rows = Subtitle.objects.select_for_update().filter(media=media, language=language)
        subtitle = rows.first()
        if subtitle is None:
            return False
        name = subtitle.file.name
        subtitle.delete()
        listings_changed()
        # The file goes once the row is gone for good: a rollback keeps both.
        if name:
            transaction.on_commit(lambda: storage.delete_many([name]))
    logger.info("media %s: subtitles %s removed by %s", media.pk, language, by)
    return True


def subtitles_of(*, media: Media):
    return Subtitle.objects.filter(media=media).order_by("language")
