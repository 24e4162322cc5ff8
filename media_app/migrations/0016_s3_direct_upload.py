"""S3 direct uploads (issue 14, point 2): a resumable upload may be an S3 multipart upload the
browser sends straight to the bucket (its UploadId, key and part size kept here, never shown to
the client), and a beat job aborts the abandoned ones and the bucket's multipart uploads that
have no row."""

from django.db import migrations, models

from media_app.migrations._beat import beat_jobs


class Migration(migrations.Migration):
    dependencies = [("media_app", "0015_storage_copy")]

    operations = [
        migrations.AddField(
            model_name="resumableupload",
            name="s3_upload_id",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AddField(
            model_name="resumableupload",
            name="s3_key",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AddField(
            model_name="resumableupload",
            name="part_size",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        beat_jobs(
            {"abort abandoned S3 uploads": ("housekeeping.abort_s3_uploads", {"minute": "44"})}
        ),
    ]
