"""``manage.py render_deploy [--check]``: docker-compose.yml and deploy/base from the description.

A thin wrapper of ``python -m openpress.deployment render``, which needs no Django settings.
"""

from django.core.management.base import BaseCommand, CommandError

from openpress.deployment.model import DescriptionError
from openpress.deployment.render import Targets, run


class Command(BaseCommand):
    help = "Render docker-compose.yml and deploy/base from openpress/deployment; --check: verify."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if a file is stale")
        parser.add_argument("--compose", default=Targets.compose, help="compose file path")
        parser.add_argument("--base", default=Targets.base, help="Kubernetes base folder")

    def handle(self, *args, check, compose, base, **options):
        targets = Targets(compose=compose, base=base.rstrip("/"))
        try:
            ok, message = run(check_only=check, targets=targets)
        except DescriptionError as exc:
            raise CommandError(str(exc)) from None
        if not ok:
            raise CommandError(message)
        self.stdout.write(message)
