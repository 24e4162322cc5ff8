"""deploy/base from the description: one file per role plus the kustomization.

Conventions every manifest follows (tests/deploy checks them): labels
``app.kubernetes.io/name=openpress`` and ``app.kubernetes.io/component=<role>``; a restricted
security context (non-root, no privilege escalation, every capability dropped, read-only root
filesystem with emptyDirs where writes are needed, RuntimeDefault seccomp); startup, liveness and
readiness probes; requests and limits. Base runs one replica of everything; overlays scale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from openpress import config
from openpress.deployment.model import Description, Env, Probe, Role, resolve
from openpress.deployment.topology import REDIS_SETTINGS, S3_NGINX_ENV
from openpress.deployment.yamltext import dump

SECRET = "openpress-secrets"  # noqa: S105 - the name of the Secret, not a value
CONFIG = "openpress-config"
PART_OF = "app.kubernetes.io/part-of"
COMPONENT = "app.kubernetes.io/component"
# S3 mode: the one S3 setting an overlay must give (components/s3-storage).
S3_BUCKET_VAR = "AWS_STORAGE_BUCKET_NAME"
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


def pod_security(uid: int) -> dict[str, Any]:
    # No sysctls: every role listens on an unprivileged port (nginx too: 8080), so no pod needs
    # net.ipv4.ip_unprivileged_port_start (tests/deploy/test_parity.py).
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _resources(role: Role) -> dict[str, Any]:
    r = role.resources
    assert r is not None
    out = {
        "requests": {"cpu": r.cpu_request, "memory": r.memory_request},
        "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
    }
    if r.ephemeral_request:
        out["requests"]["ephemeral-storage"] = r.ephemeral_request
    if r.ephemeral_limit:
        out["limits"]["ephemeral-storage"] = r.ephemeral_limit
    return out


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
    volumes: list[dict[str, Any]] = []
    for m in role.mounts:
        if m.volume not in shared:
            continue
        claim: dict[str, Any] = {"claimName": m.volume}
        if m.read_only:
            # A read-only claim is never re-owned: nginx (fsGroup 10101) must not hand the media
            # volume's group to itself, away from the app's 10001, each time one of its pods starts.
            claim["readOnly"] = True
        volumes.append({"name": m.volume, "persistentVolumeClaim": claim})
    limits = dict(role.scratch_limits)
    for path in role.scratch:
        empty: dict[str, Any] = {"sizeLimit": limits[path]} if path in limits else {}
        volumes.append({"name": _volume_name(path), "emptyDir": empty})
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
    if role.health is not None:  # a Job has none: it serves nothing, its deadline bounds it
        c["startupProbe"] = _probe(role.health.startup)
        c["livenessProbe"] = _probe(role.health.liveness)
        c["readinessProbe"] = _probe(role.health.readiness)
    if role.drain_seconds:
        # Stay up while the endpoint removal reaches every proxy, then take SIGTERM.
        c["lifecycle"] = {"preStop": {"sleep": {"seconds": role.drain_seconds}}}
    c["resources"] = _resources(role)
    c["securityContext"] = container_security()
    return c


# The media volume must be writable by the app's uid/gid. Storage that honours fsGroup makes it
# so; NFS-backed ReadWriteMany storage (Longhorn RWX, NFS provisioners) ignores fsGroup, and a
# root init container that chowns is what Pod Security "restricted" forbids. So the storage
# must hand out a writable root (docs/deploy.md, "Storage"), and a pod whose volume is not
# writable says so and stops before it serves, instead of failing every upload.
MEDIA_WRITABLE = """\
probe="$MEDIA_ROOT/.write-check-${HOSTNAME:-pod}"
if ! (: >"$probe") 2>/dev/null; then
    echo "media: $MEDIA_ROOT is not writable by uid $(id -u), groups $(id -G)." >&2
    echo "media: the storage ignores fsGroup; make the root of the volume writable by" >&2
    echo "media: uid or gid $(id -u) (docs/deploy.md, Storage)" >&2
    exit 1
