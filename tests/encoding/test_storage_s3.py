"""The encoder in S3 mode against the real S3 server (tests/s3.py): it reads the original from
the bucket, writes every output there, publishes a run's master playlist last, and a publish
that fails half-way leaves the previous ladder served (issue 14, point 3)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from media_app.encoding import hls
from media_app.models import Media
from media_app.services import encoding as svc
from media_app.services import encoding_chunks as chunks
from tests.encoding.clips import count_frames, make_clip, probe
from tests.encoding.conftest import encode_inline, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch(settings, tmp_path) -> Path:
    folder = tmp_path / "scratch"
    folder.mkdir()
    settings.SCRATCH_DIR = str(folder)
    return folder


def objects(client, bucket: str, prefix: str) -> dict:
    """Key -> LastModified (milliseconds on the server) of every object under ``prefix``."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.update({o["Key"]: o["LastModified"] for o in page.get("Contents", [])})
    return found


def text(client, bucket: str, key: str) -> str:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def ladder(client, bucket: str, master_key: str) -> dict[str, list[str]]:
    """The run's playlists (master included) -> the keys each one names."""
    run = master_key.rsplit("/", 1)[0]
    master = hls.parse_master(text(client, bucket, master_key))
    uris = [v.uri for v in master.variants] + ([master.audio_uri] if master.audio_uri else [])
    named = {master_key: [f"{run}/{u}" for u in uris]}
    for uri in uris:
        key = f"{run}/{uri}"
        playlist = hls.parse_media_playlist(text(client, bucket, key))
        assert playlist.ended and playlist.playlist_type == "VOD", key
        folder = key.rsplit("/", 1)[0]
        named[key] = [f"{folder}/{n}" for n in [playlist.init] + [s for s, _ in playlist.segments]]
    return named


def assert_published_in_order(client, bucket: str, master_key: str) -> dict:
    """Every object a playlist names is there, each playlist was written after what it names,
    and the master after everything else of its run. Returns the run's objects."""
    run = master_key.rsplit("/", 1)[0]
    stored = objects(client, bucket, run + "/")
    named = ladder(client, bucket, master_key)
    # Each rendition's Content Credentials, signed at the end of the encode (after the master):
    # manifest.c2pa beside its playlist (docs/provenance.md).
    sidecars = {f"{k.rsplit('/', 1)[0]}/manifest.c2pa" for k in named if k != master_key}
    expected = {master_key} | {k for keys in named.values() for k in keys} | sidecars
    assert set(stored) == expected  # complete, and nothing else (no ffmpeg-master, no temp)
    for playlist, keys in named.items():
        assert stored[playlist] >= max(stored[k] for k in keys), f"{playlist} before its files"
    ladder_times = [t for k, t in stored.items() if k not in sidecars]
    assert stored[master_key] == max(ladder_times), "the master is not the last object"
    return stored


def test_an_encode_reads_the_original_from_the_bucket_and_publishes_there(
    s3_media, s3_bucket, small_clip, scratch, settings, tmp_path
):
    media = encode_inline(upload(small_clip))

    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    client = s3_media.client()
    stored = assert_published_in_order(client, s3_bucket, media.hls_file)
    head = client.head_object(Bucket=s3_bucket, Key=media.hls_file)
    assert head["ContentType"] == "application/vnd.apple.mpegurl"
    master = hls.parse_master(text(client, s3_bucket, media.hls_file))
    assert [v.resolution for v in master.variants] == [(426, 240), (640, 360)]
    # Playable: a rendition's init segment and first media segment, as a player fetches them.
    run = media.hls_file.rsplit("/", 1)[0]
    top = master.variants[-1]
    playlist = hls.parse_media_playlist(text(client, s3_bucket, f"{run}/{top.uri}"))
    folder = f"{run}/{top.uri.rsplit('/', 1)[0]}"
    joined = tmp_path / "first.mp4"
    joined.write_bytes(
        b"".join(
            client.get_object(Bucket=s3_bucket, Key=f"{folder}/{name}")["Body"].read()
            for name in (playlist.init, playlist.segments[0][0])
        )
    )
    video = next(s for s in probe(joined)["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (640, 360)
    # Stills went to the bucket too; nothing was written under MEDIA_ROOT, scratch is empty.
    everything = objects(client, s3_bucket, f"encoded/{media.uid.hex}/")
    # ... and the clean download copy (source protection, docs/provenance.md section 1).
    for field in ("poster", "thumbnail", "sprites", "sprites_vtt", "preview", "public_file"):
        assert getattr(media, field).name in everything, field
    assert len(everything) == len(stored) + 6
    assert not Path(settings.MEDIA_ROOT, "encoded").exists()
    assert list(scratch.iterdir()) == []


def test_a_publish_refused_half_way_leaves_the_previous_ladder_served_and_a_retry_finishes(
    s3_media, s3_bucket, small_clip, scratch
):
    client = s3_media.client()
    media = encode_inline(upload(small_clip))
    old_master = media.hls_file
    before = objects(client, s3_bucket, old_master.rsplit("/", 1)[0] + "/")
    old_text = text(client, s3_bucket, old_master)

    svc.encoding_requeue(media=media)
    plan = svc.encoding_prepare(media_id=media.pk)
    failed_run = f"encoded/{media.uid.hex}/hls/{plan.run}/"
    # The server refuses the new run's master playlist: its segments and playlists go up, its
    # master cannot. A real refusal by the real server (a bucket policy), not a mock.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{s3_bucket}/{failed_run}master.m3u8",
            }
        ],
    }
    client.put_bucket_policy(Bucket=s3_bucket, Policy=json.dumps(policy))
    try:
        with pytest.raises(ClientError, match="AccessDenied"):
            svc.encoding_ladder(media_id=media.pk, run=plan.run)
    finally:
        client.delete_bucket_policy(Bucket=s3_bucket)
    half = objects(client, s3_bucket, failed_run)
    assert half, "the refused run uploaded nothing: the test did not fail half-way"
    assert not [k for k in half if k.endswith("/master.m3u8")]

    media.refresh_from_db()
    assert media.hls_file == old_master  # players still get the previous, complete ladder
    assert objects(client, s3_bucket, old_master.rsplit("/", 1)[0] + "/") == before
    assert text(client, s3_bucket, old_master) == old_text

    # The retry (a new run, as the lease sweep starts one) finishes and cleans up after both.
    media = encode_inline(svc.encoding_requeue(media=media))
    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    assert media.hls_file not in (old_master, failed_run + "master.m3u8")
    assert_published_in_order(client, s3_bucket, media.hls_file)
    runs = {k.split("/")[3] for k in objects(client, s3_bucket, f"encoded/{media.uid.hex}/hls/")}
    assert runs == {media.hls_file.split("/")[3]}


