import uuid

from django.conf import settings
from django.db import models


class ResumableUpload(models.Model):
    """A tus upload in progress. Its bytes live in a spool file; the offset is that file's size."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resumable_uploads"
    )
    length = models.BigIntegerField()
    filename = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Set once the last byte is in. Deleting the media deletes the upload too: a row left
    # without its media would look unfinished and keep counting against the owner's quota.
    media = models.OneToOneField(
        "media_app.Media", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.id} ({self.filename}, {self.length} bytes)"
