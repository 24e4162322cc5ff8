import shutil
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from media_app.models import Media
from media_app.services import encoding as svc
from tests.encoding.clips import make_clip
from tests.factories import MediaFactory


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def small_clip(clip_dir) -> Path:
    """3 s of 640x360 at 30 fps with the beep track."""
    return make_clip(clip_dir / "small.mp4", size="640x360", seconds=3)


def upload(path: Path, *, user=None, **fields) -> Media:
    """A pending media whose original is ``path``, stored as an upload would be."""
    name = f"original/te/{path.stem}-{path.stat().st_size}{path.suffix}"
    with open(path, "rb") as fh:
        stored = default_storage.save(name, fh)
    kwargs = {"media_file": stored, "encoding_status": Media.EncodingStatus.PENDING, **fields}
    if user is not None:
        kwargs["user"] = user
    return MediaFactory(duration=0, **kwargs)


def encode_inline(media: Media) -> Media:
    """Every step of the pipeline in this process, in the canvas's order (no broker)."""
    plan = svc.encoding_prepare(media_id=media.pk)
    if plan is not None and plan.kind == "video":
        assert plan.chunks == 0, "long videos go through the chunked path"
        svc.encoding_ladder(media_id=media.pk, run=plan.run)
        svc.encoding_extras(media_id=media.pk, run=plan.run)
        svc.encoding_finish(media_id=media.pk, run=plan.run)
    elif plan is not None and plan.kind == "audio":
        svc.encoding_audio(media_id=media.pk, run=plan.run)
        svc.encoding_finish(media_id=media.pk, run=plan.run)
    media.refresh_from_db()
    return media


def storage_file(name: str) -> Path:
    return Path(default_storage.path(name))


@pytest.fixture(autouse=True)
def _needs_ffmpeg():
    assert shutil.which("ffmpeg") and shutil.which("ffprobe"), "apt install ffmpeg"
