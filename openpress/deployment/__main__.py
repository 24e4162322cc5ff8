"""`python -m openpress.deployment render [--check] [--compose PATH] [--base DIR]`."""

from __future__ import annotations

import argparse
import sys

from openpress.deployment.model import DescriptionError
from openpress.deployment.render import Targets, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m openpress.deployment")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("render", help="render docker-compose.yml and deploy/base")
    cmd.add_argument("--check", action="store_true", help="fail if a committed file is stale")
    cmd.add_argument("--compose", default=Targets.compose, help="path of the compose file")
    cmd.add_argument("--base", default=Targets.base, help="folder of the Kubernetes base")
    args = parser.parse_args(argv)
    targets = Targets(compose=args.compose, base=args.base.rstrip("/"))
    try:
        ok, message = run(check_only=args.check, targets=targets)
    except DescriptionError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
