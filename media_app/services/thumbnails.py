"""The thumbnail and poster of a media, chosen on the edit page (issue 16, point 1).

Two ways: a time (``thumbnail_time``), whose frame the encoder's own still-making code
(``services.encoding._frame``, the code every encode uses) draws from the original; or an
uploaded picture, which must be an image ffprobe can decode and is re-encoded to JPEG with no
metadata at all (ffmpeg's ``CLEAN_OUTPUT``, then ``exiftool -all=`` as for every public image,
docs/provenance.md), so a picture's GPS position or camera serial never reaches the public.

Both run synchronously in the request: one seek and one frame take a fraction of a second
(ffmpeg seeks by the index before decoding; S3 originals are read by ranged requests), so the
owner sees the new picture in the PUT's answer with no task to wait for. They publish the
stills under their usual names (``publish_file`` replaces each in one step) and are called
last in the edit's transaction, after every other field was checked, so a refused edit never
changes the pictures.
"""

from __future__ import annotations

import os

from media_app import storage
from media_app.encoding import ffmpeg, files, metadata, runner
from media_app.encoding.ffmpeg import BadInput
from media_app.encoding.runner import ToolFailed
from media_app.models import Media
from media_app.services.errors import ServiceError

# The largest picture accepted as a thumbnail (bytes).
THUMBNAIL_UPLOAD_MAX = 20 * 1024 * 1024


def thumbnail_time_check(*, media: Media, at: float) -> float:
    """``at`` if a frame can be taken there: video media, within its duration."""
    if media.media_type != Media.MediaType.VIDEO:
        raise ServiceError("Only a video has frames to choose from.", field="thumbnail_time")
    if at < 0 or (media.duration and at >= media.duration):
        raise ServiceError(
            f"thumbnail_time must be between 0 and the duration ({media.duration:.1f} s).",
            field="thumbnail_time",
        )
    return float(at)


def _publish(media: Media, poster: str, thumb: str) -> dict:
    uid = media.uid.hex
    return {
        "poster": storage.publish_file(poster, storage.still_name(uid, "poster.jpg")),
        "thumbnail": storage.publish_file(thumb, storage.still_name(uid, "thumbnail.jpg")),
    }


def thumbnail_from_time(*, media: Media, at: float) -> dict:
    """Poster and thumbnail from the original's frame at ``at`` seconds; the fields to save."""
    from media_app.services.encoding import POSTER_WIDTH, THUMBNAIL_WIDTH, _frame

    with files.scratch() as work:
        src = storage.ffmpeg_source(str(media.media_file), work)
        poster, thumb = os.path.join(work, "poster.jpg"), os.path.join(work, "thumbnail.jpg")
        try:
            _frame(src, poster, at, POSTER_WIDTH)
            _frame(poster, thumb, 0, THUMBNAIL_WIDTH)
        except (ToolFailed, BadInput) as exc:
            raise ServiceError(
                "No picture could be taken from the video at that time.", field="thumbnail_time"
            ) from exc
        return _publish(media, poster, thumb)


def thumbnail_image_check(uploaded) -> None:
    """Cheap checks of an uploaded thumbnail before anything else happens."""
    if uploaded.size == 0:
        raise ServiceError("The thumbnail file is empty.", field="thumbnail")
    if uploaded.size > THUMBNAIL_UPLOAD_MAX:
        raise ServiceError(
            f"The thumbnail is larger than {THUMBNAIL_UPLOAD_MAX // (1024 * 1024)} MiB.",
            field="thumbnail",
        )


def thumbnail_from_image(*, media: Media, uploaded) -> dict:
    """Poster and thumbnail from an uploaded picture (400 unless it is an image)."""
    from media_app.services.encoding import POSTER_WIDTH, THUMBNAIL_WIDTH

    thumbnail_image_check(uploaded)
    not_image = ServiceError(
        "The thumbnail must be an image (JPEG, PNG, WebP or GIF).", field="thumbnail"
    )
    with files.scratch() as work:
        src = os.path.join(work, "upload")
        with open(src, "wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        try:
            probe = ffmpeg.parse_probe(runner.run(ffmpeg.probe_argv(src), timeout=60))
            if ffmpeg.classify(probe) != "image":
                raise not_image
        except (ToolFailed, BadInput) as exc:
            raise not_image from exc
        poster, thumb = os.path.join(work, "poster.jpg"), os.path.join(work, "thumbnail.jpg")
        try:
            runner.run(ffmpeg.frame_argv(src=src, dst=poster, at=0, max_width=POSTER_WIDTH))
            runner.run(ffmpeg.frame_argv(src=poster, dst=thumb, at=0, max_width=THUMBNAIL_WIDTH))
            for path in (poster, thumb):
                runner.run(metadata.exiftool_strip_argv(path), timeout=60)
        except ToolFailed as exc:
            raise not_image from exc
        if not (os.path.exists(poster) and os.path.getsize(poster)):
            raise not_image
        return _publish(media, poster, thumb)
