"""Delivery of a public segment in S3 mode (issue 14, point 4), next to nginx serving it from disk.

Prints, for one segment of ``--size`` bytes:

* the cost of presigning (``media_app/delivery.py``): microseconds per URL, and the time to
  rewrite a 900-segment variant playlist (an hour at 4 s) with presigned URLs;
* requests per second and latency of ``wrk`` (``--connections`` connections, ``--duration``
  seconds each) for
  1. the public presigned URL, answered by the bucket itself (the real S3 server of the tests:
     ``S3_ENDPOINT``, ``S3_ACCESS_KEY``, ``S3_SECRET_KEY``);
  2. the same URL through a caching nginx at ``MEDIA_PUBLIC_BASE_URL`` (``proxy_cache``, the
     query in the cache key, the bucket's ``Host``), as docs/security.md describes it;
  3. nginx serving the same bytes from disk (a throwaway nginx, temp config, free port).

The machine is shared: every figure is lowered by whatever else runs; compare the lines of one
run with each other.

    S3_ENDPOINT=... S3_ACCESS_KEY=... S3_SECRET_KEY=... .venv/bin/python bench/delivery.py \\
        [--size 1048576] [--duration 10] [--connections 16]

Needs ``wrk`` and ``nginx`` (``apt-get install -y wrk nginx``). A bucket
``openpress-bench-<random>`` is made and removed.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_setup(bucket: str) -> None:
    """The test settings in S3 mode (openpress/settings/test.py) on ``bucket``."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "openpress.settings.test"
    os.environ["OPENPRESS_TEST_STORAGE"] = "s3"
    os.environ["OPENPRESS_TEST_BUCKET"] = bucket
    import django

    django.setup()


def presign_figures() -> tuple[float, float, str]:
    """(µs per presigned URL, ms per 900-segment playlist rewrite, a sample public URL)."""
    from media_app import delivery, storage

    prefix = storage.hls_prefix("a" * 32, "r0123abcd")
    text = (
        '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init.mp4"\n'
        + "".join(f"#EXTINF:4.000000,\nseg_{i:05d}.m4s\n" for i in range(900))
        + "#EXT-X-ENDLIST\n"
    )
    signer = delivery._Signer(public=True)
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        out = delivery.rewrite_playlist(
            text, name=f"{prefix}/720/index.m3u8", segment_url=signer.url, playlist_url=str
        )
    per_playlist = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    n = 20000
    for i in range(n):
        signer.url(f"{prefix}/720/seg_{i:05d}.m4s")
    per_url = (time.perf_counter() - started) / n
    packed = len(gzip.compress(out.encode()))
    print(f"  playlist of 900 segments rewritten: {len(out)} bytes, {packed} gzipped")
    return per_url * 1e6, per_playlist * 1e3, signer.url


def wrk(url: str, *, duration: int, connections: int) -> tuple[float, str, float]:
    """(requests/s, mean latency, transfer MB/s) from wrk."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    latency = re.search(r"Latency\s+(\S+)", out).group(1)
    transfer = re.search(r"Transfer/sec:\s+([0-9.]+)(\w+)", out)
    scale = {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}[transfer.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk got {errors.group(1)} error answers from {url}:\n{out}")
    return rps, latency, float(transfer.group(1)) * scale


def nginx(folder: Path, server_block: str, extra_http: str = "") -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""daemon off; worker_processes 1; pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  {extra_http}
  server {{
    listen 127.0.0.1:{port};
    {server_block}
  }}
}}
"""
    )
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(folder)])
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"nginx did not start: {(folder / 'error.log').read_text()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=1024 * 1024, help="segment bytes")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    endpoint, access, secret = (
        os.environ.get(n, "") for n in ("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY")
    )
    if not (endpoint and access and secret):
        raise SystemExit("set S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY (a running S3 server)")
    bucket = f"openpress-bench-{uuid.uuid4().hex[:10]}"
    django_setup(bucket)
    from media_app import storage

    client = storage.s3_client()
    client.create_bucket(Bucket=bucket)
    name = f"{storage.hls_prefix(uuid.uuid4().hex, 'r0123abcd')}/720/seg_00001.m4s"
    data = os.urandom(args.size)
    processes: list[subprocess.Popen] = []
    try:
        client.put_object(Bucket=bucket, Key=name, Body=data)
        print(f"segment: {args.size} bytes; wrk -t 2 -c {args.connections} -d {args.duration}s")
        per_url, per_playlist, sign = presign_figures()
        print(f"  presigning: {per_url:.1f} µs a URL; 900-segment playlist: {per_playlist:.1f} ms")
        url = sign(name)
        with urllib.request.urlopen(url) as answer:  # noqa: S310 (http only)
            assert answer.read() == data, "the presigned URL did not give the segment"

        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            tmp_path.chmod(0o755)  # nginx's workers run as another user
            disk = tmp_path / "disk"
            (disk / Path(name).parent).mkdir(parents=True)
            (disk / name).write_bytes(data)
            (tmp_path / "a").mkdir()
            (tmp_path / "b").mkdir()
            process, disk_port = nginx(tmp_path / "a", f"location /media/ {{ alias {disk}/; }}")
            processes.append(process)
            upstream = urllib.parse.urlsplit(endpoint).netloc
            process, cache_port = nginx(
                tmp_path / "b",
                f"""location /media/ {{
      proxy_pass http://{upstream}/;
      proxy_set_header Host {upstream};
      proxy_cache media; proxy_cache_valid 200 10m; proxy_cache_lock on;
    }}""",
                extra_http=f"proxy_cache_path {tmp_path}/cache keys_zone=media:10m max_size=1g;",
            )
            processes.append(process)
            proxied = f"http://127.0.0.1:{cache_port}/media/" + url.split("/", 3)[3]
            try:
                with urllib.request.urlopen(proxied) as answer:
                    assert answer.read() == data, "the proxy did not give the segment"
            except OSError as exc:
                log = (tmp_path / "b" / "error.log").read_text()
                raise SystemExit(f"the caching nginx failed: {exc}\n{log}") from exc
            rows = [
                ("bucket (Ceph RGW), public presigned URL", url),
                ("caching nginx at MEDIA_PUBLIC_BASE_URL", proxied),
                ("nginx from disk, same file", f"http://127.0.0.1:{disk_port}/media/{name}"),
            ]
            print(f"  {'path':44} {'req/s':>9} {'MB/s':>8} {'latency':>9}")
            for label, target in rows:
                rps, latency, mbps = wrk(
                    target, duration=args.duration, connections=args.connections
                )
                print(f"  {label:44} {rps:9.0f} {mbps:8.1f} {latency:>9}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        client.delete_object(Bucket=bucket, Key=name)
        client.delete_bucket(Bucket=bucket)


if __name__ == "__main__":
    main()
