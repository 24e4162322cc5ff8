"""The Celery workers' concurrency follows the CPU limit their pods render, on any node.

Kubernetes turns `resources.limits.cpu` into the container's cgroup `cpu.max` (quota over a
100 ms period). Each test writes that file for the rendered limit under a cgroup root of its own
and asks openpress/cpu.py, which docker/entrypoint.sh runs, how many encodes the worker starts:
a pod's share of a 16-core node, not the node.
"""

from pathlib import Path

import pytest

from openpress import cpu

from .conftest import containers

WORKERS = ("celery-long", "celery-short")
PINNED = ("CELERY_LONG_CONCURRENCY", "CELERY_SHORT_CONCURRENCY", "ENCODE_FFMPEG_THREADS")


def cpus(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def cgroup_of(tmp_path: Path, limit: float) -> Path:
    """What the kubelet writes for a container limited to ``limit`` CPUs (cgroup v2)."""
    root = tmp_path / "cgroup"
    root.mkdir(exist_ok=True)
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (root / "cpu.max").write_text(f"{round(limit * 100000)} 100000\n")
    return root


def worker(build, role: str) -> dict:
    (container,) = [c for c in containers(build.workload(role), init=False) if c["name"] == role]
    return container


@pytest.mark.parametrize("overlay", ["base", "dev", "prod"])
@pytest.mark.parametrize("role", WORKERS)
def test_worker_concurrency_follows_the_rendered_cpu_limit(builds, tmp_path, overlay, role):
    container = worker(builds[overlay], role)
    limit = cpus(container["resources"]["limits"]["cpu"])
    seen = cpu.cgroup_cpu_limit(cgroup_of(tmp_path, limit), tmp_path / "no-proc-self-cgroup")
    assert seen == limit
    # No variable pins the sizes: they come from the limit, whatever the node's core count.
    env = {e["name"] for e in container.get("env", [])}
    assert not env & set(PINNED), f"{role} pins {env & set(PINNED)}"
    node_cores = 16
    usable = min(node_cores, seen)
    if role == "celery-long":
        slots = cpu.long_concurrency(usable)
        threads = cpu.ffmpeg_threads(usable, slots)
        # Every encode gets its two CPUs, and all its ffmpeg threads fit in the limit.
        assert slots * cpu.CPUS_PER_ENCODE <= max(limit, cpu.CPUS_PER_ENCODE)
        assert slots * threads <= max(1, limit)
        assert slots < node_cores // 2
    else:
        processes = cpu.short_concurrency(usable)
        assert processes <= max(cpu.SHORT_MIN, cpu.SHORT_PER_CPU * limit)


def test_the_long_worker_is_told_nothing_that_overrides_its_limit(builds):
    """The ConfigMap every app pod reads leaves the sizes to the pods (0 or absent)."""
    for overlay in ("dev", "prod"):
        for doc in builds[overlay].of("ConfigMap"):
            for name in PINNED:
                assert doc.get("data", {}).get(name, "0") == "0", (overlay, doc["metadata"], name)
