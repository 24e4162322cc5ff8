"""Placeholder: review and account rules (issue 13 findings 1 and 7). Operations are filled in by the work that needs them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("media_app", "0011_mfa")]
    operations = []
