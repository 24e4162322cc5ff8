"""Beat job: delete resumable uploads abandoned for a day."""

from django.db import migrations

from media_app.migrations._beat import beat_jobs


class Migration(migrations.Migration):
    dependencies = [("media_app", "0006_encoding_beat_jobs")]
    operations = [
        beat_jobs({"delete abandoned uploads": ("housekeeping.expire_uploads", {"minute": "29"})}),
    ]
