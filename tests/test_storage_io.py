"""media_app/storage.py's I/O section against the real S3 server and on the filesystem."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from media_app import storage

pytestmark = pytest.mark.django_db


# The filesystem case runs in the filesystem suite (`make test`); in S3 mode the suite's storage
# is the bucket and the case is left out (marker ``filesystem``).
@pytest.fixture(params=[pytest.param("filesystem", marks=pytest.mark.filesystem), "s3"])
def mode(request):
    if request.param == "s3":
        request.getfixturevalue("s3_media")
    return request.param


def test_publish_stage_list_size_and_delete_in_both_modes(mode, tmp_path):
    local = tmp_path / "poster.jpg"
    local.write_bytes(b"\xff\xd8first")
    name = storage.still_name("ab" * 16, "poster.jpg")
    assert storage.publish_file(str(local), name) == name
    local.write_bytes(b"\xff\xd8second, longer")
    assert storage.publish_file(str(local), name) == name  # replaced, same name
    assert storage.size(name) == len(b"\xff\xd8second, longer")
    with storage.open_read(name) as fh:
        assert fh.read() == b"\xff\xd8second, longer"
    staged = storage.stage_in(name, str(tmp_path))
    assert Path(staged).read_bytes() == b"\xff\xd8second, longer"
    # On the filesystem ffmpeg reads the stored file itself; in S3 mode a copy in scratch.
    expected = storage.storage_path(name) if mode == "filesystem" else str(tmp_path / "source.jpg")
    assert staged == expected
    [entry] = storage.list_prefix(storage.encoded_prefix("ab" * 16))
    assert (entry.name, entry.size) == (name, 16) and entry.modified.tzinfo is not None
    assert storage.delete_prefix(storage.encoded_prefix("ab" * 16)) == 1
    assert storage.list_prefix(storage.encoded_prefix("ab" * 16)) == []
    assert not storage.exists(name)


def test_deleting_a_prefix_of_more_than_a_thousand_objects(s3_media, s3_bucket):
    client = s3_media.client()
    prefix = storage.hls_prefix("cd" * 16, "bigrun000001")
    keys = [f"{prefix}/1080p/seg_{i:05d}.m4s" for i in range(1203)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: client.put_object(Bucket=s3_bucket, Key=k, Body=b"s"), keys))
    neighbour = storage.hls_prefix("cd" * 16 + "0", "x")  # shares the text, not the folder
    client.put_object(Bucket=s3_bucket, Key=f"{neighbour}/master.m3u8", Body=b"#EXTM3U\n")

    assert storage.delete_prefix(prefix) == 1203
    left = client.list_objects_v2(Bucket=s3_bucket, Prefix="encoded/")
    assert [o["Key"] for o in left.get("Contents", [])] == [f"{neighbour}/master.m3u8"]


def test_a_big_file_goes_up_in_parts_and_comes_back_whole(s3_media, s3_bucket, tmp_path):
    big = tmp_path / "big.mp4"
    block = bytes(range(256)) * 4096  # 1 MiB
    big.write_bytes(block * (storage.MULTIPART_THRESHOLD // len(block) + 3))
    name = storage.original_name(uuid.uuid4(), "mp4")
    storage.publish_file(str(big), name)
    head = s3_media.client().head_object(Bucket=s3_bucket, Key=name)
    assert "-" in head["ETag"]  # a multipart upload's ETag: <md5 of md5s>-<parts>
    assert head["ContentType"] == "video/mp4"
    staged = storage.stage_in(name, str(tmp_path / "w"))
    assert Path(staged).read_bytes() == big.read_bytes()
