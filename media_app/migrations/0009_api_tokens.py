"""Named, hashed, scoped, expiring API tokens (issue 13), replacing rest_framework.authtoken.

The old tokens are dropped, not converted: their keys sat in clear in ``authtoken_token`` (and in
every backup of it), so clients log in again once and get a hashed token. The app is no longer
installed; its table and migration records go here, so nothing points at a table no code knows
(its foreign key would otherwise block deleting a user who had an old token).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROP_OLD_TOKENS = """
DROP TABLE IF EXISTS authtoken_token;
DELETE FROM django_migrations WHERE app = 'authtoken';
"""


class Migration(migrations.Migration):
    dependencies = [("media_app", "0008_report_rules")]
    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="Which client holds it, in the owner's words.", max_length=100
                    ),
                ),
                (
                    "prefix",
                    models.CharField(
                        help_text="The key's first characters, for display.", max_length=16
                    ),
                ),
                (
                    "digest",
                    models.CharField(
                        help_text="SHA-256 of the key, in hex.", max_length=64, unique=True
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("read", "read: look only (GET, HEAD, OPTIONS)"),
                            ("upload", "upload: read, and upload media"),
                            ("manage", "manage: everything the account may do"),
                        ],
                        default="manage",
                        max_length=8,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField()),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Updated at most every few minutes, not per request.",
                        null=True,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ("-created_at", "-id"),
                "indexes": [
                    models.Index(fields=["user", "created_at"], name="apitoken_user_created")
                ],
            },
        ),
        migrations.RunSQL(DROP_OLD_TOKENS, reverse_sql=migrations.RunSQL.noop),
    ]
