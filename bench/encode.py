"""Encoding benchmark: the MediaCMS way next to OpenPress's pipeline, on this machine, in one run.

For a generated 1080p30 clip with a beep track ("easy") and a noisy one ("hard"), it measures

(a) the MediaCMS way: one ffmpeg per rendition (240p first, as MediaCMS queues it), preset
    medium, CRF 23, maxrate = bufsize = 1.5 x the ladder bitrate, AAC in every rendition,
    ``+faststart`` MP4s, then HLS packaging of those MP4s (stream copy, fMP4);
(b) OpenPress end to end through its real tasks: a Media row made by the upload service, a real
    ``celery worker`` process on ``long_tasks``, PostgreSQL and Redis; at ENCODE_PRESET=medium
    (the same preset and CRF as (a)) and at the default preset;
(c) the chunked path (threshold lowered so that the clip is chunked) with one worker process and
    with two, to give the share of its serial part (cutting, audio, joining, packaging).

and prints wall time, CPU-seconds per second of video, peak memory, the time from the end of the
upload to the first playable segment, and per rendition the bitrate and SSIM against the source.

How each figure is taken:

* CPU: user + system time of child processes (``getrusage(RUSAGE_CHILDREN)`` after they are
  reaped). For (b) that is the whole worker process tree, ffmpeg included; the worker's own
  start-up CPU (read from /proc when it reports ready) is subtracted.
* Peak memory: for (a) ``ru_maxrss`` of each ffmpeg (``wait4``); for (b) /proc is polled every
  0.1 s for ffmpeg processes below the worker and their ``VmHWM`` (the kernel's own peak-RSS
  mark, so the polling interval does not lose the peak) is kept. The largest single ffmpeg is
  shown; with two workers the largest sum of concurrent ones is shown too.
* First playable: (b) the media's master playlist lists a rendition whose first segment exists
  (polled every 0.1 s from the end of the upload service call); (a) MediaCMS serves a finished
  rendition MP4 (faststart: playable only when complete), so it is the end of the first
  (240p) encode; the first HLS segment of (a) only exists after packaging, at the end.
* Foreign load: host CPU from /proc/stat over each run minus ours, as a share of all cores.
  Before each run the bench waits (up to --max-wait seconds) for the host to be quiet.

Usage::

    .venv/bin/python bench/encode.py            # 60-s 1080p clips (about 25 minutes on 2 cores)
    .venv/bin/python bench/encode.py --quick    # 10-s 480p clips, a smoke run
    .venv/bin/python bench/encode.py --realtime --repeat 3   # shared box: median of 3 rounds

DATABASE_URL: used if set (migrated, not dropped); otherwise a throwaway database
``op_bench_<pid>`` is created on BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432)
and dropped at the end. REDIS_URL: default redis://127.0.0.1:6379/14 (purged: it is the bench's).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_app.encoding.runner import resolve_ffmpeg  # noqa: E402 (after the path)

# (a) runs the very ffmpeg the product encodes with (FFMPEG_BINARY's rule), so the comparison is
# between the two ways, never between two builds of ffmpeg.
FFMPEG = resolve_ffmpeg(os.environ.get("FFMPEG_BINARY", ""))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1

# MediaCMS's ladder bitrates (kb/s) at <= 30 fps; its maxrate and bufsize are 1.5 x these.
MEDIACMS_LADDER = {240: 300, 360: 500, 480: 1000, 720: 2500, 1080: 4500}
BEEP = (
    "aevalsrc=exprs='if(lt(mod(t\\,1)\\,0.05)\\,0.8*sin(2*PI*1000*t)\\,0)':s=48000:c=stereo:d={d}"
)

RUN_COLUMNS = [
    "clip",
    "way",
    "preset",
    "wall s",
    "encode s",
    "x RT",
    "CPU s",
    "CPU s/s",
    "peak MB",
    "first play s",
    "foreign %",
]
REMUX_COLUMNS = ["clip", "ladder", "wall s", "CPU s", "CPU s/s", "peak MB", "foreign %"]
RENDITION_COLUMNS = ["clip", "way", "preset", "rung", "kb/s", "SSIM"]
CHUNK_COLUMNS = [
    "clip",
    "workers",
    "chunks",
    "wall s",
    "encode s",
    "cut s",
    "audio s",
    "join s",
    "package s",
    "serial s",
    "serial %",
    "peak MB",
    "foreign %",
]


# --- machine ------------------------------------------------------------------------------


def host_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole host since boot, from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    # guest time is already inside user; leave it out of the total.
    total = sum(ticks[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class LoadMeter:
    """Host CPU over a span, and the part of it that was not ours."""

    def __enter__(self):
        self.busy0, _ = host_busy()
        self.t0 = time.monotonic()
        self.ours0 = children_cpu() + self_cpu()
        self.extra_ours = 0.0  # CPU of ours not yet reaped when the span ends
        return self

    def __exit__(self, *exc):
        busy1, _ = host_busy()
        self.elapsed = time.monotonic() - self.t0
        ours = children_cpu() + self_cpu() - self.ours0 + self.extra_ours
        foreign = max(0.0, busy1 - self.busy0 - ours)
        self.foreign_share = foreign / (self.elapsed * NCPU) if self.elapsed > 0 else 0.0


def wait_quiet(*, threshold: float, max_wait: float) -> float:
    """Wait until the host's load (nothing of ours runs now) is below ``threshold`` of all
    cores over 3 s; give up after ``max_wait`` s. Returns the last measured share."""
    deadline = time.monotonic() + max_wait
    warned = False
    while True:
        b0, t0 = host_busy()
        time.sleep(3)
        b1, t1 = host_busy()
        share = (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0
        if share <= threshold or time.monotonic() > deadline:
            if share > threshold:
                note(f"host still busy ({share:.0%} of {NCPU} cores); measuring anyway")
            return share
        if not warned:
            note(f"host busy ({share:.0%} of {NCPU} cores); waiting for it to drop")
            warned = True


def note(text: str) -> None:
    print(f"  .. {text}", flush=True)


def set_autogroup_nice() -> str:
    """Our session's autogroup to nice -20 (plain nice does not count across sessions)."""
    try:
        Path("/proc/self/autogroup").write_text("-20")
        return Path("/proc/self/autogroup").read_text().strip()
    except OSError as exc:
        return f"not set ({exc.strerror})"


