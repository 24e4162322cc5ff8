"""Pure helpers around ffmpeg and ffprobe: build argv lists, parse ffprobe JSON, plan the ladder.

Nothing here runs a process, touches the database or reads settings: callers pass every value,
so each function is tested with plain data. The command shapes follow the measurements in
``docs/performance.md`` (decode once, ``split`` + ``scale`` into N x264 encoders, keyframes forced
on a fixed cadence so that every rendition cuts its segments at the same instants).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction

from botocore.httpsession import get_cert_path

from media_app.encoding.runner import is_url


class BadInput(Exception):
    """The upload cannot be encoded; the message is shown to people as it is."""


# Containers ffprobe reports for still images (``image2`` plus the ``*_pipe`` demuxers).
IMAGE_FORMATS = {"image2", "gif", "apng", "webp_pipe", "png_pipe", "jpeg_pipe", "bmp_pipe"}
IMAGE_CODECS = {"mjpeg", "png", "gif", "webp", "bmp", "tiff", "apng", "jpegxl"}

# Frame-size limits: below a 16 px side nothing is watchable; above 8K (and beyond H.264 level 6.2)
# decoding a single frame costs hundreds of MB, so such files are refused before any decode.
MIN_SIDE = 16
MAX_SIDE = 8192
MAX_FPS = 60


@dataclass(frozen=True)
class VideoStream:
    codec: str
    width: int  # as displayed: rotation already applied
    height: int
    fps: Fraction
    pix_fmt: str
    rotation: int
    bitrate: int
    frames: int | None
    profile: str = ""
    level: int = 0  # H.264 level_idc as ffprobe reports it: 42 for 4.2
    sar: str = ""
    field_order: str = ""
    r_fps: Fraction = Fraction(0)  # the stream's base rate; equals ``fps`` for constant rate


@dataclass(frozen=True)
class Probe:
    """What ffprobe says about a file, reduced to what the pipeline decides on."""

    format_name: str
    duration: float
    size: int
    bitrate: int
    video: VideoStream | None
    has_audio: bool
    audio_codec: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_image(self) -> bool:
        if self.video is None:
            return False
        if self.format_name in IMAGE_FORMATS:
            return True
        return self.video.codec in IMAGE_CODECS and (self.video.frames or 0) <= 1


# Demuxers an upload may be read with. ffmpeg picks its demuxer from the content, and some
# demuxers open whatever other files or URLs the content names (hls, dash, ...): a playlist behind
# an ID3 tag passes a magic-bytes sniff as MP3, and ffprobe would then fetch every path or URL it
# lists (a private original, an internal address). Only formats that carry their own data are
# allowed, over the file protocol only; everything else is refused with a readable reason.
INPUT_DEMUXERS = (
    "mov",  # mov,mp4,m4a,3gp,3g2,mj2 (and HEIF/AVIF stills)
    "matroska",  # matroska,webm
    "avi",
    "asf",
    "flv",
    "mpeg",
    "mpegts",
    "mp3",
    "aac",
    "ogg",
    "flac",
    "wav",
    "aiff",
    "amr",
    "image2",
    "png_pipe",
    "jpeg_pipe",
    "webp_pipe",
    "bmp_pipe",
    "tiff_pipe",
    "gif",
    "apng",
)
NOT_ALLOWED = "Format not on whitelist"
# What a file that names other files or addresses shows in its first bytes (HLS, ffconcat, XML
# manifests, PLS): a refused format without any of them is just not media we read.
REFERENCE_MARKERS = (b"#extm3u", b"#extinf", b"ffconcat", b"<?xml", b"[playlist]", b"://")


# Reading over HTTP (S3 mode: ``media_app.storage.ffmpeg_source`` hands out a presigned GET URL
# of the original). ffmpeg asks for ``Range: bytes=N-`` and, as the bucket answers 206, seeks
# with a new ranged request on the kept-alive connection instead of reading the whole object
# first. A connection dropped mid-read, or a 5xx, is picked up where it stopped after ffmpeg's
# own short backoff (it gives up once the next wait would pass 4 s); a longer outage, or a server
# that cannot be reached at all, fails the tool, and the step is retried with the encoding
# tasks' own backoff (see ``storage.check_readable``). A server silent for 60 s is an error
# rather than a step hanging until its time limit. No redirect is followed: a presigned URL
# never leads elsewhere.
HTTP_INPUT_OPTIONS = (
    "-reconnect",
    "1",
    "-reconnect_on_http_error",
    "5xx",
    "-reconnect_delay_max",
    "4",
    "-multiple_requests",
    "1",
    "-max_redirects",
    "0",
    "-rw_timeout",
    "60000000",
)


def ca_bundle() -> str:
    """The CA certificates an HTTPS read checks the server against: boto3's own default
    (``AWS_CA_BUNDLE``, else the bundle botocore ships or certifi's), so ffmpeg trusts the
    bucket exactly when the app's S3 client does."""
    return os.environ.get("AWS_CA_BUNDLE") or get_cert_path(True)


def input_args(path: str) -> list[str]:
    """``-i path`` with the demuxer and protocol allow-lists (see :data:`INPUT_DEMUXERS`)."""
    return [*_input_limits(path), "-i", path]


def _input_limits(path: str) -> list[str]:
    formats = ["-format_whitelist", ",".join(INPUT_DEMUXERS)]
    if not is_url(path):
        return ["-protocol_whitelist", "file", *formats]
    # Only the protocols this one URL needs: still no file, no playlist protocol, and the
    # demuxers that would open further URLs stay refused by the format list.
    if path.startswith("https://"):
        tls = ["-tls_verify", "1", "-ca_file", ca_bundle()]
        return ["-protocol_whitelist", "https,tls,tcp", *formats, *HTTP_INPUT_OPTIONS, *tls]
    return ["-protocol_whitelist", "http,tcp", *formats, *HTTP_INPUT_OPTIONS]


def probe_argv(path: str) -> list[str]:
    return [
        "ffprobe",
        *_input_limits(path),
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        # The file's own chapters (MP4/MKV), for Media.chapters (services/chapters.py).
        "-show_chapters",
        path,
    ]


def _fraction(raw: str | None) -> Fraction:
    try:
        value = Fraction(raw or "0")
    except (ValueError, ZeroDivisionError):
        return Fraction(0)
    return value


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(float(side["rotation"])) % 360
    return int(float((stream.get("tags") or {}).get("rotate", 0) or 0)) % 360


def _int(raw, default: int = 0) -> int:
    try:
        return int(float(raw))
    except (TypeError, ValueError):
        return default


def parse_probe(text: str) -> Probe:
    """Reduce ffprobe's JSON to a :class:`Probe`; raises :class:`BadInput` when it is useless."""
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise BadInput("The file could not be read as media.") from exc
    return parse_probe_data(data)


def parse_probe_data(data: dict) -> Probe:
    """:func:`parse_probe` for JSON already decoded (as stored in ``Media.media_info``)."""
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    video = None
    audio = None
    for stream in streams:
        kind = stream.get("codec_type")
        disposition = stream.get("disposition") or {}
        if kind == "video" and video is None and not disposition.get("attached_pic"):
            video = stream
        elif kind == "audio" and audio is None:
            audio = stream
    vs = None
    if video is not None:
        rotation = _rotation(video)
        width, height = _int(video.get("width")), _int(video.get("height"))
        if rotation in (90, 270):
            width, height = height, width
        fps = _fraction(video.get("avg_frame_rate")) or _fraction(video.get("r_frame_rate"))
        frames = video.get("nb_frames")
        vs = VideoStream(
            codec=video.get("codec_name", ""),
            width=width,
            height=height,
            fps=fps,
            pix_fmt=video.get("pix_fmt", ""),
            rotation=rotation,
            bitrate=_int(video.get("bit_rate")),
            frames=_int(frames) if frames is not None else None,
            profile=video.get("profile", ""),
            level=_int(video.get("level")),
            sar=video.get("sample_aspect_ratio", ""),
            field_order=video.get("field_order", ""),
            r_fps=_fraction(video.get("r_frame_rate")),
        )
    duration = float(fmt.get("duration") or 0) or max(
        (float(s.get("duration") or 0) for s in streams), default=0.0
    )
    return Probe(
        format_name=(fmt.get("format_name") or "").split(",")[0],
        duration=duration,
        size=_int(fmt.get("size")),
        bitrate=_int(fmt.get("bit_rate")),
        video=vs,
        has_audio=audio is not None,
        audio_codec=(audio or {}).get("codec_name", ""),
        raw=data,
    )


def probe_error_reason(stderr: str, head: bytes = b"") -> str:
    """A sentence a person can act on, from ffprobe's complaint and the file's first bytes."""
    text = (stderr or "").strip()
    detail = text.splitlines()[-1] if text else ""
    # ffprobe picks the MP4 demuxer from a .mp4 name even for text or noise; only a real MP4
    # starts with an ftyp box, and only that one is "incomplete".
    looks_mp4 = head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
    if "moov atom not found" in text and not looks_mp4:
        return "The file is not a video, audio or image that can be read."
    if "moov atom not found" in text:
        return (
            "The file is incomplete or corrupt: its index (moov atom) is missing. Upload it again."
        )
    if NOT_ALLOWED in text:
        if any(marker in head.lower() for marker in REFERENCE_MARKERS):
            return (
                "Files of this format are not accepted: it refers to other files or addresses "
                "instead of holding the media itself (a playlist, for instance)."
            )
        # Noise can sniff as some rare format ffprobe is not allowed to open.
        return "The file is not a video, audio or image in a format that can be read."
    if "Invalid data found" in text:
        return "The file is not a video, audio or image that can be read."
    return f"The file could not be read as media ({detail[:200] or 'unknown error'})."


def classify(probe: Probe) -> str:
    """``video``, ``audio`` or ``image`` from the streams; raises :class:`BadInput` otherwise."""
    if probe.video is None:
        if probe.has_audio:
            if probe.duration <= 0:
                raise BadInput("The audio track is empty.")
            return "audio"
        raise BadInput("The file holds no video or audio stream.")
    v = probe.video
    if v.width <= 0 or v.height <= 0:
        raise BadInput("The video stream has no picture size.")
    if min(v.width, v.height) < MIN_SIDE:
        raise BadInput(
            f"The picture is too small ({v.width}x{v.height}); each side needs {MIN_SIDE} px."
        )
    if max(v.width, v.height) > MAX_SIDE:
        raise BadInput(
            f"The picture is too large ({v.width}x{v.height}); the limit is {MAX_SIDE} px a side."
        )
    if probe.is_image:
        return "image"
    if probe.duration <= 0:
        raise BadInput("The video has no duration: it is empty or its index is broken.")
    return "video"


# --- the ladder ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    """One rendition: its name in the HLS tree, picture size and bitrate cap."""

    name: str
    height: int
    width: int
    max_kbps: int
    profile_id: int | None = None
    copy: bool = False  # packaged from the source's own video stream, not encoded


def scaled_width(src_w: int, src_h: int, height: int) -> int:
    """Width ffmpeg's ``scale=-2:H`` gives: the aspect kept, rounded to an even number."""
    # Half rounds up, as ffmpeg's av_rescale does (Python's round() would go to even).
    return max(2, math.floor(src_w * height / (src_h * 2) + 0.5) * 2)


def plan_ladder(
    *, width: int, height: int, profiles: list[tuple[int, int, int | None]]
) -> list[Rung]:
    """Rungs for a source of ``width``x``height`` (as displayed).

    ``profiles`` holds ``(height, max_kbps, profile_id)``. No rung is taller than the source; the
    lowest rung is kept even for a smaller source (scaled to the source's height instead), so every
    video gets at least one rendition.
    """
    ordered = sorted(profiles)
    if not ordered:
        raise ValueError("no encode profile is active")
    rungs = [
        Rung(f"{h}p", h, scaled_width(width, height, h), kbps, pid)
        for h, kbps, pid in ordered
        if h <= height
    ]
    if not rungs:
        h, kbps, pid = ordered[0]
        even = max(2, height - height % 2)
        rungs = [Rung(f"{h}p", even, scaled_width(width, height, even), kbps, pid)]
    return rungs


def output_fps(fps: Fraction) -> Fraction:
    """Frame rate of the renditions: the source's, capped, and 30 when it is unknown."""
    if fps <= 0 or fps > 1000:
        return Fraction(30)
    return min(fps, Fraction(MAX_FPS)).limit_denominator(1001)


def keyframe_expr(segment_seconds: int) -> str:
    return f"expr:gte(t,n_forced*{segment_seconds})"


def codecs_attr(level: str = "4.2", *, audio: bool = True) -> str:
    """RFC 6381 CODECS for H.264 Main at ``level`` (what ``-profile:v main -level`` writes)."""
    level_idc = round(float(level) * 10)
    video = f"avc1.4d40{level_idc:02x}"
    return f"{video},mp4a.40.2" if audio else video


def codecs_from_avcc(data: bytes) -> str | None:
    """``avc1.PPCCLL`` from the ``avcC`` box in an MP4 init segment (profile, flags, level).

    A copied rendition keeps the source's profile and level, so its CODECS is read from what
    was written rather than assumed.
    """
    at = data.find(b"avcC")
    if at < 0 or len(data) < at + 8 or data[at + 4] != 1:
        return None
    return "avc1." + data[at + 5 : at + 8].hex()


# --- remuxing a web-ready source ---------------------------------------------------------------

# What browsers' MSE and native HLS decode everywhere (Constrained Baseline, Main, High; 8-bit
# 4:2:0, progressive, up to level 4.2, the level our own renditions are written at).
REMUX_PROFILES = {"Constrained Baseline", "Main", "High"}
REMUX_MAX_LEVEL = 42
REMUX_CONTAINERS = {"mov"}  # MP4/MOV: exact timestamps (MKV's are rounded to the millisecond)
# Our encodes use bufsize = 2 x maxrate: over one segment of S seconds a capped encode can put at
# most cap * (S + 2) bits; a copied segment must not hold more.
BUFSIZE_SECONDS = 2


def remux_candidate(probe: Probe, rungs: list[Rung]) -> tuple[Rung | None, str]:
    """The rung the source's video stream could be, as it is, and why (or why not).

    Only what the stream header tells (its average bitrate included); the keyframes and the
    bitrate over time are checked by :func:`remux_check` on the packets.
    """
    v = probe.video
    if v is None:
        return None, "no video stream"
    if probe.format_name not in REMUX_CONTAINERS:
        return None, f"container {probe.format_name or 'unknown'} (MP4/MOV only)"
    if v.codec != "h264":
        return None, f"codec {v.codec}"
    if v.pix_fmt != "yuv420p":
        return None, f"pixel format {v.pix_fmt}"
    if v.profile not in REMUX_PROFILES:
        return None, f"profile {v.profile or 'unknown'}"
    if not 0 < v.level <= REMUX_MAX_LEVEL:
        return None, f"level {v.level / 10:g}"
    if v.rotation:
        return None, f"rotated {v.rotation} degrees"
    if v.sar not in ("", "1:1", "0:1"):
        return None, f"non-square pixels ({v.sar})"
    if v.field_order not in ("", "progressive", "unknown"):
        return None, f"interlaced ({v.field_order})"
    if v.fps <= 0 or v.fps != v.r_fps or output_fps(v.fps) != v.fps:
        return None, f"frame rate {float(v.fps):g} (not constant, or above {MAX_FPS})"
    if probe.has_audio and probe.audio_codec != "aac":
        return None, f"audio codec {probe.audio_codec}"
    rung = next((r for r in rungs if (r.width, r.height) == (v.width, v.height)), None)
    if rung is None:
        return None, f"{v.width}x{v.height} is not a ladder size"
    # The stream's own average (from its size and duration) settles most uploads at once,
    # without reading every packet: phone video is usually far above the caps.
    if v.bitrate > rung.max_kbps * 1000:
        return None, f"{v.bitrate // 1000} kb/s is above the {rung.max_kbps} kb/s cap"
    return rung, "web-ready H.264"


def packets_argv(path: str) -> list[str]:
    """Every packet of the first video stream: presentation time, size, flags (CSV)."""
    return [
        "ffprobe",
        *_input_limits(path),
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "packet=pts_time,size,flags",
        "-of",
        "csv=p=0",
        path,
    ]


@dataclass(frozen=True)
class Packet:
    pts: float
    size: int
    key: bool


def parse_packets(text: str) -> list[Packet]:
    """Packets from :func:`packets_argv`'s output; ones without a timestamp are skipped."""
    packets = []
    for line in text.splitlines():
        parts = line.strip().split(",")
        if len(parts) < 3 or parts[0] in ("", "N/A"):
            continue
        try:
            packets.append(Packet(float(parts[0]), int(parts[1]), "K" in parts[2]))
        except ValueError:
            continue
    return packets


def remux_check(
    packets: list[Packet], *, fps: Fraction, segment_seconds: int, max_kbps: int
) -> tuple[bool, str]:
    """Whether a stream with these packets can be a rendition as it is.

    The HLS muxer cuts a copied stream at its first keyframe at or after each multiple of the
    segment length (counted from the first packet), and the encoded rungs have a keyframe forced
    on the first frame at or after the same instants. So each of those instants needs a source
    keyframe no later than one frame after it; otherwise the copied rendition's segments would
    not line up with the others' and players could not switch between them. The bitrate must
    stay under the rung's cap on average, and no segment may exceed what a capped encode can
    reach (see ``BUFSIZE_SECONDS``).
    """
    if not packets or fps <= 0:
        return False, "no video packets"
    start = packets[0].pts
    frame = float(1 / fps)
    end = max(p.pts for p in packets) + frame
    keys = sorted(p.pts - start for p in packets if p.key)
    if not keys or abs(keys[0]) > 1e-3:
        return False, "the first packet is not a keyframe"
    eps = 1e-4
    n = 1
    while n * segment_seconds < end - frame / 2:
        grid = n * segment_seconds
        after = next((k for k in keys if k >= grid - eps), None)
        if after is None or after > grid + frame + eps:
            return False, f"no keyframe within one frame after {grid} s"
        n += 1
    duration = end - start
    total_kbps = sum(p.size for p in packets) * 8 / duration / 1000
    if total_kbps > max_kbps:
        return False, f"{total_kbps:.0f} kb/s is above the {max_kbps} kb/s cap"
    per_segment: dict[int, int] = {}
    for p in packets:
        index = int((p.pts - start + eps) // segment_seconds)
        per_segment[index] = per_segment.get(index, 0) + p.size
    limit = max_kbps * (segment_seconds + BUFSIZE_SECONDS) * 1000 / 8
    worst = max(per_segment.values())
    if worst > limit:
        peak = worst * 8 / segment_seconds / 1000
        return False, f"a segment peaks at {peak:.0f} kb/s, above what the cap allows"
    return True, f"{total_kbps:.0f} kb/s, keyframes on the {segment_seconds} s grid"


@dataclass(frozen=True)
class EncodeOptions:
    preset: str
    crf: int
    segment_seconds: int
    threads: int
    audio_kbps: int = 128
    level: str = "4.2"


def _x264_common(opts: EncodeOptions, fps: Fraction, spec: str = "v") -> list[str]:
    """x264 options for the output streams ``spec`` selects (``v``: every video stream)."""
    # x264 counts keyint in frames; scene cuts are off so that forced keyframes are the only ones
    # and every rung (and every chunk) cuts its segments at the same instants.
    keyint = max(1, round(fps * opts.segment_seconds * 2))
    return [
        f"-c:{spec}",
        "libx264",
        f"-pix_fmt:{spec}",
        "yuv420p",
        f"-preset:{spec}",
        opts.preset,
        f"-crf:{spec}",
        str(opts.crf),
        f"-profile:{spec}",
        "main",
        f"-level:{spec}",
        opts.level,
        f"-force_key_frames:{spec}",
        keyframe_expr(opts.segment_seconds),
        f"-x264-params:{spec}",
        f"scenecut=0:open_gop=0:keyint={keyint}",
    ]


def _video_args(opts: EncodeOptions, rungs: list[Rung], fps: Fraction) -> list[str]:
    """Per output stream: a copied rung is ``-c:v:i copy``; the others get x264 and their cap.

    Every option names its stream (``:v:i``): an encoder option given to all video streams
    would also be applied to a copied one, and ffmpeg refuses that.
    """
    args: list[str] = []
    threads = iter(encoder_threads([r for r in rungs if not r.copy], opts.threads))
    for i, rung in enumerate(rungs):
        if rung.copy:
            args += [f"-c:v:{i}", "copy"]
            continue
        args += _x264_common(opts, fps, f"v:{i}")
        args += [f"-maxrate:v:{i}", f"{rung.max_kbps}k", f"-bufsize:v:{i}", f"{rung.max_kbps * 2}k"]
        args += [f"-threads:v:{i}", str(next(threads))]
    return args


# See :func:`encoder_threads`.
MIN_ENCODER_THREADS = 2


def _filter_graph(rungs: list[Rung], fps: Fraction, *, setsar: bool = True) -> str:
    """Decode once, then scale in a cascade into ``[o0]``, ``[o1]``... (one per rung given).

    The tallest rung is scaled from the decoded source and every other rung from the next taller
    one, so each scaler reads a picture at most one rung larger than its output instead of the
    full source: on a 1080p source the four scalers read 1.6 Mpx a frame instead of 8.3 Mpx (see
    ``docs/performance.md``). The labels follow the order of ``rungs``.
    """
    sar = ",setsar=1" if setsar else ""
    order = sorted(range(len(rungs)), key=lambda i: rungs[i].height, reverse=True)
    parts = []
    for step, i in enumerate(order):
        head = f"[0:v:0]fps={fps.numerator}/{fps.denominator}," if step == 0 else f"[c{step}]"
        tail = f",split=2[o{i}][c{step + 1}]" if step + 1 < len(order) else f"[o{i}]"
        parts.append(f"{head}scale={rungs[i].width}:{rungs[i].height}{sar}{tail}")
    return ";".join(parts)


def encoder_threads(rungs: list[Rung], threads: int) -> list[int]:
    """x264 threads of each rung in one ffmpeg, from the process's budget of ``threads``.

    Left to itself every x264 encoder starts 1.5 threads per core of the machine, so five rungs
    in one process run fifteen frame threads on two cores, each holding frames in memory. Here
    the process as a whole gets x264's rule applied to its budget (1.5 threads per thread of
    ``threads``), shared by picture area (an encoder's work grows with it), and each rung gets at
    least two: ffmpeg 5.1 calls its encoders one after another from one thread, and an encoder
    with a single thread would encode inside that call, stalling the decode and every other rung.
    ffmpeg 7 and newer give every encoder a thread of its own; there this budget and one thread
    per rung measured the same (both in ``docs/performance.md``).
    """
    budget = max(1, math.ceil(1.5 * threads))
    areas = [r.width * r.height for r in rungs]
    total = sum(areas) or 1
    return [max(MIN_ENCODER_THREADS, round(budget * a / total)) for a in areas]


def _common_head(threads: int) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error", "-threads", str(threads)]


# Every output the public can fetch carries nothing of the upload but its pictures and sound
# (issue 15, docs/provenance.md "1. Source protection"): no global, stream or chapter metadata
# (an uploader's ``location``, ``artist``, ``comment``, creation time, device), no chapters, no
# data, attachment or subtitle streams; ``bitexact`` keeps the muxers (the HLS one's fMP4 init
# segments included) from writing more than the bare "Lavf" as the encoder's name.
CLEAN_OUTPUT = (
    "-map_metadata",
    "-1",
    "-map_chapters",
    "-1",
    "-dn",
    "-sn",
    "-fflags",
    "+bitexact",
)


def hls_args(*, segment_seconds: int, out_dir: str, var_stream_map: str) -> list[str]:
    return [
        *CLEAN_OUTPUT,
        "-f",
        "hls",
        "-hls_time",
        str(segment_seconds),
        # EVENT while encoding: players may start on the first segments; closed as VOD at the end.
        "-hls_playlist_type",
        "event",
        "-hls_segment_type",
        "fmp4",
        "-hls_fmp4_init_filename",
        "init.mp4",
        "-hls_flags",
        "independent_segments+temp_file",
        "-master_pl_name",
        "ffmpeg-master.m3u8",
        "-var_stream_map",
        var_stream_map,
        "-hls_segment_filename",
        f"{out_dir}/%v/seg_%05d.m4s",
        f"{out_dir}/%v/index.m3u8",
    ]


def ladder_hls_argv(
    *,
    src: str,
    out_dir: str,
    rungs: list[Rung],
    fps: Fraction,
    with_audio: bool,
    opts: EncodeOptions,
) -> list[str]:
    """One ffmpeg: decode once, ``split`` to every rung, write fMP4 HLS for all of them.

    A rung marked ``copy`` takes the source's video stream as it is (see :func:`remux_check`);
    the others are still encoded from the single decode. Audio is encoded once into its own
    rendition that every video variant refers to.
    Progress goes to stdout (``-progress pipe:1``).
    """
    encoded = [r for r in rungs if not r.copy]
    argv = [*_common_head(opts.threads), *input_args(src)]
    if encoded:
        argv += ["-filter_complex", _filter_graph(encoded, fps)]
    outputs = iter(range(len(encoded)))
    for rung in rungs:
        argv += ["-map", "0:v:0" if rung.copy else f"[o{next(outputs)}]"]
    if with_audio:
        argv += ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{opts.audio_kbps}k", "-ac", "2"]
    argv += _video_args(opts, rungs, fps)
    streams = [
        f"v:{i},agroup:aud,name:{r.name}" if with_audio else f"v:{i},name:{r.name}"
        for i, r in enumerate(rungs)
    ]
    if with_audio:
        streams.append("a:0,agroup:aud,name:audio,default:yes")
    argv += ["-progress", "pipe:1", "-nostats"]
    argv += hls_args(
        segment_seconds=opts.segment_seconds, out_dir=out_dir, var_stream_map=" ".join(streams)
    )
    return argv


def audio_hls_argv(*, src: str, out_dir: str, opts: EncodeOptions) -> list[str]:
    """Audio-only media: one AAC stereo rendition in fMP4 HLS."""
    return [
        *_common_head(opts.threads),
        *input_args(src),
        "-map",
        "0:a:0",
        "-c:a",
        "aac",
        "-b:a",
        f"{opts.audio_kbps}k",
        "-ac",
        "2",
        "-progress",
        "pipe:1",
        "-nostats",
        *hls_args(
            segment_seconds=opts.segment_seconds,
            out_dir=out_dir,
            var_stream_map="a:0,name:audio",
        ),
    ]


# --- stills ---------------------------------------------------------------------------------


def frame_argv(*, src: str, dst: str, at: float, max_width: int, threads: int = 2) -> list[str]:
    """One JPEG frame at ``at`` seconds, at most ``max_width`` wide (never upscaled)."""
    # No seek at 0: seeking a still image (image2) yields no frame at all.
    seek = ["-ss", f"{at:.3f}"] if at > 0 else []
    return [
        *_common_head(threads),
        *seek,
        *input_args(src),
        "-map",
        "0:v:0",
        "-frames:v",
        "1",
        "-vf",
        f"scale='min({max_width},iw)':-2,setsar=1",
        "-q:v",
        "3",
        *CLEAN_OUTPUT,
        "-f",
        "image2",
        "-update",
        "1",
        dst,
    ]


def sprites_argv(
    *, src: str, dst: str, interval: float, columns: int, rows: int, tile_w: int, tile_h: int
) -> list[str]:
    """A sheet of ``columns`` x ``rows`` thumbnails, one every ``interval`` seconds."""
    graph = (
        f"fps=1/{interval:.4f},"
        f"scale={tile_w}:{tile_h}:force_original_aspect_ratio=decrease,"
        f"pad={tile_w}:{tile_h}:(ow-iw)/2:(oh-ih)/2,setsar=1,"
        f"tile={columns}x{rows}"
    )
    return [
        *_common_head(2),
        *input_args(src),
        "-map",
        "0:v:0",
        "-vf",
        graph,
        "-frames:v",
        "1",
        "-q:v",
        "4",
        *CLEAN_OUTPUT,
        "-f",
        "image2",
        "-update",
        "1",
        dst,
    ]


def preview_argv(*, src: str, dst: str, start: float, seconds: float, height: int) -> list[str]:
    """A short, silent, looping animated WebP for hover previews."""
    return [
        *_common_head(2),
        "-ss",
        f"{start:.3f}",
        "-t",
        f"{seconds:.3f}",
        *input_args(src),
        "-map",
        "0:v:0",
        "-an",
        "-vf",
        f"fps=8,scale=-2:'min({height},ih)'",
        "-c:v",
        "libwebp_anim",
        "-quality",
        "60",
        "-loop",
        "0",
        *CLEAN_OUTPUT,
        "-f",
        "webp",
        dst,
    ]


def pdf_page_argv(*, src: str, dst_stem: str, max_width: int) -> list[str]:
    """First page of a PDF as ``<dst_stem>.jpg`` (poppler-utils' pdftoppm)."""
    return [
        "pdftoppm",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        "-jpeg",
        "-scale-to-x",
        str(max_width),
        "-scale-to-y",
        "-1",
        src,
        dst_stem,
    ]


# --- chunked encoding ------------------------------------------------------------------------


def split_argv(*, src: str, pattern: str, chunk_seconds: int) -> list[str]:
    """Cut the video stream, without re-encoding, at the first keyframe after each boundary."""
    return [
        *_common_head(2),
        *input_args(src),
        "-map",
        "0:v:0",
        "-c",
        "copy",
        "-f",
        "segment",
        "-segment_time",
        str(chunk_seconds),
        "-reset_timestamps",
        "1",
        "-segment_list_type",
        "csv",
        "-segment_list",
        pattern.rsplit("/", 1)[0] + "/chunks.csv",
        pattern,
    ]


def chunk_encode_argv(
    *, src: str, outputs: list[str], rungs: list[Rung], fps: Fraction, opts: EncodeOptions
) -> list[str]:
    """Decode one chunk once; one video-only MP4 per rung (audio is encoded once, elsewhere)."""
    argv = [*_common_head(opts.threads), *input_args(src)]
    argv += ["-filter_complex", _filter_graph(rungs, fps)]
    threads = encoder_threads(rungs, opts.threads)
    for i, (out, rung) in enumerate(zip(outputs, rungs, strict=True)):
        caps = ["-maxrate", f"{rung.max_kbps}k", "-bufsize", f"{rung.max_kbps * 2}k"]
        argv += ["-map", f"[o{i}]", "-an", *_x264_common(opts, fps), *caps]
        argv += ["-threads", str(threads[i]), *CLEAN_OUTPUT, "-f", "mp4", out]
    return argv


def audio_encode_argv(*, src: str, dst: str, audio_kbps: int) -> list[str]:
    return [
        *_common_head(1),
        *input_args(src),
        "-map",
        "0:a:0",
        "-vn",
        "-c:a",
        "aac",
        "-b:a",
        f"{audio_kbps}k",
        "-ac",
        "2",
        *CLEAN_OUTPUT,
        "-f",
        "mp4",
        dst,
    ]


def concat_argv(*, list_file: str, dst: str) -> list[str]:
    return [
        *_common_head(2),
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        list_file,
        "-map",
        "0:v:0",
        "-c",
        "copy",
        *CLEAN_OUTPUT,
        "-f",
        "mp4",
        dst,
    ]


def package_argv(
    *, videos: list[str], audio: str | None, rungs: list[Rung], out_dir: str, segment_seconds: int
) -> list[str]:
    """Stream-copy finished per-rung MP4s (and one audio file) into fMP4 HLS."""
    argv = [*_common_head(2)]
    for v in videos:
        argv += ["-i", v]
    if audio:
        argv += ["-i", audio]
    for i in range(len(videos)):
        argv += ["-map", f"{i}:v:0"]
    if audio:
        argv += ["-map", f"{len(videos)}:a:0"]
    argv += ["-c", "copy"]
    streams = [
        f"v:{i},agroup:aud,name:{r.name}" if audio else f"v:{i},name:{r.name}"
        for i, r in enumerate(rungs)
    ]
    if audio:
        streams.append("a:0,agroup:aud,name:audio,default:yes")
    argv += hls_args(
        segment_seconds=segment_seconds, out_dir=out_dir, var_stream_map=" ".join(streams)
    )
    return argv


def sprite_grid(
    duration: float, *, max_tiles: int = 100, columns: int = 10
) -> tuple[float, int, int]:
    """``(interval, columns, rows)``: at most ``max_tiles`` frames spread over the video."""
    interval = max(1.0, duration / max_tiles)
    count = max(1, min(max_tiles, math.ceil(duration / interval)))
    cols = min(columns, count)
    return interval, cols, math.ceil(count / cols)
