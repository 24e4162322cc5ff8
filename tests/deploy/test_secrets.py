"""No secret value in the repository: secrets come from one command into an ignored file."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess

import yaml

from openpress import config
from tests.deploy.conftest import ROOT, run

SECRET_VARS = {v.name for v in config.VARIABLES if v.secret} | {"POSTGRES_PASSWORD"}


def tracked(*paths: str) -> list[str]:
    proc = run("git", "ls-files", *paths)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_no_secrets_file_is_tracked_and_every_one_is_ignored():
    files = tracked("deploy", "docker-compose.yml")
    assert files, "git ls-files found nothing"
    assert not [f for f in files if f.endswith(".env")]
    for overlay in ("dev", "prod"):
        path = f"deploy/overlays/{overlay}/secrets.env"
        assert run("git", "check-ignore", "-q", path).returncode == 0, path


def test_secrets_are_only_generated_from_the_ignored_file():
    for overlay in ("dev", "prod"):
        kustomization = yaml.safe_load(
            (ROOT / "deploy" / "overlays" / overlay / "kustomization.yaml").read_text()
        )
        for generator in kustomization["secretGenerator"]:
            assert set(generator) == {"name", "envs"}, generator  # no literals, no files
            assert generator["envs"] == ["secrets.env"]


def test_no_committed_manifest_or_compose_file_holds_a_secret_value():
    for path in tracked("deploy", "docker-compose.yml"):
        if not path.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all((ROOT / path).read_text()):
            if not doc:
                continue
            assert doc.get("kind") != "Secret", path
            for generator in doc.get("configMapGenerator", []):
                for literal in generator.get("literals", []):
                    assert literal.split("=", 1)[0] not in SECRET_VARS, (path, literal)
            for service in (doc.get("services") or {}).values():
                for name, value in (service.get("environment") or {}).items():
                    if name in SECRET_VARS:
                        # Only an interpolation that fails when the variable is missing.
                        assert ":?" in value and "${" in value, (path, name)


def test_the_documented_command_writes_random_private_secrets_once(tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copy(ROOT / "scripts" / "deploy-secrets.sh", scripts)
    (tmp_path / "deploy" / "overlays" / "prod").mkdir(parents=True)
    script = str(scripts / "deploy-secrets.sh")

    def generate(*args: str) -> str:
        proc = subprocess.run([script, *args], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        assert "=" not in proc.stdout  # it never prints a value
        return (tmp_path / "deploy/overlays/prod/secrets.env").read_text()

    first = generate("prod")
    values = dict(line.split("=", 1) for line in first.splitlines())
    assert set(values) == {
        "SECRET_KEY",
        "POSTGRES_PASSWORD",
        "DATABASE_URL",
        "MEDIA_LINK_SECRET",
        "REDIS_PASSWORD",
    }
    assert len(values["SECRET_KEY"]) == 96 and len(values["POSTGRES_PASSWORD"]) == 48
    # Safe for nginx's configuration, as the app and nginx's start.sh demand.
    assert re.fullmatch(r"[0-9a-f]{64}", values["MEDIA_LINK_SECRET"])
    # Written into redis.conf by the Redis pods' init script, which accepts these characters.
    assert re.fullmatch(r"[0-9a-f]{48}", values["REDIS_PASSWORD"])
    assert values["DATABASE_URL"] == (
        f"postgres://openpress:{values['POSTGRES_PASSWORD']}@postgres:5432/openpress"
    )
    mode = (tmp_path / "deploy/overlays/prod/secrets.env").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert generate("prod") == first  # kept
    assert generate("prod", "--force") != first  # replaced, with new random values
    bad = subprocess.run([script, "staging"], capture_output=True, text=True, check=False)
    assert bad.returncode == 64


def test_a_secret_added_by_a_newer_release_is_appended_to_a_kept_file(tmp_path):
    """Upgrading keeps every existing value and adds only what is missing (MEDIA_LINK_SECRET
    came after the first releases); the database pair is never touched."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    shutil.copy(ROOT / "scripts" / "deploy-secrets.sh", scripts)
    (tmp_path / "deploy" / "overlays" / "dev").mkdir(parents=True)
    old = (
        "SECRET_KEY=aa\nPOSTGRES_PASSWORD=bb\nDATABASE_URL=postgres://openpress:bb@postgres:5432/op"
    )
    secrets_env = tmp_path / "deploy/overlays/dev/secrets.env"
    secrets_env.write_text(old)  # no final newline
    proc = subprocess.run(
        [str(scripts / "deploy-secrets.sh"), "dev"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "added: MEDIA_LINK_SECRET REDIS_PASSWORD" in proc.stdout and "=" not in proc.stdout
    lines = secrets_env.read_text().splitlines()
    assert lines[:3] == old.splitlines()
    assert len(lines) == 5 and re.fullmatch(r"MEDIA_LINK_SECRET=[0-9a-f]{64}", lines[3])
    assert re.fullmatch(r"REDIS_PASSWORD=[0-9a-f]{48}", lines[4])
    again = subprocess.run(
        [str(scripts / "deploy-secrets.sh"), "dev"], capture_output=True, text=True, check=False
    )
    assert "kept" in again.stdout and secrets_env.read_text().splitlines() == lines