def set_realtime() -> str:
    """SCHED_FIFO for this process and every child it starts (needs root or CAP_SYS_NICE).

    On a shared machine another engineer's build or load test takes cores from a run for
    seconds at a time; nice cannot stop that, a real-time policy does (the kernel still keeps
    5 % of each second for the others). Every way is run under it alike.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except OSError as exc:
        return f"not set ({exc.strerror})"
    return "SCHED_FIFO priority 10, inherited by every child"


# --- processes ----------------------------------------------------------------------------


def _ppid_map() -> dict[int, tuple[int, str]]:
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        out[int(entry)] = (int(rest[1]), comm)
    return out


def descendants(roots: list[int]) -> dict[int, str]:
    table = _ppid_map()
    found: dict[int, str] = {}
    frontier = set(roots)
    while frontier:
        nxt = set()
        for pid, (ppid, comm) in table.items():
            if ppid in frontier and pid not in found:
                found[pid] = comm
                nxt.add(pid)
        frontier = nxt
    return found


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _proc_cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    rest = stat[stat.rindex(")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / CLOCK_TICKS


class MemoryWatch:
    """Peak RSS of ffmpeg processes below some roots (polled VmHWM)."""

    def __init__(self, roots: list[int]):
        self.roots = roots
        self.peak_one_kb = 0
        self.peak_sum_kb = 0

    def sample(self) -> None:
        live = [p for p, comm in descendants(self.roots).items() if comm.startswith("ffmpeg")]
        rss_sum = 0
        for pid in live:
            self.peak_one_kb = max(self.peak_one_kb, _status_kb(pid, "VmHWM"))
            rss_sum += _status_kb(pid, "VmRSS")
        self.peak_sum_kb = max(self.peak_sum_kb, rss_sum)


def run_timed(argv: list[str]) -> tuple[float, float, int]:
    """Run a command; (wall s, CPU s, max RSS kB) from its own rusage."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}): {err[-800:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-y", "-v", "error", *args], check=True)


# --- clips --------------------------------------------------------------------------------


@dataclass
class Clip:
    name: str
    path: Path
    seconds: float
    width: int
    height: int


