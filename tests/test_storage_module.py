"""media_app/storage.py names every media file, and the s3_media fixture switches a test into
S3 mode against the real server (tests/s3.py)."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media_app import storage


def test_names_are_ours_and_refuse_what_is_not_a_name():
    uid = uuid.UUID("0123456789abcdef0123456789abcdef")
    assert storage.original_name(uid, "mp4") == "original/01/0123456789abcdef0123456789abcdef.mp4"
    assert storage.hls_prefix(uid.hex, "r1") == f"encoded/{uid.hex}/hls/r1"
    assert storage.still_name(uid.hex, "poster.jpg") == f"encoded/{uid.hex}/poster.jpg"
    assert storage.subtitle_name(uid.hex, "pt-BR") == f"encoded/{uid.hex}/subtitles/pt-BR.vtt"
    for bad in ("../x", "mp4/../../etc", ""):
        with pytest.raises(ValueError):
            storage.original_name(uid, bad)
    with pytest.raises(ValueError):
        storage.still_name(uid.hex, "../../secret")
    with pytest.raises(ValueError):
        storage.subtitle_name(uid.hex, "../en")


@pytest.mark.filesystem
def test_filesystem_is_the_default_mode():
    assert not storage.s3_mode()
    assert storage.local_storage()


def test_the_s3_media_fixture_puts_files_in_the_real_bucket(s3_media, s3_bucket):
    assert storage.s3_mode()
    assert not storage.local_storage()
    name = default_storage.save("encoded/probe/hello.txt", ContentFile(b"hello"))
    head = storage.s3_client().head_object(Bucket=s3_bucket, Key=name)
    assert head["ContentLength"] == 5
    assert storage.bucket_name() == s3_bucket


@pytest.mark.filesystem
def test_after_an_s3_test_the_next_one_is_on_the_filesystem_again():
    # Runs after the test above (file order): the settings fixture put STORAGES back.
    assert not storage.s3_mode()
    assert storage.local_storage()


def test_the_suite_runs_in_the_mode_make_asked_for(settings):
    # `make test` runs on the filesystem, `make test-s3` in the bucket: each run checks it is
    # really in its mode (so a broken switch cannot make the S3 run a second filesystem run).
    assert storage.s3_mode() == (settings.TEST_STORAGE == "s3")
    assert storage.local_storage() == (settings.TEST_STORAGE == "filesystem")
