"""``manage.py verify_journalist <username> --outlet X [--revoke]``."""

from django.core.management.base import BaseCommand, CommandError

from media_app.models import User
from media_app.services import verification as verification_services
from media_app.services.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Verify a journalist (their uploads are published without review), or --revoke it. "
        "The decision is recorded like an editor's, with no editor named."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--outlet", default="", help="The outlet they work for.")
        parser.add_argument("--revoke", action="store_true", help="Take the verification away.")
        parser.add_argument("--note", default="", help="Why, kept with the decision.")

    def handle(self, *args, username, outlet, revoke, note, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            if revoke:
                count = verification_services.verification_withdraw(user=user, note=note)
                self.stdout.write(
                    f"{username} is no longer a verified journalist "
                    f"({count} approved request(s) revoked)."
                )
                return
            if not outlet.strip():
                raise CommandError("Give the outlet: --outlet 'Name' (or 'independent').")
            record = verification_services.verification_grant(user=user, outlet=outlet, note=note)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(f"{username} is a verified journalist of {record.outlet}.")
        )
