"""docker-compose.yml from the description: the whole stack for `docker compose up`."""

from __future__ import annotations

from typing import Any

from openpress.deployment.model import Description, Env, Probe, Role
from openpress.deployment.topology import BUILD_ARGS, S3_COMPOSE_OVERRIDES, S3_NGINX_ENV
from openpress.deployment.yamltext import Override, dump

HEADER = """\
OpenPress, the whole stack: `docker compose up -d` from the repository root (docs/containers.md).
Rendered from openpress/deployment (the same description deploy/base comes from); change it there.
Secrets come from the environment or an untracked .env file, never from here."""


def _image(role: Role) -> str:
    return f"${{{role.image.knob}:-{role.image.reference}}}"


def _build(role: Role) -> dict[str, Any]:
    return {
        "context": ".",
        "dockerfile": role.image.dockerfile,
        "target": role.image.build_target,
        "network": "host",
        "args": {name: f"${{{name}:-{default}}}" for name, default in BUILD_ARGS},
    }


def _healthcheck(probe: Probe) -> dict[str, Any]:
    return {
        "test": ["CMD", *probe.command],
        "interval": f"{probe.period}s",
        "timeout": f"{probe.timeout}s",
        "retries": probe.failures,
    }


def compose_cpus(quantity: str) -> str:
    """A Kubernetes CPU quantity ("250m", "2") as compose's ``cpus`` ("0.25", "2")."""
    cores = int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)
    return f"{cores:g}"


_BINARY = {"Ki": "k", "Mi": "m", "Gi": "g"}


def compose_bytes(quantity: str) -> str:
    """A Kubernetes memory quantity ("384Mi", "3Gi") as a compose byte value ("384m", "3g"):
    Docker's units are binary, as Kubernetes' Mi and Gi are."""
    for suffix, unit in _BINARY.items():
        if quantity.endswith(suffix):
            return quantity[: -len(suffix)] + unit
    if not quantity.isdigit():
        raise ValueError(f"cannot express {quantity!r} in compose's units")
    return quantity


def _security(role: Role, svc: dict[str, Any]) -> None:
    """Kubernetes' security posture (kubernetes.container_security, pod_security), in compose.

    Our images (the app roles and nginx) run as their numeric user with a read-only root
    filesystem, no capability and no privilege escalation. What Kubernetes mounts as emptyDirs
    is an anonymous volume here: a fresh folder per container, on disk (uploads, encodes and
    nginx's request bodies are big), owned as the image's folder is, so the role's user can
    write it. (A tmpfs would start root-owned wherever the engine ignores its mode option.)
    PostgreSQL's and Redis's images keep their own entrypoints, which start as root to chown
    their data volume and then drop to their user: no-new-privileges and the limits only.
    """
    svc["security_opt"] = ["no-new-privileges:true"]
    if role.kind != "backing":
        svc["user"] = f"{role.run_as}:{role.run_as}"
        svc["read_only"] = True
        svc["cap_drop"] = ["ALL"]
        if role.scratch:
            svc.setdefault("volumes", []).extend(role.scratch)
    if role.resources:
        r = role.resources
        svc["cpus"] = compose_cpus(r.cpu_limit)
        svc["mem_limit"] = compose_bytes(r.memory_limit)
        svc["mem_reservation"] = compose_bytes(r.memory_request)


def service(role: Role) -> dict[str, Any]:
    svc: dict[str, Any] = {"image": _image(role)}
    if role.image.build_target:
        svc["build"] = _build(role)
    if role.command:
        svc["command"] = list(role.command)
    if role.env:
        svc["environment"] = {env.name: env.value for env in role.env}
    if role.mounts:
        svc["volumes"] = [
            f"{m.volume}:{m.path}" + (":ro" if m.read_only else "") for m in role.mounts
        ]
    _security(role, svc)
    internal = [p for p in role.ports if not p.host]
    if internal:
        # Only for the reader and the parity test: services on one network reach every port.
        svc["expose"] = [str(p.container) for p in internal]
    published = [p for p in role.ports if p.host]
    if published:
        svc["ports"] = [f"{p.host}:{p.container}" for p in published]
    if role.health and role.health.compose:
        svc["healthcheck"] = _healthcheck(role.health.compose)
    if role.grace_seconds is not None:
        # Kubernetes' terminationGracePeriodSeconds: `docker stop` waits as long before SIGKILL
        # (10 s by default), so uWSGI and nginx finish their requests here too.
        svc["stop_grace_period"] = f"{role.grace_seconds}s"
    svc["restart"] = role.restart
    if role.after:
        svc["depends_on"] = {a.role: {"condition": a.condition} for a in role.after}
    return svc


def render(desc: Description) -> str:
    document = {
        "name": desc.project,
        "services": {role.name: service(role) for role in desc.roles},
        "volumes": {v.name: None for v in desc.volumes},
    }
    return dump(document, header=HEADER)


S3_HEADER = """\
OpenPress with media in an S3-compatible bucket (issue 14, docs/storage.md), on top of
docker-compose.yml:
  docker compose -f docker-compose.yml -f docker-compose.s3.yml --profile s3 up -d
The profile `s3` adds a server of its own (Ceph RGW, docker/s3) and a one-shot service that
creates the bucket with its CORS and lifecycle rules. Without the profile the app uses the bucket
that AWS_S3_ENDPOINT_URL and AWS_STORAGE_BUCKET_NAME in .env name (AWS S3, Garage, ...).
No app service and not nginx mounts the media volume here: workers keep their work in scratch.
Rendered from openpress/deployment (topology.S3_ENV, S3_ROLES); change it there."""


def s3_environment(role: Role, s3_env: tuple[Env, ...]) -> dict[str, str]:
    """What S3 mode adds to a role's environment: every S3 variable for the app roles, whether
    a bucket is set for nginx (docker/nginx/start.sh)."""
    if role.image.role_entrypoint:
        return {e.name: S3_COMPOSE_OVERRIDES.get(e.name, e.value) for e in s3_env}
    return {e.name: e.value for e in s3_env if e.name in S3_NGINX_ENV}


def render_s3(desc: Description, s3: Description, s3_env: tuple[Env, ...]) -> str:
    """docker-compose.s3.yml: the profile's services, and what S3 mode changes in the others."""
    services: dict[str, Any] = {}
    built: set[str] = set()
    for role in s3.roles:
        svc = {"profiles": ["s3"], **service(role)}
        if role.image.key in built:
            svc.pop("build", None)  # one build per image: the first service that runs it
        built.add(role.image.key)
        services[role.name] = svc
    for role in desc.roles:
        if role.kind == "backing":
            continue
        svc: dict[str, Any] = {}
        env = s3_environment(role, s3_env)
        if env:
            svc["environment"] = env
        if any(m.volume == "media" for m in role.mounts):
            kept = [v for v in service(role).get("volumes", []) if not v.startswith("media:")]
            svc["volumes"] = Override(kept)
        if role.name == "migrate":
            # The bucket exists before anything starts (everything waits for migrate). Not
            # required: without the profile the bucket is someone else's (AWS, Garage...).
            svc["depends_on"] = {
                "s3-setup": {"condition": "service_completed_successfully", "required": False}
            }
        if svc:
            services[role.name] = svc
    document = {"services": services, "volumes": {v.name: None for v in s3.volumes}}
    return dump(document, header=S3_HEADER)