def make_clip(name: str, folder: Path, *, seconds: int, size: str) -> Clip:
    """The measurements doc's clips: x264 veryfast, 2-s GOP, beep audio (AAC 192k).

    ``easy``: testsrc2 at CRF 18; ``hard``: with temporal noise at 16 Mb/s; ``web``: a web-ready
    upload (CRF 23 under the top rung's cap), for the remux comparison.
    """
    video = f"testsrc2=s={size}:r=30:d={seconds}"
    if name == "hard":
        video += ",noise=alls=20:allf=t"
        rate = ["-b:v", "16M", "-maxrate", "20M", "-bufsize", "32M"]
    elif name == "web":
        # Web-ready: CRF 23 capped well under the top rung's cap (1080p 6750k, 480p 1500k).
        cap = "5000k" if size.endswith("1080") else "1000k"
        rate = ["-crf", "23", "-maxrate", cap, "-bufsize", cap.replace("000k", "0000k")]
    else:
        rate = ["-crf", "18"]
    path = folder / f"src_{name}.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", video, "-f", "lavfi", "-i", BEEP.format(d=seconds)),
        *("-c:v", "libx264", "-preset", "veryfast", *rate),
        *("-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-b:a", "192k", "-shortest", str(path)),
    )
    w, h = (int(x) for x in size.split("x"))
    return Clip(name, path, float(seconds), w, h)


# --- results ------------------------------------------------------------------------------


@dataclass
class Result:
    clip: str
    way: str
    preset: str
    wall: float
    encode: float
    cpu: float
    peak_kb: int
    first_play: float
    foreign: float
    renditions: dict[str, tuple[float, float]] = field(default_factory=dict)  # kb/s, SSIM
    extra: dict = field(default_factory=dict)


def video_kbps(folder: Path, seconds: float) -> float:
    """Bitrate of one HLS rendition folder (segments + init; video only: audio is separate)."""
    size = sum(p.stat().st_size for p in folder.iterdir() if p.suffix in (".m4s", ".mp4"))
    return size * 8 / seconds / 1000


def ssim_all(source: Path, renditions: dict[str, Path], clip: Clip, every: int) -> dict:
    """SSIM of each rendition against the source, scaled back to the source size (bicubic).

    One ffmpeg decodes the source once for all renditions; ``every`` > 1 compares every n-th
    frame only (the same frames on both sides).
    """
    names = list(renditions)
    inputs = ["-i", str(source)]
    for name in names:
        inputs += ["-i", str(renditions[name])]
    pick = f"select='not(mod(n\\,{every}))'," if every > 1 else ""
    n = len(names)
    graph = [f"[0:v]{pick}setpts=PTS-STARTPTS,split={n}" + "".join(f"[r{i}]" for i in range(n))]
    stats = {}
    folder = Path(tempfile.mkdtemp(prefix="ssim-"))
    for i, name in enumerate(names):
        stats[name] = folder / f"{name}.log"
        graph.append(
            f"[{i + 1}:v]{pick}setpts=PTS-STARTPTS,"
            f"scale={clip.width}:{clip.height}:flags=bicubic[d{i}];"
            f"[d{i}][r{i}]ssim=stats_file={stats[name]}[s{i}]"
        )
    outputs = []
    for i in range(n):
        outputs += ["-map", f"[s{i}]", "-f", "null", "-"]
    ffmpeg(*inputs, "-filter_complex", ";".join(graph), *outputs)
    result = {}
    for name, path in stats.items():
        values = [float(m) for m in re.findall(r"All:([0-9.]+)", path.read_text())]
        result[name] = sum(values) / len(values) if values else float("nan")
    shutil.rmtree(folder, ignore_errors=True)
    return result


# --- (a) the MediaCMS way -----------------------------------------------------------------


def mediacms_argv(src: Path, dst: Path, height: int, seconds_per_key: int = 4) -> list[str]:
    cap = MEDIACMS_LADDER[height] * 3 // 2
    return [
        *(FFMPEG, "-hide_banner", "-nostdin", "-nostats", "-y", "-i", str(src)),
        *("-vf", f"scale=-2:{height},fps=fps=30", "-c:v", "libx264", "-pix_fmt", "yuv420p"),
        *("-crf", "23", "-maxrate", f"{cap}k", "-bufsize", f"{cap}k"),
        *("-force_key_frames", f"expr:gte(t,n_forced*{seconds_per_key})"),
        *("-x264-params", "keyint=240:keyint_min=120", "-preset", "medium"),
        *("-profile:v", "main", "-level", "4.2", "-c:a", "aac", "-b:a", "128k", "-ac", "2"),
        *("-movflags", "+faststart", str(dst)),
    ]


