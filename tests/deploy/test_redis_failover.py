"""Celery and the Django cache follow a Redis Sentinel failover (REDIS_SENTINELS, prod overlay).

Real processes on loopback ports: a master, a replica, one Sentinel. A production-settings process
whose REDIS_URL points nowhere writes a cache key and publishes a task, the Sentinel fails the
master over, and the same process writes again: both land on the new master.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.deploy.conftest import ROOT

pytestmark = pytest.mark.slow

CLIENT = r"""
import sys, time
import django
django.setup()
from django.core.cache import cache
from openpress.celery import app

def publish(name):
    app.send_task(name, queue="short_tasks", retry=True,
                  retry_policy={"max_retries": 60, "interval_start": 0.2, "interval_step": 0.2})

cache.set("before", 1, 300)  # ints are stored as plain digits
publish("test.before")
print("written", flush=True)
sys.stdin.readline()
deadline = time.monotonic() + 30
while True:
    try:
        cache.set("after", 2, 300)
        break
    except Exception as exc:  # the old master answers READONLY once, then the pool asks again
        if time.monotonic() > deadline:
            raise
        print("retrying cache:", type(exc).__name__, flush=True)
        time.sleep(0.2)
publish("test.after")
print("written", flush=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def sentinel_set(tmp_path: Path):
    master, replica, sentinel = free_port(), free_port(), free_port()
    procs = []

    def start(*argv: str) -> None:
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    # --dir: a replica writes the RDB of a full resync to disk, never into the checkout.
    common = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path))
    start("redis-server", "--port", str(master), *common)
    start("redis-server", "--port", str(replica), *common, "--replicaof", "127.0.0.1", str(master))
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {sentinel}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor openpress 127.0.0.1 {master} 1\n"
        "sentinel down-after-milliseconds openpress 1000\n"
        "sentinel failover-timeout openpress 5000\n"
    )
    start("redis-server", str(conf), "--sentinel")
    try:
        wait_for(
            lambda: redis.Redis(port=replica).info("replication")["master_link_status"] == "up",
            20,
            "the replica to sync",
        )
        wait_for(
            lambda: redis.Redis(port=sentinel).sentinel_master("openpress")["num-slaves"] == 1,
            20,
            "the sentinel to see the replica",
        )
        yield master, replica, sentinel
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


def test_cache_and_celery_follow_a_failover(sentinel_set, tmp_path):
    master, replica, sentinel = sentinel_set
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openpress.settings.production",
        "SECRET_KEY": "failover-test-only",
        "MEDIA_LINK_SECRET": "failover-test-only-media-link-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # Nothing listens there: every Redis connection must come from the sentinel.
        "REDIS_URL": "redis://127.0.0.1:1/5",
        "REDIS_SENTINELS": f"127.0.0.1:{sentinel}",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "",
        "CELERY_RESULT_BACKEND": "",
        "PYTHONPATH": str(ROOT),
    }
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert client.stdout.readline().strip() == "written", client.stderr.read()
        old = redis.Redis(port=master, db=5)
        assert old.get(":1:before") == b"1"
        assert old.llen("short_tasks") == 1

        redis.Redis(port=sentinel).execute_command("SENTINEL", "FAILOVER", "openpress")
        wait_for(
            lambda: redis.Redis(port=replica).info("replication")["role"] == "master",
            30,
            "the replica to be promoted",
        )
        # Until the sentinel demotes it, the old master still takes writes (that Redis loses
        # when it turns replica: replication is asynchronous); the client moves on afterwards.
        wait_for(
            lambda: old.info("replication")["role"] == "slave",
            30,
            "the old master to be demoted",
        )
        client.stdin.write("go\n")
        client.stdin.flush()
        out, err = client.communicate(timeout=60)
        assert client.returncode == 0, err
        assert out.strip().endswith("written"), out + err
    finally:
        if client.poll() is None:
            client.kill()
    new = redis.Redis(port=replica, db=5)
    assert new.info("replication")["role"] == "master"
    assert new.get(":1:after") == b"2"
    assert new.llen("short_tasks") == 2  # the task published before, and the one after
