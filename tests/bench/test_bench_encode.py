"""bench/encode.py runs end to end (--quick) and prints every column it promises.

The figures are not checked: speed targets are printed by the benchmark, never asserted.
The benchmark measures filesystem mode (its MediaCMS baseline writes to disk too), whatever the
suite's mode: `make test-s3` leaves it out; bench/encode_storage.py compares the two modes.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "encode.py"

pytestmark = [pytest.mark.slow, pytest.mark.filesystem]


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_encode", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _tables(output: str) -> dict[tuple[str, ...], list[list[str]]]:
    """Markdown tables in the output: header cells -> rows of cells."""
    tables, header, rows = {}, None, []
    for line in [*output.splitlines(), ""]:
        if line.startswith("|") and not line.startswith("|-"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = tuple(cells)
            else:
                rows.append(cells)
        elif not line.startswith("|-") and header is not None:
            tables[header], header, rows = rows, None, []
    return tables


def test_quick_run_prints_every_column(tmp_path):
    bench = _bench_module()
    url = urlsplit(os.environ["DATABASE_URL"])
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_ROOT")}
    # A throwaway database on the same server, created and dropped by the bench itself.
    env["BENCH_POSTGRES"] = f"{url.scheme}://{url.netloc}"
    proc = subprocess.Popen(
        [sys.executable, str(BENCH), "--quick", "--clips", "easy", "--max-wait", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stdout[-3000:] + stderr[-3000:]
    tables = _tables(stdout)
    runs = tables[tuple(bench.RUN_COLUMNS)]
    assert [r[1] for r in runs] == ["(a) MediaCMS", "(b) OpenPress", "(b) OpenPress"]
    assert [r[2] for r in runs][:2] == ["medium", "medium"]
    renditions = tables[tuple(bench.RENDITION_COLUMNS)]
    # 480p source: three rungs for each of the three runs, each with a bitrate and an SSIM.
    assert len(renditions) == 9
    assert {r[3] for r in renditions} == {"240p", "360p", "480p"}
    chunked = tables[tuple(bench.CHUNK_COLUMNS)]
    assert [r[1] for r in chunked] == ["1", "2"]
    remux = tables[tuple(bench.REMUX_COLUMNS)]
    assert [r[1].split(" (")[0] for r in remux] == ["all encoded", "480p copied"]
    for row in runs + renditions + chunked + remux:
        assert all(cell and cell != "nan" for cell in row), row
    assert "Speed-ups over (a)" in stdout
    server = f"{url.scheme}://{url.netloc}/postgres"
    databases = subprocess.run(
        ["psql", server, "-Atc", "select datname from pg_database"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert f"op_bench_{proc.pid}" not in databases, "the throwaway database was not dropped"
