"""In S3 mode ffmpeg reads the original through a presigned GET URL with ranged requests, so an
encode starts at once instead of after downloading the whole file (issue 14: S3 within 10 % of
the filesystem; docs/performance.md, "Object storage"). The URL is a credential: it must reach
no log, no failure reason and no database row."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import struct
import threading
from pathlib import Path

import pytest

from media_app import storage
from media_app.encoding import ffmpeg, runner
from media_app.models import Encoding, Media
from media_app.services import encoding as svc
from media_app.tasks.encoding import transient_cause
from tests.encoding.conftest import encode_inline, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch(settings, tmp_path):
    folder = tmp_path / "scratch"
    folder.mkdir()
    settings.SCRATCH_DIR = str(folder)
    return folder


@pytest.fixture
def downloads(monkeypatch) -> list[str]:
    """The names ``storage.download`` fetched whole (it still fetches them)."""
    fetched: list[str] = []
    real = storage.download

    def spy(name: str, dst: str) -> str:
        fetched.append(name)
        return real(name, dst)

    monkeypatch.setattr(storage, "download", spy)
    return fetched


def secrets_of(server) -> list[str]:
    return [server.access_key, server.secret_key, "X-Amz-", "Signature="]


def assert_no_secret(text: str, server) -> None:
    for secret in secrets_of(server):
        assert secret not in text, f"{secret!r} leaked: {text[:2000]}"


def test_an_encode_in_s3_mode_reads_the_original_over_http_and_logs_no_url(
    s3_media, s3_bucket, small_clip, scratch, downloads, caplog
):
    caplog.set_level(logging.DEBUG, logger="media_app")
    media = encode_inline(upload(small_clip))

    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    # Nothing downloaded the original whole: probe, stills, ladder and extras read it in place.
    assert media.media_file.name not in downloads
    name = os.path.basename(media.media_file.name)
    runs = [r.getMessage() for r in caplog.records if r.getMessage().startswith("running ")]
    ladder = [m for m in runs if "-var_stream_map" in m]
    assert len(ladder) == 1 and f"-i <URL of {name}>" in ladder[0], ladder
    assert "-protocol_whitelist http,tcp" in ladder[0] and "-reconnect 1" in ladder[0]
    assert [m for m in runs if m.startswith("running ffprobe") and f"<URL of {name}>" in m]
    assert_no_secret(caplog.text, s3_media)
    assert_no_secret(json.dumps(media.media_info), s3_media)
    assert media.media_info["ffprobe"]["format"]["filename"] == media.media_file.name
    assert list(scratch.iterdir()) == []


def test_a_refused_read_fails_the_encode_with_a_reason_holding_no_url_or_key(
    s3_media, s3_bucket, small_clip, scratch, caplog
):
    caplog.set_level(logging.DEBUG, logger="media_app")
    client = s3_media.client()
    media = upload(small_clip)
    plan = svc.encoding_prepare(media_id=media.pk)
    # The server refuses every read of the original from now on (a real 403 from the real
    # server: a bucket policy), as it would a URL that expired or was signed with a revoked key.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{s3_bucket}/{media.media_file.name}",
            }
        ],
    }
    client.put_bucket_policy(Bucket=s3_bucket, Policy=json.dumps(policy))
    try:
        svc.encoding_extras(media_id=media.pk, run=plan.run)  # best effort: logged, not failed
        svc.encoding_ladder(media_id=media.pk, run=plan.run)
    finally:
        client.delete_bucket_policy(Bucket=s3_bucket)
    media.refresh_from_db()

    assert media.encoding_status == Media.EncodingStatus.FAIL
    reason = media.encoding_fail_reason
    assert reason.startswith("Encoding failed: ") and "403" in reason, reason
    assert "://" not in reason
    assert_no_secret(reason, s3_media)
    rows = Encoding.objects.filter(media=media)
    assert rows and all(r.status == Encoding.Status.FAIL for r in rows)
    for row in rows:
        assert_no_secret(row.fail_reason + row.logs, s3_media)
    warned = [r.getMessage() for r in caplog.records if "no sprites" in r.getMessage()]
    assert warned and "403" in warned[0], warned
    assert_no_secret(caplog.text, s3_media)


def test_urls_are_cut_out_of_what_a_tool_prints_even_when_the_tail_cuts_one_in_half():
    url = (
        "https://bucket.s3.example.com/original/ab/abcd.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAEXAMPLE%2F20261206%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20261206T021245Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host"
        "&X-Amz-Security-Token=SESSION&X-Amz-Signature=0780f67d"
    )
    said = f"Error opening input file {url}.\n{url}: Server returned 403 Forbidden\n"
    assert runner.redact(said) == (
        "Error opening input file <URL of abcd.mp4>.\n"
        "<URL of abcd.mp4>: Server returned 403 Forbidden\n"
    )
    half = url[url.index("Credential") - 6 :] + ": Server returned 403 Forbidden"
    shown = runner.redact(half)
    assert "AKIAEXAMPLE" not in shown and "SESSION" not in shown and "0780f67d" not in shown
    failed = runner.ToolFailed(["ffmpeg", "-i", url], 8, said)
    assert "X-Amz" not in failed.tail and "X-Amz" not in str(failed)
    assert runner.redact("/tmp/scratch/source.mp4: Invalid data") == (
        "/tmp/scratch/source.mp4: Invalid data"
    )


def test_a_url_input_allows_only_its_own_protocols_and_checks_the_servers_certificate():
    local = ffmpeg.input_args("/media/original/ab/x.mp4")
    assert local[:2] == ["-protocol_whitelist", "file"] and "-reconnect" not in local
    plain = ffmpeg.input_args("http://s3:7480/b/original/ab/x.mp4?X-Amz-Signature=1")
    assert plain[:2] == ["-protocol_whitelist", "http,tcp"]
    assert "-format_whitelist" in plain and plain[-2] == "-i"
    tls = ffmpeg.probe_argv("https://s3.example.com/b/x.mp4?X-Amz-Signature=1")
    assert tls[1:3] == ["-protocol_whitelist", "https,tls,tcp"]
    assert tls[tls.index("-tls_verify") + 1] == "1"
    assert os.path.isfile(tls[tls.index("-ca_file") + 1])
    assert tls[tls.index("-max_redirects") + 1] == "0"


class CuttingServer:
    """Serves one file over HTTP with ranges, as a bucket does, up to byte ``limit``; a read
    that gets there is reset, and so is every later connection (a network cut that lasts)."""

    def __init__(self, path: Path, limit: int):
        self.data = path.read_bytes()
        self.limit = limit
        self.cut = False
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/original/ab/{path.name}"
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                conn.close()
                return
            request += chunk
        if self.cut:
            self._reset(conn)
            return
        found = re.search(rb"Range: bytes=(\d+)-", request, re.IGNORECASE)
        start = int(found.group(1)) if found else 0
        head = (
            f"HTTP/1.1 206 Partial Content\r\nContent-Length: {len(self.data) - start}\r\n"
            f"Content-Range: bytes {start}-{len(self.data) - 1}/{len(self.data)}\r\n"
            "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n"
        )
        try:
            conn.sendall(head.encode())
            for at in range(start, len(self.data), 16384):
                if at + 16384 > self.limit:
                    self.cut = True
                    self._reset(conn)
                    return
                conn.sendall(self.data[at : at + 16384])
        except OSError:
            return
        conn.close()

    def close(self) -> None:
        self.server.close()


def test_a_read_cut_short_is_a_lost_source_never_a_finished_output(small_clip, tmp_path):
    # Index first (faststart): ffmpeg opens it from its first bytes, so
    # the cut falls in the middle of the media data.
    clip = tmp_path / "faststart.mp4"
    copy = ["-c", "copy", "-movflags", "+faststart", str(clip)]
    runner.run(["ffmpeg", "-v", "error", "-i", str(small_clip), *copy])
    size = clip.stat().st_size

    def decode(url: str) -> str:
        out = tmp_path / "out.mp4"
        argv = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error"]
        argv += [*ffmpeg.input_args(url), "-c:v", "libx264", "-preset", "ultrafast", str(out)]
        return runner.run(argv, timeout=120)

    whole = CuttingServer(clip, limit=10 * size)
    try:
        decode(whole.url)  # the whole file: a plain success
    finally:
        whole.close()
    cut = CuttingServer(clip, limit=size // 2)
    try:
        # ffmpeg itself ends such an input as if the file ended there, and exits 0.
        with pytest.raises(runner.SourceLost) as lost:
            decode(cut.url)
    finally:
        cut.close()
    assert cut.cut and lost.value.returncode == 0, lost.value
    assert "Stream ends prematurely" in lost.value.tail and "127.0.0.1" not in str(lost.value)
    # The encoding tasks retry it, as they retry a storage they cannot reach.
    assert transient_cause(lost.value) is lost.value
    refused = runner.ToolFailed(["ffmpeg"], 8, "Server returned 403 Forbidden (access denied)")
    assert transient_cause(refused) is None
