"""deploy/base from the description: one file per role plus the kustomization.

Conventions every manifest follows (tests/deploy checks them): labels
``app.kubernetes.io/name=openpress`` and ``app.kubernetes.io/component=<role>``; a restricted
security context (non-root, no privilege escalation, every capability dropped, read-only root
filesystem with emptyDirs where writes are needed, RuntimeDefault seccomp); startup, liveness and
readiness probes; requests and limits. Base runs one replica of everything; overlays scale.
"""

from __future__ import annotations

import hashlib
from typing import Any

from openpress import config
from openpress.deployment.model import Description, Probe, Role, resolve
from openpress.deployment.yamltext import dump

SECRET = "openpress-secrets"  # noqa: S105 - the name of the Secret, not a value
CONFIG = "openpress-config"
PART_OF = "app.kubernetes.io/part-of"
COMPONENT = "app.kubernetes.io/component"
REDIS_MASTER_NAME = config.BY_NAME["REDIS_MASTER_NAME"].default or "openpress"


def labels(role: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": "openpress", COMPONENT: role}


def _volume_name(path: str) -> str:
    return path.strip("/").replace("/", "-").replace(".", "-")


def _probe(probe: Probe) -> dict[str, Any]:
    if probe.http_path:
        action: dict[str, Any] = {
            "httpGet": {
                "path": probe.http_path,
                "port": probe.port,
                # Django answers only the hosts in ALLOWED_HOSTS; localhost is always one.
                "httpHeaders": [{"name": "Host", "value": "localhost"}],
            }
        }
    else:
        action = {"exec": {"command": list(probe.command)}}
    return {
        **action,
        "periodSeconds": probe.period,
        "timeoutSeconds": probe.timeout,
        "failureThreshold": probe.failures,
    }


def container_security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def pod_security(uid: int, *, low_ports: bool = False) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if low_ports:
        # nginx listens on 80 without root or NET_BIND_SERVICE: a namespaced, "safe" sysctl.
        ctx["sysctls"] = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
    return ctx


def _resources(role: Role) -> dict[str, Any]:
    r = role.resources
    assert r is not None
    return {
        "requests": {"cpu": r.cpu_request, "memory": r.memory_request},
        "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
    }


def _env(role: Role) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for env in role.env:
        if env.from_secrets:
            ref = {"secretKeyRef": {"name": SECRET, "key": env.from_secrets}}
        else:
            ref = {"configMapKeyRef": {"name": CONFIG, "key": env.name}}
        out.append({"name": env.name, "valueFrom": ref})
    return out


def _mounts(role: Role) -> list[dict[str, Any]]:
    mounts: list[dict[str, Any]] = []
    for m in role.mounts:
        mount: dict[str, Any] = {"name": m.volume, "mountPath": m.path}
        if m.read_only:
            mount["readOnly"] = True
        mounts.append(mount)
    mounts += [{"name": _volume_name(p), "mountPath": p} for p in role.scratch]
    return mounts


def _volumes(role: Role, desc: Description) -> list[dict[str, Any]]:
    shared = {v.name for v in desc.volumes if v.access == "ReadWriteMany"}
    volumes: list[dict[str, Any]] = [
        {"name": m.volume, "persistentVolumeClaim": {"claimName": m.volume}}
        for m in role.mounts
        if m.volume in shared
    ]
    volumes += [{"name": _volume_name(p), "emptyDir": {}} for p in role.scratch]
    return volumes


def container(role: Role, name: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name or role.name,
        "image": role.image.reference,
        "imagePullPolicy": "IfNotPresent",
    }
    if role.command:
        # The image's ENTRYPOINT stays; compose's `command` is Kubernetes' `args`.
        c["args"] = list(role.command)
    if role.ports:
        c["ports"] = [
            {"name": p.name, "containerPort": p.container, "protocol": "TCP"} for p in role.ports
        ]
    if role.env:
        c["env"] = _env(role)
    c["volumeMounts"] = _mounts(role)
    assert role.health is not None
    c["startupProbe"] = _probe(role.health.startup)
    c["livenessProbe"] = _probe(role.health.liveness)
    c["readinessProbe"] = _probe(role.health.readiness)
    c["resources"] = _resources(role)
    c["securityContext"] = container_security()
    return c


def _wait_for_migrations(role: Role) -> dict[str, Any]:
    """compose's `depends_on: migrate: service_completed_successfully`, as an init container."""
    return {
        "name": "wait-for-migrations",
        "image": role.image.reference,
        "imagePullPolicy": "IfNotPresent",
        "command": [
            "/bin/sh",
            "-c",
            "until python /app/manage.py migrate --check >/dev/null; do sleep 5; done",
        ],
        "env": _env(role),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108
        "resources": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "384Mi"},
        },
        "securityContext": container_security(),
    }


