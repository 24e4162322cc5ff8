"""docker-compose.yml from the description: the whole stack for `docker compose up`."""

from __future__ import annotations

from typing import Any

from openpress.deployment.model import Description, Probe, Role
from openpress.deployment.topology import BUILD_ARGS
from openpress.deployment.yamltext import dump

HEADER = """\
OpenPress, the whole stack: `docker compose up -d` from the repository root (docs/containers.md).
Rendered from openpress/deployment (the same description deploy/base comes from); change it there.
Secrets come from the environment or an untracked .env file, never from here."""


def _image(role: Role) -> str:
    return f"${{{role.image.knob}:-{role.image.reference}}}"


def _build(role: Role) -> dict[str, Any]:
    return {
        "context": ".",
        "dockerfile": "docker/Dockerfile",
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
