"""No secret value in the repository: secrets come from one command into an ignored file."""

from __future__ import annotations

import base64
import os
import re
import shutil
import stat
import subprocess

import pytest
import yaml

from openpress import config
from openpress.deployment import kubernetes
from tests.deploy.conftest import ROOT, run, tool

SECRET_VARS = {v.name for v in config.VARIABLES if v.secret} | {"POSTGRES_PASSWORD"}
# Secrets an operator may leave empty (the encoder then refuses to start and says why, unless
# C2PA_ALLOW_UNSIGNED): the newsroom's Content Credentials signer.
OPTIONAL_SECRETS = {"C2PA_SIGNING_CERT", "C2PA_SIGNING_KEY"}


def tracked(*paths: str) -> list[str]:
    """Files git tracks or would add (not ignored) that exist in the working tree."""
    proc = run("git", "ls-files", "--cached", "--others", "--exclude-standard", *paths)
    assert proc.returncode == 0, proc.stderr
    return sorted({p for p in proc.stdout.split() if (ROOT / p).is_file()})


def test_no_secrets_file_is_tracked_and_every_one_is_ignored():
    files = tracked("deploy", "docker-compose.yml")
    assert files, "git ls-files found nothing"
    assert not [f for f in files if f.endswith(".env")]
    for overlay in ("dev", "prod"):
        path = f"deploy/overlays/{overlay}/secrets.env"
        assert run("git", "check-ignore", "-q", path).returncode == 0, path


def test_no_overlay_generates_the_secret_it_refers_to_by_name():
    """The Secret is made outside kustomize (scripts/deploy-secrets.sh --apply, External
    Secrets, SOPS), so a clean clone renders and a GitOps tool never holds a value."""
    for kustomization in (ROOT / "deploy").rglob("kustomization.yaml"):
        doc = yaml.safe_load(kustomization.read_text())
        assert "secretGenerator" not in doc, kustomization


def _clean_checkout(tmp_path):
    """deploy/ as a clone has it: tracked and new files, nothing git ignores (secrets.env)."""
    proc = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "deploy")
    assert proc.returncode == 0, proc.stderr
    for rel in proc.stdout.split():
        if (ROOT / rel).is_file():  # a file deleted in the working tree is still "cached"
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / rel, tmp_path / rel)
    assert not list(tmp_path.rglob("secrets.env"))
    return tmp_path / "deploy"


@pytest.mark.parametrize("overlay", ("dev", "prod"))
def test_the_overlays_render_from_a_clean_checkout(tmp_path, overlay):
    deploy = _clean_checkout(tmp_path)
    proc = run(tool("kubectl"), "kustomize", str(deploy / "overlays" / overlay))
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    assert not [d for d in docs if d["kind"] == "Secret"]
    referred = set()
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            pod = doc["spec"]["template"]["spec"]
            referred |= set(kubernetes.secret_names(pod))
    # By their plain names: no kustomize hash suffix that a Secret made outside would lack.
    expected = {kubernetes.SECRET} | ({"openpress-db-app"} if overlay == "prod" else set())
    assert referred == expected


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
                    if name in OPTIONAL_SECRETS:
                        # Left out, the encoder says why it does not start: no value written.
                        assert value == f"${{{name}:-}}", (path, name)
                    elif name in SECRET_VARS:
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
    # No database pair: prod's DATABASE_URL comes from CloudNativePG's openpress-db-app.
    assert set(values) == {
        "SECRET_KEY",
        "MEDIA_LINK_SECRET",
        "REDIS_PASSWORD",
        "REDIS_ADMIN_PASSWORD",
        *OPTIONAL_SECRETS,
    }
    # The signing chain is the newsroom's own: never made up, empty until given.
    assert values["C2PA_SIGNING_CERT"] == values["C2PA_SIGNING_KEY"] == ""
    assert len(values["SECRET_KEY"]) == 96
    # Safe for nginx's configuration, as the app and nginx's start.sh demand.
    assert re.fullmatch(r"[0-9a-f]{64}", values["MEDIA_LINK_SECRET"])
    # Written into redis.conf by the Redis pods' init script, which accepts these characters.
    assert re.fullmatch(r"[0-9a-f]{48}", values["REDIS_PASSWORD"])
    assert re.fullmatch(r"[0-9a-f]{48}", values["REDIS_ADMIN_PASSWORD"])
    assert values["REDIS_ADMIN_PASSWORD"] != values["REDIS_PASSWORD"]
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
    assert (
        "added: MEDIA_LINK_SECRET REDIS_PASSWORD REDIS_ADMIN_PASSWORD C2PA_SIGNING_CERT "
        "C2PA_SIGNING_KEY" in proc.stdout
    )
    assert "=" not in proc.stdout
    lines = secrets_env.read_text().splitlines()
    assert lines[:3] == old.splitlines()
    assert len(lines) == 8 and re.fullmatch(r"MEDIA_LINK_SECRET=[0-9a-f]{64}", lines[3])
    assert re.fullmatch(r"REDIS_PASSWORD=[0-9a-f]{48}", lines[4])
    assert re.fullmatch(r"REDIS_ADMIN_PASSWORD=[0-9a-f]{48}", lines[5])
    again = subprocess.run(
        [str(scripts / "deploy-secrets.sh"), "dev"], capture_output=True, text=True, check=False
    )
    assert "kept" in again.stdout and secrets_env.read_text().splitlines() == lines


