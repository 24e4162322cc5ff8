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

import re
import uuid

from django.conf import settings
from django.core.files.storage import default_storage

ORIGINALS = "original"
ENCODED = "encoded"
LOGOS = "userlogos"
STILLS = ("poster.jpg", "thumbnail.jpg", "sprites.jpg", "sprites.vtt", "preview.webp")
MASTER_PLAYLIST = "master.m3u8"

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
    return default_storage.connection.meta.client


def bucket_name() -> str:
    return settings.AWS_STORAGE_BUCKET_NAME
