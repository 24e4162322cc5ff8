"""How many CPUs this process may use, and the worker sizes that follow from it.

Inside a container ``nproc`` and ``os.cpu_count()`` report the *node's* cores: on a 16-core node
a celery-long pod limited to 2 CPUs would start 8 encodes and be throttled and OOM-killed. The
limit lives in the container's cgroup: ``cpu.max`` ("<quota> <period>" or "max <period>") in
cgroup v2, ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` in v1. The CPUs the process may be
scheduled on (cpuset, ``taskset``) bound it too; the smaller of the two counts.

No Django import: ``docker/entrypoint.sh`` asks ``python -m openpress.cpu celery-long`` for a
worker's concurrency before Celery starts, and the settings use the same functions.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")
# An encode is one ffmpeg process; two threads each is what the encoder's thread budget was
# measured with (docs/performance.md): one encode per two CPUs.
CPUS_PER_ENCODE = 2
# Short tasks mostly wait on PostgreSQL, Redis or SMTP: two processes per CPU, within bounds.
SHORT_PER_CPU = 2
SHORT_MIN, SHORT_MAX = 2, 16


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _own_paths(proc_self_cgroup: Path) -> tuple[str | None, dict[str, str]]:
    """This process's cgroup: the v2 path and the v1 path of each controller."""
    v2, v1 = None, {}
    for line in (_read(proc_self_cgroup) or "").splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            v2 = path
        for name in controllers.split(","):
            if name:
                v1[name] = path
    return v2, v1


def _ancestors(root: Path, path: str | None) -> list[Path]:
    """``root/path`` and each parent up to ``root`` (a parent's limit binds its children too).
    With a cgroup namespace (every container runtime's default on v2) the path is ``/``."""
    parts = [p for p in (path or "/").split("/") if p]
    return [root.joinpath(*parts[:i]) for i in range(len(parts), -1, -1)]


def _v2_limit(root: Path, path: str | None) -> float | None:
    limits = []
    for folder in _ancestors(root, path):
        text = _read(folder / "cpu.max")
        if not text:
            continue
        quota, _, period = text.partition(" ")
        if quota != "max" and period:
            limits.append(int(quota) / int(period))
    return min(limits) if limits else None


def _v1_limit(root: Path, paths: dict[str, str]) -> float | None:
    limits = []
    # Mounted as cpu,cpuacct (the usual), cpu alone, or with a symlink of either name.
    for mount in ("cpu,cpuacct", "cpu", "cpuacct,cpu"):
        base = root / mount
        if not base.is_dir():
            continue
        for folder in _ancestors(base, paths.get("cpu")):
            quota = _read(folder / "cpu.cfs_quota_us")
            period = _read(folder / "cpu.cfs_period_us")
            if quota and period and int(quota) > 0 and int(period) > 0:
                limits.append(int(quota) / int(period))
        break
    return min(limits) if limits else None


def cgroup_cpu_limit(
    root: Path = CGROUP_ROOT, proc_self_cgroup: Path = PROC_SELF_CGROUP
) -> float | None:
    """The CPU limit of this process's cgroup in CPUs (2.0, 0.5), or ``None`` without one."""
    v2_path, v1_paths = _own_paths(proc_self_cgroup)
    if (root / "cgroup.controllers").exists():  # a v2 (unified) hierarchy
        return _v2_limit(root, v2_path)
    return _v1_limit(root, v1_paths)


def schedulable_cpus() -> int:
    """CPUs this process may run on (its affinity: cpuset, taskset), else the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def available_cpus(root: Path = CGROUP_ROOT, proc_self_cgroup: Path = PROC_SELF_CGROUP) -> float:
    """CPUs this process can actually use: its cgroup limit, capped by its affinity."""
    cpus: float = schedulable_cpus()
    limit = cgroup_cpu_limit(root, proc_self_cgroup)
    if limit is not None:
        cpus = min(cpus, limit)
    return cpus


def long_concurrency(cpus: float) -> int:
    """Encodes a long worker runs at once: one per two CPUs, at least one."""
    return max(1, math.floor(cpus / CPUS_PER_ENCODE))


def ffmpeg_threads(cpus: float, concurrency: int) -> int:
    """Threads of one ffmpeg process: the worker's CPUs shared by its encodes, at least one
    (a 2-CPU pod: 2; a 3-CPU pod: 3; 1 CPU: 1)."""
    return max(1, math.floor(cpus / max(1, concurrency)))


def short_concurrency(cpus: float) -> int:
    """Processes of a short worker: two per CPU, between 2 and 16."""
    return min(SHORT_MAX, max(SHORT_MIN, math.floor(cpus * SHORT_PER_CPU)))


def _explicit(name: str) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else 0


def worker_concurrency(role: str, cpus: float | None = None) -> int:
    """The concurrency of ``role`` (celery-long or celery-short): the variable when it is set
    to a number above 0, else derived from the CPUs this container may use."""
    cpus = available_cpus() if cpus is None else cpus
    if role == "celery-long":
        return _explicit("CELERY_LONG_CONCURRENCY") or long_concurrency(cpus)
    if role == "celery-short":
        return _explicit("CELERY_SHORT_CONCURRENCY") or short_concurrency(cpus)
    raise ValueError(f"no concurrency for role {role!r}")


def main(argv: list[str]) -> int:
    """``python -m openpress.cpu ROLE [CGROUP_ROOT]``: print the worker's concurrency."""
    if len(argv) not in (1, 2) or argv[0] not in ("celery-long", "celery-short"):
        print(
            "usage: python -m openpress.cpu celery-long|celery-short [CGROUP_ROOT]", file=sys.stderr
        )
        return 64
    cpus = available_cpus(Path(argv[1])) if len(argv) == 2 else available_cpus()
    print(worker_concurrency(argv[0], cpus))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
