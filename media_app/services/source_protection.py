"""Source protection (issue 15, docs/provenance.md "1. Source protection").

The original (``Media.media_file``) is sealed: its owner and editors fetch it, nobody else
(``selectors.media.original_allowed``), unless its owner, after seeing what it revealed, confirmed
that downloads may get it unchanged. Everyone else downloads ``Media.public_file``: a copy made
here at prepare with every tag removed (video and audio: an ffmpeg stream copy without metadata;
images: orientation applied, then exiftool ``-all=``; PDFs: mat2 then qpdf), checked afterwards
by reading it again. ``Media.metadata_found`` lists what the original carried and whether the
public copy lost it. A file that cannot be cleaned fails its encode (:class:`BadInput`), so it
is never published.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from media_app import storage
from media_app.encoding import ffmpeg, metadata, runner
from media_app.encoding.ffmpeg import BadInput
from media_app.encoding.runner import ToolFailed
from media_app.models import Media
from media_app.services.errors import NotAllowed

logger = logging.getLogger(__name__)

# Groups whose values must be gone from the public copy, or the copy is refused.
MUST_GO = ("location", "device", "serial", "author", "software", "other identifying")

# Image codecs cleaned in their own format (exiftool writes these losslessly).
_IMAGE_EXT = {"mjpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif"}


@dataclass(frozen=True)
class PublicCopy:
    local: str  # the clean file, in the step's scratch folder
    fields: dict  # for the media row: public_file, metadata_found


def public_copy_name(uid_hex: str, ext: str) -> str:
    """The clean copy's storage name: under the media's encoded folder, in ``download/``, which
    the file gate serves by the download rule (``file_access``), not the visibility rule."""
    return f"{storage.encoded_prefix(uid_hex)}/download/{uid_hex}.{ext}"


def _unsafe(what: str, detail: str) -> BadInput:
    return BadInput(f"Identifying metadata could not be removed from this {what}: {detail}")


def _read(path: str) -> list[dict]:
    try:
        return metadata.found_from_exiftool(
            runner.run(metadata.exiftool_read_argv(path), timeout=120)
        )
    except ToolFailed as exc:
        tail = exc.tail.strip().splitlines()
        raise BadInput(
            f"The file's metadata could not be read ({tail[-1][:200] if tail else exc})."
        ) from exc


def _ffprobe_tags(path: str) -> list[dict]:
    out = runner.run(ffmpeg.probe_argv(path), timeout=120)
    return metadata.found_from_ffprobe(json.loads(out or "{}"))


def public_copy_make(
    *, media: Media, kind: str, src: str, work: str, probe_raw: dict | None = None
) -> PublicCopy:
    """Make, check and publish the clean copy of ``media``'s original (``kind``: video, audio,
    image or pdf; ``src``: where ffmpeg reads it; for images and PDFs a local path). Raises
    :class:`BadInput` with a reason for its owner when it cannot be made clean."""
    name = str(media.media_file)  # its name, "" when empty
    found: list[dict] = []
    if kind in ("image", "pdf") or storage.local_storage():
        local = src if kind in ("image", "pdf") else storage.stage_in(name, work)
        found += _read(local)
    if kind in ("video", "audio") and probe_raw:
        found += metadata.found_from_ffprobe(probe_raw)
    if kind == "pdf":
        clean, ext = _clean_pdf(src, work), "pdf"
    elif kind == "image":
        clean, ext = _clean_image(src, work, probe_raw or {})
    elif kind in ("video", "audio"):
        clean, ext = _clean_av(src, work, kind), ("mp4" if kind == "video" else "m4a")
    else:
        raise _unsafe("file", f"files of kind {kind!r} have no cleaning method")
    left = _read(clean)
    if kind in ("video", "audio"):
        left += _ffprobe_tags(clean)
    bad = [i for i in left if i["group"] in MUST_GO]
    if bad:
        shown = ", ".join(f"{i['name']}={i['value'][:40]}" for i in bad[:5])
        raise _unsafe(_what(kind), f"still present after cleaning: {shown}")
    found = metadata.sort_found(metadata.mark_removed(found, left))
    published = storage.publish_file(clean, public_copy_name(media.uid.hex, ext))
    logger.info("media %s: clean copy %s (%d items found)", media.pk, published, len(found))
    return PublicCopy(clean, {"public_file": published, "metadata_found": found})


def _what(kind: str) -> str:
    return {"pdf": "PDF", "image": "image", "audio": "audio file", "video": "video"}[kind]


def _clean_av(src: str, work: str, kind: str) -> str:
    dst = os.path.join(work, "public." + ("mp4" if kind == "video" else "m4a"))
    try:
        runner.run(metadata.remux_argv(src=src, dst=dst, kind=kind), timeout=3600)
    except ToolFailed as copy_failed:
        # The streams cannot go into MP4 as they are (a codec MP4 does not hold): re-encode.
        logger.info("clean copy: stream copy refused (%s); re-encoding", copy_failed.returncode)
        try:
            runner.run(
                metadata.remux_argv(src=src, dst=dst, kind=kind, reencode=True), timeout=6 * 3600
            )
        except ToolFailed as exc:
            tail = exc.tail.strip().splitlines()
            raise _unsafe(_what(kind), tail[-1][:200] if tail else "ffmpeg failed") from exc
    if not os.path.exists(dst) or os.path.getsize(dst) == 0:
        raise _unsafe(_what(kind), "the clean copy came out empty")
    return dst


def _image_ext(probe_raw: dict) -> str:
    for stream in probe_raw.get("streams") or []:
        if stream.get("codec_type") == "video":
            return _IMAGE_EXT.get(stream.get("codec_name", ""), "")
    return ""


def _clean_image(src: str, work: str, probe_raw: dict) -> tuple[str, str]:
    """Orientation first (the picture re-encoded upright when its EXIF says it is turned),
    then every tag removed by exiftool. Other formats (BMP, TIFF, HEIF...) become PNG: ffmpeg
    decodes the pixels and writes none of their tags."""
    ext = _image_ext(probe_raw)
    tags = metadata.exiftool_tags(runner.run(metadata.exiftool_read_argv(src), timeout=120))
    orientation = tags.get("IFD0:Orientation") or 1
    if not isinstance(orientation, int) or orientation not in metadata.ORIENTATION_FILTERS:
        orientation = 1
    out_ext = ext or "png"
    dst = os.path.join(work, f"public.{out_ext}")
    try:
        if orientation != 1 or not ext:
            filt = orientation if orientation != 1 else None
            runner.run(_upright_or_convert(src, dst, filt, out_ext), timeout=300)
        else:
            shutil.copyfile(src, dst)
        runner.run(metadata.exiftool_strip_argv(dst), timeout=120)
    except ToolFailed as exc:
        tail = exc.tail.strip().splitlines()
        raise _unsafe("image", tail[-1][:200] if tail else "the cleaning tool failed") from exc
    return dst, out_ext


def _upright_or_convert(src: str, dst: str, orientation: int | None, ext: str) -> list[str]:
    if orientation is not None:
        return metadata.image_upright_argv(src=src, dst=dst, orientation=orientation, ext=ext)
    argv = metadata.image_upright_argv(src=src, dst=dst, orientation=2, ext=ext)
    at = argv.index("-vf")
    return argv[:at] + argv[at + 2 :]  # the same conversion, nothing turned


def _clean_pdf(src: str, work: str) -> str:
    """mat2 (lightweight: text and vectors kept) re-renders the PDF without its Info dictionary,
    XMP or earlier revisions; qpdf then rewrites it with a sound cross-reference table."""
    staged = os.path.join(work, "pdf-in.pdf")
    shutil.copyfile(src, staged)
    cleaned = os.path.join(work, "pdf-in.cleaned.pdf")
    dst = os.path.join(work, "public.pdf")
    try:
        runner.run(metadata.mat2_argv(staged), timeout=600)
    except ToolFailed as exc:
        tail = exc.tail.strip().splitlines()
        raise _unsafe("PDF", tail[-1][:200] if tail else "mat2 failed") from exc
    if not os.path.exists(cleaned):
        raise _unsafe("PDF", "mat2 wrote no cleaned file")
    try:
        runner.run(metadata.qpdf_rewrite_argv(cleaned, dst), timeout=600)
    except ToolFailed as exc:
        if exc.returncode != 3 or not os.path.exists(dst):  # 3: repaired, with warnings
            tail = exc.tail.strip().splitlines()
            raise _unsafe("PDF", tail[-1][:200] if tail else "qpdf failed") from exc
    return dst


# --- the owner's choice -------------------------------------------------------------------


class NotReady(Exception):
    """The list of what the original revealed is not made yet (the encode has not read it)."""


def original_publish_unchanged(*, media: Media, by, publish: bool, confirm: bool = False) -> Media:
    """The owner lets downloads get the original unchanged (``publish``, after seeing
    ``metadata_found``, with ``confirm``), or takes that back. Owner only: an editor may not
    expose someone else's source."""
    if not (by is not None and by.is_authenticated and media.user_id == by.id):
        raise NotAllowed("Only the owner may choose to publish the original unchanged.")
    with transaction.atomic():
        media = Media.objects.select_for_update().get(pk=media.pk)
        if publish:
            if not confirm:
                raise ValueError("Confirm that you saw what the file reveals.")
            if not media.public_file:
                raise NotReady("What the file reveals is not known yet: wait for the encode.")
            media.original_unchanged_confirmed_at = timezone.now()
        else:
            media.original_unchanged_confirmed_at = None
        media.save(update_fields=["original_unchanged_confirmed_at", "edit_date"])
    logger.info("media %s: original unchanged %s by its owner", media.friendly_token, publish)
    return media
