"""``manage.py reencode <token> [<token> ...]``: run the encoding pipeline of media again."""

from django.core.management.base import BaseCommand, CommandError

from media_app.models import Media
from media_app.services.encoding import encoding_requeue


class Command(BaseCommand):
    help = "Queue media (by friendly token) for encoding again; current files serve until done."

    def add_arguments(self, parser):
        parser.add_argument("tokens", nargs="+", metavar="token")

    def handle(self, *args, tokens, **options):
        found = {m.friendly_token: m for m in Media.objects.filter(friendly_token__in=tokens)}
        missing = [t for t in tokens if t not in found]
        if missing:
            raise CommandError(f"No media with token {', '.join(missing)}.")
        for token in tokens:
            encoding_requeue(media=found[token])
            self.stdout.write(f"{token}: queued for encoding")
