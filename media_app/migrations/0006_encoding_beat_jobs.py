"""Beat jobs of the encoder: requeue or fail stuck encodings, remove abandoned work folders."""

from django.db import migrations

# name -> (task, crontab fields)
JOBS = {
    "requeue or fail stuck encodings": ("housekeeping.encodings_stuck", {"minute": "*/10"}),
    "remove abandoned encoding work": ("encoding.cleanup", {"minute": "41", "hour": "*/3"}),
}


def create_jobs(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, cron) in JOBS.items():
        fields = {
            "minute": "*",
            "hour": "*",
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
            **cron,
        }
        schedule, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **fields)
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "enabled": True}
        )


def remove_jobs(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=list(JOBS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0005_encoding_run"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_jobs, remove_jobs)]
