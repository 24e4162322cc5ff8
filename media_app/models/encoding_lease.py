"""Leases of the encoding steps that are running (issue 12, point 17).

One row per step delivery that started: ``(media, run, task_id)``. The worker process running
the step renews ``expires_at`` (the database's clock, never a worker's) every few seconds; a
finished step keeps its row, marked ``done``, until its run ends, so that a second delivery of
the same message (a broker redelivering what a dead worker held) is recognised and dropped.
A row that is not done and whose ``expires_at`` has passed means the worker running that step
is gone; the sweep then starts the media's encode again under a new run (see
``media_app.encoding.lease``).
"""

from django.db import models

from media_app.models.media import Media


class EncodingLease(models.Model):
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="+")
    run = models.CharField(max_length=32, help_text="The pipeline run the step belongs to.")
    task_id = models.CharField(max_length=64, help_text="Celery task id of the step.")
    task = models.CharField(max_length=64, help_text="Task name, for the logs.")
    holder = models.CharField(max_length=255, help_text="host:pid of the worker process.")
    expires_at = models.DateTimeField(db_index=True)
    done = models.BooleanField(default=False)
    add_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["media", "task_id"], name="one_lease_per_delivery")
        ]

    def __str__(self) -> str:
        return f"{self.media_id}/{self.run}/{self.task}: {'done' if self.done else self.holder}"
