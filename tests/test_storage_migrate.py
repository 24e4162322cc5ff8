"""manage.py media_storage_migrate moves a site's media between MEDIA_ROOT and the real S3
bucket (issue 14, point 5): every kind of file, verified, resumable after a kill, a dry run that
writes nothing, a damaged copy copied again, clear errors for missing settings.

The bucket side comes from the AWS_* settings only: STORAGES is left as the suite has it, so
these tests run the same under `make test` and `make test-s3`.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from media_app import storage
from media_app.models import StorageCopy
from tests.factories import MediaFactory, UserFactory
from tests.s3 import empty_bucket

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    root.mkdir(exist_ok=True)
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def bucket(settings, s3_server, s3_bucket):
    """The AWS_* settings name the session's bucket; STORAGES is not switched."""
    settings.AWS_STORAGE_BUCKET_NAME = s3_bucket
    settings.AWS_S3_ENDPOINT_URL = s3_server.endpoint
    settings.AWS_ACCESS_KEY_ID = s3_server.access_key
    settings.AWS_SECRET_ACCESS_KEY = s3_server.secret_key
    settings.AWS_S3_REGION_NAME = s3_server.region
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    client = s3_server.client()
    empty_bucket(client, s3_bucket)
    yield client
    empty_bucket(client, s3_bucket)


