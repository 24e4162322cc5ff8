"""Render every generated deployment file, or check that the committed ones are current.

Nothing is written unless the description is consistent and every file rendered: a problem
stops the run with a message naming it, and the files on disk stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpress.deployment import compose, kubernetes
from openpress.deployment.model import Description, check
from openpress.deployment.topology import OPENPRESS, S3_DESCRIPTION, S3_ENV

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Targets:
    """Where the rendered files go, relative to the repository root."""

    compose: str = "docker-compose.yml"
    base: str = "deploy/base"
    namespace: str = "deploy/namespace.yaml"
    # S3 mode (issue 14): compose's s3 file and the Kubernetes component the prod overlay uses.
    compose_s3: str = "docker-compose.s3.yml"
    s3_component: str = "deploy/components/s3-storage/kustomization.yaml"


def render(desc: Description = OPENPRESS, targets: Targets = Targets()) -> dict[str, str]:
    """Relative path -> text of every generated file. Raises DescriptionError on a bad one."""
    check(desc)
    check(S3_DESCRIPTION)
    files = {targets.compose: compose.render(desc), targets.namespace: kubernetes.namespace(desc)}
    files[targets.compose_s3] = compose.render_s3(desc, S3_DESCRIPTION, S3_ENV)
    files[targets.s3_component] = kubernetes.s3_component(desc, S3_ENV)
    for name, text in kubernetes.render(desc, S3_ENV).items():
        files[f"{targets.base}/{name}"] = text
    return files


def stale(files: dict[str, str], root: Path = ROOT, base: str = "deploy/base") -> list[str]:
    """Paths whose committed text differs from ``files``, and files in base that are not ours."""
    out = [p for p, text in files.items() if _read(root / p) != text]
    base_dir = root / base
    if base_dir.is_dir():
        known = {p for p in files if p.startswith(f"{base}/")}
        out += [
            str(p.relative_to(root))
            for p in sorted(base_dir.iterdir())
            if str(p.relative_to(root)) not in known
        ]
    return sorted(out)


def write(files: dict[str, str], root: Path = ROOT, base: str = "deploy/base") -> list[str]:
    """Write what changed; remove files in base that the description no longer produces."""
    changed = stale(files, root, base)
    for rel in changed:
        path = root / rel
        if rel in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(files[rel], encoding="utf-8")
            tmp.replace(path)
        else:
            path.unlink()
    return changed


def run(
    *,
    check_only: bool,
    desc: Description = OPENPRESS,
    targets: Targets = Targets(),
    root: Path = ROOT,
) -> tuple[bool, str]:
    """Render (or check) and say what happened: (ok, message). Used by the CLI and manage.py.

    A bad description raises DescriptionError before anything is written.
    """
    files = render(desc, targets)
    if check_only:
        old = stale(files, root, targets.base)
        if old:
            return False, "stale deployment files (render them again):\n" + "\n".join(
                f"  {p}" for p in old
            )
        return True, f"{len(files)} deployment files are current"
    changed = write(files, root, targets.base)
    return True, f"rendered {len(files)} files; changed: {', '.join(changed) or 'none'}"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
