"""Periodic jobs, in django-celery-beat's database scheduler."""

from django.db import migrations

from media_app.migrations._beat import beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0002_encode_profiles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        beat_jobs(
            {
                "clear expired sessions": (
                    "housekeeping.clear_sessions",
                    {"minute": "17", "hour": "3"},
                )
            }
        ),
    ]