def package_argv(mp4s: dict[int, Path], out: Path) -> list[str]:
    heights = sorted(mp4s)
    argv = [FFMPEG, "-hide_banner", "-nostdin", "-nostats", "-y"]
    for h in heights:
        argv += ["-i", str(mp4s[h])]
    for i in range(len(heights)):
        argv += ["-map", f"{i}:v:0"]
    argv += ["-map", "0:a:0", "-c", "copy", "-f", "hls", "-hls_time", "4"]
    argv += ["-hls_playlist_type", "vod", "-hls_segment_type", "fmp4"]
    argv += ["-hls_fmp4_init_filename", "init.mp4", "-hls_flags", "independent_segments"]
    streams = [f"v:{i},agroup:aud,name:{h}p" for i, h in enumerate(heights)]
    streams.append("a:0,agroup:aud,name:audio,default:yes")
    argv += ["-master_pl_name", "master.m3u8", "-var_stream_map", " ".join(streams)]
    argv += ["-hls_segment_filename", f"{out}/%v/seg_%03d.m4s", f"{out}/%v/index.m3u8"]
    return argv


def run_mediacms(clip: Clip, work: Path, ssim_every: int) -> Result:
    heights = [h for h in sorted(MEDIACMS_LADDER) if h <= clip.height]
    folder = work / f"mediacms_{clip.name}"
    shutil.rmtree(folder, ignore_errors=True)  # an earlier round's
    folder.mkdir()
    mp4s: dict[int, Path] = {}
    cpu = 0.0
    peak = 0
    first_play = 0.0
    with LoadMeter() as load:
        t0 = time.monotonic()
        for h in heights:  # MediaCMS queues 240p and 360p first (priority 0)
            mp4s[h] = folder / f"{h}p.mp4"
            _, c, rss = run_timed(mediacms_argv(clip.path, mp4s[h], h))
            cpu += c
            peak = max(peak, rss)
            if not first_play:
                first_play = time.monotonic() - t0
        encode = time.monotonic() - t0
        _, c, rss = run_timed(package_argv(mp4s, folder / "hls"))
        cpu += c
        peak = max(peak, rss)
        wall = time.monotonic() - t0
    result = Result(
        clip.name, "(a) MediaCMS", "medium", wall, encode, cpu, peak, first_play, load.foreign_share
    )
    result.extra["first_hls_segment"] = wall
    ssim = ssim_all(clip.path, {f"{h}p": mp4s[h] for h in heights}, clip, ssim_every)
    for h in heights:
        name = f"{h}p"
        result.renditions[name] = (video_kbps(folder / "hls" / name, clip.seconds), ssim[name])
    return result


# --- remux of a web-ready source -----------------------------------------------------------


def run_remux(clip: Clip, work: Path, preset: str, segment_seconds: int) -> tuple[str, list]:
    """The product's own ladder argv for a web-ready source: every rung encoded, then the top
    rung copied. Straight ffmpeg (no tasks): the difference is the remux alone."""
    import dataclasses
    import importlib
    from fractions import Fraction

    from media_app.encoding import ffmpeg as ff

    ladder = importlib.import_module("media_app.migrations.0002_encode_profiles").LADDER
    probe = ff.parse_probe(
        subprocess.run(ff.probe_argv(str(clip.path)), capture_output=True).stdout
    )
    rungs = ff.plan_ladder(
        width=clip.width, height=clip.height, profiles=[(h, k, None) for h, k in ladder]
    )
    rung, reason = ff.remux_candidate(probe, rungs)
    if rung is not None:
        packets = ff.parse_packets(
            subprocess.run(ff.packets_argv(str(clip.path)), capture_output=True, text=True).stdout
        )
        ok, reason = ff.remux_check(
            packets, fps=probe.video.fps, segment_seconds=segment_seconds, max_kbps=rung.max_kbps
        )
        rung = rung if ok else None
    decision = f"{rung.name if rung else 'no rung'} copied: {reason}"
    opts = ff.EncodeOptions(preset=preset, crf=23, segment_seconds=segment_seconds, threads=2)
    variants = [("all encoded", rungs)]
    if rung is not None:
        copied = [dataclasses.replace(r, copy=r.name == rung.name) for r in rungs]
        variants.append((f"{rung.name} copied", copied))
    rows = []
    for label, plan in variants:
        out = work / f"remux_{label.replace(' ', '_')}"
        out.mkdir()
        argv = ff.ladder_hls_argv(
            src=str(clip.path),
            out_dir=str(out),
            rungs=plan,
            fps=Fraction(30),
            with_audio=probe.has_audio,
            opts=opts,
        )
        argv = [FFMPEG, *(a for a in argv[1:] if a not in ("-progress", "pipe:1"))]
        with LoadMeter() as load:
            wall, cpu, rss = run_timed(argv)
        rows.append([clip.name, f"{label} ({preset})", wall, cpu, rss, load.foreign_share])
        note(f"{label}: wall {wall:.1f} s, CPU {cpu:.1f} s, foreign {load.foreign_share:.0%}")
    return decision, rows


# --- (b) OpenPress through its tasks ------------------------------------------------------


