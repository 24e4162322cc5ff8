"""What a real cluster does with the rendered overlays (issue 12): scheduling, volumes, scaling,
upgrades and local disk, checked offline on the objects `kubectl kustomize` prints.

No API server runs here, so where a question could only be answered by simulating the scheduler
the design removes it instead (no inter-pod *requirement* between our roles, so no placement
can deadlock), and what is left is arithmetic: the requests of each overlay fit the nodes
docs/deploy.md ("Nodes") tells a person to have.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from openpress import config
from openpress.deployment import kubernetes, topology
from openpress.deployment.model import GENERATED_LINE
from openpress.deployment.topology import OPENPRESS
from tests.deploy.conftest import ROOT, Build, run, tool

BUILDS = ("base", "dev", "prod")
# Media on a shared volume; prod keeps them in a bucket (components/s3-storage, test_s3_storage).
FILESYSTEM_BUILDS = ("base", "dev")
UNITS = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "m": 0.001}


def quantity(value: str | int | float) -> float:
    text = str(value)
    for suffix, factor in UNITS.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


# --- 1. scheduling: no deadlock, and the nodes each overlay needs ----------------------------


@pytest.mark.parametrize("which", BUILDS)
def test_no_role_requires_or_refuses_another_roles_node(builds, which):
    """Required (anti-)affinity between roles binds both ways and can leave pods Pending for
    good (workers on every node, web with nowhere to go); only preferences are rendered."""
    for workload in builds[which].workloads():
        affinity = workload["spec"]["template"]["spec"].get("affinity", {})
        for kind in ("podAffinity", "podAntiAffinity"):
            terms = affinity.get(kind, {})
            assert "requiredDuringSchedulingIgnoredDuringExecution" not in terms, (
                workload["metadata"]["name"],
                kind,
            )
        assert "nodeAffinity" not in affinity, workload["metadata"]["name"]
        spread = workload["spec"]["template"]["spec"].get("topologySpreadConstraints", [])
        for constraint in spread:
            assert constraint["whenUnsatisfiable"] == "ScheduleAnyway", workload["metadata"]


# The nodes docs/deploy.md ("Nodes") asks for: allocatable CPU, memory and local disk, after
# RESERVED for the system's own pods (k3s: CoreDNS, Traefik, metrics-server, local-path).
RESERVED = {"cpu": 0.5, "memory": 1 * 1024**3, "ephemeral-storage": 10 * 1024**3}
DEV_NODES = [{"cpu": 4, "memory": 8 * 1024**3, "ephemeral-storage": 40 * 1024**3}]
PROD_NODES_AT_MINIMUM = [{"cpu": 4, "memory": 8 * 1024**3, "ephemeral-storage": 80 * 1024**3}] * 3
PROD_NODES_AT_MAXIMUM = [{"cpu": 8, "memory": 16 * 1024**3, "ephemeral-storage": 100 * 1024**3}] * 3
RESOURCES = tuple(RESERVED)


def _pod_requests(spec: dict) -> dict[str, float]:
    """What the scheduler reserves for a pod: the containers' sum, or the largest init."""
    out = {}
    for r in RESOURCES:
        main = sum(quantity(c["resources"]["requests"].get(r, 0)) for c in spec["containers"])
        init = [
            quantity(c["resources"]["requests"].get(r, 0)) for c in spec.get("initContainers", [])
        ]
        out[r] = max([main, *init])
    return out


def _pods(build: Build, *, at_maximum: bool) -> list[tuple[str, dict[str, float]]]:
    """Every pod of the build (HPA-managed roles at their bound), CloudNativePG's instances too."""
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in build.of("HorizontalPodAutoscaler")
    }
    pods = []
    for w in build.workloads():
        name = w["metadata"]["name"]
        if name in hpas:
            count = hpas[name]["maxReplicas" if at_maximum else "minReplicas"]
        else:
            count = w["spec"].get("replicas", 1)
        pods += [(name, _pod_requests(w["spec"]["template"]["spec"]))] * count
    for cluster in build.of("Cluster"):
        requests = cluster["spec"]["resources"]["requests"]
        pod = {r: quantity(requests.get(r, 0)) for r in RESOURCES}
        pods += [("postgres-instance", pod)] * cluster["spec"]["instances"]
    return pods


