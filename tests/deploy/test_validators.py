"""Offline validators on what `kubectl kustomize` builds: the Kubernetes 1.32 schemas (strict),
checkov with every skipped check justified, yamllint."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.deploy.conftest import ROOT, run, tool

OVERLAYS = ("dev", "prod")
# Custom resources have no schema in kubernetes-validate; tests/deploy/test_policy.py checks them.
CUSTOM_KINDS = {"Cluster"}


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
def test_checkov_passes_with_only_justified_skips(deploy_copy, overlay):
    config = ROOT / "deploy" / "overlays" / overlay / "checkov.yaml"
    lines = config.read_text().splitlines()
    skipped = yaml.safe_load(config.read_text())["skip-check"]
    for check in skipped:
        index = lines.index(f"  - {check}")
        assert lines[index - 1].lstrip().startswith("#"), f"{check} is skipped without a reason"
    proc = run(
        tool("checkov"),
        "-d",
        str(deploy_copy / "overlays" / overlay),
        "--config-file",
        str(config),
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"Passed checks: [1-9]\d*, Failed checks: 0", proc.stdout), proc.stdout


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
