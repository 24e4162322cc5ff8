"""Which ffmpeg binary runs: FFMPEG_BINARY, else the imageio-ffmpeg build, else PATH's."""

import os
import re
import shutil

import imageio_ffmpeg
import pytest

from media_app.encoding import runner


def _major(version_line: str) -> int:
    found = re.search(r"version n?(\d+)\.", version_line)
    assert found, version_line
    return int(found.group(1))


def test_by_default_the_bundled_ffmpeg_7_or_newer_encodes(settings):
    settings.FFMPEG_BINARY = ""
    bundled = imageio_ffmpeg.get_ffmpeg_exe()
    assert runner.tool_argv(["ffmpeg", "-version"])[0] == bundled
    out = runner.run(["ffmpeg", "-hide_banner", "-version"])
    # The threaded pipeline (ffmpeg 7.0) is why the package is a dependency.
    assert _major(out.splitlines()[0]) >= 7, out.splitlines()[0]


def test_a_configured_binary_wins_and_ffprobe_stays_on_path(settings, tmp_path):
    system = shutil.which("ffmpeg")
    assert system, "apt install ffmpeg"
    settings.FFMPEG_BINARY = system
    assert runner.tool_argv(["ffmpeg", "-i", "x"]) == [system, "-i", "x"]
    assert runner.tool_argv(["ffprobe", "x"]) == ["ffprobe", "x"]
    assert runner.run(["ffmpeg", "-hide_banner", "-version"]).startswith("ffmpeg version")


def test_a_missing_binary_or_a_failing_run_is_a_tool_failure_naming_the_tool(settings, tmp_path):
    missing = str(tmp_path / "no-such-ffmpeg")
    settings.FFMPEG_BINARY = missing
    for start in (runner.run, lambda argv: runner.run_with_progress(argv, on_progress=print)):
        with pytest.raises(runner.ToolFailed) as failed:
            start(["ffmpeg", "-version"])
        assert failed.value.tail == f"cannot start {missing}: No such file or directory"
    settings.FFMPEG_BINARY = shutil.which("ffmpeg")
    with pytest.raises(runner.ToolFailed) as failed:
        runner.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / "absent.mp4")])
    assert str(failed.value).startswith("ffmpeg exited with")
    assert os.fspath(tmp_path) in failed.value.tail
