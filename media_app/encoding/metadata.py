"""Pure helpers for source protection (issue 15, docs/provenance.md "1. Source protection"):
the argv of the tools that read and remove a file's metadata, and the parsing of what they
report into the list shown to the uploader (``Media.metadata_found``).

Nothing here runs a process or touches the database; ``services/source_protection.py`` does.
"""

from __future__ import annotations

import json
import re

from media_app.encoding.ffmpeg import CLEAN_OUTPUT, input_args

# The groups of ``Media.metadata_found`` items, in the order the edit page shows them.
GROUPS = ("location", "device", "serial", "author", "software", "created", "other identifying")

# exiftool's groups that describe the file itself (name, size, dates on this disk, the
# decoder's view of the picture), never what the uploader's device wrote.
_SKIP_GROUPS = {"ExifTool", "System", "File", "Composite", "JFIF", "ICC_Profile", "ICC-header"}
_SKIP_GROUPS_PREFIX = ("ICC",)

# Tag names (exiftool's, or ffprobe's tag keys lower-cased) by group; matched case-insensitively.
_LOCATION = re.compile(
    r"^(gps.*|location.*|.*locationinformation|.*\.location\.iso6709|city|country.*|state|"
    r"province-state|sub-?location|xyz|geo.*)$",
    re.I,
)
_SERIAL = re.compile(r".*(serial|uniqueid|imageuniqueid|devicesn|bodyserial).*", re.I)
_DEVICE = re.compile(
    r"^(make|model|.*\.make|.*\.model|lensmake|lensmodel|lensinfo|cameramodelname|"
    r"uniquecameramodel|hostcomputer|android(model|manufacturer)|devicemanufacturer|"
    r"devicemodelname|devicemodel|cameraid|localizedcameramodel)$",
    re.I,
)
_AUTHOR = re.compile(
    r"^(artist|author|creator|by-?line|copyright|rights|ownername|cameraownername|writer|"
    r"credit|lastmodifiedby|album_artist|albumartist|composer|performer|publisher|"
    r".*\.author|.*\.artist|usercomment.*author)$",
    re.I,
)
_SOFTWARE = re.compile(
    r"^(software|creatortool|producer|encoder|encoded_by|encodedby|historysoftwareagent|"
    r"processingsoftware|handlername_?x|.*\.software|applicationrecordversion|creatorapp)$",
    re.I,
)
_CREATED = re.compile(
    r"^(datetimeoriginal|createdate|creationdate|creation_time|modifydate|datecreated|"
    r"metadatadate|datetimedigitized|contentcreatedate|date|datetime|.*\.creationdate|"
    r"gpsdatestamp|historywhen|subsectimeoriginal)$",
    re.I,
)
_OTHER = re.compile(
    r"^(comment|usercomment|description|imagedescription|caption.*|keywords|subject|title|"
    r"headline|instructions|specialinstructions|software_comment|synopsis|lyrics|notes|"
    r"documentid|instanceid|originaldocumentid|derivedfromdocumentid|.*\.description|"
    r".*\.comment|.*\.title|xpcomment|xpauthor|xpsubject|xptitle|xpkeywords|label|"
    r"makernote.*|makernotes)$",
    re.I,
)
_GPS_PARTS = ("GPSLatitude", "GPSLongitude", "GPSLatitudeRef", "GPSLongitudeRef")
# Values that reveal nothing (zeroed dates, empty strings).
_EMPTY = {"", "0000:00:00 00:00:00", "0000:00:00", "(none)", "unknown"}
# ffprobe tags every file has that identify no one.
_BENIGN_TAGS = {
    "major_brand",
    "minor_version",
    "compatible_brands",
    "handler_name",
    "vendor_id",
    "language",
    "duration",
}


def exiftool_read_argv(path: str) -> list[str]:
    """Every tag exiftool finds, grouped by where it sits (``-G1``), numbers as numbers (``-n``:
    GPS in signed degrees). ``-fast`` stops before a JPEG's trailer but still walks an MP4's
    atoms (a phone's ``moov`` with its ``©xyz`` sits after the media data: ``-fast2`` misses
    it); exiftool seeks past the media data instead of reading it, so a long video costs a few
    reads."""
    return ["exiftool", "-json", "-G1", "-n", "-fast", "-charset", "filename=utf8", "--", path]


