"""docker/nginx/start.sh fills the configuration in from the environment, and refuses values that
would break it (or let the media link key be read into nginx's syntax)."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

NGINX_DIR = Path(__file__).resolve().parents[2] / "docker" / "nginx"
KEY = "0123456789abcdef" * 4


def render(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "sh",
            str(NGINX_DIR / "start.sh"),
            "--render",
            str(NGINX_DIR / "openpress.conf.template"),
            str(tmp_path / "default.conf"),
        ],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_key_and_the_upload_limit_are_filled_in_a_private_file(tmp_path):
    result = render(tmp_path, MEDIA_LINK_SECRET=KEY, UPLOAD_MAX_SIZE="1234")
    assert result.returncode == 0, result.stderr
    conf = tmp_path / "default.conf"
    text = conf.read_text()
    assert f'default "{KEY}";' in text and "client_max_body_size 1234;" in text
    assert "@" not in text.split("server {")[0]
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert KEY not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "key", ["", "short", "x" * 31, '"; return 200 "' + "x" * 32, "a$host" + "b" * 32, "a/b" * 16]
)
def test_a_missing_or_unsafe_key_stops_nginx_before_anything_is_written(tmp_path, key):
    result = render(tmp_path, MEDIA_LINK_SECRET=key)
    assert result.returncode == 64
    assert "MEDIA_LINK_SECRET must be set" in result.stderr
    assert not (tmp_path / "default.conf").exists()
    if key:
        assert key not in result.stderr
