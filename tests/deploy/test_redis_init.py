"""docker/redis-init.sh, the Redis pods' init script, run for real: whom a pod follows on a first
start, when the Sentinels answer, and after a full restart of the set (no Sentinel answering),
when it must follow the master its own Sentinel last knew rather than promote a stale redis-0.
The configuration it writes is started with a real redis-server and redis-sentinel."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import redis

from openpress.deployment import kubernetes
from tests.deploy.conftest import ROOT
from tests.deploy.test_redis_failover import free_port, wait_for

SCRIPT = ROOT / "docker" / "redis-init.sh"
PASSWORD = "init-test-only-password"


class Pod:
    """One Redis pod's folders: /scripts (the ConfigMap), /conf (emptyDir), /data (its claim)."""

    def __init__(self, root: Path, name: str):
        self.name = name
        self.scripts, self.conf, self.data = (root / name / d for d in ("scripts", "conf", "data"))
        for folder in (self.scripts, self.conf, self.data):
            folder.mkdir(parents=True)
        (self.scripts / "redis.conf").write_text(kubernetes.redis_conf())

    def init(self, *, sentinel_port: int, redis_port: int = 6379) -> str:
        env = {
            "PATH": os.environ["PATH"],
            "POD_NAME": self.name,
            "MASTER_NAME": "openpress",
            "SENTINEL_QUORUM": "1",
            "REDISCLI_AUTH": PASSWORD,
            "CONF_DIR": str(self.conf),
            "DATA_DIR": str(self.data),
            "SCRIPTS_DIR": str(self.scripts),
            "SENTINEL_HOST": "127.0.0.1",
            "SENTINEL_PORT": str(sentinel_port),
            "REDIS_PORT": str(redis_port),
        }
        proc = subprocess.run(
            ["/bin/sh", str(SCRIPT)], env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def redis_conf(self) -> list[str]:
        return (self.conf / "redis.conf").read_text().splitlines()

    def sentinel_conf(self) -> list[str]:
        return (self.data / "sentinel.conf").read_text().splitlines()


def replicaof(pod: Pod) -> str | None:
    lines = [line for line in pod.redis_conf() if line.startswith("replicaof ")]
    return lines[0].split()[1] if lines else None


@pytest.fixture
def nobody() -> int:
    """A port where no Sentinel answers (the whole set is starting)."""
    return free_port()


def test_first_start_makes_redis_0_the_master(tmp_path, nobody):
    first, second = Pod(tmp_path, "redis-0"), Pod(tmp_path, "redis-1")
    first.init(sentinel_port=nobody)
    second.init(sentinel_port=nobody)
    assert replicaof(first) is None
    assert replicaof(second) == "redis-0.redis"
    assert "sentinel monitor openpress redis-0.redis 6379 1" in second.sentinel_conf()
    # The broker's settings, as compose has them; the password for clients and replication.
    conf = first.redis_conf()
    assert {"appendonly yes", "appendfsync everysec", "maxmemory-policy noeviction"} <= set(conf)
    assert f"requirepass {PASSWORD}" in conf and f"masterauth {PASSWORD}" in conf
    assert (first.conf / "redis.conf").stat().st_mode & 0o077 == 0


def test_after_a_full_restart_redis_0_follows_the_last_master_instead_of_leading(tmp_path, nobody):
    """redis-2 became master in a failover; then every pod stopped. redis-0 starts first (the
    StatefulSet's order) and no Sentinel answers: it must not take over with its older data."""
    pod = Pod(tmp_path, "redis-0")
    pod.init(sentinel_port=nobody)
    # What redis-0's Sentinel rewrote its file to when redis-2 was promoted.
    rewritten = [
        "port 26379",
        "sentinel myid 3f1c0a2b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
        "sentinel monitor openpress redis-2.redis 6379 2",
        "sentinel config-epoch openpress 3",
        "sentinel known-replica openpress redis-0.redis 6379",
    ]
    (pod.data / "sentinel.conf").write_text("\n".join(rewritten) + "\n")

    out = pod.init(sentinel_port=nobody)
    assert "last knew redis-2.redis" in out
    assert replicaof(pod) == "redis-2.redis"
    conf = pod.sentinel_conf()
    assert "sentinel monitor openpress redis-2.redis 6379 1" in conf
    # The same Sentinel identity as before, so its peers do not count it twice.
    assert "sentinel myid 3f1c0a2b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a" in conf


def test_the_written_configuration_runs_and_a_sentinel_rewrite_is_followed(tmp_path):
    """A real master and Sentinel; a pod asks them, starts as a replica with the written
    redis.conf, and its own redis-sentinel runs from the written sentinel.conf and rewrites it.
    With every Sentinel gone, the pod reads that rewritten file and follows the same master."""
    master_port, sentinel_port = free_port(), free_port()
    replica_port, own_sentinel_port = free_port(), free_port()
    procs: list[subprocess.Popen] = []

    def start(*argv: str) -> None:
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    auth = ("--requirepass", PASSWORD, "--bind", "127.0.0.1", "--dir", str(tmp_path))
    sentinel_conf = tmp_path / "sentinel.conf"
    sentinel_conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\nrequirepass {PASSWORD}\n"
        f"sentinel monitor openpress 127.0.0.1 {master_port} 1\n"
        f"sentinel auth-pass openpress {PASSWORD}\n"
    )
    try:
        start("redis-server", "--port", str(master_port), *auth, "--save", "")
        start("redis-server", str(sentinel_conf), "--sentinel")
        sentinel = redis.Redis(port=sentinel_port, password=PASSWORD)
        wait_for(lambda: sentinel.sentinel_master("openpress")["is_master"], 20, "the sentinel")

        pod = Pod(tmp_path, "redis-1")
        out = pod.init(sentinel_port=sentinel_port, redis_port=master_port)
        assert "the sentinels name 127.0.0.1" in out
        assert replicaof(pod) == "127.0.0.1"

        start("redis-server", str(pod.conf / "redis.conf"), "--port", str(replica_port))
        replica = redis.Redis(port=replica_port, password=PASSWORD)
        wait_for(
            lambda: replica.info("replication")["master_link_status"] == "up",
            20,
            "the replica to sync with the password",
        )
        assert replica.config_get("appendonly") == {"appendonly": "yes"}
        assert replica.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}

        start(
            "redis-server",
            str(pod.data / "sentinel.conf"),
            "--sentinel",
            "--port",
            str(own_sentinel_port),
        )
        own = redis.Redis(port=own_sentinel_port, password=PASSWORD)
        wait_for(lambda: own.sentinel_master("openpress")["num-slaves"] >= 1, 20, "its sentinel")
        # Sentinel rewrote the file on the volume (known replicas, epoch) in its own format.
        wait_for(
            lambda: any("known-replica" in line for line in pod.sentinel_conf()),
            20,
            "the sentinel to rewrite its file",
        )
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait(timeout=10)

    out = pod.init(sentinel_port=sentinel_port, redis_port=master_port)  # nobody answers now
    assert "last knew 127.0.0.1" in out
    assert replicaof(pod) == "127.0.0.1"