def _place(pods, nodes) -> list[dict[str, float]] | None:
    """First fit, largest first, PostgreSQL instances on distinct nodes (CloudNativePG's
    required anti-affinity, the only hard rule between pods): a placement, or None."""
    free = [{r: node[r] - RESERVED[r] for r in RESOURCES} for node in nodes]
    postgres_on: set[int] = set()
    order = sorted(pods, key=lambda p: (p[0] != "postgres-instance", -p[1]["cpu"]))
    for name, need in order:
        for i, room in enumerate(free):
            if name == "postgres-instance" and i in postgres_on:
                continue
            if all(room[r] >= need[r] for r in RESOURCES):
                for r in RESOURCES:
                    room[r] -= need[r]
                if name == "postgres-instance":
                    postgres_on.add(i)
                break
        else:
            return None
    return free


def test_dev_fits_one_node(builds):
    assert _place(_pods(builds["dev"], at_maximum=False), DEV_NODES) is not None


def test_prod_fits_three_nodes_at_the_minimum_and_at_the_autoscalers_maximum(builds):
    prod = builds["prod"]
    assert _place(_pods(prod, at_maximum=False), PROD_NODES_AT_MINIMUM) is not None
    assert _place(_pods(prod, at_maximum=True), PROD_NODES_AT_MAXIMUM) is not None
    # ... and the sizes are not generous by accident: at its maximum prod does not fit the
    # minimum's nodes (the docs say to grow the nodes, or add some, before raising the HPAs).
    assert _place(_pods(prod, at_maximum=True), PROD_NODES_AT_MINIMUM) is None
    # Three nodes are needed whatever their size: one per PostgreSQL instance.
    big = [{"cpu": 64, "memory": 256 * 1024**3, "ephemeral-storage": 1024**4}]
    assert _place(_pods(prod, at_maximum=False), big * 2) is None


# --- 2. storage: one node with local-path (dev); prod has a bucket (test_s3_storage.py) ------


def test_dev_media_is_read_write_once_on_the_default_class(builds):
    (claim,) = [
        c for c in builds["dev"].of("PersistentVolumeClaim") if c["metadata"]["name"] == "media"
    ]
    # k3s's local-path provisioner refuses ReadWriteMany; RWO on one node is what it offers.
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert "storageClassName" not in claim["spec"]  # the cluster's default class
    # Nothing in dev asks for RWX at all (PostgreSQL and Redis claim per pod, RWO).
    for w in builds["dev"].workloads():
        for t in w["spec"].get("volumeClaimTemplates", []):
            assert t["spec"]["accessModes"] == ["ReadWriteOnce"]


@pytest.mark.parametrize("which", FILESYSTEM_BUILDS)
def test_nginx_claims_media_read_only_so_its_fsgroup_never_takes_it_over(builds, which):
    pod = builds[which].workload("nginx")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "media")
    assert volume["persistentVolumeClaim"] == {"claimName": "media", "readOnly": True}
    assert pod["securityContext"]["fsGroup"] != 10001  # nginx's own group


@pytest.mark.parametrize("which", FILESYSTEM_BUILDS)
def test_pods_writing_media_check_it_is_writable_and_skip_recursive_chowns(builds, which):
    for role in ("web", "api", "celery-short", "celery-long", "celery-beat"):
        pod = builds[which].workload(role)["spec"]["template"]["spec"]
        assert pod["securityContext"]["fsGroupChangePolicy"] == "OnRootMismatch", role
        (init,) = pod["initContainers"]
        assert kubernetes.MEDIA_WRITABLE in init["command"][-1], role
        assert {"name": "media", "mountPath": "/data/media"} in init["volumeMounts"], role
        # No root, no chown: the pod stays within Pod Security "restricted".
        assert init["securityContext"]["runAsNonRoot"] is True
        assert "chown" not in init["command"][-1]


