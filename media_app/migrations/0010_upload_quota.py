"""Upload quota (issue 13, finding 5): a finished upload goes with its media.

The tus upload row used to stay, without its media, when the media was deleted; it then looked
unfinished and would keep counting against its owner's quota.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("media_app", "0009_api_tokens")]

    operations = [
        migrations.AlterField(
            model_name="resumableupload",
            name="media",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="media_app.media",
            ),
        ),
    ]
