"""``manage.py check`` tells when the encoding tools are missing."""

import os

from django.core.management import call_command


def _warnings(capsys) -> str:
    call_command("check", tags=["encoding"])
    out = capsys.readouterr()
    return out.out + out.err


def test_no_warning_when_the_tools_are_there(settings, capsys):
    settings.FFMPEG_BINARY = ""
    assert "openpress.W00" not in _warnings(capsys)


def test_a_configured_ffmpeg_that_is_not_there_is_named(settings, capsys, tmp_path):
    settings.FFMPEG_BINARY = str(tmp_path / "ffmpeg-gone")
    text = _warnings(capsys)
    assert "openpress.W001" in text and "ffmpeg-gone" in text and "FFMPEG_BINARY" in text


def test_ffprobe_missing_from_path_is_named(settings, capsys, monkeypatch, tmp_path):
    settings.FFMPEG_BINARY = ""
    monkeypatch.setenv("PATH", os.fspath(tmp_path))  # an empty folder: no ffprobe
    assert "openpress.W002" in _warnings(capsys)
