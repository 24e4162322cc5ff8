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
    internal = [p for p in role.ports if not p.host]
    if internal:
        # Only for the reader and the parity test: services on one network reach every port.
        svc["expose"] = [str(p.container) for p in internal]
    published = [p for p in role.ports if p.host]
    if published:
        svc["ports"] = [f"{p.host}:{p.container}" for p in published]
    if role.health and role.health.compose:
        svc["healthcheck"] = _healthcheck(role.health.compose)
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