def exiftool_strip_argv(path: str) -> list[str]:
    """Remove every tag from an image in place: EXIF (GPS, make, model, serials, the maker
    notes), XMP, IPTC, Photoshop, comments, JPEG/PNG/WebP/GIF text; the ICC colour profile is
    kept (removing it changes the colours; it names a colour space, not a person or device)."""
    return ["exiftool", "-q", "-q", "-overwrite_original", "-all=", "--icc_profile:all", "--", path]


def mat2_argv(path: str) -> list[str]:
    """mat2's lightweight mode: a PDF re-rendered page by page with its text and vectors kept,
    and nothing else (no Info dictionary, no XMP, no previous revisions). Writes
    ``<stem>.cleaned.pdf`` beside it."""
    return ["mat2", "--lightweight", "--", path]


def qpdf_rewrite_argv(src: str, dst: str) -> list[str]:
    """qpdf rewrites the cleaned PDF with a correct cross-reference table (cairo's, as mat2
    writes it, is flagged by some readers); qpdf copies only the objects reachable from the
    trailer, so nothing dropped comes back."""
    return ["qpdf", "--object-streams=preserve", src, dst]


# Orientation (EXIF 1-8) → the ffmpeg filter that draws the picture upright.
ORIENTATION_FILTERS = {
    2: "hflip",
    3: "hflip,vflip",
    4: "vflip",
    5: "transpose=0",
    6: "transpose=1",
    7: "transpose=3",
    8: "transpose=2",
}

# Output of the re-encode of an image that must be turned: the muxer and encoder options.
_IMAGE_OUTPUTS = {
    "jpg": ["-q:v", "2", "-f", "image2", "-update", "1"],
    "png": ["-c:v", "png", "-f", "image2", "-update", "1"],
    "webp": ["-c:v", "libwebp", "-lossless", "1", "-f", "webp"],
    "gif": ["-f", "gif"],
}


def image_upright_argv(*, src: str, dst: str, orientation: int, ext: str) -> list[str]:
    """Re-encode an image with its EXIF orientation applied (the result needs none)."""
    return [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-y",
        "-v",
        "error",
        # The turn is ours: ffmpeg 7 and newer would also apply the EXIF orientation itself.
        "-noautorotate",
        *input_args(src),
        "-map",
        "0:v:0",
        "-vf",
        ORIENTATION_FILTERS[orientation],
        *CLEAN_OUTPUT,
        *_IMAGE_OUTPUTS[ext],
        dst,
    ]


def remux_argv(*, src: str, dst: str, kind: str, reencode: bool = False) -> list[str]:
    """The clean download copy of a video (MP4) or audio (M4A) upload: its first video and
    audio streams, copied as they are (``reencode``: H.264/AAC, when they cannot go into MP4),
    without any metadata, chapters, data, attachment or subtitle streams."""
    maps = ["-map", "0:v:0?", "-map", "0:a:0?"] if kind == "video" else ["-map", "0:a:0"]
    if not reencode:
        codecs = ["-c", "copy"]
    elif kind == "video":
        codecs = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
        codecs += ["-c:a", "aac", "-b:a", "192k"]
    else:
        codecs = ["-c:a", "aac", "-b:a", "192k"]
    return [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-y",
        "-v",
        "error",
        *input_args(src),
        *maps,
        *codecs,
        *CLEAN_OUTPUT,
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        dst,
    ]


def exiftool_tags(text: str) -> dict[str, object]:
    """exiftool's ``-json -G1`` answer as one ``{"Group:Tag": value}`` dict."""
    try:
        data = json.loads(text or "[]")
    except json.JSONDecodeError:
        return {}
    return data[0] if data and isinstance(data[0], dict) else {}


def iso6709(text: str) -> tuple[float, float] | None:
    """``+48.8584+002.2945/`` (QuickTime's ``©xyz``, Android's ``location``) → (lat, lon)."""
    match = re.match(r"^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)", text or "")
    if not match:
        return None
    return float(match.group(1)), float(match.group(2))


