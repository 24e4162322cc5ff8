"""PostgreSQL in production (CloudNativePG): continuous backup and a schedule through the Barman
Cloud plugin (not the deprecated in-tree barmanObjectStore), a pinned image, one instance per
node, and app pods that are restarted when a Secret they read (openpress-db-app's rotated
password, openpress-secrets) changes."""

from __future__ import annotations

import re

import pytest

from openpress.deployment import kubernetes

PLUGIN = "barman-cloud.cloudnative-pg.io"


def _walk(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), item
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def test_wal_archiving_goes_through_the_barman_cloud_plugin_to_an_object_store(builds):
    prod = builds["prod"]
    (cluster,) = prod.of("Cluster")
    assert "barmanObjectStore" not in {p[-1] for p, _ in _walk(cluster)}  # deprecated in-tree
    (plugin,) = [p for p in cluster["spec"]["plugins"] if p["name"] == PLUGIN]
    assert plugin["isWALArchiver"] is True
    (store,) = prod.of("ObjectStore")
    assert store["apiVersion"] == "barmancloud.cnpg.io/v1"
    assert plugin["parameters"]["barmanObjectName"] == store["metadata"]["name"]
    assert store["metadata"]["namespace"] == cluster["metadata"]["namespace"]
    conf = store["spec"]["configuration"]
    assert conf["destinationPath"].startswith("s3://")
    # The keys are the operator's Secret, never values in the repository.
    for key in ("accessKeyId", "secretAccessKey"):
        ref = conf["s3Credentials"][key]
        assert set(ref) == {"name", "key"}
    assert conf["wal"]["compression"]
    assert re.fullmatch(r"\d+[dwm]", store["spec"]["retentionPolicy"])


def test_a_scheduled_base_backup_uses_the_plugin(builds):
    prod = builds["prod"]
    (cluster,) = prod.of("Cluster")
    (scheduled,) = prod.of("ScheduledBackup")
    spec = scheduled["spec"]
    assert spec["cluster"] == {"name": cluster["metadata"]["name"]}
    assert spec["method"] == "plugin"
    assert spec["pluginConfiguration"] == {"name": PLUGIN}
    assert len(spec["schedule"].split()) == 6  # seconds first: CloudNativePG's cron format
    assert spec["backupOwnerReference"] == "self"


def test_the_postgresql_image_is_pinned_to_a_minor_release(builds):
    (cluster,) = builds["prod"].of("Cluster")
    image = cluster["spec"]["imageName"]
    assert re.fullmatch(
        r"ghcr\.io/cloudnative-pg/postgresql:\d+\.\d+-(minimal|standard)-\w+", image
    )


def test_one_instance_per_node_is_required(builds):
    (cluster,) = builds["prod"].of("Cluster")
    affinity = cluster["spec"]["affinity"]
    assert affinity["podAntiAffinityType"] == "required"
    assert affinity["topologyKey"] == "kubernetes.io/hostname"
    assert cluster["spec"]["instances"] == 3  # hence three nodes (docs/deploy.md)


@pytest.mark.parametrize("which", ("dev", "prod"))
def test_pods_are_restarted_when_a_secret_they_read_changes(builds, which):
    """Variables are read at start. The Secrets are made outside kustomize (no hash suffix
    rolls the pods), and CloudNativePG's openpress-db-app is rotated in place: Reloader's
    annotation names every Secret each workload reads, so a change rolls exactly those pods."""
    seen = set()
    for workload in builds[which].workloads():
        if workload["kind"] == "Job":
            continue  # a one-shot run reads them when it starts
        names = kubernetes.secret_names(workload["spec"]["template"]["spec"])
        annotation = workload["metadata"].get("annotations", {}).get(kubernetes.RELOAD)
        if names:
            assert annotation is not None, workload["metadata"]["name"]
            assert sorted(annotation.split(",")) == names, workload["metadata"]["name"]
            seen |= set(names)
    expected = {"openpress-secrets"} | ({"openpress-db-app"} if which == "prod" else set())
    assert seen == expected
