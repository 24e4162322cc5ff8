"""The newcomer's path: what the machine lacks is named, with the apt line, before `make test`
or `make run` start anything (scripts/check_system.py), from one list that the README and
.ci/run agree with (scripts/system-packages.txt)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import check_system  # noqa: E402 - scripts/ is not a package


def run_check(target: str, path: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/check_system.py", target],
        cwd=ROOT,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )


def bare_path(tmp_path: Path, *commands: str) -> str:
    """A PATH holding only these commands (as on a machine that has nothing else)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for command in commands:
        (folder / command).symlink_to(shutil.which(command))
    return str(folder)


def test_make_test_and_make_run_check_the_machine_before_anything_else():
    for target in ("test", "run"):
        dry = subprocess.run(
            ["make", "--no-print-directory", "-n", "-B", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            # Also when run under `make test` itself: no inherited MAKEFLAGS or MAKELEVEL.
            env={
                k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
            },
        )
        first = dry.stdout.splitlines()[0]
        assert first.endswith(f"scripts/check_system.py {target} "), dry.stdout[:500]


def test_a_missing_package_is_named_with_the_apt_line_and_stops_the_run(tmp_path):
    # node and npm are there, ffmpeg, pdftoppm and chromium are not.
    path = bare_path(tmp_path, "python3", "make", "node", "npm")
    result = run_check("test", path)
    assert result.returncode == 1
    said = result.stderr
    assert "pdftoppm (Debian package poppler-utils): the thumbnail of a PDF document" in said
    assert "chromium (Debian package chromium)" in said
    apt = re.search(r"sudo apt-get install -y (.*)", said).group(1).split()
    assert {"ffmpeg", "poppler-utils", "chromium"} <= set(apt)
    assert "nodejs" not in apt and "npm" not in apt  # there already: never suggested again

    # `make run` does not need the browser.
    run = run_check("run", path)
    assert run.returncode == 1
    assert "poppler-utils" in run.stderr and "chromium" not in run.stderr


def test_nothing_missing_means_silence_and_success():
    lacking = check_system.missing("test")
    result = run_check("test", os.environ["PATH"])
    assert (result.returncode == 0) == (not lacking and check_system.node_problem() is None)
    if result.returncode == 0:
        assert result.stderr == ""


def test_the_readme_and_ci_install_what_the_list_says():
    both = check_system.debian_packages("run") + check_system.debian_packages("test")
    wanted = list(dict.fromkeys(both))
    assert {"poppler-utils", "chromium", "nginx", "ffmpeg", "nodejs", "npm"} <= set(wanted)
    readme = (ROOT / "README.md").read_text()
    lines = re.findall(r"^sudo apt-get install -y ([^#\n]*)", readme, flags=re.M)
    with_node = [line.split() for line in lines if "nodejs" in line.split()]
    without_node = [line.split() for line in lines if "poppler-utils" in line.split()]
    assert with_node and set(with_node[0]) == set(wanted)
    assert {"nodejs", "npm"} | set(min(without_node, key=len)) == set(wanted)

    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/system-packages.txt" in ci
    assert "poppler-utils" not in ci  # no second list to drift apart


def test_node_versions_follow_the_frontend_lock():
    assert check_system._allows("^18.0.0 || ^20.0.0 || >=22.0.0", (20, 11, 1))
    assert check_system._allows("^18.0.0 || ^20.0.0 || >=22.0.0", (24, 0, 0))
    assert not check_system._allows("^18.0.0 || ^20.0.0 || >=22.0.0", (21, 7, 0))
    assert not check_system._allows("^18.0.0 || ^20.0.0 || >=22.0.0", (16, 20, 2))
