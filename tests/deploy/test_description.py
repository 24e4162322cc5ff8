"""The description and its renderers: bad descriptions stop everything, good ones render
deterministically, and `render --check` tells a stale file from a current one."""

from __future__ import annotations

import ast
import dataclasses
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from openpress.deployment import topology
from openpress.deployment.model import GENERATED_LINE, DescriptionError, Env, Port
from openpress.deployment.render import Targets, render, run, stale
from openpress.deployment.topology import OPENPRESS
from tests.deploy.conftest import ROOT
from tests.deploy.conftest import run as run_cmd


def with_role(name: str, **changes):
    roles = tuple(
        dataclasses.replace(r, **changes) if r.name == name else r for r in OPENPRESS.roles
    )
    return dataclasses.replace(OPENPRESS, roles=roles)


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        (with_role("celery-long", command=()), "role 'celery-long' has no command"),
        (
            with_role("web", ports=(Port("http", 9000), Port("metrics", 9000))),
            "role 'web' uses port 9000 twice",
        ),
        (
            with_role("api", env=(*topology.APP_ENV, Env("DATABSE_URL", "x"))),
            "role 'api' sets DATABSE_URL, which openpress/config.py does not declare",
        ),
        (
            with_role("web", env=(Env("SECRET_KEY", "not-a-secret-any-more"),)),
            "role 'web' gives secret SECRET_KEY a plain value",
        ),
        (with_role("web", command=("webserver",)), "runs 'webserver', which docker/entrypoint.sh"),
        (
            with_role("celery-beat", env=(Env("LOG_LEVEL", "${LOG_LEVL:-INFO}"),)),
            "LOG_LEVEL uses ${LOG_LEVL}, which is declared nowhere",
        ),
        (
            with_role(
                "api", ports=(Port("http", 9000, host="127.0.0.1:${OPENPRESS_HTTP_PORT:-8080}"),)
            ),
            "host port 8080 is published twice",
        ),
    ],
)
def test_an_inconsistent_description_stops_naming_the_problem_and_writes_nothing(
    tmp_path, description, expected
):
    root = tmp_path / "checkout"
    root.mkdir()
    with pytest.raises(DescriptionError) as caught:
        run(check_only=False, desc=description, targets=Targets(), root=root)
    assert expected in str(caught.value)
    assert list(root.iterdir()) == []


def test_every_problem_is_reported_at_once():
    broken = with_role("web", command=(), ports=(Port("a", 1), Port("b", 1)))
    with pytest.raises(DescriptionError) as caught:
        render(broken)
    assert len(caught.value.problems) == 2


def test_the_description_knows_the_roles_of_the_entrypoint():
    line = next(
        line
        for line in (ROOT / "docker/entrypoint.sh").read_text().splitlines()
        if line.startswith("ROLES=")
    )
    assert tuple(line.split("=", 1)[1].strip('"').split()) == OPENPRESS.entrypoint_roles


def test_rendering_is_deterministic_and_marks_every_file_generated():
    first, second = render(), render()
    assert first == second
    assert "docker-compose.yml" in first
    assert "deploy/base/kustomization.yaml" in first
    for path, text in first.items():
        assert text.startswith(GENERATED_LINE + "\n"), path


def test_the_committed_files_are_current():
    assert stale(render()) == []


def test_check_names_a_stale_file_and_a_stray_one(tmp_path):
    targets = Targets()
    ok, _ = run(check_only=False, targets=targets, root=tmp_path)
    assert ok
    assert run(check_only=True, targets=targets, root=tmp_path) == (
        True,
        f"{len(render())} deployment files are current",
    )
    web = tmp_path / "deploy/base/web.yaml"
    web.write_text(web.read_text().replace("revisionHistoryLimit: 5", "revisionHistoryLimit: 9"))
    (tmp_path / "deploy/base/extra.yaml").write_text("---\n")
    ok, message = run(check_only=True, targets=targets, root=tmp_path)
    assert not ok
    assert "deploy/base/web.yaml" in message
    assert "deploy/base/extra.yaml" in message
    # Rendering again repairs both: the edit is undone and the stray file removed.
    run(check_only=False, targets=targets, root=tmp_path)
    assert stale(render(), tmp_path) == []


def test_cli_check_passes_on_the_checkout():
    proc = run_cmd(sys.executable, "-m", "openpress.deployment", "render", "--check")
    assert proc.returncode == 0, proc.stderr
    assert "are current" in proc.stdout


def test_manage_py_render_deploy_checks_too(tmp_path, capsys):
    call_command("render_deploy", "--check")
    assert "are current" in capsys.readouterr().out
    with pytest.raises(CommandError, match="stale deployment files"):
        call_command("render_deploy", "--check", "--base", str(tmp_path / "base"))


def test_the_renderers_import_no_django_and_need_no_settings():
    # openpress/__init__.py loads the Celery app (which imports django.conf lazily); the
    # deployment modules themselves import nothing of Django and run without settings.
    for path in (ROOT / "openpress" / "deployment").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] == "django"], path
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run(
        [sys.executable, "-m", "openpress.deployment", "render", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "settings" not in proc.stderr.lower()
