"""Beat jobs of the encoder: requeue or fail stuck encodings, remove abandoned work folders."""

from django.db import migrations

from media_app.migrations._beat import beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0005_encoding_run"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        beat_jobs(
            {
                "requeue or fail stuck encodings": (
                    "housekeeping.encodings_stuck",
                    {"minute": "*/10"},
                ),
                "remove abandoned encoding work": (
                    "encoding.cleanup",
                    {"minute": "41", "hour": "*/3"},
                ),
            }
        ),
    ]
