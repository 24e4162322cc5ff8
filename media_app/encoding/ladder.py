"""Assembling a ladder's HLS tree once ffmpeg has written it: the master playlist we list the
renditions in, early (as each becomes playable) and final (every rendition checked and closed).

Pure like the rest of this package: it reads and writes files under the ``out_dir`` it is given
and nothing else (no database, no storage backend, no settings: the audio bitrate is an argument).
The tree is ffmpeg's layout: ``<out_dir>/<rung name>/index.m3u8``, ``<out_dir>/audio/index.m3u8``
when there is an audio track, and our ``<out_dir>/master.m3u8``.
"""

from __future__ import annotations

import os

from media_app.encoding import ffmpeg, hls
from media_app.encoding.ffmpeg import BadInput, Rung
from media_app.encoding.files import tree_size

MASTER = "master.m3u8"
AUDIO = "audio"
AUDIO_PLAYLIST = f"{AUDIO}/index.m3u8"
AUDIO_CODECS = "mp4a.40.2"
# The master ffmpeg writes beside ours with -master_pl_name; never published.
FFMPEG_MASTER = "ffmpeg-master.m3u8"
# A decode that stops short of this share of the probed duration means a truncated file.
MIN_DECODED_SHARE = 0.9
# Container overhead on top of the stated bitrates in BANDWIDTH.
OVERHEAD = 1.1

#: ``{rendition name: (size in bytes, average bits per second)}`` of a finished tree.
Stats = dict[str, tuple[int, int]]


def _playlist_path(out_dir: str, name: str) -> str:
    return os.path.join(out_dir, name, "index.m3u8")


def playable(out_dir: str, name: str) -> bool:
    """Whether the rendition ``name`` already lists a segment (a player can start on it)."""
    pl = hls.read_media_playlist(_playlist_path(out_dir, name))
    return bool(pl and pl.segments)


def ready_rungs(out_dir: str, rungs: list[Rung], *, with_audio: bool, listed: set[str]) -> set[str]:
    """Names of the rungs a master may list now: those ``listed`` already and those with a
    segment. Nothing new while the audio (which every video variant refers to) has none."""
    if with_audio and not playable(out_dir, AUDIO):
        return set(listed)
    return {r.name for r in rungs if r.name in listed or playable(out_dir, r.name)}


def copied_codecs(rung: Rung, out_dir: str, *, with_audio: bool) -> str | None:
    """CODECS of a copied rendition, from the ``avcC`` box of the init segment ffmpeg wrote;
    ``None`` while that segment is missing or unreadable."""
    folder = os.path.join(out_dir, rung.name)
    pl = hls.read_media_playlist(os.path.join(folder, "index.m3u8"))
    if pl is None or not pl.init:
        return None
    try:
        with open(os.path.join(folder, pl.init), "rb") as fh:
            video = ffmpeg.codecs_from_avcc(fh.read(64 * 1024))
    except FileNotFoundError:
        return None
    if video is None:
        return None
    return f"{video},{AUDIO_CODECS}" if with_audio else video


def variant(
    rung: Rung,
    *,
    with_audio: bool,
    audio_kbps: int,
    average: int | None = None,
    out_dir: str = "",
) -> hls.Variant:
    """The master's entry for ``rung``; a copied rung's CODECS is read from ``out_dir``."""
    audio_bps = audio_kbps * 1000 if with_audio else 0
    codecs = copied_codecs(rung, out_dir, with_audio=with_audio) if rung.copy and out_dir else None
    return hls.Variant(
        uri=f"{rung.name}/index.m3u8",
        # Peak as ffmpeg states it: the cap plus audio, with 10 % for container overhead. A
        # copied rung was only chosen if its segments stay within the same bound.
        bandwidth=int((rung.max_kbps * 1000 + audio_bps) * OVERHEAD),
        average_bandwidth=average,
        codecs=codecs or ffmpeg.codecs_attr(audio=with_audio),
        resolution=(rung.width, rung.height),
        audio=hls.AUDIO_GROUP if with_audio else None,
    )


def audio_only_variant(*, audio_kbps: int, average: int | None) -> hls.Variant:
    """The single entry of an audio-only media's master."""
    return hls.Variant(
        uri=AUDIO_PLAYLIST,
        bandwidth=int(audio_kbps * 1000 * OVERHEAD),
        average_bandwidth=average or None,
        codecs=AUDIO_CODECS,
    )


def write_master(out_dir: str, variants: list[hls.Variant], *, audio: bool) -> None:
    """Replace ``master.m3u8`` atomically; ``audio`` adds the audio group the variants use."""
    hls.write_atomic(
        os.path.join(out_dir, MASTER),
        hls.write_master(variants, audio_uri=AUDIO_PLAYLIST if audio else None),
    )


def write_early_master(
    out_dir: str, rungs: list[Rung], *, with_audio: bool, audio_kbps: int
) -> list[hls.Variant]:
    """The master of the renditions playable so far (``rungs``, lowest first: players start on
    the first variant listed), written while ffmpeg still runs. Returns its variants."""
    variants = [
        variant(r, with_audio=with_audio, audio_kbps=audio_kbps, out_dir=out_dir) for r in rungs
    ]
    write_master(out_dir, variants, audio=with_audio)
    return variants


def close_rendition(out_dir: str, name: str, *, expect: float) -> tuple[int, int]:
    """Check the finished rendition ``name`` and close its playlist as VOD.

    Raises :class:`BadInput` when it has no segment, or when it covers less than
    :data:`MIN_DECODED_SHARE` of ``expect`` seconds (0: unknown, not checked). Returns its size
    in bytes and average bits per second.
    """
    path = _playlist_path(out_dir, name)
    pl = hls.read_media_playlist(path)
    if pl is None or not pl.segments:
        raise BadInput(f"The {name} rendition came out empty: the file is probably damaged.")
    if expect > 0 and pl.duration < expect * MIN_DECODED_SHARE:
        raise BadInput(
            f"The file is truncated or damaged: only {pl.duration:.1f} s of "
            f"{expect:.1f} s could be decoded."
        )
    with open(path, encoding="utf-8") as fh:
        hls.write_atomic(path, hls.as_vod(fh.read()))
    size = tree_size(os.path.join(out_dir, name))
    return size, int(size * 8 / pl.duration) if pl.duration else 0


def finalise(
    out_dir: str, rungs: list[Rung], *, with_audio: bool, expect: float, audio_kbps: int
) -> tuple[Stats, list[hls.Variant]]:
    """Close every rendition (:func:`close_rendition`, video rungs first, then the audio), write
    the final master with measured average bitrates, and remove ffmpeg's own master.

    ``rungs`` empty means an audio-only media: its master lists the audio playlist alone.
    Returns the renditions' stats and the master's variants.
    """
    names = [r.name for r in rungs] + ([AUDIO] if with_audio else [])
    stats = {name: close_rendition(out_dir, name, expect=expect) for name in names}
    audio_bps = stats[AUDIO][1] if with_audio else 0
    variants = [
        variant(
            r,
            with_audio=with_audio,
            audio_kbps=audio_kbps,
            average=stats[r.name][1] + audio_bps,
            out_dir=out_dir,
        )
        for r in rungs
    ]
    if not variants:
        variants = [audio_only_variant(audio_kbps=audio_kbps, average=audio_bps)]
    write_master(out_dir, variants, audio=with_audio and bool(rungs))
    ffmpeg_master = os.path.join(out_dir, FFMPEG_MASTER)
    if os.path.exists(ffmpeg_master):
        os.unlink(ffmpeg_master)
    return stats, variants