@pytest.fixture
def as_app_user():
    """Run a command as the app's uid/gid (10001), as the pod does: root writes anywhere."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to uid 10001 (CI runs as root)")

    def become():
        os.setgid(10001)
        os.setgroups([10001])
        os.setuid(10001)

    return become


def test_the_writable_check_stops_a_pod_whose_volume_ignores_fsgroup(as_app_user):
    # Outside pytest's own tmp folders (root's, 0700), so the app user can reach the volume.
    base = Path(tempfile.mkdtemp(prefix="openpress-volume-"))
    os.chmod(base, 0o755)  # noqa: S103 - the app user must reach the folder
    media = base / "media"
    media.mkdir()
    try:
        _check_volume(media, as_app_user)
    finally:
        shutil.rmtree(base)


def _check_volume(media: Path, as_app_user) -> None:

    def check():
        return subprocess.run(
            ["/bin/sh", "-ec", kubernetes.MEDIA_WRITABLE],
            env={"MEDIA_ROOT": str(media), "HOSTNAME": "web-1", "PATH": os.environ["PATH"]},
            preexec_fn=as_app_user,
            capture_output=True,
            text=True,
            check=False,
        )

    # What NFS-backed storage hands out when it ignores fsGroup: root's, 0755.
    os.chown(media, 0, 0)
    os.chmod(media, 0o755)  # noqa: S103 - what such storage hands out
    refused = check()
    assert refused.returncode == 1
    assert "not writable by uid 10001" in refused.stderr and "docs/deploy.md" in refused.stderr
    # A root the storage made writable for the app's group (docs: setgid, group 10001) passes,
    # and the check leaves nothing behind.
    os.chown(media, 0, 10001)
    os.chmod(media, 0o2775)  # noqa: S103 - group-writable for gid 10001, as docs ask
    assert check().returncode == 0
    assert list(media.iterdir()) == []


# --- 5. autoscaled roles: no replicas field for `kubectl apply` to reset ----------------------


@pytest.mark.parametrize("which", BUILDS)
def test_no_object_an_hpa_targets_sets_replicas(builds, which):
    build = builds[which]
    autoscaled = {r.name for r in OPENPRESS.roles if r.scaling.autoscaled}
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in build.of("HorizontalPodAutoscaler")}
    assert targets <= autoscaled
    for name in autoscaled | targets:
        assert "replicas" not in build.workload(name)["spec"], (which, name)
    if which == "prod":
        assert targets == autoscaled


def test_the_docs_no_longer_advise_server_side_apply_against_the_autoscalers():
    text = (ROOT / "docs" / "deploy.md").read_text()
    assert "let the HPA own" not in text
    assert "edit-last-applied" in text  # the one-time handover of spec.replicas


# --- 7. migrations once per release ---------------------------------------------------------


def _job(build: Build) -> dict:
    (job,) = build.of("Job")
    return job


@pytest.mark.parametrize("which", ("dev", "prod"))
def test_the_migrate_job_is_named_after_the_release(builds, which):
    job = _job(builds[which])
    (c,) = job["spec"]["template"]["spec"]["containers"]
    tag = c["image"].rsplit(":", 1)[1]
    assert job["metadata"]["name"] == f"migrate-{tag}"
    # The name is also the pods' job-name label: a DNS label of at most 63 characters.
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?", job["metadata"]["name"])
    # Nothing in its template follows the ConfigMap (whose name changes with any setting), so
    # the same release applied again is the same Job, unchanged; no probes, no media volume.
    assert all("configMapKeyRef" not in e.get("valueFrom", {}) for e in c["env"])
    assert not {"startupProbe", "livenessProbe", "readinessProbe"} & set(c)
    assert "media" not in {v["name"] for v in job["spec"]["template"]["spec"]["volumes"]}
    assert "media" not in {m["name"] for m in c["volumeMounts"]}


def test_a_new_release_tag_is_a_new_migrate_job(deploy_copy, tmp_path):
    copy = tmp_path / "deploy"
    shutil.copytree(deploy_copy, copy)
    kustomization = copy / "overlays" / "prod" / "kustomization.yaml"
    text = kustomization.read_text()
    assert text.count('newTag: "0.1.0"') == 2
    kustomization.write_text(text.replace('newTag: "0.1.0"', 'newTag: "0.2.0"'))
    proc = run(tool("kubectl"), "kustomize", str(copy / "overlays" / "prod"))
    assert proc.returncode == 0, proc.stderr
    (job,) = Build(tmp_path / "x", proc.stdout).of("Job")
    assert job["metadata"]["name"] == "migrate-0.2.0"


# --- 12. local disk sized from UPLOAD_MAX_SIZE -------------------------------------------------


def _volume(pod: dict, name: str) -> dict:
    return next(v for v in pod["volumes"] if v["name"] == name)


@pytest.mark.parametrize("which", BUILDS)
def test_scratch_and_ephemeral_storage_follow_the_upload_limit(builds, which):
    upload = int(config.BY_NAME["UPLOAD_MAX_SIZE"].default)
    for role, volume in (
        ("celery-long", "data-scratch"),
        ("celery-short", "data-scratch"),
        ("web", "data-scratch"),
        ("api", "data-scratch"),
        ("nginx", "var-cache-nginx"),
    ):
        pod = builds[which].workload(role)["spec"]["template"]["spec"]
        limit = quantity(_volume(pod, volume)["emptyDir"]["sizeLimit"])
        (c,) = pod["containers"]
        ephemeral = c["resources"]["limits"]["ephemeral-storage"]
        # The pod is evicted on its own scratch before it could fill the node.
        assert quantity(ephemeral) >= limit, role
        assert quantity(c["resources"]["requests"]["ephemeral-storage"]) <= quantity(ephemeral)
        if role == "celery-long":
            # Outputs and a copy of the source, for each encode the pod runs at once.
            assert limit >= 2 * upload * topology.CELERY_LONG_SLOTS
            # Room for one upload is reserved at scheduling.
            assert quantity(c["resources"]["requests"]["ephemeral-storage"]) >= upload
        if role in ("web", "api", "nginx"):
            assert limit >= upload, role  # one request body at least


def test_the_sizes_are_derived_from_the_upload_limit_not_repeated(monkeypatch):
    before = topology.disk("celery-long", "1", "1Gi", "2", "3Gi")
    var = dataclasses.replace(config.BY_NAME["UPLOAD_MAX_SIZE"], default=str(16 * 1024**3))
    monkeypatch.setitem(config.BY_NAME, "UPLOAD_MAX_SIZE", var)
    after = topology.disk("celery-long", "1", "1Gi", "2", "3Gi")
    assert quantity(after.ephemeral_limit) == quantity(before.ephemeral_limit) + 2 * 12 * 1024**3
    assert topology.scratch_limit("celery-long") == (("/data/scratch", "32Gi"),)


# --- 16. the namespace outlives `kubectl delete -k` ----------------------------------------------


@pytest.mark.parametrize("which", ("dev", "prod"))
def test_no_overlay_owns_the_namespace(builds, which):
    assert builds[which].of("Namespace") == []
    for doc in builds[which].docs:
        assert doc["metadata"].get("namespace") == OPENPRESS.namespace, doc["metadata"]["name"]


def test_the_namespace_file_is_generated_and_restricted():
    (namespace,) = [
        d for d in yaml.safe_load_all((ROOT / "deploy" / "namespace.yaml").read_text()) if d
    ]
    assert namespace["kind"] == "Namespace"
    assert namespace["metadata"]["name"] == OPENPRESS.namespace
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert not (ROOT / "deploy" / "base" / "namespace.yaml").exists()
    assert (ROOT / "deploy" / "namespace.yaml").read_text().startswith(GENERATED_LINE)
