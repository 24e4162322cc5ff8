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
        if "value" in env:  # the migrate Job's literals (kubernetes.job)
            out[env["name"]] = ("value", env["value"])
            continue
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
        # A secret the operator may leave out (the Content Credentials signer: then the encoder
        # says why it does not start): ${NAME:-} in compose, a key of the Secret in Kubernetes.
        optional = KNOB.fullmatch(str(value))
        optional_secret = (
            optional is not None
            and optional["name"] == name
            and optional["op"] == "-"
            and not optional["arg"]
            and config.BY_NAME[name].secret
        )
        secret = required or optional_secret
        out[name] = ("secret", name) if secret else ("value", resolve(str(value)))
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
    # Every role mounts media but the migrations, which write none.
    assert bool(compose_media) == (role != "migrate"), role


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


# --- security posture and limits (issue 12, point 14) -------------------------------------------

_BYTES = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "k": 1024, "m": 1024**2, "g": 1024**3}


def _bytes(quantity) -> int:
    text = str(quantity)
    for suffix, factor in sorted(_BYTES.items(), key=lambda kv: -len(kv[0])):
        if text.endswith(suffix):
            return int(text[: -len(suffix)]) * factor
    return int(text)


def _cores(quantity) -> float:
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


@pytest.mark.parametrize("role", APP_ROLES)
def test_compose_runs_each_role_as_kubernetes_does(builds, compose, role):
    """Same user, read-only root filesystem with the same writable folders, no capability, no
    privilege escalation, the same CPU and memory limits: the stack test exercises what a
    cluster runs."""
    service = compose["services"][role]
    pod = builds["base"].workload(role)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    context = container["securityContext"]

    uid = pod["securityContext"]["runAsUser"]
    assert service.get("user") == f"{uid}:{pod['securityContext']['runAsGroup']}"
    assert context["readOnlyRootFilesystem"] is True and service.get("read_only") is True
    assert context["capabilities"]["drop"] == ["ALL"] and service.get("cap_drop") == ["ALL"]
    assert context["allowPrivilegeEscalation"] is False
    assert "no-new-privileges:true" in service.get("security_opt", [])
    assert not context["capabilities"].get("add") and not service.get("cap_add")

    empty_dirs = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    k8s_writable = {m["mountPath"] for m in container["volumeMounts"] if m["name"] in empty_dirs}
    # emptyDirs are anonymous volumes: fresh per container, on disk (never memory: uploads,
    # encodes and request bodies are big), owned as the image's folder is.
    anonymous = {v for v in service.get("volumes", []) if v.startswith("/")}
    assert anonymous == k8s_writable, role
    assert "tmpfs" not in service, role

    limits = container["resources"]["limits"]
    assert _cores(service["cpus"]) == _cores(limits["cpu"])
    assert _bytes(service["mem_limit"]) == _bytes(limits["memory"])
    assert _bytes(service["mem_reservation"]) == _bytes(
        container["resources"]["requests"]["memory"]
    )


def test_nginx_listens_unprivileged_on_8080_everywhere(builds, compose):
    """Non-root nginx needs no low port: no sysctl in any pod, 8080 in both renderings; the
    Service (and so the ingress) keeps port 80."""
    for which in ("base", "dev", "prod"):
        for workload in builds[which].workloads():
            pod = workload["spec"]["template"]["spec"]
            where = (which, workload["metadata"]["name"])
            assert "sysctls" not in pod.get("securityContext", {}), where
            for c in pod["containers"]:
                assert all(p["containerPort"] >= 1024 for p in c.get("ports", [])), where
    (container,) = builds["base"].workload("nginx")["spec"]["template"]["spec"]["containers"]
    assert [p["containerPort"] for p in container["ports"]] == [8080]
    assert container["readinessProbe"]["httpGet"]["port"] == 8080
    assert [p.rsplit(":", 1)[1] for p in compose["services"]["nginx"]["ports"]] == ["8080"]
    service = builds["base"].get("Service", "nginx")
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(80, "http")]
