"""Long videos: keyframe-aligned chunks, audio once, stream-copy join; frames and sync exact."""

from pathlib import Path

import pytest

from media_app.models import Encoding
from media_app.services import encoding as svc
from media_app.services import encoding_chunks as chunks
from tests.encoding.clips import beep_onsets, count_frames, ffmpeg, make_clip
from tests.encoding.conftest import children, joined, master_of, playlist_of, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(settings):
    settings.ENCODE_CHUNK_THRESHOLD_SECONDS = 5
    settings.ENCODE_CHUNK_SECONDS = 4


def _rendition(run: str, uri: str, dst: Path) -> Path:
    """A rendition's segments as one file, muxed with the shared audio rendition."""
    tracks = []
    for track, playlist_uri in (("v", uri), ("a", "audio/index.m3u8")):
        folder, playlist = playlist_of(run, playlist_uri)
        names = [f"{folder}/{n}" for n in [playlist.init] + [s for s, _ in playlist.segments]]
        tracks.append(joined(names, dst.parent / f"{track}.mp4"))
    ffmpeg("-i", str(tracks[0]), "-i", str(tracks[1]), "-c", "copy", str(dst))
    return dst


def test_chunked_encoding_keeps_every_frame_and_the_audio_in_sync(small_chunks, tmp_path):
    clip = make_clip(tmp_path / "long.mp4", size="640x360", seconds=14)
    media = upload(clip)
    plan = svc.encoding_prepare(media_id=media.pk)
    assert plan.chunks == -1
    plan = chunks.encoding_split(plan=plan)
    assert plan.chunks == 4  # cuts at 4, 8 and 12 s (source keyframes every 2 s)
    # Any order, any worker: the chord only needs all of them before the join.
    for i in reversed(range(plan.chunks)):
        chunks.encoding_chunk(media_id=media.pk, run=plan.run, index=i)
    chunks.encoding_chunk(media_id=media.pk, run=plan.run, index=0)  # a redelivery is harmless
    chunks.encoding_audio_track(media_id=media.pk, run=plan.run)
    chunks.encoding_join(media_id=media.pk, run=plan.run)
    svc.encoding_finish(media_id=media.pk, run=plan.run)
    media.refresh_from_db()

    assert media.encoding_status == "success", media.encoding_fail_reason
    run, master = master_of(media)
    assert [v.resolution for v in master.variants] == [(426, 240), (640, 360)]
    assert all(v.codecs == "avc1.4d402a,mp4a.40.2" for v in master.variants)
    source_frames = count_frames(clip)
    source_beeps = beep_onsets(clip)
    assert source_frames == 420 and len(source_beeps) == 14
    for v in master.variants:
        out = _rendition(run, v.uri, tmp_path / f"out_{v.resolution[1]}.mp4")
        assert count_frames(out) == source_frames
        beeps = beep_onsets(out)
        assert len(beeps) == len(source_beeps)
        # In sync within one frame (33 ms) at every join.
        assert max(abs(a - b) for a, b in zip(beeps, source_beeps, strict=True)) < 1 / 30
    assert children(f"encoded/{media.uid.hex}/work") == []
    assert set(Encoding.objects.filter(media=media).values_list("status", flat=True)) == {"success"}
