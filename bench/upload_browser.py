"""Browser upload throughput: straight to the bucket (S3 multipart) vs tus to the filesystem.

The same Chromium (Debian's, headless, through Playwright) uploads the same generated file
(1 GiB by default: a real MP4 padded with random bytes, so the server's sniff accepts it) on the
upload page twice: once in filesystem mode (tus PATCHes of 8 MiB to the site, spooled under
MEDIA_ROOT), once in S3 mode (parts PUT to the S3 server of the tests, S3_ENDPOINT or one the
fixtures start). The clock runs from choosing the file to the row saying "Uploaded", so it
includes creating the upload and completing it into a media. Prints MB/s (10^6 bytes) for both,
and the peak RSS of the process the site runs in over the same span (VmHWM, reset when the file
is chosen): Django's live server threads and Playwright's client, which hands Chromium the
file's path and never reads it. Chromium and Playwright's driver are other processes. A 48 MiB
upload the same way warms the process up first (modules, S3 clients), as in bench/upload_s3.py.

    .venv/bin/python bench/upload_browser.py [--size-mib 1024] [--part-mib 16]

The site is Django's threaded live server of the browser tests (not uWSGI behind nginx), with
the tests' settings and a throwaway test database; run `make frontend` first. Both uploads go
over loopback, so the figures compare the paths on this machine (a shared 2-core box: a busy
neighbour lowers both), not a network.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
# Read by the collected module from the environment: pytest imports this file anew.
OPTIONS = {
    "size_mib": int(os.environ.get("BENCH_SIZE_MIB", "1024")),
    "part_mib": int(os.environ.get("BENCH_PART_MIB", "16")),
}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if __name__ != "__main__":
    # Collected by pytest (which set Django up first): the browser tests' fixtures (live
    # server, Chromium, a clip) and the S3 ones, used as they are.
    from tests.browser.conftest import (  # noqa: F401
        chromium,
        clip,
        live_server,
        log_in,
        new_page,
        pytest_runtest_makereport,
    )
    from tests.browser.test_upload_s3 import PASSWORD, allow_browser_uploads, big_video
    from tests.conftest import *  # noqa: F403 - the suite's own set-up (test database data)
    from tests.conftest import _media_root  # noqa: F401 - MEDIA_ROOT per test; `*` skips _names
    from tests.s3 import s3_bucket, s3_media, s3_server  # noqa: F401


@pytest.fixture(scope="module")
def video(clip, tmp_path_factory) -> Path:
    return big_video(clip, tmp_path_factory.mktemp("bench"), OPTIONS["size_mib"] * MiB)


@pytest.fixture(scope="module")
def warm_up(clip, tmp_path_factory) -> Path:
    """Three 16 MiB parts: every request the measured upload makes has been served once."""
    return big_video(clip, tmp_path_factory.mktemp("warm-up"), 48 * MiB)


def _memory(field: str) -> int:
    """VmRSS or VmHWM (peak) of this process, the live server's, in bytes."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024


def _upload(page, base: str, video: Path, mode: str) -> tuple[float, int, int]:
    """Seconds, and the server process's RSS before and its peak during the upload."""
    from playwright.sync_api import expect

    from tests.factories import UserFactory

    person = UserFactory()
    log_in(page, base, person.username, PASSWORD)
    page.goto(f"{base}/upload")
    expect(page.locator(".upload-page")).to_have_attribute("data-uploader", mode)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
    before = _memory("VmRSS")
    started = time.monotonic()
    page.get_by_label("Choose files to upload").set_input_files(str(video))
    row = page.locator("li.upload")
    expect(row).to_have_attribute("data-status", "done", timeout=3_600_000)
    return time.monotonic() - started, before, _memory("VmHWM")


def _report(capsys, name: str, measured: tuple[float, int, int], size: int) -> None:
    seconds, before, peak = measured
    with capsys.disabled():
        print(
            f"\n{name:28s} {seconds:7.1f} s  {size / seconds / 1e6:7.1f} MB/s  server RSS "
            f"{before / MiB:.1f} MiB, peak {peak / MiB:.1f} MiB (+{(peak - before) / MiB:.1f})",
            flush=True,
        )


def _limits(settings, size: int) -> None:
    settings.UPLOAD_MAX_SIZE = 2 * size
    settings.UPLOAD_QUOTA_BYTES = 4 * size
    settings.UPLOAD_QUOTA_BYTES_VERIFIED = 4 * size


@pytest.mark.django_db(transaction=True)
def test_tus_to_the_filesystem(live_server, new_page, video, warm_up, settings, capsys):
    _limits(settings, video.stat().st_size)
    _upload(new_page(), live_server.url, warm_up, "tus")
    measured = _upload(new_page(), live_server.url, video, "tus")
    _report(capsys, "tus to the filesystem", measured, video.stat().st_size)


@pytest.mark.django_db(transaction=True)
def test_s3_multipart_to_the_bucket(
    s3_media, s3_bucket, live_server, new_page, video, warm_up, settings, capsys
):
    _limits(settings, video.stat().st_size)
    settings.UPLOAD_S3_PART_SIZE = OPTIONS["part_mib"] * MiB
    allow_browser_uploads(s3_media.client(), s3_bucket, live_server.url)
    _upload(new_page(), live_server.url, warm_up, "s3")
    measured = _upload(new_page(), live_server.url, video, "s3")
    _report(capsys, "S3 multipart to the bucket", measured, video.stat().st_size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=OPTIONS["size_mib"])
    parser.add_argument("--part-mib", type=int, default=OPTIONS["part_mib"])
    args = parser.parse_args()
    os.environ.update(BENCH_SIZE_MIB=str(args.size_mib), BENCH_PART_MIB=str(args.part_mib))
    os.chdir(ROOT)
    print(f"file: {args.size_mib} MiB; S3 parts of {args.part_mib} MiB", flush=True)
    # The files (the video, tus's copy under MEDIA_ROOT) are in pytest's temporary folders:
    # removed when the run ends, so a 4 GiB run leaves nothing behind.
    argv = ["-q", "-p", "no:cacheprovider", "-o", "tmp_path_retention_policy=none", __file__]
    return int(pytest.main(argv))


if __name__ == "__main__":
    sys.exit(main())
