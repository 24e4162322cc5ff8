"""Policies every build must keep: probes, resources, restricted security, worker placement,
one beat, production's replicas/autoscaling/budgets/network policies, and the CloudNativePG
cluster (a custom resource the schema validator cannot check)."""

from __future__ import annotations

import pytest

from openpress import config
from openpress.deployment.model import resolve
from openpress.deployment.topology import OPENPRESS
from tests.deploy.conftest import containers

BUILDS = ("base", "dev", "prod")
APP_COMPONENTS = {"web", "api", "celery-short", "celery-long", "celery-beat", "migrate"}


@pytest.mark.parametrize("which", BUILDS)
def test_every_container_has_probes_resources_and_a_restricted_context(builds, which):
    workloads = builds[which].workloads()
    assert {w["metadata"]["name"] for w in workloads} >= APP_COMPONENTS | {"nginx", "redis"}
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        name = workload["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] >= 10000, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        for c in containers(workload):
            where = f"{name}/{c['name']}"
            ctx = c["securityContext"]
            assert ctx["allowPrivilegeEscalation"] is False, where
            assert ctx["readOnlyRootFilesystem"] is True, where
            assert ctx["runAsNonRoot"] is True, where
            assert ctx["capabilities"] == {"drop": ["ALL"]}, where
            for kind in ("requests", "limits"):
                assert set(c["resources"][kind]) == {"cpu", "memory"}, where
        for c in containers(workload, init=False):
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in c, f"{name}/{c['name']} has no {probe}"
        # Writable places are emptyDirs or volumes, never the image.
        mounted = {m["name"] for c in containers(workload) for m in c.get("volumeMounts", [])}
        declared = {v["name"] for v in pod.get("volumes", [])}
        claims = {t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])}
        assert mounted <= declared | claims, name


def test_liveness_never_asks_the_database(builds):
    for role in ("web", "api"):
        c = builds["base"].workload(role)["spec"]["template"]["spec"]["containers"][0]
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"


