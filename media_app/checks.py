"""System checks (``manage.py check``, and every management command): the encoding tools.

Every role runs them at start-up (``migrate`` first), so a deployment whose image or
``FFMPEG_BINARY`` lacks a tool says so at once instead of at the first upload. Warnings, not
errors: web and beat never run ffmpeg, and the encoders fail each media with a readable reason
when a tool is missing.
"""

from __future__ import annotations

import shutil

from django.conf import settings
from django.core import checks

from media_app.encoding.runner import ffmpeg_binary


@checks.register("encoding")
def encoding_tools(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = []
    ffmpeg = ffmpeg_binary()
    if shutil.which(ffmpeg) is None:
        where = "FFMPEG_BINARY" if settings.FFMPEG_BINARY else "the imageio-ffmpeg package or PATH"
        problems.append(
            checks.Warning(
                f"ffmpeg '{ffmpeg}' (from {where}) cannot be run: uploads will not be encoded.",
                hint="Install ffmpeg (apt-get install ffmpeg) or set FFMPEG_BINARY to one.",
                id="openpress.W001",
            )
        )
    if shutil.which("ffprobe") is None:
        problems.append(
            checks.Warning(
                "ffprobe is not on PATH: uploads will not be probed or encoded.",
                hint="apt-get install ffmpeg",
                id="openpress.W002",
            )
        )
    return problems
