"""Placeholder: reports (issue 13 finding 2). Operations are filled in by the work that needs them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("media_app", "0007_upload_beat_job")]
    operations = []
