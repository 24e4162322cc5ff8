"""openpress/config.py is THE list of environment variables: settings read nothing else."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from openpress import config

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = ROOT / "openpress" / "settings"
READ_THROUGH_CONFIG = re.compile(
    r"""\b(?:setting|config\.value|value)\(\s*["']([A-Za-z0-9_]+)["']"""
)
READ_FROM_ENVIRON = re.compile(
    r"""os\.(?:environ\.get|getenv|environ\.setdefault)\(\s*["']([A-Za-z0-9_]+)["']"""
    r"""|os\.environ\[\s*["']([A-Za-z0-9_]+)["']\s*\]"""
)


def names_read(pattern: re.Pattern, files) -> set[str]:
    found = set()
    for path in files:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found.update(name for name in match.groups() if name)
    return found


def project_modules():
    """Every module of the project and its app (migrations aside)."""
    files = [*(ROOT / "openpress").rglob("*.py"), *(ROOT / "media_app").rglob("*.py")]
    return sorted(p for p in files if "migrations" not in p.parts and p.name != "config.py")


def test_the_scan_sees_the_settings_reads():
    # Guards the regular expressions below: if the settings stop matching, the checks go blind.
    read = names_read(READ_THROUGH_CONFIG, SETTINGS_DIR.glob("*.py"))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ENCODE_LADDER"} <= read


def test_every_variable_the_settings_read_is_declared():
    read = names_read(READ_THROUGH_CONFIG, project_modules()) | names_read(
        READ_FROM_ENVIRON, project_modules()
    )
    undeclared = sorted(read - set(config.BY_NAME))
    assert undeclared == [], f"declare these in openpress/config.py: {undeclared}"


# The container scripts read a few variables themselves ($NAME or ${NAME...} in shell, $(NAME)
# in uwsgi.ini): the web server's processes and the database wait happen before Django starts.
READ_BY_CONTAINER = re.compile(r"\$\{?\(?([A-Z][A-Z0-9_]+)")


def container_files():
    return sorted(
        [
            *(ROOT / "docker").glob("*.sh"),
            *(ROOT / "docker" / "nginx").glob("*.sh"),  # TRUSTED_PROXY_RANGES: nginx only
            ROOT / "docker" / "uwsgi.ini",
        ]
    )


def test_every_declared_variable_is_read_somewhere():
    read = (
        names_read(READ_THROUGH_CONFIG, project_modules())
        | names_read(READ_FROM_ENVIRON, project_modules())
        | names_read(READ_BY_CONTAINER, container_files())
    )
    unused = sorted(set(config.BY_NAME) - read)
    assert unused == [], f"declared in openpress/config.py but never read: {unused}"


@pytest.mark.parametrize("var", config.VARIABLES, ids=lambda v: v.name)
def test_every_variable_is_documented_and_well_named(var):
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", var.name)
    assert var.doc.strip() and var.doc.strip()[-1] in ".)", f"{var.name} needs a one-line doc"
    assert "\n" not in var.doc
    assert var.group


def test_names_are_unique():
    names = [v.name for v in config.VARIABLES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("var", [v for v in config.VARIABLES if v.secret], ids=lambda v: v.name)
def test_no_secret_has_a_usable_default(var):
    # None: required, start-up stops without it. "": optional, and empty means "not given"
    # (an admin password then gets generated), never a value anybody could guess.
    assert var.default in (None, "")


def test_a_required_variable_without_value_names_itself():
    with pytest.raises(config.MissingSetting, match="SECRET_KEY is not set"):
        config.value("SECRET_KEY", environ={})
    assert config.value("SECRET_KEY", environ={"SECRET_KEY": "s3cret"}) == "s3cret"
    assert config.value("SECRET_KEY", "dev-fallback", environ={}) == "dev-fallback"
    assert config.value("SITE_NAME", environ={"SITE_NAME": ""}) == "OpenPress"


def test_env_example_is_committed_and_fresh():
    committed = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert committed == config.env_example(), "run `make env-example` and commit .env.example"
    for var in config.VARIABLES:
        assert re.search(rf"^{var.name}=", committed, re.MULTILINE), var.name
        assert var.doc in committed


def test_the_freshness_check_fails_on_a_stale_file(tmp_path):
    check = [sys.executable, "-m", "openpress.config", "--check"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    (tmp_path / ".env.example").write_text(config.env_example(), encoding="utf-8")
    fresh = subprocess.run(check, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr

    (tmp_path / ".env.example").write_text(
        config.env_example().replace("SITE_NAME=OpenPress", "SITE_NAME=Other"), encoding="utf-8"
    )
    stale = subprocess.run(check, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert stale.returncode != 0
    assert ".env.example is stale" in stale.stderr


def test_container_script_defaults_agree_with_config():
    """A shell default (``${NAME:-value}``) must be the one config.py declares."""
    shell_defaults = re.compile(r"\$\{([A-Z][A-Z0-9_]+):-([^}]*)\}")
    for path in container_files():
        for name, default in shell_defaults.findall(path.read_text(encoding="utf-8")):
            # A required variable has no default; the script's "${NAME:-}" only reads it safely.
            if name in config.BY_NAME and config.BY_NAME[name].default is not None:
                assert default == config.BY_NAME[name].default, f"{path.name}: {name}"
