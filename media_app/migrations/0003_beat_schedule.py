"""Periodic jobs, in django-celery-beat's database scheduler."""

from django.db import migrations

# name -> (task, crontab fields). Later jobs are added by later migrations.
JOBS = {
    "clear expired sessions": ("housekeeping.clear_sessions", {"minute": "17", "hour": "3"}),
}


def create_jobs(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, cron) in JOBS.items():
        fields = {"day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **cron}
        schedule, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **fields)
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "enabled": True}
        )


def remove_jobs(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=list(JOBS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0002_encode_profiles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_jobs, remove_jobs)]
