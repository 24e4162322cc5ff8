"""The pipeline through real Celery worker processes, including one killed mid-encode."""

import os
import posixpath
import signal
import time

import pytest

from media_app.encoding import hls
from media_app.models import Encoding, Media
from media_app.services.encoding import encoding_start
from tests.encoding.clips import make_clip
from tests.encoding.conftest import (
    children,
    first_stored,
    master_of,
    playlist_of,
    read_text,
    stored,
    upload,
)
from tests.encoding.test_lease import celery_beat, ffmpeg_of, stop_process
from tests.workers import celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _status(media: Media) -> str:
    media.refresh_from_db()
    return media.encoding_status


def test_a_worker_encodes_an_upload_end_to_end(tmp_path):
    media = upload(make_clip(tmp_path / "w.mp4", size="640x360", seconds=3))
    with celery_worker(queues="long_tasks", name="enc-ok"):
        encoding_start(media_id=media.pk)
        wait_for(
            lambda: _status(media) in ("success", "fail"), timeout=120, message="encoding to end"
        )
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.sprites_vtt and media.preview and media.hls_file


def test_worker_killed_mid_encode_then_another_worker_finishes(tmp_path):
    clip = make_clip(tmp_path / "long.mp4", size="1280x720", seconds=12)
    media = upload(clip)
    hls_root = f"encoded/{media.uid.hex}/hls"
    # The first worker encodes slowly, so that it is surely killed in the middle.
    slow = {"ENCODE_PRESET": "slower", "ENCODE_LADDER": "240,360,480,720"}
    with celery_worker(queues="long_tasks", name="enc-victim", extra_env=slow) as victim:
        encoding_start(media_id=media.pk)
        segment = wait_for(
            lambda: first_stored(hls_root, "*/240p/seg_*.m4s"),
            timeout=120,
            message="the first segments of the ladder",
        )
        delivered = time.time()
        media.refresh_from_db()
        assert media.encoding_status == "running"
        first_run = media.encoding_run
        # Early publishing: playable before the ladder is done.
        wait_for(lambda: _reload(media).hls_file, timeout=30, message="early master playlist")
        early = hls.parse_master(read_text(media.hls_file))
        assert early.variants and early.variants[0].resolution == (426, 240)
        assert ffmpeg_of(victim), "the victim's ffmpeg is not running"
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    assert segment.split("/")[0] == first_run
    wait_for(lambda: not ffmpeg_of(victim), timeout=10, message="ffmpeg to die")
    running = Encoding.objects.filter(media=media, status="running")
    assert running.exists(), "the kill came after the ladder was done"
    assert max(running.values_list("progress", flat=True)) < 100

    # Redis keeps the killed worker's message for its visibility timeout (hours); the lapsed
    # lease of the step is what brings the encode back: beat's sweep starts a new run, which the
    # second worker takes (media_app/encoding/lease.py; timings in tests/encoding/test_lease.py).
    beat = celery_beat("enc-rescuer")
    try:
        with celery_worker(queues="short_tasks,long_tasks", name="enc-rescuer", purge=False):
            wait_for(
                lambda: _status(media) in ("success", "fail"),
                timeout=300,
                message="the second worker to finish the encoding",
            )
            # The finish step marks the run a success, then removes the killed run's tree: the
            # worker is stopped only after that (it was sometimes stopped in between).
            wait_for(
                lambda: children(hls_root) == [media.encoding_run],
                timeout=30,
                message="the killed run's tree to be removed",
            )
    finally:
        stop_process(beat)
    assert time.time() - delivered < 300
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.encoding_run != first_run  # a new run: the fence of the lost one
    run, master = master_of(media)
    assert [v.resolution[1] for v in master.variants] == [240, 360, 480, 720]
    for v in master.variants:
        folder, playlist = playlist_of(run, v.uri)
        assert playlist.ended and playlist.duration == pytest.approx(12, abs=0.1)
        # manifest.c2pa: the rendition's Content Credentials (docs/provenance.md).
        assert children(folder) == sorted(
            [playlist.init, "index.m3u8", "manifest.c2pa", *(s for s, _ in playlist.segments)]
        )
    assert children(hls_root) == [media.encoding_run]
    leftovers = stored(posixpath.dirname(hls_root))
    assert not [n for n in leftovers if n.rsplit("/", 1)[-1].startswith(".tmp-")]
    assert set(Encoding.objects.filter(media=media).values_list("status", flat=True)) == {"success"}


def _reload(media: Media) -> Media:
    media.refresh_from_db()
    return media


def test_two_workers_share_the_chunks_of_a_long_video(tmp_path):
    media = upload(make_clip(tmp_path / "chunky.mp4", size="640x360", seconds=14))
    small = {"ENCODE_CHUNK_THRESHOLD_SECONDS": "5", "ENCODE_CHUNK_SECONDS": "4"}
    with (
        celery_worker(queues="long_tasks", name="chunk-a", extra_env=small),
        celery_worker(queues="long_tasks", name="chunk-b", extra_env=small),
    ):
        encoding_start(media_id=media.pk)
        wait_for(
            lambda: _status(media) in ("success", "fail"), timeout=180, message="chord to finish"
        )
    assert media.encoding_status == "success", media.encoding_fail_reason
    logs = [(tmp_path / n).read_text() for n in ("worker-chunk-a.log", "worker-chunk-b.log")]
    took = [
        sum("encoding.chunk[" in line and "received" in line for line in log.splitlines())
        for log in logs
    ]
    # 4 chunks, each encoded once, and both workers took some while the other was busy.
    assert sum(took) == 4 and min(took) >= 1, took
    _, master = master_of(media)
    assert [v.resolution for v in master.variants] == [(426, 240), (640, 360)]