def _affinity(role: Role) -> dict[str, Any]:
    return {
        "podAntiAffinity": {
            # The seed's rule: encoders never share a node with the web pods they would starve.
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "topologyKey": "kubernetes.io/hostname",
                    "labelSelector": {"matchLabels": labels(o)},
                }
                for o in role.anti_affine_to
            ]
        }
    }


def _spread(role: Role) -> list[dict[str, Any]]:
    return [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": labels(role.name)},
        }
    ]


def pod_spec(role: Role, desc: Description) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security(
            role.run_as, low_ports=any(p.container < 1024 for p in role.ports)
        ),
    }
    if role.anti_affine_to:
        spec["affinity"] = _affinity(role)
    if role.kind == "deployment":
        spec["topologySpreadConstraints"] = _spread(role)
    if role.image.role_entrypoint and role.kind == "deployment":
        spec["initContainers"] = [_wait_for_migrations(role)]
    spec["containers"] = [container(role)]
    spec["volumes"] = _volumes(role, desc)
    return spec


def _meta(name: str, role: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "labels": labels(role), **extra}


def deployment(role: Role, desc: Description) -> dict[str, Any]:
    if role.name == "celery-beat":
        # Never two ticking: the old pod is gone before the new one starts.
        strategy: dict[str, Any] = {"type": "Recreate"}
    else:
        strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(role.name, role.name),
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "strategy": strategy,
            "selector": {"matchLabels": labels(role.name)},
            "template": {
                "metadata": {"labels": labels(role.name)},
                "spec": pod_spec(role, desc),
            },
        },
    }


def job(role: Role, desc: Description) -> dict[str, Any]:
    spec = pod_spec(role, desc)
    spec["restartPolicy"] = "Never"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _meta(role.name, role.name),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 1800,
            # A finished Job goes away, so the next release's `kubectl apply` creates it anew
            # (a Job's pod template cannot be changed in place; docs/deploy.md, "Upgrade").
            "ttlSecondsAfterFinished": 600,
            "template": {"metadata": {"labels": labels(role.name)}, "spec": spec},
        },
    }


def service(role: Role, *, headless: bool = False, name: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if headless:
        spec["clusterIP"] = "None"
    spec["selector"] = labels(role.name)
    spec["ports"] = [
        {"name": p.name, "port": p.container, "targetPort": p.name, "protocol": "TCP"}
        for p in role.ports
    ]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name or role.name, role.name),
        "spec": spec,
    }


def postgres(role: Role, desc: Description) -> list[dict[str, Any]]:
    c = container(role)
    c.pop("args", None)
    # A subfolder of the volume: initdb refuses a mount point holding lost+found.
    c["env"].append({"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"})
    for env in c["env"]:
        if "configMapKeyRef" in env.get("valueFrom", {}):
            env.pop("valueFrom")
            env["value"] = resolve(next(e.value for e in role.env if e.name == env["name"]))
    spec = pod_spec(role, desc)
    spec["containers"] = [c]
    spec["terminationGracePeriodSeconds"] = 60
    volume = next(v for v in desc.volumes if v.name == "pgdata")
    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta("postgres", "postgres"),
        "spec": {
            "serviceName": "postgres",
            "replicas": 1,
            "selector": {"matchLabels": labels("postgres")},
            "template": {"metadata": {"labels": labels("postgres")}, "spec": spec},
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "pgdata"},
                    "spec": {
                        "accessModes": [volume.access],
                        "resources": {"requests": {"storage": volume.size}},
                    },
                }
            ],
        },
    }
    return [service(role, headless=True), statefulset]


