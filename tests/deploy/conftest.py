"""Shared by the deployment tests: the repository, and kustomize builds of base and overlays.

The builds run on a copy of deploy/ in a temporary folder without any secrets.env, as a clean
clone has it, so the tests never write into the checkout.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
APP_ROLES = ("web", "api", "celery-short", "celery-long", "celery-beat", "migrate", "nginx")


def tool(name: str) -> str:
    """A command-line tool from the venv (pip: kubernetes-validate, checkov, yamllint) or PATH."""
    local = VENV_BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    assert found, f"{name} is not installed (pip install -e '.[dev]'; kubectl from the machine)"
    return found


def run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="session")
def deploy_copy(tmp_path_factory) -> Path:
    """deploy/ as a clean clone has it: no secrets.env (the overlays refer to the Secret by name;
    scripts/deploy-secrets.sh --apply creates it in the cluster)."""
    copy = tmp_path_factory.mktemp("deploy") / "deploy"
    shutil.copytree(ROOT / "deploy", copy, ignore=shutil.ignore_patterns("secrets.env"))
    return copy


class Build:
    """The documents `kubectl kustomize` prints, with lookups by kind and name."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text
        self.docs = [d for d in yaml.safe_load_all(text) if d]

    def of(self, kind: str) -> list[dict]:
        return [d for d in self.docs if d["kind"] == kind]

    def get(self, kind: str, name: str) -> dict:
        for doc in self.of(kind):
            if doc["metadata"]["name"] == name:
                return doc
        raise KeyError(f"{kind}/{name}")

    def workloads(self) -> list[dict]:
        return [d for d in self.docs if d["kind"] in {"Deployment", "StatefulSet", "Job"}]

    def workload(self, role: str) -> dict:
        """The workload named ``role``, or the Job of that component (migrate-<release>)."""
        for doc in self.workloads():
            if doc["metadata"]["name"] == role:
                return doc
        for doc in self.of("Job"):
            if doc["metadata"]["labels"].get("app.kubernetes.io/component") == role:
                return doc
        raise KeyError(role)


def _build(deploy: Path, which: str, tmp: Path) -> Build:
    proc = run(tool("kubectl"), "kustomize", str(deploy / which))
    assert proc.returncode == 0, proc.stderr
    out = tmp / (which.replace("/", "-") + ".yaml")
    out.write_text(proc.stdout)
    return Build(out, proc.stdout)


@pytest.fixture(scope="session")
def builds(deploy_copy, tmp_path_factory) -> dict[str, Build]:
    tmp = tmp_path_factory.mktemp("builds")
    return {
        "base": _build(deploy_copy, "base", tmp),
        "dev": _build(deploy_copy, "overlays/dev", tmp),
        "prod": _build(deploy_copy, "overlays/prod", tmp),
    }


@pytest.fixture(scope="session")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def containers(workload: dict, *, init: bool = True) -> list[dict]:
    spec = workload["spec"]["template"]["spec"]
    return list(spec.get("initContainers", []) if init else []) + list(spec["containers"])
