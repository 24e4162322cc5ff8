from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media_app.models import Media
from media_app.services.media import media_delete
from tests.factories import MediaFactory


def test_deleting_media_removes_its_original_and_encoded_tree(
    db, journalist, django_capture_on_commit_callbacks
):
    media = MediaFactory(user=journalist)
    media.media_file.name = default_storage.save(f"original/{media.uid.hex}.mp4", ContentFile(b"x"))
    media.save()
    encoded = f"encoded/{media.uid.hex}"
    default_storage.save(f"{encoded}/hls/run1/240p/seg_000.m4s", ContentFile(b"s"))
    default_storage.save(f"{encoded}/poster.jpg", ContentFile(b"p"))

    with django_capture_on_commit_callbacks(execute=True):
        media_delete(media=media, by=journalist)

    assert not Media.objects.filter(pk=media.pk).exists()
    assert not default_storage.exists(media.media_file.name)
    assert not default_storage.exists(encoded)
