"""Compose and Kubernetes never disagree: for every app role, docker-compose.yml's service and
deploy/base's workload run the same image, command and arguments, with the same variable names
and equal non-secret values, the same ports and the same media mounts."""

from __future__ import annotations

import pytest

from openpress import config
from openpress.deployment.model import KNOB, resolve
from tests.deploy.conftest import APP_ROLES


def _config_map(build) -> dict[str, str]:
    (cm,) = [
        c for c in build.of("ConfigMap") if c["metadata"]["name"].startswith("openpress-config")
    ]
    return cm["data"]


def _k8s_env(build, container: dict) -> dict[str, tuple[str, str]]:
    """name -> ("value", text) or ("secret", key)."""
    data = _config_map(build)
    out = {}
    for env in container.get("env", []):
        ref = env["valueFrom"]
        if "configMapKeyRef" in ref:
            out[env["name"]] = ("value", data[ref["configMapKeyRef"]["key"]])
        else:
            out[env["name"]] = ("secret", ref["secretKeyRef"]["key"])
    return out


def _compose_env(service: dict) -> dict[str, tuple[str, str]]:
    out = {}
    for name, value in (service.get("environment") or {}).items():
        required = [m for m in KNOB.finditer(str(value)) if m["op"] == "?"]
        out[name] = ("secret", name) if required else ("value", resolve(str(value)))
    return out


@pytest.mark.parametrize("role", APP_ROLES)
def test_compose_service_and_kubernetes_workload_agree(builds, compose, role):
    base = builds["base"]
    service = compose["services"][role]
    workload = base.workload(role)
    (container,) = workload["spec"]["template"]["spec"]["containers"]

    assert resolve(service["image"]) == container["image"]
    assert service.get("command", []) == container.get("args", [])
    assert "command" not in container and "entrypoint" not in service  # the image's ENTRYPOINT

    k8s_env, compose_env = _k8s_env(base, container), _compose_env(service)
    assert sorted(k8s_env) == sorted(compose_env)
    for name, (kind, value) in compose_env.items():
        assert k8s_env[name][0] == kind, name
        if kind == "value":
            assert k8s_env[name][1] == value, name
        else:
            assert config.BY_NAME[name].secret, f"{name} is secret in one place only"

    compose_ports = {int(p) for p in service.get("expose", [])} | {
        int(str(p).rsplit(":", 1)[1]) for p in service.get("ports", [])
    }
    assert compose_ports == {p["containerPort"] for p in container.get("ports", [])}

    def media(mounts):
        return sorted(mounts)

    compose_media = media(
        (v.split(":")[1], v.endswith(":ro"))
        for v in service.get("volumes", [])
        if v.startswith("media:")
    )
    k8s_media = media(
        (m["mountPath"], bool(m.get("readOnly")))
        for m in container["volumeMounts"]
        if m["name"] == "media"
    )
    assert compose_media == k8s_media
    assert compose_media, f"{role} mounts no media"


def test_the_media_volume_is_shared_read_write_many(builds):
    (claim,) = builds["base"].of("PersistentVolumeClaim")
    assert claim["metadata"]["name"] == "media"
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_the_parity_check_sees_a_difference(builds, compose):
    # A drifted compose value must be caught: change one and compare as the test above does.
    service = dict(compose["services"]["web"])
    service["environment"] = {**service["environment"], "LOG_LEVEL": "DEBUG"}
    (container,) = builds["base"].workload("web")["spec"]["template"]["spec"]["containers"]
    assert _compose_env(service)["LOG_LEVEL"] != _k8s_env(builds["base"], container)["LOG_LEVEL"]