def group_of(name: str, *, family: str = "") -> str | None:
    """The ``metadata_found`` group of a tag, ``None`` for a tag that identifies nothing."""
    bare = name.split(":")[-1]
    if family == "PDF" and bare.lower() == "creator":
        return "software"  # a PDF's Creator is the application that made it
    if _SERIAL.match(bare):
        return "serial"
    if _LOCATION.match(bare):
        return "location"
    if _DEVICE.match(bare):
        return "device"
    if _AUTHOR.match(bare):
        return "author"
    if _SOFTWARE.match(bare):
        return "software"
    if _CREATED.match(bare):
        return "created"
    if _OTHER.match(bare):
        return "other identifying"
    return None


def _value(raw) -> str:
    if isinstance(raw, list):
        return ", ".join(str(v) for v in raw)
    return str(raw)


def found_from_exiftool(text: str) -> list[dict]:
    """The identifying items of exiftool's answer, each ``{"group", "name", "value"}``; a GPS
    position is one ``location`` item with ``lat`` and ``lon`` numbers."""
    tags = exiftool_tags(text)
    items: list[dict] = []
    lat, lon = tags.get("Composite:GPSLatitude"), tags.get("Composite:GPSLongitude")
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        items.append(_position("GPS position", lat, lon))
    for key, raw in tags.items():
        family, _, name = key.rpartition(":")
        skipped = family in _SKIP_GROUPS or family.startswith(_SKIP_GROUPS_PREFIX) or not name
        if skipped and key != "File:Comment":  # a JPEG's COM segment: the camera's or a tool's
            continue
        has_position = bool(items) and "lat" in items[0]
        if (name in _GPS_PARTS and has_position) or name == "GPSVersionID":
            continue
        value = _value(raw)
        if value.strip() in _EMPTY:
            continue
        group = group_of(name, family=family)
        if group is None:
            continue
        if family == "File" and value.startswith("Lavc"):
            continue  # ffmpeg's own comment
        item = {"group": group, "name": f"{family}:{name}", "value": value[:500]}
        if group == "location" and isinstance(raw, str) and (pos := iso6709(raw)):
            item["lat"], item["lon"] = pos
        items.append(item)
    return items


def found_from_ffprobe(data: dict) -> list[dict]:
    """The identifying tags ffprobe reports (container and streams), for files exiftool is not
    run on (an S3-stored video is read over HTTP by ffprobe only)."""
    items: list[dict] = []
    sections = [("format", (data.get("format") or {}).get("tags") or {})]
    for stream in data.get("streams") or []:
        sections.append((f"stream{stream.get('index', '')}", stream.get("tags") or {}))
    for where, tags in sections:
        for key, raw in tags.items():
            base = key.split("-")[0]  # location-eng → location
            if base.lower() in _BENIGN_TAGS:
                continue
            value = str(raw)
            if value.strip() in _EMPTY:
                continue
            group = group_of(base)
            if group is None:
                continue
            item = {"group": group, "name": f"{where}:{key}", "value": value[:500]}
            if group == "location" and (pos := iso6709(value)):
                item["lat"], item["lon"] = pos
            items.append(item)
    return items


def _position(name: str, lat: float, lon: float) -> dict:
    return {
        "group": "location",
        "name": name,
        "value": f"{lat:.6f}, {lon:.6f}",
        "lat": round(float(lat), 6),
        "lon": round(float(lon), 6),
    }


def mark_removed(found: list[dict], left: list[dict]) -> list[dict]:
    """``found`` with ``removed`` set: true unless the public copy (``left``: what the same
    reading found in it) still carries the same value under the same tag name."""
    kept = {(i["name"].split(":")[-1].lower(), i["value"]) for i in left}
    kept_values = {i["value"] for i in left}
    out = []
    for item in found:
        bare = item["name"].split(":")[-1].lower()
        still = (bare, item["value"]) in kept or (
            item["group"] in ("location", "serial", "author") and item["value"] in kept_values
        )
        out.append({**item, "removed": not still})
    return out


def sort_found(items: list[dict]) -> list[dict]:
    """Group order of :data:`GROUPS`, one item per (name, value)."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in items:
        key = (item["name"], item["value"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return sorted(unique, key=lambda i: GROUPS.index(i["group"]))
