import uuid

from django.conf import settings
from django.db import models


class ResumableUpload(models.Model):
    """An upload in progress: tus (its bytes in a spool file; the offset is that file's size) or,
    in S3 mode, a multipart upload the browser sends straight to the bucket (``s3_upload_id``
    set; the bucket holds the parts, media_app/services/uploads_s3.py)."""

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
    # S3 direct uploads only: S3's UploadId and the object's key, never shown to the client,
    # and the size of every part but the last (each part URL is signed for its exact length).
    s3_upload_id = models.CharField(max_length=255, blank=True, default="")
    s3_key = models.CharField(max_length=255, blank=True, default="")
    part_size = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.id} ({self.filename}, {self.length} bytes)"
