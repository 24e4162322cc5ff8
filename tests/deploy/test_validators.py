"""Offline validators on what `kubectl kustomize` builds: the Kubernetes 1.32 schemas (strict),
yamllint, and checkov's skips each justified (checkov runs in scripts/deploy-check.sh)."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.deploy.conftest import ROOT, run, tool

OVERLAYS = ("dev", "prod")
# Custom resources have no schema in kubernetes-validate; tests/deploy/test_policy.py checks them.
CUSTOM_KINDS = {"Cluster", "Middleware", "ObjectStore", "ScheduledBackup"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_builds_and_passes_the_1_32_schemas_strictly(builds, overlay):
    build = builds[overlay]
    proc = run(tool("kubernetes-validate"), "--strict", "-k", "1.32.0", str(build.path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checked = {
        (d["kind"], d["metadata"]["name"]) for d in build.docs if d["kind"] not in CUSTOM_KINDS
    }
    passed = set(re.findall(r"passed for resource (\S+)/(\S+) against", proc.stdout))
    assert {(k.lower(), n) for k, n in checked} == passed
    skipped = re.findall(r"Couldn't find schema for kind (\w+)", proc.stdout + proc.stderr)
    assert set(skipped) <= CUSTOM_KINDS


def test_strict_validation_catches_a_misspelt_field(tmp_path, builds):
    # The validator is not a rubber stamp: one unknown field in a Deployment fails it.
    bad = builds["dev"].text.replace("revisionHistoryLimit: 5", "revisionHistoryLimits: 5", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    proc = run(tool("kubernetes-validate"), "--strict", "-k", "1.32.0", str(path))
    assert proc.returncode != 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_check_checkov_skips_is_justified(overlay):
    # checkov itself runs in scripts/deploy-check.sh (its own venv: its pins clash with pytest's).
    config = ROOT / "deploy" / "overlays" / overlay / "checkov.yaml"
    lines = config.read_text().splitlines()
    skipped = yaml.safe_load(config.read_text())["skip-check"]
    assert skipped
    for check in skipped:
        index = lines.index(f"  - {check}")
        assert lines[index - 1].lstrip().startswith("#"), f"{check} is skipped without a reason"
    script = (ROOT / "scripts" / "deploy-check.sh").read_text()
    assert '--config-file "deploy/overlays/$overlay/checkov.yaml"' in script


def test_yamllint_strict_on_deploy_and_compose():
    proc = run(
        tool("yamllint"),
        "--strict",
        "-c",
        "deploy/yamllint.yaml",
        "deploy",
        "docker-compose.yml",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
