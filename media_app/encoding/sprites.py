"""The WebVTT track that maps playback times to tiles of a sprite sheet (seek-bar thumbnails).

Pure: the sheet's layout (``ffmpeg.sprite_grid``) and tile size come in as arguments.
"""

from __future__ import annotations


def vtt(
    duration: float,
    interval: float,
    columns: int,
    count: int,
    image: str,
    *,
    tile: tuple[int, int],
) -> str:
    """One cue per tile, ``interval`` seconds each, read left to right and top to bottom from
    ``image``; tiles that would start at or after ``duration`` are left out, the last cue ends
    at ``duration``."""
    w, h = tile
    lines = ["WEBVTT", ""]
    for i in range(count):
        start, end = i * interval, min(duration, (i + 1) * interval)
        if start >= duration:
            break
        x, y = (i % columns) * w, (i // columns) * h
        lines += [f"{timestamp(start)} --> {timestamp(end)}", f"{image}#xywh={x},{y},{w},{h}", ""]
    return "\n".join(lines)


def timestamp(seconds: float) -> str:
    """``hh:mm:ss.mmm``, as WebVTT writes cue times (rounded to the millisecond)."""
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
