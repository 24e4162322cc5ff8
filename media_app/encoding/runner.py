"""Running ffmpeg and friends: progress from ``-progress pipe:1``, a readable error tail.

A child process must never outlive the worker that started it: on Linux it gets SIGKILL when
its parent dies (``PR_SET_PDEATHSIG``), so a worker killed mid-encode leaves no orphan ffmpeg
writing into a directory the next attempt is rebuilding.

A step that loses its encoding lease (``media_app.encoding.lease``) must stop at once: the lease
keeper, a thread, calls :func:`abort`, which kills every tool this process runs and makes the
running and any later call raise :class:`Aborted` until the next step starts (:func:`reset`).

Argument lists name their tool (``ffmpeg``, ``ffprobe``); which ffmpeg binary runs is decided
here, once for every caller: ``FFMPEG_BINARY`` when set, else the build that the imageio-ffmpeg
package carries (FFmpeg 7 or newer: since 7.0 ffmpeg runs its decoder, filters and every encoder
in threads of their own, where Debian 12's 5.1 calls them one after another from one thread; the
one-process ladder gained a few percent from it, see ``docs/performance.md``), else ``ffmpeg`` on
PATH. ffprobe is always PATH's: only ffmpeg is bundled.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import posixpath
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


class Aborted(Exception):
    """The step lost its lease while a tool ran (see ``media_app.encoding.lease``): its tools were
    killed and it must stop without recording anything."""


# In S3 mode tools read the original through a presigned URL (``storage.ffmpeg_source``): its
# query string is a credential (key id, signature, maybe a session token) that must reach no
# log, no failure reason the owner reads, no database row. ffmpeg prints its input's URL in
# errors ("<url>: Server returned 403 Forbidden"), so every URL a tool's argv or output holds is
# cut down to its file name here, before anything is logged or raised; stray SigV4 / SigV2
# parameters (an error tail cut in the middle of a URL) go too.
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]*[^\s'\"<>.,:;]", re.IGNORECASE)
_SIGNED_PARAM = re.compile(
    r"(?:X-Amz-[A-Za-z-]+|AWSAccessKeyId|Signature|x-amz-security-token)=[^&\s'\"]*",
    re.IGNORECASE,
)


def _url_label(match: re.Match) -> str:
    url = match.group(0)
    if url.lower().startswith("file:"):
        return url
    path = urlsplit(url).path.rstrip("/")
    return f"<URL of {posixpath.basename(path) or 'a file'}>"


def redact(text: str) -> str:
    """``text`` without URLs (each becomes ``<URL of name>``) or signature parameters."""
    return _SIGNED_PARAM.sub("[redacted]", _URL.sub(_url_label, text))


def _shown(argv: list[str]) -> str:
    return redact(" ".join(argv))


class ToolFailed(Exception):
    """A tool exited non-zero; ``tail`` holds the end of what it printed (URLs redacted)."""

    def __init__(self, argv: list[str], returncode: int, tail: str):
        tail = redact(tail)
        super().__init__(f"{os.path.basename(argv[0])} exited with {returncode}: {tail[-300:]}")
        self.returncode = returncode
        self.tail = tail


class SourceLost(ToolFailed):
    """A tool reading its input over HTTP (S3 mode) lost the connection, or never got one. ffmpeg
    then ends its input there as if the file ended and may even exit 0 with truncated outputs:
    nothing it wrote can be trusted, and the step must run again (the encoding tasks retry it as
    a storage outage, see ``media_app.tasks.encoding``)."""


# How much of a long-running tool's error output is read once it ends.
STDERR_KEPT = 256 * 1024

# What ffmpeg's http, tcp and tls layers print (at -v error) when the network, not the file,
# failed. Checked only for tools that read a URL.
_NETWORK_LOST = (
    "Stream ends prematurely",
    "Error reading HTTP response",
    "Connection reset by peer",
    "Connection refused",
    "Connection timed out",
    "Network is unreachable",
    "No route to host",
    "Failed to resolve hostname",
    "Broken pipe",
    "Server returned 5",
)


def is_url(path: str) -> bool:
    """Whether a tool's input ``path`` is read over HTTP (S3 mode's presigned URL)."""
    return path.startswith(("http://", "https://"))


def _check_input(argv: list[str], returncode: int, stderr: str) -> None:
    """Raise :class:`SourceLost` when a tool reading a URL reports a network failure, whatever
    its exit status; :class:`ToolFailed` for any other non-zero exit. ``stderr`` is redacted."""
    reads_url = any(is_url(arg) for arg in argv)
    if reads_url and any(marker in stderr for marker in _NETWORK_LOST):
        raise SourceLost(argv, returncode, stderr[-2000:])
    if returncode != 0:
        raise ToolFailed(argv, returncode, stderr[-2000:])


def ffmpeg_binary() -> str:
    """The ffmpeg binary every encode runs (see the module's docstring)."""
    from django.conf import settings

    return resolve_ffmpeg(settings.FFMPEG_BINARY)


def resolve_ffmpeg(configured: str) -> str:
    """The binary for a ``FFMPEG_BINARY`` value: itself, or when empty the bundled one or PATH's."""
    return configured or bundled_ffmpeg() or "ffmpeg"


@functools.cache
def bundled_ffmpeg() -> str | None:
    """imageio-ffmpeg's binary for this platform, or ``None`` without the package or a build."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        return None


def tool_argv(argv: list[str]) -> list[str]:
    """``argv`` with its tool name replaced by the binary that runs it."""
    if argv and argv[0] == "ffmpeg":
        return [ffmpeg_binary(), *argv[1:]]
    return argv


# The tools this process is running, so that the lease keeper (a thread) can kill them when
# the step's lease is lost; once aborted, no new tool starts until the next step resets it.
_children: set[subprocess.Popen] = set()
_children_lock = threading.Lock()
_aborted: str | None = None


def abort(reason: str) -> None:
    """Kill every tool this process runs and refuse to start more (until :func:`reset`)."""
    global _aborted
    with _children_lock:
        _aborted = reason
        procs = list(_children)
    for proc in procs:
        with contextlib.suppress(OSError):
            proc.kill()
    if procs:
        logger.warning("killed %d running tool(s): %s", len(procs), reason)


def reset() -> None:
    global _aborted
    with _children_lock:
        _aborted = None


def aborted() -> str | None:
    return _aborted


def _start(argv: list[str], **kwargs) -> subprocess.Popen:
    with _children_lock:
        if _aborted is not None:
            raise Aborted(_aborted)
        try:
            proc = subprocess.Popen(argv, preexec_fn=_die_with_parent, **kwargs)
        except OSError as exc:  # not installed, not executable
            raise ToolFailed(argv, -1, f"cannot start {argv[0]}: {exc.strerror}") from exc
        _children.add(proc)
    return proc


def _finished(proc: subprocess.Popen) -> None:
    with _children_lock:
        _children.discard(proc)
        reason = _aborted
    if reason is not None:
        raise Aborted(reason)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run(argv: list[str], *, timeout: float = 300) -> str:
    """Run a short tool; its stdout, or :class:`ToolFailed`."""
    argv = tool_argv(argv)
    logger.debug("running %s", _shown(argv))
    proc = _start(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        _finished(proc)
        # Not chained: TimeoutExpired's message holds the whole argv (maybe a presigned URL).
        raise ToolFailed(argv, -1, f"timed out after {timeout:.0f} s") from None
    except BaseException:
        proc.kill()
        proc.wait()
        _finished(proc)
        raise
    _finished(proc)
    # Redacted before it is cut: a cut could leave half a URL the patterns no longer know.
    _check_input(argv, proc.returncode, redact(stderr.decode(errors="replace")))
    return stdout.decode(errors="replace")


def run_with_progress(
    argv: list[str],
    *,
    on_progress: Callable[[float], None],
    every: float = 3.0,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Run ffmpeg with ``-progress pipe:1``.

    ``on_progress(seconds_done)`` is called at most every ``every`` seconds (the database is
    written at that pace, not at ffmpeg's); ``on_tick()`` on each progress block (cheap checks,
    such as whether the first segments can be published).
    """
    argv = tool_argv(argv)
    logger.info("running %s", _shown(argv))
    with tempfile.TemporaryFile() as err:
        proc = _start(argv, stdout=subprocess.PIPE, stderr=err)
        last = 0.0
        done = 0.0
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                key, _, value = raw.decode(errors="replace").strip().partition("=")
                if key in ("out_time_us", "out_time_ms") and value.lstrip("-").isdigit():
                    done = max(done, int(value) / 1_000_000)
                elif key == "progress":
                    if on_tick is not None:
                        on_tick()
                    now = time.monotonic()
                    if now - last >= every:
                        last = now
                        on_progress(done)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            _finished(proc)
        # The end only: a long damaged file can make ffmpeg print an error per frame.
        err.seek(max(0, err.seek(0, os.SEEK_END) - STDERR_KEPT))
        _check_input(argv, proc.returncode, redact(err.read().decode(errors="replace")))
