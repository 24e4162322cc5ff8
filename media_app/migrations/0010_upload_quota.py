"""Placeholder: upload quota and encode priority (issue 13 finding 5). Operations are filled in by the work that needs them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("media_app", "0009_api_tokens")]
    operations = []
