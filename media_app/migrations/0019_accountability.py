"""Accountability (issue 15, section 3): Media.retracted and Media.media_withheld (set by a
retraction), and the beat job that stamps the heads of every media's history chain (daily,
asking again hourly while the day has no token)."""

from django.db import migrations, models

from media_app.migrations._beat import beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0018_trust"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="media",
            name="retracted",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="media",
            name="media_withheld",
            field=models.BooleanField(default=False),
        ),
        # Hourly: the day's stamp is made at its first run; a run finding it without a token
        # (the authority failed) asks again, one finding it stamped does nothing.
        beat_jobs({"stamp the history chains": ("housekeeping.history_stamp", {"minute": "7"})}),
    ]
