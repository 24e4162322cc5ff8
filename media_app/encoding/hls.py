"""HLS playlists: the master playlist we write ourselves, and parsers for ours and ffmpeg's.

ffmpeg writes each rendition's media playlist; the master is ours so that it lists only
renditions that can already be played (early publishing) and always carries ``BANDWIDTH``,
``RESOLUTION`` and ``CODECS``.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass

AUDIO_GROUP = "aud"


@dataclass(frozen=True)
class Variant:
    uri: str
    bandwidth: int
    codecs: str
    resolution: tuple[int, int] | None = None
    average_bandwidth: int | None = None
    audio: str | None = None


@dataclass(frozen=True)
class Master:
    variants: list[Variant]
    audio_uri: str | None


def write_master(variants: list[Variant], *, audio_uri: str | None) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio_uri and any(v.resolution for v in variants):
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="audio",DEFAULT=YES,'
            f'AUTOSELECT=YES,URI="{audio_uri}"'
        )
    for v in variants:
        attrs = [f"BANDWIDTH={v.bandwidth}"]
        if v.average_bandwidth:
            attrs.append(f"AVERAGE-BANDWIDTH={v.average_bandwidth}")
        if v.resolution:
            attrs.append(f"RESOLUTION={v.resolution[0]}x{v.resolution[1]}")
        attrs.append(f'CODECS="{v.codecs}"')
        if v.audio:
            attrs.append(f'AUDIO="{v.audio}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), v.uri]
    return "\n".join(lines) + "\n"


_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def _attrs(raw: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _ATTR.findall(raw)}


def parse_master(text: str) -> Master:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise ValueError("not an HLS playlist")
    variants, audio_uri, pending = [], None, None
    for line in lines[1:]:
        if line.startswith("#EXT-X-MEDIA:"):
            attrs = _attrs(line.split(":", 1)[1])
            if attrs.get("TYPE") == "AUDIO":
                audio_uri = attrs.get("URI")
        elif line.startswith("#EXT-X-STREAM-INF:"):
            pending = _attrs(line.split(":", 1)[1])
        elif not line.startswith("#") and pending is not None:
            res = pending.get("RESOLUTION")
            variants.append(
                Variant(
                    uri=line,
                    bandwidth=int(pending["BANDWIDTH"]),
                    codecs=pending.get("CODECS", ""),
                    resolution=tuple(int(x) for x in res.split("x")) if res else None,
                    average_bandwidth=int(pending["AVERAGE-BANDWIDTH"])
                    if "AVERAGE-BANDWIDTH" in pending
                    else None,
                    audio=pending.get("AUDIO"),
                )
            )
            pending = None
    return Master(variants=variants, audio_uri=audio_uri)


@dataclass(frozen=True)
class MediaPlaylist:
    init: str | None
    segments: list[tuple[str, float]]
    ended: bool
    playlist_type: str | None

    @property
    def duration(self) -> float:
        return sum(d for _, d in self.segments)


def parse_media_playlist(text: str) -> MediaPlaylist:
    init, segments, ended, kind, pending = None, [], False, None, None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MAP:"):
            init = _attrs(line.split(":", 1)[1]).get("URI")
        elif line.startswith("#EXTINF:"):
            pending = float(line.split(":", 1)[1].split(",")[0])
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line.startswith("#EXT-X-PLAYLIST-TYPE:"):
            kind = line.split(":", 1)[1]
        elif line and not line.startswith("#") and pending is not None:
            segments.append((line, pending))
            pending = None
    return MediaPlaylist(init=init, segments=segments, ended=ended, playlist_type=kind)


def read_media_playlist(path: str) -> MediaPlaylist | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return parse_media_playlist(fh.read())
    except FileNotFoundError:
        return None


def as_vod(text: str) -> str:
    """Close an EVENT playlist ffmpeg finished: VOD type, so players may seek and cache it."""
    return text.replace("#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-PLAYLIST-TYPE:VOD")


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` in one step: a reader sees the old or the new file, never half of one."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".m3u8")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