class Worker:
    """A real ``celery worker`` process on long_tasks, in our session (so our autogroup)."""

    def __init__(self, env: dict, log: Path, name: str):
        self.log = log
        self.fh = open(log, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "openpress", "worker"),
                *("-Q", "long_tasks", "--concurrency", "1", "--pool", "prefork"),
                *("-n", f"{name}-{os.getpid()}@%h", "--loglevel", "INFO"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.fh,
            stderr=subprocess.STDOUT,
            preexec_fn=os.setpgrp,  # own process group, same session
        )

    def wait_ready(self, timeout: float = 60) -> float:
        """Wait for "ready"; the CPU the worker tree has used so far (its start-up cost)."""
        deadline = time.monotonic() + timeout
        while "ready." not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start; see {self.log}")
            time.sleep(0.1)
        pids = [self.proc.pid, *descendants([self.proc.pid])]
        return sum(_proc_cpu(p) for p in pids)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.fh.close()


TASK_DONE = re.compile(r"Task (encoding\.\w+)\[[^\]]+\] succeeded in ([0-9.]+)s")


def task_seconds(logs: list[Path]) -> dict[str, float]:
    total: dict[str, float] = {}
    for log in logs:
        for task, seconds in TASK_DONE.findall(log.read_text(errors="replace")):
            total[task] = total.get(task, 0.0) + float(seconds)
    return total


def first_playable(media) -> bool:
    from django.core.files.storage import default_storage

    from media_app.encoding import hls

    if not media.hls_file:
        return False
    master_path = Path(default_storage.path(media.hls_file))
    try:
        master = hls.parse_master(master_path.read_text())
    except (FileNotFoundError, ValueError):
        return False
    for variant in master.variants:
        folder = (master_path.parent / variant.uri).parent
        pl = hls.read_media_playlist(str(master_path.parent / variant.uri))
        if pl and pl.segments and (folder / pl.segments[0][0]).exists():
            return True
    return False


def run_openpress(
    clip: Clip,
    base_env: dict,
    work: Path,
    *,
    label: str,
    preset: str,
    workers: int = 1,
    env: dict | None = None,
    ssim_every: int = 1,
) -> Result:
    from django.core.files import File
    from django.core.files.storage import default_storage

    from media_app.encoding import hls
    from media_app.models import User
    from media_app.services.media import media_create
    from openpress.celery import app

    if base_env.get("BENCH_PURGE") == "1":
        app.control.purge()  # the bench's own Redis database: leftovers of a killed run go
    run_env = {**base_env, "ENCODE_PRESET": preset, **(env or {})}
    logs = [work / f"worker-{clip.name}-{label}-{i}.log".replace(" ", "_") for i in range(workers)]
    cpu0 = children_cpu()
    pool = [Worker(run_env, log, f"bench{i}") for i, log in enumerate(logs)]
    try:
        startup_cpu = sum(w.wait_ready() for w in pool)
        watch = MemoryWatch([w.proc.pid for w in pool])
        user, _ = User.objects.get_or_create(
            username="bench", defaults={"is_verified_journalist": True, "email": "b@example.org"}
        )
        with LoadMeter() as load:
            with open(clip.path, "rb") as fh:
                media = media_create(user=user, uploaded_file=File(fh, name=clip.path.name))
            t0 = time.monotonic()  # end of the upload: stored, committed, encoding enqueued
            first = 0.0
            deadline = t0 + max(1800, clip.seconds * 30)
            while True:
                watch.sample()
                media.refresh_from_db()
                if not first and first_playable(media):
                    first = time.monotonic() - t0
                if media.encoding_status in ("success", "fail"):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"encoding did not end; see {logs}")
                time.sleep(0.1)
            wall = time.monotonic() - t0
            # Worker CPU is only counted when it is reaped: stop it inside the span.
            for w in pool:
                w.stop()
        if media.encoding_status != "success":
            raise RuntimeError(f"encoding failed: {media.encoding_fail_reason}")
    finally:
        for w in pool:
            w.stop()
    cpu = children_cpu() - cpu0 - startup_cpu
    tasks = task_seconds(logs)
    encode = tasks.get("encoding.ladder", 0.0) or sum(
        tasks.get(t, 0.0) for t in ("encoding.chunk", "encoding.audio_track", "encoding.join")
    )
    result = Result(
        clip.name,
        f"(b) OpenPress{'' if workers == 1 else f' x{workers}'}",
        preset,
        wall,
        encode,
        cpu,
        watch.peak_one_kb,
        first,
        load.foreign_share,
    )
    result.extra["peak_sum_kb"] = watch.peak_sum_kb
    result.extra["tasks"] = tasks
    result.extra["logs"] = logs
    master = Path(default_storage.path(media.hls_file))
    variants = hls.parse_master(master.read_text()).variants
    rungs = {(master.parent / v.uri).parent.name: master.parent / v.uri for v in variants}
    if ssim_every:
        ssim = ssim_all(clip.path, rungs, clip, ssim_every)
        for name, playlist in rungs.items():
            result.renditions[name] = (video_kbps(playlist.parent, clip.seconds), ssim[name])
    result.extra["remux"] = (media.media_info.get("remux") or {}).get("reason", "")
    return result


