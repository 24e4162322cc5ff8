"""openpress/cpu.py reads a container's CPU limit from its cgroup, v2 and v1.

Each test writes the files a kernel would show under a cgroup root of its own (a temporary
folder) and a /proc/self/cgroup naming this process's group in it.
"""

from pathlib import Path

import pytest

from openpress import cpu


def v2_root(tmp_path: Path, cpu_max: dict[str, str], own: str = "/") -> tuple[Path, Path]:
    """A cgroup v2 hierarchy with ``cpu.max`` written in the given groups."""
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    for group, value in cpu_max.items():
        folder = root / group.strip("/") if group.strip("/") else root
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cpu.max").write_text(value + "\n")
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(f"0::{own}\n")
    return root, proc


def v1_root(
    tmp_path: Path, quota: str, period: str = "100000", own: str = "/", mount: str = "cpu,cpuacct"
) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    folder = root / mount / own.strip("/")
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text(quota + "\n")
    (folder / "cpu.cfs_period_us").write_text(period + "\n")
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(f"12:memory:{own}\n4:cpu,cpuacct:{own}\n1:name=systemd:{own}\n")
    return root, proc


@pytest.mark.parametrize(
    ("value", "cpus"),
    [("200000 100000", 2.0), ("50000 100000", 0.5), ("150000 50000", 3.0), ("max 100000", None)],
)
def test_v2_cpu_max_of_a_container_with_its_own_cgroup_namespace(tmp_path, value, cpus):
    root, proc = v2_root(tmp_path, {"/": value})
    assert cpu.cgroup_cpu_limit(root, proc) == cpus


def test_v2_limit_of_the_own_group_and_the_tightest_parent_without_a_namespace(tmp_path):
    # Without a cgroup namespace the root shows the host's tree: the pod's group is a child of
    # the kubepods slice, and a parent's limit binds its children too.
    own = "/kubepods.slice/pod1/container1"
    root, proc = v2_root(
        tmp_path,
        {"/": "max 100000", "/kubepods.slice/pod1": "300000 100000", own: "400000 100000"},
        own=own,
    )
    assert cpu.cgroup_cpu_limit(root, proc) == 3.0
    (root / own.strip("/") / "cpu.max").write_text("150000 100000\n")
    assert cpu.cgroup_cpu_limit(root, proc) == 1.5


def test_v1_cfs_quota_and_period(tmp_path):
    root, proc = v1_root(tmp_path, "200000", own="/docker/abc")
    assert cpu.cgroup_cpu_limit(root, proc) == 2.0


def test_v1_without_a_quota_is_no_limit(tmp_path):
    root, proc = v1_root(tmp_path, "-1", mount="cpu")
    assert cpu.cgroup_cpu_limit(root, proc) is None


def test_no_cgroup_files_is_no_limit(tmp_path):
    assert cpu.cgroup_cpu_limit(tmp_path / "nothing", tmp_path / "no-proc") is None


def test_available_cpus_is_the_limit_capped_by_the_cpus_the_process_may_run_on(tmp_path):
    own_cpus = cpu.schedulable_cpus()
    root, proc = v2_root(tmp_path, {"/": "50000 100000"})
    assert cpu.available_cpus(root, proc) == 0.5
    (root / "cpu.max").write_text(f"{(own_cpus + 14) * 100000} 100000\n")
    assert cpu.available_cpus(root, proc) == own_cpus
    (root / "cpu.max").write_text("max 100000\n")
    assert cpu.available_cpus(root, proc) == own_cpus


@pytest.mark.parametrize(
    ("cpus", "long", "threads", "short"),
    [
        (0.5, 1, 1, 2),
        (1, 1, 1, 2),
        (2, 1, 2, 4),  # the seed's celery-long pod: one encode of two threads
        (3, 1, 3, 6),
        (4, 2, 2, 8),
        (16, 8, 2, 16),  # a 16-core node without a limit: the old rule, kept for it
    ],
)
def test_worker_sizes_follow_the_cpus(cpus, long, threads, short):
    assert cpu.long_concurrency(cpus) == long
    assert cpu.ffmpeg_threads(cpus, long) == threads
    assert cpu.short_concurrency(cpus) == short


def test_an_explicit_concurrency_wins(monkeypatch):
    monkeypatch.setenv("CELERY_LONG_CONCURRENCY", "3")
    monkeypatch.setenv("CELERY_SHORT_CONCURRENCY", "0")
    assert cpu.worker_concurrency("celery-long", 2) == 3
    assert cpu.worker_concurrency("celery-short", 2) == 4


def test_the_command_the_entrypoint_runs_reads_a_cgroup_root(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CELERY_LONG_CONCURRENCY", raising=False)
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cgroup.controllers").write_text("cpu\n")
    # The real /proc/self/cgroup of this process names its own group; in a namespace it is "/".
    (root / "cpu.max").write_text("100000 100000\n")
    assert cpu.main(["celery-long", str(root)]) == 0
    assert capsys.readouterr().out.strip() == "1"
    assert cpu.main(["celery-beat"]) == 64
