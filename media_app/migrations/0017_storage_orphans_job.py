"""Beat job: delete stored files no media row owns once older than ORPHAN_GRACE_SECONDS
(issue 14, point 3): originals, outputs of deleted media, HLS and work runs no media uses."""

from django.db import migrations

from media_app.migrations._beat import beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0016_s3_direct_upload"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        beat_jobs(
            {
                "delete orphaned media files": (
                    "housekeeping.storage_orphans",
                    {"minute": "17", "hour": "4"},
                )
            }
        ),
    ]
