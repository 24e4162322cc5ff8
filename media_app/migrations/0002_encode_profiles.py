"""The H.264 ladder and the animated preview, as encode profiles."""

from django.db import migrations

# Caps per height are MediaCMS's (see docs/performance.md): bitrate ceiling of a CRF encode.
LADDER = ((240, 450), (360, 750), (480, 1500), (720, 3750), (1080, 6750))


def create_profiles(apps, schema_editor):
    EncodeProfile = apps.get_model("media_app", "EncodeProfile")
    for height, kbps in LADDER:
        EncodeProfile.objects.update_or_create(
            name=f"h264-{height}",
            defaults={
                "extension": "mp4",
                "resolution": height,
                "codec": "h264",
                "description": f"H.264 {height}p, AAC stereo, capped at {kbps} kb/s",
                "max_video_kbps": kbps,
                "audio_kbps": 128,
                "active": True,
            },
        )
    EncodeProfile.objects.update_or_create(
        name="preview",
        defaults={
            "extension": "webp",
            "resolution": None,
            "codec": "webp",
            "description": "Short animated preview shown on hover",
            "active": True,
        },
    )


def remove_profiles(apps, schema_editor):
    EncodeProfile = apps.get_model("media_app", "EncodeProfile")
    names = [f"h264-{h}" for h, _ in LADDER] + ["preview"]
    EncodeProfile.objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("media_app", "0001_initial")]
    operations = [migrations.RunPython(create_profiles, remove_profiles)]
