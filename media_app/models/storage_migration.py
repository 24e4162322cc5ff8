"""Files that ``media_storage_migrate`` copied and verified (issue 14, point 5).

One row per (target, name): the copy at ``target`` (a bucket or a MEDIA_ROOT, see
``media_app.storage.migration_target``) had ``size`` bytes and the SHA-256 ``sha256``, equal to
the source's, read back from the target after writing. A re-run skips a file whose row still
matches the source (same size and modification time) and the target (same size), and copies
again every other file: one that changed since, a partial or corrupted copy, a missing one.

Rows only record work done; media rows hold storage names that are the same in both modes, so
they are never rewritten.
"""

from django.db import models


class StorageCopy(models.Model):
    """A media file copied to another storage and verified there (size and SHA-256)."""

    target = models.CharField(
        max_length=300, help_text="Where the copy is: s3://<endpoint>/<bucket> or file://<root>."
    )
    name = models.CharField(max_length=500, help_text="The storage name, the same on both sides.")
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    source_modified = models.DateTimeField(
        null=True, blank=True, help_text="The source's modification time when it was copied."
    )
    verified_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "name"], name="one_copy_per_target_name")
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.name} ({self.size} bytes)"
