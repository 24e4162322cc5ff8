"""docker/redis-init.sh, the Redis pods' init script, run for real: whom a pod follows on a first
start, when the Sentinels answer, and after a full restart of the set (no Sentinel answering),
when it must follow the master its own Sentinel last knew rather than promote a stale redis-0.
The configuration it writes is started with a real redis-server and redis-sentinel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from openpress.deployment import kubernetes
from tests.deploy.conftest import ROOT
from tests.deploy.test_redis_failover import free_port, wait_for

SCRIPT = ROOT / "docker" / "redis-init.sh"
APP_CLIENT = """
import django
django.setup()
import sys, time
from django.core.cache import cache
from openpress.celery import app
# The cache swallows Redis errors (openpress/cache.py: 0.5 s timeouts) and a promoted replica
# may take a moment to accept writes: try for 30 s, and say so when it never worked.
deadline = time.monotonic() + 30
while cache.get("acl-probe") != 7:
    if time.monotonic() > deadline:
        sys.exit("the cache never reached the new master")
    cache.set("acl-probe", 7, 300)
    time.sleep(0.5)
app.send_task("test.acl", queue="short_tasks")
"""
PASSWORD = "init-test-only-password"
ADMIN = "init-test-only-admin-password"


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
            "REDIS_ADMIN_PASSWORD": ADMIN,
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
    assert f"user default on >{PASSWORD} ~* &* +@all -@admin" in conf
    assert "masteruser replication" in conf and f"masterauth {ADMIN}" in conf
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


def test_the_written_configuration_runs_with_its_users_fails_over_and_is_followed(tmp_path):
    """Real servers from what the script wrote: redis-0 as master; redis-1, told by a running
    Sentinel, as its replica (the replication user); redis-1's own Sentinel (the sentinel user on
    Redis, the admin user between Sentinels) fails the master over. The app's password reads and
    writes data but cannot reconfigure Redis or a Sentinel. With every Sentinel gone, redis-1's
    init reads the file its Sentinel rewrote and follows the new master."""
    master_port, lookup_port = free_port(), free_port()
    replica_port, own_sentinel_port = free_port(), free_port()
    procs: list[subprocess.Popen] = []

    def start(*argv: str) -> None:
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    first, second = Pod(tmp_path, "redis-0"), Pod(tmp_path, "redis-1")
    first.init(sentinel_port=free_port(), redis_port=master_port)
    # The Sentinel a starting pod asks (the redis-sentinel Service), watching redis-0.
    lookup_conf = tmp_path / "lookup-sentinel.conf"
    lookup_conf.write_text(
        f"port {lookup_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"user default on >{PASSWORD} +@all\n"
        f"sentinel monitor openpress 127.0.0.1 {master_port} 1\n"
        f"sentinel auth-user openpress sentinel\nsentinel auth-pass openpress {ADMIN}\n"
    )
    local = ("--bind", "127.0.0.1", "--replica-announce-ip", "127.0.0.1")
    try:
        start("redis-server", str(first.conf / "redis.conf"), "--port", str(master_port), *local)
        app = redis.Redis(port=master_port, password=PASSWORD)
        wait_for(app.ping, 20, "redis-0")
        app.lpush("short_tasks", "a task")
        for command in (("CONFIG", "SET", "dir", "/tmp"), ("REPLICAOF", "NO", "ONE")):
            with pytest.raises(redis.exceptions.NoPermissionError):
                app.execute_command(*command)
        start("redis-server", str(lookup_conf), "--sentinel")
        lookup = redis.Redis(port=lookup_port, password=PASSWORD)
        wait_for(lambda: lookup.sentinel_master("openpress")["is_master"], 20, "the sentinel")

        out = second.init(sentinel_port=lookup_port, redis_port=master_port)
        assert "the sentinels name 127.0.0.1" in out
        assert replicaof(second) == "127.0.0.1"
        start("redis-server", str(second.conf / "redis.conf"), "--port", str(replica_port), *local)
        replica = redis.Redis(port=replica_port, password=PASSWORD)
        wait_for(
            lambda: replica.info("replication")["master_link_status"] == "up",
            20,
            "the replica to sync as the replication user",
        )
        assert replica.lrange("short_tasks", 0, -1) == [b"a task"]

        start(
            "redis-server", str(second.data / "sentinel.conf"), "--sentinel",
            "--port", str(own_sentinel_port), "--bind", "127.0.0.1",
        )  # fmt: skip
        own = redis.Redis(port=own_sentinel_port, password=PASSWORD)
        wait_for(lambda: own.sentinel_master("openpress")["num-slaves"] >= 1, 20, "its sentinel")
        # A client's questions are answered; a client cannot reconfigure the Sentinel.
        assert own.sentinel_get_master_addr_by_name("openpress")[1] == master_port
        with pytest.raises(redis.exceptions.NoPermissionError):
            own.execute_command("SENTINEL", "SET", "openpress", "quorum", "5")
        admin = redis.Redis(port=own_sentinel_port, username="admin", password=ADMIN)

        def replica_seen() -> bool:
            (seen,) = own.sentinel_slaves("openpress")
            return seen["flags"] == "slave" and seen["master-link-status"] == "ok"

        wait_for(replica_seen, 30, "the sentinel to reach the replica as its user")
        admin.execute_command("SENTINEL", "FAILOVER", "openpress")
        wait_for(
            lambda: replica.info("replication")["role"] == "master",
            30,
            "the Sentinel (its own user on Redis) to promote redis-1",
        )
        # The promotion is done before the Sentinel tells clients about it: until then the app
        # would be sent to redis-0, which is about to become a replica and drop the writes.
        wait_for(
            lambda: int(own.sentinel_get_master_addr_by_name("openpress")[1]) == replica_port,
            30,
            "the Sentinel to name redis-1 as the master",
        )
        # The app, with production settings, finds the new master through the Sentinel and
        # writes its cache and a task there, as the default users of both.
        client = subprocess.run(
            [sys.executable, "-c", APP_CLIENT],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "openpress.settings.production",
                "SECRET_KEY": "init-test-only",
                "MEDIA_LINK_SECRET": "init-test-only-media-link-secret-0123456",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "REDIS_URL": "redis://127.0.0.1:1/5",  # nothing there: the Sentinel decides
                "REDIS_PASSWORD": PASSWORD,
                "REDIS_SENTINELS": f"127.0.0.1:{own_sentinel_port}",
                "CELERY_BROKER_URL": "",
                "CACHE_URL": "",
                "CELERY_RESULT_BACKEND": "",
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert client.returncode == 0, client.stderr[-3000:]
        new = redis.Redis(port=replica_port, password=PASSWORD, db=5)
        assert new.get(":1:acl-probe") == b"7"
        assert new.llen("short_tasks") == 1
        wait_for(
            lambda: any(
                f" {replica_port} " in f" {line} "
                for line in second.sentinel_conf()
                if line.startswith("sentinel monitor")
            ),
            20,
            "the sentinel to rewrite its file with the new master",
        )
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait(timeout=10)

    # Nobody answers now. (Every pod listens on 6379 in a cluster; the file keeps the host.)
    out = second.init(sentinel_port=lookup_port, redis_port=master_port)
    assert "last knew 127.0.0.1" in out
