"""``manage.py create_admin_if_missing``: the first admin of a fresh install, exactly once."""

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from media_app.models import User
from openpress import config

DEFAULT_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Create an admin unless one exists. Name and password come from OPENPRESS_ADMIN_USER and "
        "OPENPRESS_ADMIN_PASSWORD; without a password one is generated and printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--login-url",
            default="http://127.0.0.1:8000/admin/",
            help="Where to log in, printed with the credentials.",
        )

    @transaction.atomic
    def handle(self, *args, login_url, **options):
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            self.stdout.write(
                f"An admin already exists ({existing.username}); log in at {login_url}"
            )
            return
        username = config.value("OPENPRESS_ADMIN_USER").strip() or DEFAULT_USERNAME
        password = config.value("OPENPRESS_ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        if User.objects.filter(username=username).exists():
            # Never turn somebody's existing account into an admin behind their back.
            raise CommandError(
                f"{username!r} is an existing account that is not an admin: choose another "
                "OPENPRESS_ADMIN_USER or promote it with `manage.py createsuperuser`."
            )
        user = User(username=username)
        user.is_superuser = user.is_staff = user.is_active = True
        user.is_manager = user.is_editor = True
        user.set_password(password)
        user.save()
        self.stdout.write(self.style.SUCCESS(f"Admin created. Log in at {login_url}"))
        self.stdout.write(f"  username: {username}")
        if generated:
            self.stdout.write(f"  password: {password}")
            self.stdout.write(
                "  (generated now and shown only once; set OPENPRESS_ADMIN_PASSWORD to choose it, "
                "or change it with `manage.py changepassword " + username + "`)"
            )
        else:
            self.stdout.write("  password: the one in OPENPRESS_ADMIN_PASSWORD")
