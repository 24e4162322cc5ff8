"""Beat job: send again the encode message of uploads whose message the broker lost (issue 12,
point 18). Every minute (an interval schedule), so such an upload starts within
``ENCODE_PENDING_REQUEUE_SECONDS`` plus a minute instead of after the six-hour stuck check.
"""

from django.db import migrations

JOB = "send again the encodes the broker lost"


def create_job(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=JOB,
        defaults={"task": "housekeeping.encodings_pending", "interval": every, "enabled": True},
    )


def remove_job(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=JOB).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0013_encoding_lease"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_job, remove_job)]
