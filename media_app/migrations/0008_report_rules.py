"""Reports (issue 13 finding 2): a counter of the reports that may hide media, the time editors
last cleared them (start of the cool-down), and when editors were told."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("media_app", "0007_upload_beat_job")]
    operations = [
        migrations.AddField(
            model_name="media",
            name="hiding_reports",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Reports that count toward hiding: signed-in accounts older than "
                "REPORT_MIN_ACCOUNT_AGE_HOURS, outside the cool-down after an editor cleared the "
                "media.",
            ),
        ),
        migrations.AddField(
            model_name="media",
            name="reports_cleared_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="When an editor last cleared the reports; the cool-down starts then",
            ),
        ),
        migrations.AddField(
            model_name="media",
            name="reports_notified_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="When editors were told of reports since the last clearing",
            ),
        ),
    ]
