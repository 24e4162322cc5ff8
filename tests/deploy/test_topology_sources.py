"""The topology repeats nothing it can read: the defaults of compose's knobs come from
openpress/config.py, and the Redis pods' init script is a file under docker/ that shellcheck
lints (scripts/deploy-check.sh), not a string in Python."""

from __future__ import annotations

import importlib

from openpress import config
from openpress.deployment import compose, kubernetes, topology
from openpress.deployment.model import KNOB
from tests.deploy.conftest import ROOT, run, tool


def test_a_default_changed_in_config_reaches_compose_and_kubernetes(monkeypatch):
    old = config.BY_NAME["UPLOAD_MAX_SIZE"]
    monkeypatch.setitem(
        config.BY_NAME, "UPLOAD_MAX_SIZE", config.Var(old.name, "123456", old.doc, group=old.group)
    )
    try:
        desc = importlib.reload(topology).OPENPRESS
        assert "UPLOAD_MAX_SIZE: ${UPLOAD_MAX_SIZE:-123456}" in compose.render(desc)
        assert "UPLOAD_MAX_SIZE=123456" in kubernetes.config_literals(desc)
    finally:
        monkeypatch.undo()
        importlib.reload(topology)


def test_no_default_is_written_twice(monkeypatch):
    """Change every declared default at once: every knob of the description follows, so none
    repeats a default as a literal (``${UPLOAD_MAX_SIZE:-4294967296}`` in topology.py)."""
    changed = {}
    for var in config.VARIABLES:
        if var.default is None:
            continue
        new = str(int(var.default) + 1) if var.default.isdigit() else f"{var.default}x"
        changed[var.name] = new
        monkeypatch.setitem(
            config.BY_NAME, var.name, config.Var(var.name, new, var.doc, var.secret, var.group)
        )
    try:
        desc = importlib.reload(topology).OPENPRESS
        seen = 0
        for role in desc.roles:
            for env in role.env:
                for match in KNOB.finditer(env.value):
                    if match["name"] in changed and match["op"] == "-":
                        assert match["arg"] == changed[match["name"]], (role.name, env.name)
                        seen += 1
        assert seen > 10
    finally:
        monkeypatch.undo()
        importlib.reload(topology)


def test_every_knob_of_a_declared_variable_defaults_to_its_declaration():
    for role in topology.OPENPRESS.roles:
        for env in role.env:
            for match in KNOB.finditer(env.value):
                declared = config.BY_NAME.get(match["name"])
                if declared and match["op"] == "-":
                    assert match["arg"] == declared.default, (role.name, env.name)


def test_the_redis_init_script_is_the_linted_file_in_docker():
    script = ROOT / "docker" / "redis-init.sh"
    (configmap,) = [
        d
        for d in kubernetes.redis(topology.OPENPRESS.role("redis"), topology.OPENPRESS)
        if d["kind"] == "ConfigMap"
    ]
    assert configmap["data"]["init.sh"] == script.read_text()
    proc = run(tool("shellcheck"), str(script))
    assert proc.returncode == 0, proc.stdout
    assert "docker/redis-init.sh" in (ROOT / "scripts" / "deploy-check.sh").read_text()
    assert not hasattr(kubernetes, "REDIS_INIT")  # no second copy as a Python string
