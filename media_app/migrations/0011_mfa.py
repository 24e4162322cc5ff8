"""Two-factor enforcement (issue 13): when a role that requires a second factor was granted.

Accounts that already hold such a role get the grace period from the day this is deployed.
"""

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def start_the_clock(apps, schema_editor):
    User = apps.get_model("media_app", "User")
    roles = (
        Q(is_superuser=True) | Q(is_editor=True) | Q(is_manager=True) | Q(is_verified_journalist=True)
    )
    User.objects.filter(roles, role_granted_at__isnull=True).update(role_granted_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("media_app", "0010_upload_quota")]
    operations = [
        migrations.AddField(
            model_name="user",
            name="role_granted_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the account last became an editor, manager, admin or verified "
                "journalist; a second factor is required MFA_GRACE_DAYS later.",
                null=True,
            ),
        ),
        migrations.RunPython(start_the_clock, migrations.RunPython.noop),
    ]
