"""Say what the machine lacks for ``make run`` or ``make test``, with the apt line, before starting.

Usage: ``check_system.py run|test [--warn-only]``; ``check_system.py --packages [ci|run|test]``
prints the Debian packages of scripts/system-packages.txt (every one without a target).

The list is scripts/system-packages.txt, the one place that names what the machine needs. This
script runs with the system's python3, before the virtualenv exists, so it uses the standard
library only. Exit status 1 when something is missing (0 with --warn-only, which only says it).
``scripts/run_embedded.py`` runs the same check (``missing``) before it starts anything.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "scripts" / "system-packages.txt"
LOCK = ROOT / "frontend" / "package-lock.json"
# Whose "engines.node" says which Node.js the frontend build and tests need.
NODE_TOOLS = ("vite", "vitest")


class Need(NamedTuple):
    package: str  # Debian package, or "-" when it is not in Debian's archive
    command: str  # on PATH when installed, or "-"
    targets: frozenset[str]
    why: str


def needs(path: Path = PACKAGES) -> list[Need]:
    found = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        package, command, rest = line.split(None, 2)
        words = rest.split()
        targets = []
        while words and words[0] in ("run", "test", "ci"):
            targets.append(words.pop(0))
        found.append(Need(package, command, frozenset(targets), " ".join(words)))
    return found


def debian_packages(target: str | None = None) -> list[str]:
    """Package names to install, each once, in the file's order."""
    names: list[str] = []
    for need in needs():
        wanted = target is None or target in need.targets
        if wanted and need.package != "-" and need.package not in names:
            names.append(need.package)
    return names


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


def _allows(spec: str, version: tuple[int, ...]) -> bool:
    """npm's engines range, in the forms our tools use: ^X.Y.Z, >=X.Y.Z, joined by ||."""
    for part in spec.split("||"):
        part = part.strip()
        if part.startswith("^"):
            low = _version(part)
            if version[:1] == low[:1] and version >= low:
                return True
        elif part.startswith(">=") and version >= _version(part):
            return True
    return False


def node_problem() -> str | None:
    """Why the Node.js on PATH cannot build the frontend, or None when it can (or is absent)."""
    node = shutil.which("node")
    if node is None or not LOCK.exists():
        return None
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        return f"node does not run ({exc.strerror})"
    version = _version(out.stdout)
    packages = json.loads(LOCK.read_text()).get("packages", {})
    for tool in NODE_TOOLS:
        spec = packages.get(f"node_modules/{tool}", {}).get("engines", {}).get("node")
        if spec and not _allows(spec, version):
            return f"Node.js {out.stdout.strip()} is too old for {tool}, which needs {spec}"
    return None


def nodejs_from_nodesource() -> bool:
    dpkg_query = shutil.which("dpkg-query")
    if dpkg_query is None:
        return False
    out = subprocess.run(
        [dpkg_query, "-W", "-f=${Version}", "nodejs"], capture_output=True, text=True, check=False
    )
    return "nodesource" in out.stdout


def installed(command: str) -> bool:
    # Debian puts daemons such as nginx in /usr/sbin, which a user's PATH often lacks.
    return bool(shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin"))


def missing(target: str) -> list[Need]:
    """What ``target`` (run or test) needs and this machine does not have."""
    return [
        need
        for need in needs()
        if target in need.targets and need.command != "-" and not installed(need.command)
    ]


def report(target: str, lacking: list[Need], extra: Sequence[str] = ()) -> str:
    """The message: what is missing, what for, and the apt line that installs it."""
    lines = [f"`make {target}` needs what this machine lacks:"]
    for need in lacking:
        source = f"Debian package {need.package}" if need.package != "-" else "not from Debian"
        lines.append(f"  - {need.command} ({source}): {need.why}")
    lines += [f"  - {problem}" for problem in extra]
    packages = [n.package for n in lacking if n.package != "-"]
    packages = list(dict.fromkeys(packages))
    if "npm" in packages and "nodejs" not in packages and nodejs_from_nodesource():
        packages.remove("npm")
        lines.append(
            "Your nodejs comes from NodeSource, whose package ships npm: reinstall it; Debian's "
            "npm package conflicts with it."
        )
    if packages:
        lines.append("Install with:")
        lines.append(f"  sudo apt-get install -y {' '.join(packages)}")
    if "nodejs" in packages:
        lines.append(
            "(Leave out nodejs and npm if `node --version` prints a Node.js the frontend accepts "
            "and `npm --version` works, e.g. NodeSource's, which conflicts with Debian's npm.)"
        )
    lines.append(f"The full list, with what needs what: {PACKAGES.relative_to(ROOT)}")
    return "\n".join(lines)


def check(target: str, *, warn_only: bool = False, extra: Sequence[str] = ()) -> bool:
    """Print the report when something is missing; True when nothing is."""
    lacking = missing(target)
    problems = list(extra)
    node = node_problem()
    if node:
        problems.append(node)
    if not lacking and not problems:
        return True
    print(report(target, lacking, problems), file=sys.stderr)
    if warn_only:
        print("(going on anyway, as asked)", file=sys.stderr)
    return False


def main(argv: list[str]) -> int:
    if argv[:1] == ["--packages"]:
        print("\n".join(debian_packages(argv[1] if len(argv) > 1 else None)))
        return 0
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    warn_only = "--warn-only" in argv[1:]
    return 0 if check(argv[0], warn_only=warn_only) or warn_only else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
