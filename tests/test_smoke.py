from media_app.models import EncodeProfile


def test_encode_profiles_come_from_migration(db):
    names = set(EncodeProfile.objects.values_list("name", flat=True))
    assert {"h264-240", "h264-360", "h264-480", "h264-720", "h264-1080", "preview"} <= names
