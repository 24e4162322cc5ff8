"""Retries declared on the encoding tasks (issue 14, point 7): a storage outage in a step is
retried with backoff and the encode finishes; an outage that outlasts the retries ends the
encoding as failed with a reason the owner reads. The outages are real: the S3 server (tests/s3.py)
is reached through a TCP relay that the test cuts (connections reset) and restores, or the
storage points at a port where nothing listens."""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path

import pytest
from botocore.config import Config

from media_app.models import Encoding, EncodingLease, Media
from media_app.services import encoding as svc
from media_app.services.encoding import encoding_start
from media_app.tasks import encoding as tasks
from tests.conftest import client_for
from tests.encoding.clips import make_clip
from tests.encoding.conftest import upload
from tests.s3 import free_port
from tests.workers import celery_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


class Relay:
    """Forwards TCP connections from a local port to the S3 server until :meth:`cut`; then every
    open connection is reset and new ones are reset as soon as they are accepted, until
    :meth:`restore`."""

    def __init__(self, endpoint: str):
        host, _, port = endpoint.removeprefix("http://").rstrip("/").partition(":")
        self.target = (host, int(port or 80))
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.down = threading.Event()
        self.reset_count = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.down.is_set():
                self.reset_count += 1
                self._reset(client)
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                self._reset(sock)
                with self._lock:
                    self._open.discard(sock)

    def cut(self) -> None:
        self.down.set()
        with self._lock:
            live, self._open = list(self._open), set()
        for sock in live:
            self._reset(sock)

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.cut()
        self.server.close()


@pytest.mark.slow
def test_a_storage_outage_mid_step_is_retried_and_the_encode_finishes(
    s3_media, s3_bucket, settings, tmp_path
):
    relay = Relay(s3_media.endpoint)
    media = upload(make_clip(tmp_path / "outage.mp4", size="640x360", seconds=8))
    s3 = {
        "AWS_STORAGE_BUCKET_NAME": s3_bucket,
        "AWS_S3_ENDPOINT_URL": relay.endpoint,
        "AWS_ACCESS_KEY_ID": s3_media.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_media.secret_key,
        "SCRATCH_DIR": str(tmp_path),
        # The suite in S3 mode: openpress/settings/test.py takes the bucket and endpoint from
        # these, over the AWS_* above.
        "OPENPRESS_TEST_BUCKET": s3_bucket,
        "S3_ENDPOINT": relay.endpoint,
        "S3_ACCESS_KEY": s3_media.access_key,
        "S3_SECRET_KEY": s3_media.secret_key,
    }
    log = Path(settings.MEDIA_ROOT).parent / "worker-enc-retry.log"  # tests/workers.py's
    try:
        with celery_worker(queues="long_tasks", name="enc-retry", extra_env=s3):
            encoding_start(media_id=media.pk)
            wait_for(
                lambda: EncodingLease.objects.filter(media=media, task="ladder").exists(),
                timeout=120,
                interval=0.05,
                message="the ladder step to start",
            )
            relay.cut()  # the ladder now stages in and uploads through a dead connection
            wait_for(
                lambda: (
                    "retry: Retry in" in log.read_text()
                    or Media.objects.get(pk=media.pk).encoding_status == "fail"
                ),
                timeout=120,
                message="a step to fail",
            )
            relay.restore()
            assert "retry: Retry in" in log.read_text(), "the failed step was not retried"
            wait_for(
                lambda: Media.objects.get(pk=media.pk).encoding_status in ("success", "fail"),
                timeout=300,
                message="the encode to end",
            )
    finally:
        relay.close()
    media.refresh_from_db()
    assert relay.reset_count > 0, "no connection was refused: the outage did not happen"
    assert media.encoding_status == "success", media.encoding_fail_reason
    # Retried within the same run (the task's retry), not started again by a sweep.
    assert media.encoding_attempts == 1
    retried = EncodingLease.objects.filter(media=media, task_id__contains="/retry-")
    assert retried.filter(run=media.encoding_run).exists()
    client = s3_media.client()
    assert client.head_object(Bucket=s3_bucket, Key=media.hls_file)["ContentLength"] > 0


def test_storage_unreachable_past_the_retries_fails_the_encoding_with_the_reason(
    s3_media, s3_bucket, small_clip, settings, tmp_path
):
    settings.SCRATCH_DIR = str(tmp_path)
    media = upload(small_clip)
    plan = svc.encoding_prepare(media_id=media.pk)
    assert plan is not None and plan.kind == "video"
    # The storage goes away for good: nothing listens on its port any more. (One attempt per
    # call inside boto3, so that the test does not wait for its own backoff nine times.)
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **options,
                "endpoint_url": f"http://127.0.0.1:{free_port()}",
                "client_config": options["client_config"].merge(
                    Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2)
                ),
            },
        },
    }

    # The task as a worker runs it (apply: retries run at once, without their countdown).
    result = tasks.ladder.apply(args=(media.pk, plan.run))

    assert result.failed()
    media.refresh_from_db()
    assert media.encoding_status == "fail"
    reason = media.encoding_fail_reason
    attempts = tasks.STEP_RETRIES + 1
    assert reason.startswith(f"The media storage failed during encoding ({attempts} attempts: ")
    assert "Could not connect to the endpoint URL" in reason
    keys = set(EncodingLease.objects.filter(media=media).values_list("task_id", flat=True))
    assert {k.rpartition("/retry-")[2] for k in keys if "/retry-" in k} == {
        str(n) for n in range(1, attempts)
    }
    assert not Encoding.objects.filter(
        media=media, status__in=[Encoding.Status.PENDING, Encoding.Status.RUNNING]
    ).exists()
    # The owner reads why; someone else is not told.
    url = f"/api/v1/media/{media.friendly_token}"
    seen = client_for(media.user).get(url).json()
    assert seen["encoding_status"] == "fail"
    assert seen["encoding_fail_reason"] == reason


@pytest.mark.slow
def test_a_database_connection_dropped_mid_step_is_retried_and_the_encode_finishes(
    settings, tmp_path
):
    from django.db import connection

    media = upload(make_clip(tmp_path / "dbcut.mp4", size="640x360", seconds=12))
    log = Path(settings.MEDIA_ROOT).parent / "worker-enc-dbcut.log"  # tests/workers.py's
    with celery_worker(queues="long_tasks", name="enc-dbcut"):
        encoding_start(media_id=media.pk)
        wait_for(
            lambda: EncodingLease.objects.filter(media=media, task="ladder").exists(),
            timeout=120,
            interval=0.05,
            message="the ladder step to start",
        )
        # What a database restart does to the worker: every connection but this test's is cut.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] > 0
        wait_for(
            lambda: (
                Media.objects.get(pk=media.pk).encoding_status in ("success", "fail")
                or "raised unexpected" in log.read_text()
            ),
            timeout=300,
            message="the encode to end",
        )
    media.refresh_from_db()
    assert "raised unexpected" not in log.read_text(), "a step failed instead of being retried"
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert "retry: Retry in" in log.read_text()
    assert media.encoding_attempts == 1  # the same run, retried; no sweep started another
    assert EncodingLease.objects.filter(
        media=media, run=media.encoding_run, task_id__contains="/retry-"
    ).exists()
