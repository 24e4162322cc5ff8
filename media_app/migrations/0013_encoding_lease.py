"""Leases of running encoding steps and the beat job that requeues lapsed ones (issue 12, 17).

The sweep runs every 15 s (an interval schedule: crontab's finest step is a minute), so that an
encode whose worker died starts again within ``ENCODE_LEASE_SECONDS`` + 15 s.
"""

import django.db.models.deletion
from django.db import migrations, models

JOB = "requeue encodes whose worker was lost"


def create_job(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=15, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=JOB,
        defaults={"task": "housekeeping.encoding_leases", "interval": every, "enabled": True},
    )


def remove_job(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=JOB).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0012_review_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="EncodingLease",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "run",
                    models.CharField(
                        help_text="The pipeline run the step belongs to.", max_length=32
                    ),
                ),
                (
                    "task_id",
                    models.CharField(help_text="Celery task id of the step.", max_length=64),
                ),
                ("task", models.CharField(help_text="Task name, for the logs.", max_length=64)),
                (
                    "holder",
                    models.CharField(help_text="host:pid of the worker process.", max_length=255),
                ),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("done", models.BooleanField(default=False)),
                ("add_date", models.DateTimeField(auto_now_add=True)),
                (
                    "media",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="media_app.media",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("media", "task_id"), name="one_lease_per_delivery"
                    )
                ],
            },
        ),
        migrations.RunPython(create_job, remove_job),
    ]
