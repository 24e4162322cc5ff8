"""Shared by the migrations that add periodic jobs to django-celery-beat's database scheduler.

Not a migration itself (the loader skips names starting with an underscore).
"""

from django.db import migrations


def beat_jobs(jobs: dict[str, tuple[str, dict[str, str]]]) -> migrations.RunPython:
    """An operation that creates (and on reverse deletes) ``{name: (task, crontab fields)}``."""

    def create(apps, schema_editor):
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        for name, (task, cron) in jobs.items():
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

    def remove(apps, schema_editor):
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        PeriodicTask.objects.filter(name__in=list(jobs)).delete()

    return migrations.RunPython(create, remove)
