"""Redis as a broker, in compose and Kubernetes alike: queued tasks survive a restart (AOF),
nothing queued is ever evicted (noeviction under maxmemory), the memory limit leaves room for an
AOF rewrite, and the images are pinned. The settings come from one place (topology.REDIS_SETTINGS)
and a real redis-server is run with compose's rendered options."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import redis
from celery import Celery

from openpress.deployment.topology import REDIS_CLIENT_ACL, REDIS_SETTINGS
from tests.deploy.conftest import ROOT, containers
from tests.deploy.test_redis_failover import free_port, wait_for

UNITS = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "mb": 1024**2, "gb": 1024**3}
# A broker's promises: these must hold wherever Redis runs.
BROKER = {
    "appendonly": "yes",
    "appendfsync": "everysec",
    "maxmemory-policy": "noeviction",
}


def size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([A-Za-z]*)", text).groups()
    return int(number) * UNITS.get(unit, 1)


def compose_settings(compose: dict) -> dict[str, str]:
    command = compose["services"]["redis"]["command"]
    options = command[command.index("/data/redis.conf") + 1 :]
    assert len(options) % 2 == 0, options
    return {options[i].removeprefix("--"): options[i + 1] for i in range(0, len(options), 2)}


def kubernetes_settings(build) -> dict[str, str]:
    conf = build.get("ConfigMap", "redis-scripts")["data"]["redis.conf"]
    out = {}
    for line in conf.splitlines():
        key, _, value = line.partition(" ")
        out[key] = value.strip('"')
    return out


def test_compose_and_kubernetes_run_redis_with_the_same_settings(builds, compose):
    in_compose = compose_settings(compose)
    for which in ("base", "dev", "prod"):
        assert kubernetes_settings(builds[which]) == in_compose, which
    assert in_compose == dict(REDIS_SETTINGS)
    assert BROKER.items() <= in_compose.items()
    assert size(in_compose["maxmemory"]) > 0


@pytest.mark.parametrize("which", ("base", "dev", "prod"))
def test_the_memory_limit_leaves_room_for_an_aof_rewrite(builds, which):
    """The rewrite forks; pages written meanwhile are copied: up to twice the data."""
    maxmemory = size(kubernetes_settings(builds[which])["maxmemory"])
    server = builds[which].workload("redis")["spec"]["template"]["spec"]["containers"][0]
    assert server["name"] == "redis"
    assert size(server["resources"]["limits"]["memory"]) >= 2 * maxmemory + 128 * UNITS["Mi"]


def test_compose_keeps_the_append_only_file_on_a_named_volume(compose):
    assert "redisdata:/data" in compose["services"]["redis"]["volumes"]
    assert "redisdata" in compose["volumes"]


@pytest.mark.parametrize("overlay", ("dev", "prod"))
def test_backing_images_are_pinned_to_a_release(builds, overlay):
    """redis:7-bookworm moves under a running cluster: a restarted pod may run another minor.
    The overlays pin every image that is not ours to a full version."""
    build = builds[overlay]
    images = {c["image"] for w in build.workloads() for c in containers(w)}
    images |= {c["spec"]["imageName"] for c in build.of("Cluster")}
    theirs = {i for i in images if not i.rpartition(":")[0].endswith(("openpress/app", "nginx"))}
    assert theirs
    for image in theirs:
        tag = image.rpartition(":")[2]
        assert re.match(r"\d+\.\d+(\.\d+)?-", tag), image


@pytest.fixture
def redis_server(tmp_path: Path, compose):
    """A real redis-server started as compose starts it: its config file (the password) and the
    rendered options, on a loopback port, with its data in tmp_path."""
    port = free_port()
    conf = tmp_path / "redis.conf"
    # What compose's command writes (its printf format, with the password).
    (fmt,) = re.findall(r"printf '([^']*)'", compose["services"]["redis"]["command"][2])
    conf.write_text(fmt.replace("%s", "test-only-password").replace("\\n", "\n"))
    options = [a for k, v in compose_settings(compose).items() for a in (f"--{k}", v)]
    argv = ["redis-server", str(conf), *options]
    argv += ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path)]
    procs: list[subprocess.Popen] = []

    def start(*extra: str) -> redis.Redis:
        procs.append(subprocess.Popen([*argv, *extra], stdout=subprocess.DEVNULL))
        client = redis.Redis(port=port, password="test-only-password")
        wait_for(client.ping, 20, "redis to start")
        return client

    def crash() -> None:
        procs[-1].kill()  # SIGKILL: no shutdown, no final save
        procs[-1].wait(timeout=10)

    try:
        yield start, crash, port
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=10)


def test_a_queued_task_survives_a_crash_of_redis(redis_server):
    """Celery publishes a task, Redis is killed (SIGKILL: no shutdown save), started again on
    the same files: the task is still queued."""
    start, crash, port = redis_server
    client = start()
    app = Celery(broker=f"redis://:test-only-password@127.0.0.1:{port}/0")
    app.send_task("encoding.test_survivor", args=[42], queue="long_tasks")
    assert client.llen("long_tasks") == 1
    time.sleep(1.5)  # appendfsync everysec: on disk within a second
    crash()
    assert not _answers(client)

    client = start()
    wait_for(lambda: client.info("persistence")["loading"] == 0, 20, "the AOF to load")
    (message,) = client.lrange("long_tasks", 0, -1)
    assert b"encoding.test_survivor" in message


def test_a_full_redis_refuses_writes_instead_of_evicting_queued_tasks(redis_server):
    start, _, _ = redis_server
    client = start("--maxmemory", "4mb")  # the policy is the rendered one; the size, small
    for n in range(20):
        client.lpush("short_tasks", f"task {n}")
    with pytest.raises(redis.exceptions.ResponseError, match="maxmemory"):
        for n in range(10_000):
            client.set(f"cache:{n}", b"x" * 4096, ex=300)
    assert client.llen("short_tasks") == 20


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.mark.parametrize("which", ("dev", "prod"))
def test_only_the_redis_init_container_gets_the_admin_password(builds, which):
    """REDIS_ADMIN_PASSWORD opens replication and the Sentinels' users (docker/redis-init.sh);
    the app's REDIS_PASSWORD is the default user, which may not reconfigure Redis."""
    holders = set()
    for workload in builds[which].workloads():
        for c in containers(workload):
            for env in c.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef", {})
                if ref.get("key") == "REDIS_ADMIN_PASSWORD":
                    holders.add((workload["metadata"]["name"], c["name"]))
    assert holders == {("redis", "config")}


def test_redis_clients_may_not_reconfigure_redis_in_compose_or_kubernetes(redis_server):
    """The default user (REDIS_PASSWORD: the app, the probes) has every data command and no
    administrative one, in compose (this server) and Kubernetes (docker/redis-init.sh)."""
    start, _, _ = redis_server
    client = start()
    client.lpush("short_tasks", "a task")
    for command in (("CONFIG", "SET", "dir", "/tmp"), ("REPLICAOF", "127.0.0.1", "1")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.execute_command(*command)
    script = (ROOT / "docker" / "redis-init.sh").read_text()
    assert f'echo "user default on >$REDISCLI_AUTH {REDIS_CLIENT_ACL}"' in script
