"""Policies every build must keep: probes, resources, restricted security, worker placement,
one beat, production's replicas/autoscaling/budgets/network policies, and the CloudNativePG
cluster (a custom resource the schema validator cannot check)."""

from __future__ import annotations

import functools

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
    components = {w["metadata"]["labels"]["app.kubernetes.io/component"] for w in workloads}
    assert components >= APP_COMPONENTS | {"nginx", "redis"}
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
                assert set(c["resources"][kind]) >= {"cpu", "memory"}, where
        for c in containers(workload, init=False):
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                # A Job serves nothing: its deadline bounds it, not probes.
                assert (probe in c) == (workload["kind"] != "Job"), f"{name}/{c['name']}: {probe}"
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


@pytest.mark.parametrize("which", BUILDS)
def test_workers_avoid_web_nodes_as_a_strong_preference_and_spread(builds, which):
    for role in ("celery-short", "celery-long"):
        pod = builds[which].workload(role)["spec"]["template"]["spec"]
        anti = pod["affinity"]["podAntiAffinity"]
        assert set(anti) == {"preferredDuringSchedulingIgnoredDuringExecution"}
        terms = anti["preferredDuringSchedulingIgnoredDuringExecution"]
        assert {
            (
                t["weight"],
                t["podAffinityTerm"]["topologyKey"],
                t["podAffinityTerm"]["labelSelector"]["matchLabels"]["app.kubernetes.io/component"],
            )
            for t in terms
        } == {(100, "kubernetes.io/hostname", "web")}
        assert pod["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"


def test_dev_keeps_the_worker_rule_as_a_preference_for_one_node_clusters(builds):
    pod = builds["dev"].workload("celery-long")["spec"]["template"]["spec"]
    anti = pod["affinity"]["podAntiAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in anti
    assert anti["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"] == 100


@pytest.mark.parametrize("which", BUILDS)
def test_beat_has_a_standby_in_prod_rolls_and_is_never_autoscaled(builds, which):
    """Beats fire only under the beat lease (openpress/beat.py, tests/test_beat.py), so prod runs
    a standby that takes over a lost node's beat within the lease, and updates roll."""
    beat = builds[which].workload("celery-beat")
    assert beat["spec"]["replicas"] == (2 if which == "prod" else 1)
    assert beat["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    # Its pod is evicted from a node that stopped answering after 30 s, not the default 300 s.
    tolerations = beat["spec"]["template"]["spec"]["tolerations"]
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        (found,) = [t for t in tolerations if t["key"] == key]
        assert found["effect"] == "NoExecute"
        assert found["tolerationSeconds"] <= 30
    targets = {
        h["spec"]["scaleTargetRef"]["name"] for h in builds[which].of("HorizontalPodAutoscaler")
    }
    assert "celery-beat" not in targets


def test_dev_runs_one_of_everything(builds):
    for workload in builds["dev"].workloads():
        if workload["kind"] != "Job":  # no replicas field: the default, 1
            assert workload["spec"].get("replicas", 1) == 1, workload["metadata"]["name"]


def test_prod_replicas_and_autoscaling_follow_the_description(builds):
    prod = builds["prod"]
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in prod.of("HorizontalPodAutoscaler")}
    assert set(hpas) == {"web", "api", "celery-short", "celery-long"}
    for role in OPENPRESS.roles:
        if role.name in ("postgres", "migrate"):
            continue
        spec = prod.workload(role.name)["spec"]
        if role.name not in hpas:
            assert spec["replicas"] == role.scaling.replicas, role.name
        else:
            # The HPA's minimum holds the description's number; the Deployment sets none.
            assert "replicas" not in spec, role.name
            assert hpas[role.name]["spec"]["minReplicas"] == role.scaling.replicas, role.name
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


class Pod:
    """Somewhere a connection starts or ends: labels, namespace, named container ports."""

    def __init__(self, labels: dict, namespace: str = "openpress", ports: dict | None = None):
        self.labels, self.namespace, self.ports = labels, namespace, ports or {}


OUTSIDE = Pod({}, namespace="")  # an address outside the cluster (a client, an SMTP server)


def _pods(build) -> dict[str, Pod]:
    pods = {}
    for w in build.workloads():
        template = w["spec"]["template"]
        ports = {
            p["name"]: p["containerPort"]
            for c in template["spec"]["containers"]
            for p in c.get("ports", [])
        }
        component = template["metadata"]["labels"]["app.kubernetes.io/component"]
        pods[component] = Pod(template["metadata"]["labels"], ports=ports)
    pods["postgres"] = Pod({"cnpg.io/cluster": "openpress-db"})
    return pods


def _peer_matches(peer: dict, pod: Pod) -> bool:
    if pod is OUTSIDE:
        return False  # no ipBlock is used: only a rule without peers admits the outside
    # A namespaceSelector may only be {} (every namespace): no namespace is named (tested below).
    ok = "namespaceSelector" in peer or pod.namespace == "openpress"
    return ok and _selects(peer.get("podSelector", {}), pod.labels)


def _port_matches(rule: dict, port: int | str, protocol: str, target: Pod) -> bool:
    if "ports" not in rule:
        return True
    for p in rule["ports"]:
        number = target.ports.get(p["port"], p["port"]) if isinstance(p["port"], str) else p["port"]
        if number == port and p.get("protocol", "TCP") == protocol:
            return True
    return False


def _allowed(policies, source: Pod, target: Pod, port: int, protocol: str = "TCP") -> bool:
    def side(direction: str, selected: Pod, other: Pod) -> bool:
        key, peers = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        mine = [
            p
            for p in policies
            if selected.namespace == "openpress"
            and direction in p["spec"]["policyTypes"]
            and _selects(p["spec"]["podSelector"], selected.labels)
        ]
        if not mine:
            return True  # not isolated in this direction
        for policy in mine:
            for rule in policy["spec"].get(key, []):
                if not _port_matches(rule, port, protocol, target):
                    continue
                if peers not in rule or any(_peer_matches(peer, other) for peer in rule[peers]):
                    return True
        return False

    return side("Egress", source, target) and side("Ingress", target, source)


def test_prod_network_policies_isolate_both_directions(builds):
    prod = builds["prod"]
    policies = prod.of("NetworkPolicy")
    deny = prod.get("NetworkPolicy", "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    # No namespace is named: the operator and CoreDNS are found by their labels wherever they are.
    for policy in policies:
        for rule in policy["spec"].get("ingress", []) + policy["spec"].get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                assert peer.get("namespaceSelector", {}) == {}, policy["metadata"]["name"]

    pods = _pods(prod)
    allowed = functools.partial(_allowed, policies)
    nginx_port = pods["nginx"].ports["http"]
    uwsgi_port = pods["web"].ports["uwsgi"]  # the uwsgi protocol, nginx's way in
    probe_port = pods["web"].ports["http"]  # HTTP, for the kubelet's probes

    # In from outside: nginx only.
    assert allowed(OUTSIDE, pods["nginx"], nginx_port)
    for role in APP_COMPONENTS | {"redis", "postgres"}:
        for port in (uwsgi_port, probe_port, 5432, 6379):
            assert not allowed(OUTSIDE, pods[role], port), role
    # nginx -> web, api; nothing else reaches them.
    for role in ("web", "api"):
        assert allowed(pods["nginx"], pods[role], uwsgi_port)
        assert not allowed(pods["nginx"], pods[role], probe_port)
        for other in APP_COMPONENTS - {role}:
            assert not allowed(pods[other], pods[role], uwsgi_port), (other, role)
    assert not allowed(pods["nginx"], pods["redis"], 6379)
    assert not allowed(pods["nginx"], pods["postgres"], 5432)
    # The app roles reach PostgreSQL and Redis (and the Sentinels); Redis its peers.
    for role in APP_COMPONENTS:
        assert allowed(pods[role], pods["postgres"], 5432), role
        assert allowed(pods[role], pods["redis"], 6379), role
        assert allowed(pods[role], pods["redis"], 26379), role
    assert allowed(pods["redis"], pods["redis"], 6379)
    assert allowed(pods["postgres"], pods["postgres"], 5432)
    # Every pod asks the cluster DNS, wherever CoreDNS runs.
    coredns = Pod({"k8s-app": "kube-dns"}, namespace="kube-system")
    for role, pod in pods.items():
        assert allowed(pod, coredns, 53, "UDP"), role
    # Out of the cluster: web, api and celery-short for OIDC and mail; every app role for the
    # media bucket over HTTPS (components/s3-storage); nginx and Redis not.
    for role in ("web", "api", "celery-short"):
        assert allowed(pods[role], OUTSIDE, 443) and allowed(pods[role], OUTSIDE, 587), role
    for role in ("celery-long", "celery-beat"):
        assert allowed(pods[role], OUTSIDE, 443), role
        assert not allowed(pods[role], OUTSIDE, 587), role
    for role in ("nginx", "redis"):
        assert not allowed(pods[role], OUTSIDE, 443), role
    # PostgreSQL's instances reach the API server; the operator reaches them, from any namespace.
    assert allowed(pods["postgres"], OUTSIDE, 6443)
    for namespace in ("cnpg-system", "operators"):
        operator = Pod({"app.kubernetes.io/name": "cloudnative-pg"}, namespace=namespace)
        assert allowed(operator, pods["postgres"], 8000), namespace
    assert not allowed(Pod({"app": "other"}, namespace="other"), pods["postgres"], 5432)


# What a CloudNativePG v1 Cluster may say, as far as this overlay uses it (no schema offline).
CNPG_SPEC_FIELDS = {
    "instances",
    "imageName",
    "primaryUpdateStrategy",
    "bootstrap",
    "storage",
    "resources",
    "affinity",
    "plugins",
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
        e["name"]: e.get("value") or next(iter(e["valueFrom"].values()))
        for e in redis["spec"]["template"]["spec"]["initContainers"][0]["env"]
    }
    # REDISCLI_AUTH: the password Redis and the Sentinels require (docs/security.md, finding 7).
    assert init_env == {
        "MASTER_NAME": "openpress",
        "SENTINEL_QUORUM": "2",
        "REDISCLI_AUTH": {"name": "openpress-secrets", "key": "REDIS_PASSWORD"},
        "POD_NAME": {"fieldPath": "metadata.name"},
        "REDIS_ADMIN_PASSWORD": {"name": "openpress-secrets", "key": "REDIS_ADMIN_PASSWORD"},
    }
    names = [c["name"] for c in redis["spec"]["template"]["spec"]["containers"]]
    assert names == ["redis", "sentinel"]
    assert prod.get("Service", "redis")["spec"]["clusterIP"] == "None"
    assert prod.get("Service", "redis-sentinel")["spec"]["ports"][0]["port"] == 26379
