"""POST /api/v1/media in S3 mode: throughput and the server's peak memory for one big upload.

The server is Django's threaded development WSGI server in this process (the view, the upload
handler and boto3 as in production; no uWSGI), on a throwaway test database made by Django's
test machinery from DATABASE_URL. The client is curl in another process, reading the file from
disk, so its memory is not counted. Before the measured upload a 9 MiB one warms up the process
(modules, the S3 client); then the peak RSS (VmHWM) is reset and read after the upload.

    S3_ENDPOINT=... S3_ACCESS_KEY=... S3_SECRET_KEY=... DATABASE_URL=... REDIS_URL=... \\
        .venv/bin/python bench/upload_s3.py [--size-mib 1024] [--filesystem]

``--filesystem`` runs the same upload in filesystem mode (a temporary file, then MEDIA_ROOT) for
comparison. A bucket is made for the run and removed after it. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MIB = 1024 * 1024
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) * 1024


def make_file(path: Path, size_mib: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as fh:
        fh.write(PNG_HEAD)
        for _ in range(size_mib):
            fh.write(block)


def post(url: str, key: str, path: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [
            "curl",
            "-sS",
            "-H",
            f"Authorization: Token {key}",
            "-F",
            f"media_file=@{path}",
            "-w",
            "\n%{http_code}",
            f"{url}/api/v1/media",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    body, code = done.stdout.rsplit("\n", 1)
    return int(code), body, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--filesystem", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    from tests.s3 import S3Server, empty_bucket

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    # Its own throwaway database, not the one a pytest run beside it makes.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{old_name}_bench_upload"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    bucket, client = None, None
    try:
        overrides = {
            "MEDIA_ROOT": str(work / "media"),
            "FILE_UPLOAD_TEMP_DIR": str(work / "tmp"),
            "UPLOAD_MAX_SIZE": (args.size_mib + 64) * MIB,
            "UPLOAD_QUOTA_BYTES": 0,
            "UPLOAD_QUOTA_BYTES_VERIFIED": 0,
        }
        (work / "tmp").mkdir()
        if not args.filesystem:
            server = S3Server(
                os.environ["S3_ENDPOINT"], os.environ["S3_ACCESS_KEY"], os.environ["S3_SECRET_KEY"]
            )
            client = server.client()
            bucket = f"openpress-bench-{uuid.uuid4().hex[:10]}"
            client.create_bucket(Bucket=bucket)
            overrides.update(
                AWS_STORAGE_BUCKET_NAME=bucket,
                STORAGES=server.storages(bucket, link_seconds=settings.MEDIA_LINK_SECONDS),
            )
        with override_settings(**overrides):
            from media_app.services.tokens import token_create
            from tests.factories import UserFactory

            user = UserFactory(is_verified_journalist=True)
            key = token_create(user=user, name="bench", scope="manage").key
            httpd = ThreadedWSGIServer(
                ("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=True
            )
            httpd.set_app(get_wsgi_application())
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{httpd.server_address[1]}"
            try:
                small, big = work / "small.png", work / "big.png"
                make_file(small, 9)
                make_file(big, args.size_mib)
                code, body, _ = post(url, key, small)
                assert code == 201, body
                Path("/proc/self/clear_refs").write_text("5")
                before = status("VmRSS")
                code, body, seconds = post(url, key, big)
                peak = status("VmHWM")
                assert code == 201, body
                token = json.loads(body)["friendly_token"]
            finally:
                httpd.shutdown()
            size = big.stat().st_size
            mode = "filesystem" if args.filesystem else "s3"
            print(f"mode                 {mode}")
            print(f"file                 {size / MIB:.0f} MiB (media {token})")
            print(f"time                 {seconds:.1f} s")
            print(f"throughput           {size / MIB / seconds:.1f} MiB/s")
            print(f"server RSS before    {before / MIB:.1f} MiB")
            print(f"server peak RSS      {peak / MIB:.1f} MiB (+{(peak - before) / MIB:.1f} MiB)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if bucket:
            empty_bucket(client, bucket)
            client.delete_bucket(Bucket=bucket)
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