def put(root: Path, name: str, data: bytes) -> bytes:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def a_site(root: Path) -> dict[str, bytes]:
    """Two media with every kind of file, a user logo; returns what must be copied."""
    files: dict[str, bytes] = {}
    for n, big in enumerate((True, False)):
        uid = uuid.uuid4()
        run = f"run{n}"
        original = storage.original_name(uid, "mp4")
        # 9 MiB: above the multipart threshold, so the bucket's ETag is no MD5 of the object.
        files[original] = put(root, original, os.urandom(9 * 1024 * 1024 if big else 70_000))
        stills = {}
        for field, still in (
            ("poster", "poster.jpg"),
            ("thumbnail", "thumbnail.jpg"),
            ("sprites", "sprites.jpg"),
            ("sprites_vtt", "sprites.vtt"),
            ("preview", "preview.webp"),
        ):
            name = storage.still_name(uid.hex, still)
            files[name] = put(root, name, os.urandom(1000 + n))
            stills[field] = name
        tree = storage.hls_prefix(uid.hex, run)
        for rel in ("master.m3u8", "720p/index.m3u8", "720p/init.mp4", "720p/seg_00000.m4s"):
            files[f"{tree}/{rel}"] = put(root, f"{tree}/{rel}", os.urandom(3000))
        subtitle = storage.subtitle_name(uid.hex, "pt-BR")
        files[subtitle] = put(root, subtitle, b"WEBVTT\n\n00:00.000 --> 00:01.000\nOla\n")
        # An older run and a chunk work folder: not the media's files, not copied.
        put(root, f"{storage.hls_prefix(uid.hex, 'old')}/master.m3u8", b"#EXTM3U\n")
        put(root, f"{storage.work_prefix(uid.hex, run)}/chunk0.mp4", b"x" * 100)
        MediaFactory(uid=uid, media_file=original, hls_file=f"{tree}/master.m3u8", **stills)
    logo = storage.logo_name("png")
    files[logo] = put(root, logo, os.urandom(2048))
    UserFactory(logo=logo)
    return files


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("media_storage_migrate", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def summary(output: str) -> dict[str, int]:
    """The counts of the summary line: {"copied": 3, "failed": 0, ...}."""
    line = next(ln for ln in output.splitlines() if ln.startswith("Summary: "))
    counts = {}
    for part in line.removeprefix("Summary: ").split("; "):
        label, _, rest = part.partition(": ")
        counts[label] = int(rest.split(" ", 1)[0])
    return counts


def bucket_contents(client, bucket: str) -> dict[str, bytes]:
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


def disk_contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.django_db
def test_to_s3_and_back_copies_every_kind_of_file_byte_for_byte(media_root, bucket, s3_bucket):
    files = a_site(media_root)

    output = run("--to", "s3")

    assert bucket_contents(bucket, s3_bucket) == files
    assert f"files: {len(files)}" in output
    assert f"copied: {len(files)}" in output
    assert "failed: 0" in output
    assert StorageCopy.objects.filter(target__startswith="s3://").count() == len(files)
    # A second run finds everything verified: nothing copied again.
    again = run("--to", "s3")
    assert f"skipped (verified before): {len(files)}" in again
    assert "copied:" not in again

    # Back: the site's disk is gone; the bucket gives every file back, the same bytes.
    for path in sorted(media_root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    output = run("--to", "filesystem")
    assert f"copied: {len(files)}" in output
    assert disk_contents(media_root) == files


@pytest.mark.django_db
def test_dry_run_lists_and_writes_nothing(media_root, bucket, s3_bucket):
    files = a_site(media_root)

    output = run("--to", "s3", "--dry-run")

    for name in files:
        assert f"copy     {name} (" in output
    assert f"would copy: {len(files)}" in output
    assert "nothing was written" in output
    assert bucket.list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0
    assert not StorageCopy.objects.exists()


@pytest.mark.django_db
def test_a_damaged_copy_at_the_target_is_copied_again(media_root, bucket, s3_bucket):
    files = a_site(media_root)
    run("--to", "s3")
    original = next(n for n in files if n.startswith("original/") and len(files[n]) > 10**6)
    logo = next(n for n in files if n.startswith("userlogos/"))
    # Cut short (wrong size), and gone.
    bucket.put_object(Bucket=s3_bucket, Key=original, Body=files[original][:1000])
    bucket.delete_object(Bucket=s3_bucket, Key=logo)

    output = run("--to", "s3")

    assert "copied: 2" in output
    assert f"skipped (verified before): {len(files) - 2}" in output
    assert bucket_contents(bucket, s3_bucket) == files


@pytest.mark.django_db
def test_an_identical_file_already_at_the_target_is_compared_not_copied(
    media_root, bucket, s3_bucket
):
    files = a_site(media_root)
    run("--to", "s3")
    # The way back: the disk still has every file, byte for byte, but no row says so.
    output = run("--to", "filesystem")
    assert f"already there, identical: {len(files)}" in output
    assert "copied:" not in output
    assert StorageCopy.objects.filter(target__startswith="file://").count() == len(files)


@pytest.mark.django_db
def test_a_file_the_rows_name_but_the_source_lacks_is_reported(media_root, bucket):
    files = a_site(media_root)
    MediaFactory(media_file="original/ab/not-there.mp4")

    output = run("--to", "s3")

    assert "missing: original/ab/not-there.mp4: not at the source" in output
    assert "missing at the source: 1" in output
    assert f"copied: {len(files)}" in output


@pytest.mark.django_db
def test_missing_or_wrong_settings_are_named(media_root, bucket, settings):
    settings.AWS_STORAGE_BUCKET_NAME = ""
    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME is not set"):
        run("--to", "s3")
    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME is not set"):
        run("--to", "filesystem")

    settings.AWS_STORAGE_BUCKET_NAME = f"openpress-absent-{uuid.uuid4().hex[:8]}"
    with pytest.raises(CommandError, match=r"bucket .* \(AWS_STORAGE_BUCKET_NAME\) does not exist"):
        run("--to", "s3")

    settings.AWS_STORAGE_BUCKET_NAME = "openpress-any"
    settings.AWS_SECRET_ACCESS_KEY = ""
    with pytest.raises(
        CommandError, match="AWS_SECRET_ACCESS_KEY is not set, but AWS_ACCESS_KEY_ID is"
    ):
        run("--to", "s3")

    settings.AWS_SECRET_ACCESS_KEY = "wrong"
    settings.AWS_ACCESS_KEY_ID = "NOSUCHKEY0123456789"
    with pytest.raises(CommandError, match="AWS_ACCESS_KEY_ID is not a key"):
        run("--to", "s3")


@pytest.fixture
def test_database_url(transactional_db) -> str:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    return urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


def command_env(settings, database_url: str) -> dict[str, str]:
    """The environment of a real `manage.py` process on this test's database and bucket."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="openpress.settings.test",
        OPENPRESS_TEST_STORAGE="filesystem",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        AWS_STORAGE_BUCKET_NAME=settings.AWS_STORAGE_BUCKET_NAME,
        AWS_S3_ENDPOINT_URL=settings.AWS_S3_ENDPOINT_URL,
        AWS_ACCESS_KEY_ID=settings.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=settings.AWS_SECRET_ACCESS_KEY,
        AWS_S3_ADDRESSING_STYLE="path",
    )
    return env


def migrate_process(settings, database_url: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "media_storage_migrate", *args],
        env=command_env(settings, database_url),
        text=True,
        **kwargs,
    )


def wait_until(condition, proc: subprocess.Popen, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None, f"the command ended before {what}"
        assert time.monotonic() < deadline, f"not {what} within {seconds} s"
        time.sleep(0.02)


@pytest.mark.slow
def test_killed_half_way_then_run_again_it_finishes_and_skips_what_was_verified(
    media_root, bucket, s3_bucket, settings, test_database_url
):
    # Many files: SIGKILL lands after some were verified and recorded, others in flight.
    uid = uuid.uuid4()
    tree = storage.hls_prefix(uid.hex, "r1")
    files = {}
    for i in range(400):
        name = f"{tree}/720p/seg_{i:05d}.m4s"
        files[name] = put(media_root, name, os.urandom(20_000))
    files[f"{tree}/master.m3u8"] = put(media_root, f"{tree}/master.m3u8", b"#EXTM3U\n")
    original = storage.original_name(uid, "mp4")
    files[original] = put(media_root, original, os.urandom(1000))
    MediaFactory(uid=uid, media_file=original, hls_file=f"{tree}/master.m3u8")

    proc = migrate_process(
        settings,
        test_database_url,
        "--to",
        "s3",
        "--jobs",
        "2",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: StorageCopy.objects.count() >= 50, proc, "50 files verified")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    verified_before = StorageCopy.objects.count()
    assert 50 <= verified_before < len(files), "the kill came too late to show anything"

    counts = summary(run("--to", "s3"))

    assert counts["skipped (verified before)"] == verified_before
    # Files uploaded but not yet recorded when killed are compared, not uploaded again.
    redone = counts.get("copied", 0) + counts.get("already there, identical", 0)
    assert redone == len(files) - verified_before
    assert counts["failed"] == 0
    assert bucket_contents(bucket, s3_bucket) == files
    assert StorageCopy.objects.count() == len(files)


@pytest.mark.slow
def test_ctrl_c_stops_mid_file_leaving_no_partial_file_and_a_summary(
    media_root, bucket, s3_bucket, settings, test_database_url
):
    # The way back, interrupted while the big original comes down: no partial file may ever
    # sit at a media name, and the run says what it did.
    uid = uuid.uuid4()
    tree = storage.hls_prefix(uid.hex, "r1")
    for i in range(30):
        bucket.put_object(Bucket=s3_bucket, Key=f"{tree}/seg_{i:05d}.m4s", Body=b"s" * 5000)
    bucket.put_object(Bucket=s3_bucket, Key=f"{tree}/master.m3u8", Body=b"#EXTM3U\n")
    original = storage.original_name(uid, "mp4")
    data = os.urandom(160 * 1024 * 1024)
    bucket.upload_fileobj(io.BytesIO(data), s3_bucket, original)
    MediaFactory(uid=uid, media_file=original, hls_file=f"{tree}/master.m3u8")
    partial = media_root / (original + ".migrating")

    proc = migrate_process(
        settings,
        test_database_url,
        "--to",
        "filesystem",
        "--jobs",
        "1",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # The segments sort first; then the original is being written next to its name.
    wait_until(partial.exists, proc, "the original's download started")
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)

    assert proc.returncode == 130, output
    assert "Interrupted: run the same command again" in output
    counts = summary(output)
    assert counts["files"] == 32
    assert counts["copied"] == 31
    assert counts["interrupted"] == 1
    assert not partial.exists()
    assert not (media_root / original).exists()

    counts = summary(run("--to", "filesystem"))
    assert counts["skipped (verified before)"] == 31
    assert counts["copied"] == 1
    assert (media_root / original).read_bytes() == data


def test_a_pipe_gets_progress_lines_and_a_terminal_a_progress_bar(
    media_root, bucket, settings, test_database_url
):
    uid = uuid.uuid4()
    tree = storage.hls_prefix(uid.hex, "r1")
    for i in range(250):
        put(media_root, f"{tree}/seg_{i:05d}.m4s", b"p" * 100)
    put(media_root, f"{tree}/master.m3u8", b"#EXTM3U\n")
    original = storage.original_name(uid, "mp4")
    put(media_root, original, b"o" * 1000)
    MediaFactory(uid=uid, media_file=original, hls_file=f"{tree}/master.m3u8")

    piped = migrate_process(
        settings, test_database_url, "--to", "s3", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = piped.communicate(timeout=300)

    assert piped.returncode == 0, err
    lines = [ln for ln in out.splitlines() if ln.startswith("progress:")]
    assert [ln.split(",")[0] for ln in lines] == [
        "progress: 100/252 files",
        "progress: 200/252 files",
        "progress: 252/252 files",
    ]
    assert lines[-1] == "progress: 252/252 files, 25.4 KiB/25.4 KiB, 0 failed"
    assert "\r" not in out

    # On a terminal: tqdm's bar, redrawn in place, and no progress lines.
    StorageCopy.objects.all().delete()
    main, child = pty.openpty()
    # A terminal of 24 rows by 120 columns (a fresh pseudo-terminal has none).
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    on_tty = migrate_process(
        settings, test_database_url, "--to", "s3", stdout=child, stderr=subprocess.PIPE
    )
    os.close(child)
    screen = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(main)
    assert on_tty.wait(timeout=300) == 0, on_tty.stderr.read()
    text = screen.decode()
    assert "\r" in text
    assert "25.4k/25.4k" in text
    assert "252/252 files" in text
    assert "progress:" not in text
