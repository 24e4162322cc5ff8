"""Memory of the app while it hands out S3 part URLs, one new thread per request.

Django's threaded server (and any server that starts a thread per connection) serves each
request on a fresh thread. This signs 512 part URLs of one direct upload, each on a new thread,
and prints the process's RSS every 64: it should stay flat (one boto3 client per process,
media_app/storage.py ``s3_client``).

    export $(tail -n 1 /tmp/op-s3.log)   # S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY
    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/part_url_rss.py [threads|one]
"""

from __future__ import annotations

import os
import re
import sys
import threading
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

from tests.s3 import S3Server, empty_bucket  # noqa: E402


def rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)) / 1024


def main(mode: str) -> None:
    setup_test_environment()
    old = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{old}_bench_part_rss"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    env = os.environ
    server = S3Server(env["S3_ENDPOINT"], env["S3_ACCESS_KEY"], env["S3_SECRET_KEY"])
    client = server.client()
    bucket = f"openpress-bench-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    backends = server.storages(bucket, link_seconds=settings.MEDIA_LINK_SECONDS)
    try:
        with override_settings(
            AWS_STORAGE_BUCKET_NAME=bucket,
            UPLOAD_MAX_SIZE=8 << 30,
            UPLOAD_QUOTA_BYTES=0,
            UPLOAD_QUOTA_BYTES_VERIFIED=0,
            STORAGES=backends,
        ):
            from media_app.services import uploads_s3 as svc
            from tests.factories import UserFactory

            user = UserFactory(is_verified_journalist=True)
            upload = svc.s3_upload_create(
                user=user, filename="a.mp4", size=4 << 30, content_type="video/mp4"
            )

            def sign(number: int) -> None:
                svc.s3_upload_sign_part(upload=upload, part_number=number)
                connections.close_all()

            print(f"mode {mode}; RSS at start {rss_mib():.1f} MiB")
            for n in range(1, 513):
                number = (n - 1) % 256 + 1
                if mode == "threads":
                    thread = threading.Thread(target=sign, args=(number,))
                    thread.start()
                    thread.join()
                else:
                    svc.s3_upload_sign_part(upload=upload, part_number=number)
                if n % 64 == 0:
                    print(f"{n} part URLs: RSS {rss_mib():.1f} MiB", flush=True)
            svc.s3_upload_abort(upload=upload)
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
        empty_bucket(client, bucket)
        client.delete_bucket(Bucket=bucket)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "threads")