@pytest.mark.parametrize("which", ("base", "prod"))
def test_workers_never_share_a_node_with_web_and_spread(builds, which):
    for role in ("celery-short", "celery-long"):
        pod = builds[which].workload(role)["spec"]["template"]["spec"]
        terms = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        assert {
            (t["topologyKey"], t["labelSelector"]["matchLabels"]["app.kubernetes.io/component"])
            for t in terms
        } == {("kubernetes.io/hostname", "web")}
        assert pod["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"


def test_dev_keeps_the_worker_rule_as_a_preference_for_one_node_clusters(builds):
    pod = builds["dev"].workload("celery-long")["spec"]["template"]["spec"]
    anti = pod["affinity"]["podAntiAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in anti
    assert anti["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"] == 100


@pytest.mark.parametrize("which", BUILDS)
def test_beat_has_one_replica_recreated_and_is_never_autoscaled(builds, which):
    beat = builds[which].workload("celery-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    targets = {
        h["spec"]["scaleTargetRef"]["name"] for h in builds[which].of("HorizontalPodAutoscaler")
    }
    assert "celery-beat" not in targets


def test_dev_runs_one_of_everything(builds):
    for workload in builds["dev"].workloads():
        if workload["kind"] != "Job":
            assert workload["spec"]["replicas"] == 1, workload["metadata"]["name"]


def test_prod_replicas_and_autoscaling_follow_the_description(builds):
    prod = builds["prod"]
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in prod.of("HorizontalPodAutoscaler")}
    assert set(hpas) == {"web", "api", "celery-short", "celery-long"}
    for role in OPENPRESS.roles:
        if role.name in ("postgres", "migrate"):
            continue
        assert prod.workload(role.name)["spec"]["replicas"] == role.scaling.replicas, role.name
        if role.name in hpas:
            hpa = hpas[role.name]
            assert hpa["apiVersion"] == "autoscaling/v2"
            assert hpa["spec"]["minReplicas"] == role.scaling.min_replicas
            assert hpa["spec"]["maxReplicas"] == role.scaling.max_replicas
            target = hpa["spec"]["metrics"][0]["resource"]["target"]
            assert target["averageUtilization"] == role.scaling.cpu_percent


def test_prod_sets_the_release_tag_once_for_both_images(builds):
    images = {
        c["image"]
        for w in builds["prod"].workloads()
        for c in containers(w)
        if "openpress" in c["image"]
    }
    assert images == {
        "registry.example.org/openpress/app:0.1.0",
        "registry.example.org/openpress/nginx:0.1.0",
    }


def _selects(selector: dict, labels: dict) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        assert expr["operator"] == "In"
        if labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


def test_prod_budgets_cover_every_serving_role(builds):
    pdbs = builds["prod"].of("PodDisruptionBudget")
    for role in ("nginx", "web", "api", "celery-short", "celery-long", "redis"):
        labels = builds["prod"].workload(role)["spec"]["template"]["metadata"]["labels"]
        assert any(_selects(p["spec"]["selector"], labels) for p in pdbs), role


def test_prod_network_policies_let_only_nginx_take_outside_traffic(builds):
    prod = builds["prod"]
    policies = prod.of("NetworkPolicy")
    deny = prod.get("NetworkPolicy", "default-deny-ingress")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    app_labels = {"app.kubernetes.io/name": "openpress"}
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            if "from" not in rule:  # from anywhere
                assert policy["spec"]["podSelector"]["matchLabels"] == {
                    **app_labels,
                    "app.kubernetes.io/component": "nginx",
                }, policy["metadata"]["name"]

    def allowed_from(target_labels: dict, port: int) -> set[str]:
        sources: set[str] = set()
        for policy in policies:
            if not _selects(policy["spec"]["podSelector"], target_labels):
                continue
            for rule in policy["spec"].get("ingress", []):
                if port not in {p["port"] for p in rule.get("ports", [])}:
                    continue
                for peer in rule.get("from", [{"anywhere": True}]):
                    for component in sorted(APP_COMPONENTS | {"nginx", "redis"}):
                        labels = {**app_labels, "app.kubernetes.io/component": component}
                        if "podSelector" in peer and _selects(peer["podSelector"], labels):
                            sources.add(component)
                    if "anywhere" in peer:
                        sources.add("anywhere")
        return sources

    postgres = {"cnpg.io/cluster": "openpress-db"}
    assert allowed_from(postgres, 5432) == APP_COMPONENTS
    redis = {**app_labels, "app.kubernetes.io/component": "redis"}
    assert allowed_from(redis, 6379) == APP_COMPONENTS | {"redis"}
    web = {**app_labels, "app.kubernetes.io/component": "web"}
    assert allowed_from(web, 9000) == {"nginx"}
    nginx = {**app_labels, "app.kubernetes.io/component": "nginx"}
    assert allowed_from(nginx, 80) == {"anywhere"}


# What a CloudNativePG v1 Cluster may say, as far as this overlay uses it (no schema offline).
CNPG_SPEC_FIELDS = {
    "instances",
    "imageName",
    "primaryUpdateStrategy",
    "bootstrap",
    "storage",
    "resources",
    "affinity",
}


def test_prod_runs_postgresql_as_a_cloudnativepg_cluster_of_three(builds):
    prod = builds["prod"]
    (cluster,) = prod.of("Cluster")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["metadata"]["namespace"] == "openpress"
    spec = cluster["spec"]
    assert set(spec) <= CNPG_SPEC_FIELDS, set(spec) - CNPG_SPEC_FIELDS
    assert spec["instances"] == 3
    assert spec["primaryUpdateStrategy"] in {"unsupervised", "supervised"}
    assert spec["storage"]["size"].endswith("Gi")
    assert spec["affinity"]["podAntiAffinityType"] == "required"
    # The same database and owner as everywhere else (compose, dev).
    url = resolve(next(e.value for e in OPENPRESS.role("web").env if e.name == "DATABASE_URL"))
    assert spec["bootstrap"]["initdb"] == {"database": "openpress", "owner": "openpress"}
    assert url.endswith("@postgres:5432/openpress") and url.startswith("postgres://openpress:")
    # No StatefulSet PostgreSQL beside it, and every app container reads the operator's URI.
    with pytest.raises(KeyError):
        prod.workload("postgres")
    app_secret = f"{cluster['metadata']['name']}-app"
    for role in APP_COMPONENTS:
        for c in containers(prod.workload(role)):
            env = {e["name"]: e for e in c["env"]}
            ref = env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": app_secret, "key": "uri"}, f"{role}/{c['name']}"


def test_prod_follows_redis_failover_through_the_sentinels(builds):
    prod = builds["prod"]
    (cm,) = [
        c for c in prod.of("ConfigMap") if c["metadata"]["name"].startswith("openpress-config")
    ]
    assert cm["data"]["REDIS_SENTINELS"] == "redis-sentinel:26379"
    assert cm["data"]["REDIS_MASTER_NAME"] == config.BY_NAME["REDIS_MASTER_NAME"].default
    redis = prod.workload("redis")
    assert redis["spec"]["replicas"] == 3
    init_env = {
        e["name"]: e.get("value") or e["valueFrom"]["secretKeyRef"]["key"]
        for e in redis["spec"]["template"]["spec"]["initContainers"][0]["env"]
    }
    # REDISCLI_AUTH: the password Redis and the Sentinels require (docs/security.md, finding 7).
    assert init_env == {
        "MASTER_NAME": "openpress",
        "SENTINEL_QUORUM": "2",
        "REDISCLI_AUTH": "REDIS_PASSWORD",
    }
    names = [c["name"] for c in redis["spec"]["template"]["spec"]["containers"]]
    assert names == ["redis", "sentinel"]
    assert prod.get("Service", "redis")["spec"]["clusterIP"] == "None"
    assert prod.get("Service", "redis-sentinel")["spec"]["ports"][0]["port"] == 26379
