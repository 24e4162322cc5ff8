"""``manage.py reencode <token> [<token> ...]``: run the encoding pipeline of media again.

``manage.py reencode --without-public-copy``: every media encoded before source protection
(issue 15, docs/provenance.md section 1): no clean download copy yet, and renditions made before
the encoder removed metadata. Until then nobody but owners and editors can download them.
"""

from django.core.management.base import BaseCommand, CommandError

from media_app.models import Media
from media_app.services.encoding import encoding_requeue


class Command(BaseCommand):
    help = "Queue media (by friendly token) for encoding again; current files serve until done."

    def add_arguments(self, parser):
        parser.add_argument("tokens", nargs="*", metavar="token")
        parser.add_argument(
            "--without-public-copy",
            action="store_true",
            help="Every successfully encoded media that has no clean public copy yet.",
        )

    def handle(self, *args, tokens, without_public_copy=False, **options):
        if without_public_copy:
            rows = Media.objects.filter(
                encoding_status=Media.EncodingStatus.SUCCESS, public_file=""
            ).order_by("pk")
            tokens = [*tokens, *rows.values_list("friendly_token", flat=True)]
        if not tokens:
            raise CommandError("Name media by token, or give --without-public-copy.")
        found = {m.friendly_token: m for m in Media.objects.filter(friendly_token__in=tokens)}
        missing = [t for t in tokens if t not in found]
        if missing:
            raise CommandError(f"No media with token {', '.join(missing)}.")
        for token in dict.fromkeys(tokens):
            encoding_requeue(media=found[token])
            self.stdout.write(f"{token}: queued for encoding")
