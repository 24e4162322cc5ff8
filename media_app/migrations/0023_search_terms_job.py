"""The beat job that rebuilds the word list "did you mean" draws from (issue 17)."""

from django.db import migrations

from media_app.migrations._beat import beat_jobs


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0022_search"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_jobs(
            {"rebuild the search suggestions": ("housekeeping.search_terms", {"minute": "*/10"})}
        ),
    ]