REDIS_INIT = """\
#!/bin/sh
# Writes this pod's redis.conf and sentinel.conf into /conf (an emptyDir). The master is the one
# the sentinels name; with no sentinel answering (first start of the set), redis-0 is the master.
# Redis, its replication and the Sentinels all require the password (REDISCLI_AUTH, from the
# openpress-secrets Secret's REDIS_PASSWORD; redis-cli reads it from there too).
set -eu
case "${REDISCLI_AUTH:-}" in
    '' | *[!A-Za-z0-9_-]*)
        echo "redis: REDIS_PASSWORD must be set to letters, digits, '-' or '_'" >&2
        exit 64
        ;;
esac
umask 077
me="$HOSTNAME.redis"
master=""
if answer=$(redis-cli -h redis-sentinel -p 26379 --raw \\
        sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null); then
    master=$(printf '%s\\n' "$answer" | head -n 1)
fi
[ -n "$master" ] || master="redis-0.redis"
echo "redis: this pod is $me, the master is $master"
{
    echo "port 6379"
    echo "dir /data"
    echo "appendonly yes"
    echo "replica-announce-ip $me"
    echo "requirepass $REDISCLI_AUTH"
    echo "masterauth $REDISCLI_AUTH"
    if [ "$master" != "$me" ]; then echo "replicaof $master 6379"; fi
} >/conf/redis.conf
{
    echo "port 26379"
    echo "dir /tmp"
    echo "sentinel resolve-hostnames yes"
    echo "sentinel announce-hostnames yes"
    echo "sentinel announce-ip $me"
    echo "requirepass $REDISCLI_AUTH"
    echo "sentinel sentinel-pass $REDISCLI_AUTH"
    echo "sentinel monitor $MASTER_NAME $master 6379 $SENTINEL_QUORUM"
    echo "sentinel auth-pass $MASTER_NAME $REDISCLI_AUTH"
    echo "sentinel down-after-milliseconds $MASTER_NAME 5000"
    echo "sentinel failover-timeout $MASTER_NAME 60000"
    echo "sentinel parallel-syncs $MASTER_NAME 1"
} >/conf/sentinel.conf
"""


def redis(role: Role, desc: Description) -> list[dict[str, Any]]:
    """The seed's master + replicas StatefulSet, with a Sentinel beside each Redis for failover.

    The first start makes redis-0 the master; afterwards the sentinels decide, and a restarted pod
    asks them whom to follow. Clients find the master through the ``redis-sentinel`` Service
    (REDIS_SENTINELS, set by the prod overlay); with one replica (dev) ``redis`` is the master.
    """
    scripts = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta("redis-scripts", "redis"),
        "data": {"init.sh": REDIS_INIT},
    }
    digest = hashlib.sha256(REDIS_INIT.encode()).hexdigest()[:16]
    # The password, for redis-cli (probes, the init script's question to the sentinels).
    auth = [e for e in _env(role) if e["name"] == "REDISCLI_AUTH"]
    env = [
        {"name": "MASTER_NAME", "value": REDIS_MASTER_NAME},
        # A majority of the sentinels; the prod overlay (3 replicas) sets 2 (by this position).
        {"name": "SENTINEL_QUORUM", "value": "1"},
        *auth,
    ]
    init = {
        "name": "config",
        "image": role.image.reference,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "/scripts/init.sh"],
        "env": env,
        "volumeMounts": [
            {"name": "scripts", "mountPath": "/scripts", "readOnly": True},
            {"name": "conf", "mountPath": "/conf"},
        ],
        "resources": _resources(role),
        "securityContext": container_security(),
    }
    server = container(role)
    server.pop("args", None)
    server["command"] = ["redis-server", "/conf/redis.conf"]
    server["volumeMounts"] = [
        {"name": "data", "mountPath": "/data"},
        {"name": "conf", "mountPath": "/conf"},
        {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108
    ]
    sentinel_probe = Probe(command=("redis-cli", "-p", "26379", "ping"))
    sentinel = {
        "name": "sentinel",
        "image": role.image.reference,
        "imagePullPolicy": "IfNotPresent",
        "command": ["redis-sentinel", "/conf/sentinel.conf"],
        "ports": [{"name": "sentinel", "containerPort": 26379, "protocol": "TCP"}],
        "env": auth,
        "volumeMounts": [
            {"name": "conf", "mountPath": "/conf"},
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108
        ],
        "startupProbe": _probe(Probe(command=sentinel_probe.command, period=2, failures=30)),
        "livenessProbe": _probe(sentinel_probe),
        "readinessProbe": _probe(Probe(command=sentinel_probe.command, period=5)),
        "resources": {
            "requests": {"cpu": "20m", "memory": "32Mi"},
            "limits": {"cpu": "200m", "memory": "64Mi"},
        },
        "securityContext": container_security(),
    }
    spec = pod_spec(role, desc)
    spec["initContainers"] = [init]
    spec["containers"] = [server, sentinel]
    spec["volumes"] = [
        {"name": "scripts", "configMap": {"name": "redis-scripts"}},
        {"name": "conf", "emptyDir": {}},
        {"name": "tmp", "emptyDir": {}},
    ]
    spec.pop("topologySpreadConstraints", None)
    spec["topologySpreadConstraints"] = _spread(role)
    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta("redis", "redis"),
        "spec": {
            "serviceName": "redis",
            "replicas": 1,
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": labels("redis")},
            "template": {
                "metadata": {
                    "labels": labels("redis"),
                    "annotations": {"openpress/redis-scripts-sha256": digest},
                },
                "spec": spec,
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "2Gi"}},
                    },
                }
            ],
        },
    }
    headless = service(role, headless=True)
    # Pods are addressable (redis-0.redis) before they are ready: replicas and sentinels
    # resolve each other while the set starts.
    headless["spec"]["publishNotReadyAddresses"] = True
    sentinels = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta("redis-sentinel", "redis"),
        "spec": {
            "selector": labels("redis"),
            "ports": [
                {"name": "sentinel", "port": 26379, "targetPort": "sentinel", "protocol": "TCP"}
            ],
        },
    }
    return [scripts, headless, sentinels, statefulset]