fi
rm -f "$probe"
"""
WAIT_FOR_MIGRATIONS = "until python /app/manage.py migrate --check >/dev/null; do sleep 5; done\n"


def _wait_for_migrations(role: Role) -> dict[str, Any]:
    """compose's `depends_on: migrate: service_completed_successfully`, as an init container;
    first it checks that the media volume is writable, where the role writes to it."""
    writes_media = [m for m in role.mounts if m.volume == "media" and not m.read_only]
    script = (MEDIA_WRITABLE if writes_media else "") + WAIT_FOR_MIGRATIONS
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108
    mounts += [{"name": m.volume, "mountPath": m.path} for m in writes_media]
    return {
        "name": "wait-for-migrations",
        "image": role.image.reference,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-ec", script],
        "env": _env(role),
        "volumeMounts": mounts,
        "resources": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "384Mi"},
        },
        "securityContext": container_security(),
    }


def _affinity(role: Role) -> dict[str, Any]:
    """The seed's intent, encoders away from the web pods they would starve, as a preference.

    A *required* anti-affinity binds both ways: once a worker runs on every node, no web pod can
    be scheduled (nor its HPA grow). A preferred term of the highest weight keeps them apart
    whenever the nodes allow it and never leaves a pod Pending. Dedicated encoder nodes are an
    overlay's choice (docs/deploy.md, "Nodes").
    """
    return {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": labels(o)},
                    },
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
        "securityContext": pod_security(role.run_as),
    }
    if any(m.volume == "media" for m in role.mounts):
        # Where the storage honours fsGroup, the kubelet fixes the volume's ownership only when
        # its root is wrong, not file by file at every start (minutes on a large media tree).
        spec["securityContext"]["fsGroupChangePolicy"] = "OnRootMismatch"
    if role.anti_affine_to:
        spec["affinity"] = _affinity(role)
    if role.kind == "deployment":
        spec["topologySpreadConstraints"] = _spread(role)
    if role.grace_seconds is not None:
        spec["terminationGracePeriodSeconds"] = role.grace_seconds
    if role.image.role_entrypoint and role.kind == "deployment":
        spec["initContainers"] = [_wait_for_migrations(role)]
    if role.name == "celery-beat":
        spec.setdefault("tolerations", []).extend(BEAT_TOLERATIONS)
    spec["containers"] = [container(role)]
    spec["volumes"] = _volumes(role, desc)
    return spec


# Kubernetes evicts the pods of a node that stopped answering only after 300 s (the tolerations it
# adds by default). A beat's standby replica takes over within the beat lease anyway (about 25 s);
# these make a lost node's beat pod be replaced within a minute too, so a standby is back soon.
BEAT_TOLERATIONS = [
    {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
]


def _meta(name: str, role: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "labels": labels(role), **extra}


def deployment(role: Role, desc: Description) -> dict[str, Any]:
    # Every role rolls, beat too: beats fire only while they hold the beat lease
    # (openpress/beat.py), so a new beat pod waits beside the old one until it hands the lease over.
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    spec: dict[str, Any] = {}
    if not role.scaling.autoscaled:
        # An autoscaled role leaves the count to its HPA (prod) or the default of 1 (dev): a
        # replicas field here would scale it back down at every `kubectl apply`.
        spec["replicas"] = 1
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(role.name, role.name),
        "spec": {
            **spec,
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
    """The migrations of one release.

    A Job's pod template cannot change, so each release needs a Job of its own: the overlays
    append the app image's tag to the name (a kustomize ``replacements`` entry, run after their
    ``images:``), so a new tag is a new Job and the same tag applied again is unchanged. For the
    same reason the template takes its plain values as literals rather than from the ConfigMap,
    whose name changes with any setting: only the image and the description change the Job.
    """
    spec = pod_spec(role, desc)
    spec["restartPolicy"] = "Never"
    for env in spec["containers"][0].get("env", []):
        if "configMapKeyRef" in env["valueFrom"]:
            declared = next(e for e in role.env if e.name == env["name"])
            env.pop("valueFrom")
            env["value"] = resolve(declared.value)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _meta(role.name, role.name),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 1800,
            # Finished Jobs go away after a day (logs for the morning after); applying the same
            # release again later recreates it, and `migrate` then finds nothing to do.
            "ttlSecondsAfterFinished": 86400,
            "template": {"metadata": {"labels": labels(role.name)}, "spec": spec},
        },
    }


def service(role: Role, *, headless: bool = False, name: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if headless:
        spec["clusterIP"] = "None"
    spec["selector"] = labels(role.name)
    spec["ports"] = [
        {"name": p.name, "port": p.service or p.container, "targetPort": p.name, "protocol": "TCP"}
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


# The Redis pods' init script is a file of its own, linted by shellcheck (scripts/deploy-check.sh).
REDIS_INIT_SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "redis-init.sh"


def redis_conf() -> str:
    """redis.conf's lines common to every Redis pod: topology.REDIS_SETTINGS, as compose has them
    on its command line."""
    lines = [f"{key} {value}" if value else f'{key} ""' for key, value in REDIS_SETTINGS]
    return "\n".join(lines) + "\n"


def redis(role: Role, desc: Description) -> list[dict[str, Any]]:
    """The seed's master + replicas StatefulSet, with a Sentinel beside each Redis for failover.

    The first start makes redis-0 the master; afterwards the sentinels decide, and a restarted pod
    asks them whom to follow, or, with none answering, follows the master its own Sentinel last
    knew (docker/redis-init.sh). Clients find the master through the ``redis-sentinel`` Service
    (REDIS_SENTINELS, set by the prod overlay); with one replica (dev) ``redis`` is the master.
    """
    init_script = REDIS_INIT_SCRIPT.read_text(encoding="utf-8")
    scripts = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta("redis-scripts", "redis"),
        "data": {"init.sh": init_script, "redis.conf": redis_conf()},
    }
    digest = hashlib.sha256(
        "\0".join(scripts["data"][k] for k in sorted(scripts["data"])).encode()
    ).hexdigest()[:16]
    # The password, for redis-cli (probes, the init script's question to the sentinels).
    auth = [e for e in _env(role) if e["name"] == "REDISCLI_AUTH"]
    env = [
        {"name": "MASTER_NAME", "value": REDIS_MASTER_NAME},
        # A majority of the sentinels; the prod overlay (3 replicas) sets 2 (by this position).
        {"name": "SENTINEL_QUORUM", "value": "1"},
        *auth,
        # redis-0, redis-1...: the pod's address is POD_NAME.redis (the headless Service).
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        # The password of replication and of the Sentinels' users, which no app pod gets.
        {
            "name": "REDIS_ADMIN_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "REDIS_ADMIN_PASSWORD"}},
        },
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
            # sentinel.conf lives on the volume: after a full restart the pod follows the
            # master its Sentinel last knew (docker/redis-init.sh).
            {"name": "data", "mountPath": "/data"},
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
        # Sentinel rewrites its file at every failover; kept on the volume (docker/redis-init.sh).
        "command": ["redis-sentinel", "/data/sentinel.conf"],
        "ports": [{"name": "sentinel", "containerPort": 26379, "protocol": "TCP"}],
        "env": auth,
        "volumeMounts": [
            {"name": "data", "mountPath": "/data"},
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
    (data,) = (v for v in desc.volumes for m in role.mounts if v.name == m.volume)
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
                        "accessModes": [data.access],
                        "resources": {"requests": {"storage": data.size}},
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


RELOAD = "secret.reloader.stakater.com/reload"


def secret_names(pod: dict[str, Any]) -> list[str]:
    """The Secrets a pod spec reads variables from (secretKeyRef), sorted."""
    names = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for c in [*pod.get("initContainers", []), *pod["containers"]]
        for env in c.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    }
    return sorted(names)


def reload_on_secrets(doc: dict[str, Any]) -> None:
    """Name the Secrets a Deployment or StatefulSet reads for Stakater Reloader.

    A pod reads its variables once, at start. The Secrets are made outside kustomize (no hash
    suffix: scripts/deploy-secrets.sh, External Secrets, the CloudNativePG operator's
    openpress-db-app), so a rotated value reaches the pods only by a rolling restart: Reloader
    makes one when a named Secret changes; without it, `kubectl rollout restart` (docs/deploy.md).
    """
    if doc["kind"] not in ("Deployment", "StatefulSet"):
        return
    names = secret_names(doc["spec"]["template"]["spec"])
    if names:
        doc["metadata"].setdefault("annotations", {})[RELOAD] = ",".join(names)


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
    """The way in, for whichever controller: each overlay picks one with a kustomize component
    (deploy/components: ingress-traefik, k3s's own; ingress-nginx; gateway-api), which sets the
    class and its annotations, and may add TLS (tls-cert-manager, traefik-https)."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "openpress", "labels": labels("nginx")},
        "spec": {
            "rules": [
                {
                    "host": desc.host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                # By name: the Service's port number is nginx's business.
                                "backend": {"service": {"name": "nginx", "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def config_literals(desc: Description, s3_env: tuple[Env, ...] = ()) -> list[str]:
    """The ConfigMap: every non-secret variable of the app roles, knobs at their defaults.

    With ``s3_env``, also the S3 settings the component s3-storage reads, at their defaults, all
    but the bucket (an overlay in S3 mode names it). The migrate Job copies them from here with
    kustomize replacements (``s3_component``), which fail on a key the ConfigMap lacks; the
    Deployments ignore them until the component makes them read them.
    """
    values: dict[str, str] = {}
    for role in desc.app_roles:
        for env in role.env:
            if env.from_secrets is None:
                value = resolve(env.value)
                if values.setdefault(env.name, value) != value:
                    raise ValueError(f"{env.name} has two values: {values[env.name]!r}, {value!r}")
    for env in s3_env:
        if env.from_secrets is None and env.name != S3_BUCKET_VAR:
            values.setdefault(env.name, resolve(env.value))
    return [f"{name}={value}" for name, value in sorted(values.items())]


def namespace(desc: Description) -> str:
    """deploy/namespace.yaml, applied once before an overlay and never part of one.

    ``kubectl delete -k deploy/overlays/...`` deletes what the overlay lists; a Namespace among
    them would take every PersistentVolumeClaim in it (PostgreSQL's and Redis's) along.
    """
    return dump(
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
        },
        header="Apply once, before an overlay: kubectl apply -f deploy/namespace.yaml\n"
        "Not part of any overlay, so `kubectl delete -k` never deletes the namespace and the\n"
        "volumes in it (docs/deploy.md).",
    )


def render(desc: Description, s3_env: tuple[Env, ...] = ()) -> dict[str, str]:
    """File name (relative to deploy/base) -> text; ``s3_env``: see ``config_literals``."""
    files: dict[str, str] = {}
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
        for doc in docs:
            reload_on_secrets(doc)
        files[f"{role.name}.yaml"] = dump(*docs)
    files["ingress.yaml"] = dump(ingress(desc))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": desc.namespace,
        "labels": [{"pairs": {PART_OF: desc.project}}],
        "resources": sorted(files),
        "configMapGenerator": [{"name": CONFIG, "literals": config_literals(desc, s3_env)}],
    }
    files["kustomization.yaml"] = dump(
        kustomization,
        header="deploy/base: apply an overlay (deploy/overlays/dev or prod), never the base\n"
        "alone; the overlays add the secrets (docs/deploy.md).",
    )
    return files


def _s3_env(envs: tuple[Env, ...]) -> list[dict[str, Any]]:
    """The S3 variables as references. The overlay names the bucket in its ConfigMap (a pod whose
    ConfigMap lacks it does not start, rather than write media into a container's own disk);
    the others may be absent (config.py's defaults apply), and so may both keys: boto3 then finds
    its own credentials (an IAM role for the service account), as with both variables empty."""
    out: list[dict[str, Any]] = []
    for env in envs:
        if env.from_secrets:
            ref = {"secretKeyRef": {"name": SECRET, "key": env.from_secrets, "optional": True}}
        else:
            ref = {"configMapKeyRef": {"name": CONFIG, "key": env.name}}
            if env.name != S3_BUCKET_VAR:
                ref["configMapKeyRef"]["optional"] = True
        out.append({"name": env.name, "valueFrom": ref})
    return out


def _s3_patches(role: Role, s3_env: tuple[Env, ...]) -> list[dict[str, Any]]:
    """Two patches of a Deployment: a strategic merge that takes the media volume and its mounts
    out of the pod, and JSON operations that append the S3 variables (a strategic merge would put
    them first, and the overlays' JSON patches address the base's variables by index)."""
    app = role.image.role_entrypoint
    env = _s3_env(s3_env if app else tuple(e for e in s3_env if e.name in S3_NGINX_ENV))
    no_media = [
        {"mountPath": m.path, "$patch": "delete"} for m in role.mounts if m.volume == "media"
    ]
    spec: dict[str, Any] = {
        "securityContext": {"fsGroupChangePolicy": None},
        "containers": [{"name": role.name, "volumeMounts": no_media}],
        "volumes": [{"name": "media", "$patch": "delete"}],
    }
    containers = ["containers"]
    if app:
        # The init container only waits for the migrations: there is no volume to check.
        spec["initContainers"] = [
            {
                "name": "wait-for-migrations",
                "command": ["/bin/sh", "-ec", WAIT_FOR_MIGRATIONS],
                "volumeMounts": no_media,
            }
        ]
        containers.append("initContainers")
    merge = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": role.name},
        "spec": {"template": {"spec": spec}},
    }
    names = {"containers": role.name, "initContainers": "wait-for-migrations"}
    ops: list[dict[str, Any]] = []
    for which in containers:
        path = f"/spec/template/spec/{which}/0"
        ops.append({"op": "test", "path": f"{path}/name", "value": names[which]})
        ops += [{"op": "add", "path": f"{path}/env/-", "value": e} for e in env]
    target = {"kind": "Deployment", "name": role.name}
    return [
        {"patch": _patch_text(merge)},
        {"target": target, "patch": _patch_text(ops)},
    ]


def _s3_job(role: Role, s3_env: tuple[Env, ...]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The migrate Job's patch and replacements: the S3 variables appended to its container.

    Its system checks test the bucket (media_app/checks.py) before any other role starts, as
    compose's migrate does. A Job's template cannot change (``job``), so the settings are
    literals, not references to the ConfigMap, whose name changes with any setting: kustomize
    replacements copy each one from the ConfigMap into its placeholder. The keys come from the
    Secret, whose name never changes. No volume to take out: the Job mounts no media.
    """
    env: list[dict[str, Any]] = []
    replacements: list[dict[str, Any]] = []
    for e in s3_env:
        if e.from_secrets:
            env += _s3_env((e,))
            continue
        env.append({"name": e.name, "value": ""})
        replacements.append(
            {
                "source": {"kind": "ConfigMap", "name": CONFIG, "fieldPath": f"data.{e.name}"},
                "targets": [
                    {
                        "select": {"kind": "Job", "name": role.name},
                        "fieldPaths": [
                            f"spec.template.spec.containers.[name={role.name}]"
                            f".env.[name={e.name}].value"
                        ],
                    }
                ],
            }
        )
    path = "/spec/template/spec/containers/0"
    ops: list[dict[str, Any]] = [{"op": "test", "path": f"{path}/name", "value": role.name}]
    ops += [{"op": "add", "path": f"{path}/env/-", "value": e} for e in env]
    patch = {"target": {"kind": "Job", "name": role.name}, "patch": _patch_text(ops)}
    return patch, replacements


def _patch_text(patch: Any) -> str:
    """A patch as kustomize reads it inline: YAML without our generated line."""
    return dump(patch).split("\n---\n", 1)[1]


S3_COMPONENT_HEADER = """\
deploy/components/s3-storage: media in an S3-compatible bucket (issue 14, docs/deploy.md).
No PersistentVolumeClaim for media and no pod mounting one: the app roles get the S3 variables
(the bucket and server in the ConfigMap, which the overlay's configMapGenerator sets; the keys
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the Secret openpress-secrets, or neither for an
IAM role), workers keep their work in their scratch emptyDir (sizeLimit from UPLOAD_MAX_SIZE),
and nginx sends /media/ to the app, which answers with presigned URLs and signed playlists.
The migrate Job gets them too (its system checks test the bucket first), as literal values
copied from the ConfigMap by the replacements below: its template cannot follow the ConfigMap
(kubernetes.job). So an overlay without AWS_STORAGE_BUCKET_NAME in its ConfigMap fails to build,
and a changed S3 setting changes the Job: apply it with a new release."""


def s3_component(desc: Description, s3_env: tuple[Env, ...]) -> str:
    """deploy/components/s3-storage/kustomization.yaml."""
    patches: list[dict[str, Any]] = []
    shared = [v for v in desc.volumes if v.access == "ReadWriteMany"]
    for volume in shared:
        claim = {
            "$patch": "delete",
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": volume.name},
        }
        patches.append({"patch": _patch_text(claim)})
    replacements: list[dict[str, Any]] = []
    for role in desc.roles:
        if role.kind == "job" and role.image.role_entrypoint:
            patch, copies = _s3_job(role, s3_env)
            patches.append(patch)
            replacements += copies
            continue
        if role.kind != "deployment":
            continue
        if not any(m.volume == "media" for m in role.mounts):
            continue
        patches += _s3_patches(role, s3_env)
    # No configMapGenerator here: a component's merge runs after the overlay's and would undo
    # the overlay's values. The overlay sets AWS_STORAGE_BUCKET_NAME (required) and the rest.
    component = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1",
        "kind": "Component",
        "patches": patches,
        "replacements": replacements,
    }
    return dump(component, header=S3_COMPONENT_HEADER)
