"""``manage.py stamp_history``: make today's stamp of every history chain's head now."""

from django.core.management.base import BaseCommand

from media_app.services.history import history_stamp_make


class Command(BaseCommand):
    help = (
        "Combine the heads of all history chains into today's digest and, when "
        "HISTORY_TSA_URL is set, have it time-stamped (RFC 3161). A day already stamped with "
        "a token is left as it is; one without is made again."
    )

    def handle(self, *args, **options):
        stamp = history_stamp_make()
        token = "time-stamped by " + stamp.tsa_url if stamp.token else "no time-stamp token"
        self.stdout.write(f"{stamp.day}: {len(stamp.heads)} chains, digest {stamp.digest}, {token}")