def test_chunked_encoding_in_s3_mode_shares_its_work_through_the_bucket(
    s3_media, s3_bucket, scratch, settings, tmp_path
):
    settings.ENCODE_CHUNK_THRESHOLD_SECONDS = 5
    settings.ENCODE_CHUNK_SECONDS = 4
    clip = make_clip(tmp_path / "long.mp4", size="640x360", seconds=14)
    media = upload(clip)
    client = s3_media.client()
    plan = svc.encoding_prepare(media_id=media.pk)
    plan = chunks.encoding_split(plan=plan)
    assert plan.chunks == 4
    work = f"encoded/{media.uid.hex}/work/{plan.run}/"
    assert len([k for k in objects(client, s3_bucket, work) if "/chunks/" in k]) == 4
    for i in reversed(range(plan.chunks)):
        chunks.encoding_chunk(media_id=media.pk, run=plan.run, index=i)
    chunks.encoding_audio_track(media_id=media.pk, run=plan.run)
    assert len([k for k in objects(client, s3_bucket, work) if "/out/" in k]) == 8
    chunks.encoding_join(media_id=media.pk, run=plan.run)
    svc.encoding_finish(media_id=media.pk, run=plan.run)
    media.refresh_from_db()

    assert media.encoding_status == "success", media.encoding_fail_reason
    assert objects(client, s3_bucket, work) == {}  # the join deleted the shared work
    assert_published_in_order(client, s3_bucket, media.hls_file)
    run = media.hls_file.rsplit("/", 1)[0]
    playlist = hls.parse_media_playlist(text(client, s3_bucket, f"{run}/360p/index.m3u8"))
    video = b"".join(
        client.get_object(Bucket=s3_bucket, Key=f"{run}/360p/{name}")["Body"].read()
        for name in [playlist.init] + [n for n, _ in playlist.segments]
    )
    out = tmp_path / "360.mp4"
    out.write_bytes(video)
    assert count_frames(out) == 14 * 30
    assert list(scratch.iterdir()) == []


@pytest.mark.slow
def test_a_60_second_1080p_encode_in_s3_mode(s3_media, s3_bucket, scratch, tmp_path):
    clip = make_clip(tmp_path / "sixty.mp4", size="1920x1080", seconds=60)
    media = encode_inline(upload(clip))

    assert media.encoding_status == Media.EncodingStatus.SUCCESS, media.encoding_fail_reason
    client = s3_media.client()
    assert_published_in_order(client, s3_bucket, media.hls_file)
    master = hls.parse_master(text(client, s3_bucket, media.hls_file))
    assert [v.resolution[1] for v in master.variants] == [240, 360, 480, 720, 1080]
    run = media.hls_file.rsplit("/", 1)[0]
    for v in master.variants:
        playlist = hls.parse_media_playlist(text(client, s3_bucket, f"{run}/{v.uri}"))
        assert playlist.duration == pytest.approx(60, abs=0.1)
    assert list(scratch.iterdir()) == []
    assert os.environ.get("AWS_STORAGE_BUCKET_NAME", "") == ""  # S3 mode by settings only


def test_deleting_a_media_leaves_no_object_of_it_in_the_bucket(
    s3_media, s3_bucket, small_clip, scratch, django_capture_on_commit_callbacks
):
    from media_app.services.media import media_delete

    client = s3_media.client()
    media = encode_inline(upload(small_clip))
    # What a killed run and an editor leave: another run's tree, chunk work, a subtitle.
    for key in (
        "hls/killed000001/240p/seg_00000.m4s",
        "work/killed000001/out/c.mp4",
        "subtitles/en.vtt",
    ):
        client.put_object(Bucket=s3_bucket, Key=f"encoded/{media.uid.hex}/{key}", Body=b"x")
    other = encode_inline(upload(make_clip(scratch.parent / "other.mp4", seconds=2)))
    theirs = objects(client, s3_bucket, "")
    assert media.media_file.name in theirs
    assert len([k for k in theirs if media.uid.hex in k]) > 15

    with django_capture_on_commit_callbacks(execute=True):
        media_delete(media=media, by=media.user)

    left = objects(client, s3_bucket, "")
    assert [k for k in left if media.uid.hex in k or k == media.media_file.name] == []
    # Only the other media's objects are left, all of them.
    assert set(left) == {k for k in theirs if media.uid.hex not in k} - {media.media_file.name}
    assert other.media_file.name in left and other.hls_file in left