def storage(desc: Description) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": _meta(v.name, v.name),
            "spec": {"accessModes": [v.access], "resources": {"requests": {"storage": v.size}}},
        }
        for v in desc.volumes
        if v.access == "ReadWriteMany"
    ]


def ingress(desc: Description) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "openpress",
            "labels": labels("nginx"),
            "annotations": {
                # ingress-nginx: our nginx enforces UPLOAD_MAX_SIZE; do not cut uploads short.
                "nginx.ingress.kubernetes.io/proxy-body-size": "0",
                "nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
            },
        },
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": desc.host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "nginx", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def config_literals(desc: Description) -> list[str]:
    """The ConfigMap: every non-secret variable of the app roles, knobs at their defaults."""
    values: dict[str, str] = {}
    for role in desc.app_roles:
        for env in role.env:
            if env.from_secrets is None:
                value = resolve(env.value)
                if values.setdefault(env.name, value) != value:
                    raise ValueError(f"{env.name} has two values: {values[env.name]!r}, {value!r}")
    return [f"{name}={value}" for name, value in sorted(values.items())]


def render(desc: Description) -> dict[str, str]:
    """File name (relative to deploy/base) -> text."""
    files: dict[str, str] = {}
    files["namespace.yaml"] = dump(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": desc.namespace,
                "labels": {
                    # Admission refuses any pod of ours that is not "restricted".
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
        }
    )
    files["storage.yaml"] = dump(*storage(desc))
    for role in desc.roles:
        if role.name == "postgres":
            docs = postgres(role, desc)
        elif role.name == "redis":
            docs = redis(role, desc)
        elif role.kind == "job":
            docs = [job(role, desc)]
        else:
            docs = [deployment(role, desc)]
            if role.ports:
                docs.append(service(role))
        files[f"{role.name}.yaml"] = dump(*docs)
    files["ingress.yaml"] = dump(ingress(desc))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": desc.namespace,
        "labels": [{"pairs": {PART_OF: desc.project}}],
        "resources": sorted(files),
        "configMapGenerator": [{"name": CONFIG, "literals": config_literals(desc)}],
    }
    files["kustomization.yaml"] = dump(
        kustomization,
        header="deploy/base: apply an overlay (deploy/overlays/dev or prod), never the base\n"
        "alone; the overlays add the secrets (docs/deploy.md).",
    )
    return files
