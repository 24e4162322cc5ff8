"""Placeholder: named, hashed, scoped API tokens (issue 13). Operations are filled in by the work that needs them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("media_app", "0008_report_rules")]
    operations = []
