import posixpath
import shutil
from pathlib import Path, PurePosixPath

import pytest
from django.core.files.storage import default_storage

from media_app import storage
from media_app.encoding import hls
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


@pytest.fixture
def own_storage(request, settings) -> None:
    """Media storage that holds only what this test writes, for a test that looks at all of
    it (a sweep): on the filesystem the test's own MEDIA_ROOT already is; in S3 mode the
    suite's bucket keeps what earlier tests wrote, so the test gets the session's second,
    empty bucket (``s3_media``, emptied after each test)."""
    if settings.TEST_STORAGE == "s3":
        request.getfixturevalue("s3_media")


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


# --- reading what the encoder stored, in either mode (media_app.storage) ---------------------
#
# The same assertions run on the filesystem (`make test`) and in the bucket (`make test-s3`):
# outputs are read by storage name, never by a path under MEDIA_ROOT.


def read_bytes(name: str) -> bytes:
    with storage.open_read(name) as fh:
        return fh.read()


def read_text(name: str) -> str:
    return read_bytes(name).decode("utf-8")


def stored(prefix: str) -> list[str]:
    """Every stored file under folder ``prefix``, named relative to it, sorted."""
    prefix = prefix.rstrip("/")
    return sorted(e.name[len(prefix) + 1 :] for e in storage.list_prefix(prefix))


def children(prefix: str) -> list[str]:
    """What folder ``prefix`` holds directly, files and sub-folders (on the filesystem also
    empty ones), as ``Path.iterdir`` gives them."""
    prefix = prefix.rstrip("/")
    files = {name.split("/", 1)[0] for name in stored(prefix)}
    return sorted(files | set(storage.list_folders(prefix)))


def fetch(name: str, dst: Path) -> Path:
    """A local copy of stored file ``name`` at ``dst`` (for ffprobe)."""
    return Path(storage.download(name, str(dst)))


def fetch_tree(prefix: str, dst: Path) -> Path:
    """A local copy of every file under folder ``prefix`` (an HLS run, for ffmpeg to read a
    playlist with the segments it names) in folder ``dst``."""
    for rel in stored(prefix):
        fetch(f"{prefix.rstrip('/')}/{rel}", dst / rel)
    return dst


def joined(names: list[str], dst: Path) -> Path:
    """Stored files ``names`` one after the other in local file ``dst`` (an init segment and
    media segments make a playable MP4)."""
    dst.write_bytes(b"".join(read_bytes(name) for name in names))
    return dst


def first_stored(prefix: str, pattern: str) -> str | None:
    """The first stored file under folder ``prefix`` whose name relative to it matches glob
    ``pattern`` (``*/240p/seg_*.m4s``), or None: polled while an encode runs elsewhere."""
    return next((n for n in stored(prefix) if PurePosixPath(n).match(pattern)), None)


def master_of(media: Media) -> tuple[str, hls.Master]:
    """The folder of the media's published HLS run and its parsed master playlist."""
    return posixpath.dirname(media.hls_file), hls.parse_master(read_text(media.hls_file))


def playlist_of(run: str, uri: str) -> tuple[str, hls.MediaPlaylist]:
    """The folder of rendition playlist ``uri`` (relative to run folder ``run``) and the
    playlist parsed."""
    name = f"{run}/{uri}"
    return posixpath.dirname(name), hls.parse_media_playlist(read_text(name))


@pytest.fixture(autouse=True)
def _needs_ffmpeg():
    assert shutil.which("ffmpeg") and shutil.which("ffprobe"), "apt install ffmpeg"