def test_dev_gets_the_database_pair_its_postgres_statefulset_reads(tmp_path):
    script = _script_copy(tmp_path, "dev")
    proc = subprocess.run([script, "dev"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "deploy/overlays/dev/secrets.env").read_text()
    values = dict(line.split("=", 1) for line in text.splitlines())
    assert set(values) == {
        "SECRET_KEY",
        "POSTGRES_PASSWORD",
        "DATABASE_URL",
        "MEDIA_LINK_SECRET",
        "REDIS_PASSWORD",
        "REDIS_ADMIN_PASSWORD",
        *OPTIONAL_SECRETS,
    }
    assert len(values["POSTGRES_PASSWORD"]) == 48
    assert values["DATABASE_URL"] == (
        f"postgres://openpress:{values['POSTGRES_PASSWORD']}@postgres:5432/openpress"
    )


def _script_copy(tmp_path, overlay: str) -> str:
    scripts = tmp_path / "scripts"
    scripts.mkdir(exist_ok=True)
    shutil.copy(ROOT / "scripts" / "deploy-secrets.sh", scripts)
    (tmp_path / "deploy" / "overlays" / overlay).mkdir(parents=True, exist_ok=True)
    return str(scripts / "deploy-secrets.sh")


def test_apply_creates_the_secret_the_overlays_name_from_the_file(tmp_path):
    """--print is the Secret (for SOPS or a password store); --apply hands the same to
    `kubectl apply`. kubectl here is the real one, with `apply` (which needs a cluster)
    recorded instead of sent."""
    script = _script_copy(tmp_path, "prod")
    printed = subprocess.run([script, "prod", "--print"], capture_output=True, text=True)
    assert printed.returncode == 0, printed.stderr
    secret = yaml.safe_load(printed.stdout)
    assert secret["kind"] == "Secret"
    assert secret["metadata"] == {
        "name": kubernetes.SECRET,
        "namespace": "openpress",
        "creationTimestamp": None,
    }
    text = (tmp_path / "deploy/overlays/prod/secrets.env").read_text()
    values = dict(line.split("=", 1) for line in text.splitlines())
    decoded = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert decoded == values

    shim = tmp_path / "bin"
    shim.mkdir()
    applied = tmp_path / "applied.yaml"
    (shim / "kubectl").write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = apply ]; then cat >"{applied}"; echo "secret/openpress-secrets created"; '
        f'exit 0; fi\nexec {tool("kubectl")} "$@"\n'
    )
    (shim / "kubectl").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}
    proc = subprocess.run(
        [script, "prod", "--apply"], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "kept" in proc.stdout and "data" not in proc.stdout  # no value on the terminal
    assert yaml.safe_load(applied.read_text()) == secret


def test_the_signing_chain_and_key_are_written_from_their_files_as_base64(tmp_path):
    """C2PA_SIGNING_CERT_FILE and C2PA_SIGNING_KEY_FILE (both or neither) become one-line
    ``base64:`` values that the app reads back as the PEM files (media_app/provenance.py)."""
    from media_app.provenance import _pem

    script = _script_copy(tmp_path, "prod")
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    chain.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    key.write_text("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")
    env = {**os.environ, "C2PA_SIGNING_CERT_FILE": str(chain), "C2PA_SIGNING_KEY_FILE": str(key)}
    proc = subprocess.run([script, "prod"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "MII" not in proc.stdout  # names only, never a value
    text = (tmp_path / "deploy/overlays/prod/secrets.env").read_text()
    values = dict(line.split("=", 1) for line in text.splitlines())
    assert _pem(values["C2PA_SIGNING_CERT"], "chain") == chain.read_bytes()
    assert _pem(values["C2PA_SIGNING_KEY"], "key") == key.read_bytes()
    assert text.count("C2PA_SIGNING_KEY=") == 1  # replaced, not added twice
    only_one = {**os.environ, "C2PA_SIGNING_CERT_FILE": str(chain)}
    proc = subprocess.run([script, "prod"], capture_output=True, text=True, env=only_one)
    assert proc.returncode == 64 and "both" in proc.stderr
    not_pem = {**env, "C2PA_SIGNING_KEY_FILE": str(tmp_path / "missing.pem")}
    proc = subprocess.run([script, "prod"], capture_output=True, text=True, env=not_pem)
    assert proc.returncode == 66 and "not a readable PEM" in proc.stderr