def chunk_phases(logs: list[Path]) -> dict[str, float]:
    text = "\n".join(log.read_text(errors="replace") for log in logs)
    phases = {"chunks": 0.0, "cut": 0.0, "audio": 0.0, "join": 0.0, "package": 0.0}
    if m := re.search(r"cut into (\d+) chunks in ([0-9.]+) s", text):
        phases["chunks"], phases["cut"] = float(m.group(1)), float(m.group(2))
    if m := re.search(r"audio encoded in ([0-9.]+) s", text):
        phases["audio"] = float(m.group(1))
    if m := re.search(r"chunks joined in ([0-9.]+) s, packaged in ([0-9.]+) s", text):
        phases["join"], phases["package"] = float(m.group(1)), float(m.group(2))
    return phases


# --- database -----------------------------------------------------------------------------


@contextlib.contextmanager
def database() -> object:
    """DATABASE_URL if given, else a throwaway database created here and dropped afterwards."""
    given = os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    import psycopg

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    name = f"op_bench_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- output -------------------------------------------------------------------------------


def table(columns: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, padded to be readable as plain text too."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(columns), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}"


def run_row(r: Result, seconds: float) -> list[str]:
    return [
        r.clip,
        r.way,
        r.preset,
        fmt(r.wall),
        fmt(r.encode),
        fmt(seconds / r.encode if r.encode else 0, 2),
        fmt(r.cpu),
        fmt(r.cpu / seconds, 2),
        fmt(r.peak_kb / 1024, 0),
        fmt(r.first_play),
        fmt(100 * r.foreign, 0),
    ]


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10-s 480p clips: a smoke run")
    parser.add_argument("--clips", default="easy,hard", help="which clips (easy,hard)")
    parser.add_argument("--max-wait", type=float, default=600, help="wait this long for quiet")
    parser.add_argument("--quiet-share", type=float, default=0.15, help="what counts as quiet")
    parser.add_argument("--ssim-every", type=int, default=0, help="SSIM on every n-th frame")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of (a) and (b); speed-ups are medians"
    )
    parser.add_argument(
        "--realtime", action="store_true", help="run every way under SCHED_FIFO (shared machine)"
    )
    parser.add_argument(
        "--parts",
        default="mediacms,openpress,chunked,remux",
        help="what to run: mediacms, openpress, chunked, remux (comma-separated)",
    )
    args = parser.parse_args()

    seconds, size = (10, "854x480") if args.quick else (60, "1920x1080")
    ssim_every = args.ssim_every or (1 if args.quick else 2)
    chunk_env = {
        "ENCODE_CHUNK_THRESHOLD_SECONDS": "5" if args.quick else "30",
        "ENCODE_CHUNK_SECONDS": "4" if args.quick else "16",
    }
    work = Path(tempfile.mkdtemp(prefix="openpress-bench-"))
    autogroup = set_autogroup_nice()
    policy = set_realtime() if args.realtime else "normal (SCHED_OTHER)"
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    # Purge the queues only in the bench's own Redis database, never in one we were given.
    os.environ["BENCH_PURGE"] = "0" if "REDIS_URL" in os.environ else "1"
    print(f"OpenPress encoding benchmark ({'quick' if args.quick else 'full'})", flush=True)
    print(f"machine: {NCPU} cores, {_cpu_model()}, {_ffmpeg_version()}")
    print(f"autogroup: {autogroup}; scheduling: {policy}; scratch: {work}")
    try:
        with database() as db_url:
            os.environ.update(
                {
                    "DJANGO_SETTINGS_MODULE": "openpress.settings.test",
                    "DATABASE_URL": db_url,
                    "REDIS_URL": redis,
                    "MEDIA_ROOT": str(work / "media"),
                    "SCRATCH_DIR": str(work / "scratch"),
                    # Filesystem mode, as (a) writes: a shell set up for `make test-s3` would
                    # otherwise send (b) to a bucket (bench/encode_storage.py compares modes).
                    "OPENPRESS_TEST_STORAGE": "filesystem",
                }
            )
            import django

            django.setup()
            logging.disable(logging.INFO)  # the workers log; this process prints the tables
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            base_env = {k: v for k, v in os.environ.items() if not k.startswith("ENCODE_")}
            results, chunked, remux = bench(
                args, seconds, size, work, base_env, chunk_env, ssim_every
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(results, chunked, remux, seconds, size, ssim_every)
    return 0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def _ffmpeg_version() -> str:
    out = subprocess.run([FFMPEG, "-version"], capture_output=True, text=True).stdout
    version = out.splitlines()[0].split(" Copyright")[0] if out else "ffmpeg ?"
    return f"{version} ({FFMPEG})"


def bench(args, seconds, size, work, base_env, chunk_env, ssim_every):
    from openpress.config import BY_NAME

    default_preset = BY_NAME["ENCODE_PRESET"].default
    parts = set(args.parts.split(","))
    results: list[Result] = []
    chunked: list[tuple[Result, Result]] = []
    for name in args.clips.split(",") if parts - {"remux"} else []:
        print(f"\n[{name}] generating a {seconds}-s {size} clip", flush=True)
        clip = make_clip(name, work, seconds=seconds, size=size)
        runs = [
            ("(a) MediaCMS, medium", lambda c=clip: run_mediacms(c, work, ssim_every)),
            (
                "(b) OpenPress, medium",
                lambda c=clip: run_openpress(
                    c, base_env, work, label="medium", preset="medium", ssim_every=ssim_every
                ),
            ),
            (
                f"(b) OpenPress, {default_preset}",
                lambda c=clip: run_openpress(
                    c,
                    base_env,
                    work,
                    label="default",
                    preset=default_preset,
                    ssim_every=ssim_every,
                ),
            ),
        ]
        if "mediacms" not in parts:
            runs = runs[1:]
        if "openpress" not in parts:
            runs = runs[:1] if "mediacms" in parts else []
        # Rounds alternate the ways, so a slow spell of the machine hits them alike.
        for round_no, (title, fn) in itertools.product(range(1, args.repeat + 1), runs):
            wait_quiet(threshold=args.quiet_share, max_wait=args.max_wait)
            of = f" (round {round_no} of {args.repeat})" if args.repeat > 1 else ""
            print(f"[{name}] {title}{of}", flush=True)
            r = fn()
            r.extra["round"] = round_no
            results.append(r)
            note(
                f"wall {r.wall:.1f} s, encode {r.encode:.1f} s, CPU {r.cpu:.1f} s, "
                f"first playable {r.first_play:.1f} s, foreign {100 * r.foreign:.0f} %"
            )
        if "chunked" not in parts or (name != "easy" and not args.quick):
            continue  # the chunked split is shown on the easy clip (the serial part is the same)
        pair = []
        for workers in (1, 2):
            wait_quiet(threshold=args.quiet_share, max_wait=args.max_wait)
            print(f"[{name}] chunked, {workers} worker process(es), {default_preset}", flush=True)
            r = run_openpress(
                clip,
                base_env,
                work,
                label=f"chunked{workers}",
                preset=default_preset,
                workers=workers,
                env=chunk_env,
                ssim_every=0,
            )
            r.extra["phases"] = chunk_phases(r.extra["logs"])
            note(f"wall {r.wall:.1f} s, phases {r.extra['phases']}")
            pair.append(r)
        chunked.append((pair[0], pair[1]))
    remux = None
    if "remux" in parts:
        print(f"\n[web] generating a {seconds}-s {size} web-ready clip", flush=True)
        clip = make_clip("web", work, seconds=seconds, size=size)
        wait_quiet(threshold=args.quiet_share, max_wait=args.max_wait)
        print(f"[web] the ladder with and without the remux, {default_preset}", flush=True)
        segment = int(BY_NAME["ENCODE_SEGMENT_SECONDS"].default)
        remux = run_remux(clip, work, default_preset, segment)
    return results, chunked, remux


def report(results, chunked, remux, seconds, size, ssim_every) -> None:
    if results:
        report_runs(results, seconds, size, ssim_every)
    if chunked:
        report_chunked(chunked)
    if remux:
        decision, rows = remux
        print("\n## Remux of a web-ready source (the product's ladder argv, straight ffmpeg)\n")
        print(f"decision: {decision}\n")
        cells = [
            [c, label, fmt(w), fmt(cpu), fmt(cpu / seconds, 2), fmt(rss / 1024, 0), fmt(100 * f, 0)]
            for c, label, w, cpu, rss, f in rows
        ]
        print(table(REMUX_COLUMNS, cells))


def report_runs(results, seconds, size, ssim_every) -> None:
    print(f"\n## Runs ({seconds}-s {size} 30 fps clips)\n")
    print(
        "wall = end of upload (b) or first command (a) to done; encode = the ladder itself "
        "((a) 5 encodes, (b) the encoding.ladder task); x RT = video s / encode s; CPU = children "
        "(worker tree for (b)); peak = largest single ffmpeg RSS; first play = end of upload to "
        "a playable first segment (a: first rendition MP4 finished)\n"
    )
    print(table(RUN_COLUMNS, [run_row(r, seconds) for r in results]))
    print(f"\n## Renditions (video kb/s from the HLS folder; SSIM every {ssim_every} frame(s))\n")
    rows = []
    for r in results:
        if r.extra.get("round", 1) > 1:
            continue  # the same settings on the same clip: the first round's renditions stand
        for rung, (kbps, ssim) in sorted(r.renditions.items(), key=lambda kv: int(kv[0][:-1])):
            rows.append([r.clip, r.way, r.preset, rung, fmt(kbps, 0), fmt(ssim, 4)])
    print(table(RENDITION_COLUMNS, rows))
    print("\n## Speed-ups over (a) at the same preset and CRF (target >= 1.30x)\n")
    print(speedups(results))


def speedups(results: list[Result]) -> str:
    """Per clip and (b) preset: (a) over (b), each (b) run against the (a) run of its round.

    With several rounds the figure is the median ratio, with the lowest and highest after it.
    """
    lines = []
    for clip in dict.fromkeys(r.clip for r in results):
        ours = [r for r in results if r.clip == clip]
        theirs = {r.extra.get("round", 1): r for r in ours if r.way.startswith("(a)")}
        if not theirs:
            continue
        for preset in dict.fromkeys(r.preset for r in ours if r.way.startswith("(b)")):
            pairs = [
                (theirs[b.extra.get("round", 1)], b)
                for b in ours
                if b.way.startswith("(b)")
                and b.preset == preset
                and b.extra.get("round", 1) in theirs
            ]

            def ratio(key, pairs=pairs):
                values = sorted(key(a) / key(b) for a, b in pairs)
                text = f"{statistics.median(values):.2f}x"
                if len(values) > 1:
                    text += f" ({values[0]:.2f}-{values[-1]:.2f})"
                return text

            first_b = statistics.median(b.first_play for _, b in pairs)
            first_a = statistics.median(a.first_play for a, _ in pairs)
            rounds = f", {len(pairs)} rounds" if len(pairs) > 1 else ""
            lines.append(
                f"{clip:5} {preset:9} encode {ratio(lambda r: r.encode)}, "
                f"end to end {ratio(lambda r: r.wall)}, CPU {ratio(lambda r: r.cpu)} "
                f"(first playable {first_b:.1f} s vs {first_a:.1f} s{rounds})"
            )
        remux = next((r.extra["remux"] for r in ours if r.extra.get("remux")), "")
        if remux:
            lines.append(f"{clip:5} remux decision: {remux}")
    return "\n".join(lines)


def report_chunked(chunked) -> None:
    if chunked:
        print("\n## Chunked path: serial part (cut + audio + join + package)\n")
        rows = []
        for one, two in chunked:
            single = one.encode + one.extra["phases"]["cut"]
            for r in (one, two):
                p = r.extra["phases"]
                serial = p["cut"] + p["audio"] + p["join"] + p["package"]
                rows.append(
                    [
                        r.clip,
                        "2" if r is two else "1",
                        fmt(p["chunks"], 0),
                        fmt(r.wall),
                        fmt(r.encode + p["cut"]),
                        fmt(p["cut"], 2),
                        fmt(p["audio"], 2),
                        fmt(p["join"], 2),
                        fmt(p["package"], 2),
                        fmt(serial, 2),
                        fmt(100 * serial / single if single else 0),
                        fmt(max(r.peak_kb, r.extra.get("peak_sum_kb", 0)) / 1024, 0),
                        fmt(100 * r.foreign, 0),
                    ]
                )
        print(table(CHUNK_COLUMNS, rows))
        print(
            "\nwall = end of upload to success (probe, stills, sprites included); encode = cut + "
            "summed run times of the chunk, audio and join tasks (one worker: what it does in a "
            "row); serial % = serial s / the one-worker encode s (target < 5 %). For 2 workers, "
            "peak MB = largest sum of concurrent ffmpeg RSS."
        )


if __name__ == "__main__":
    sys.exit(main())
