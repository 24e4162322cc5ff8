"""Media files served by Django where no nginx stands in front (``SERVE_MEDIA_FILES``): the same
verdict as nginx asks for, so a private file is as invisible here as behind nginx.

Both storage modes: the files are stored where the suite keeps media (MEDIA_ROOT, or the bucket),
and what a visitor gets is the final answer (tests/served.py: in S3 mode Django redirects to a
presigned URL, which is followed). The ``Cache-Control`` asserted is Django's own answer's, the
same in both modes."""

import pytest

from media_app.models import Media
from tests import served
from tests.factories import MediaFactory, UserFactory
from tests.pages.conftest import logged_in

pytestmark = pytest.mark.django_db

SEGMENT = b"\x00\x00\x00\x18ftypiso6 not really a segment"


def _write(name: str, data: bytes = SEGMENT) -> None:
    served.store(name, data)


def _encoded_file(media: Media, rest: str = "hls/r1/240/seg_00001.m4s") -> str:
    name = f"encoded/{media.uid.hex}/{rest}"
    _write(name)
    return f"/media/{name}"


@pytest.fixture
def private_media():
    owner = UserFactory()
    return MediaFactory(user=owner, state=Media.State.PRIVATE, requested_state="private")


def test_a_public_media_file_is_served_to_anyone(browser):
    url = _encoded_file(MediaFactory())
    answer = served.django_get(browser, url)
    assert answer.status == 200
    assert answer.body == SEGMENT
    assert answer.site["Cache-Control"] == "public, max-age=60"


def test_a_private_media_file_is_404_for_anonymous_and_others_and_200_for_its_owner(
    browser, private_media
):
    url = _encoded_file(private_media)
    assert browser.get(url).status_code == 404
    assert logged_in(UserFactory()).get(url).status_code == 404
    answer = served.django_get(logged_in(private_media.user), url)
    assert (answer.status, answer.body) == (200, SEGMENT)
    assert answer.site["Cache-Control"] == "private, no-store"
    assert served.django_get(logged_in(UserFactory(is_editor=True)), url).status == 200


def test_the_original_of_an_unreviewed_upload_is_404_for_anonymous(browser):
    media = MediaFactory(user=UserFactory(), is_reviewed=False)
    # An original's name carries the media's uid (as the upload service names it).
    name = f"original/{media.uid.hex[:2]}/{media.uid.hex}.mp4"
    _write(name)
    assert browser.get(f"/media/{name}").status_code == 404
    assert served.django_get(logged_in(media.user), f"/media/{name}").status == 200


@pytest.mark.parametrize(
    "rest",
    [
        "../../original/xx/secret.mp4",
        "hls/../../{other}/hls/r1/240/seg_00001.m4s",
        "hls/./r1/240/seg_00001.m4s",
        "hls//r1/240/seg_00001.m4s",
    ],
)
def test_path_traversal_is_refused(browser, private_media, rest):
    """A public media's folder cannot be used as a ladder into a private one's files."""
    public = MediaFactory()
    _encoded_file(private_media)
    _write("original/xx/secret.mp4")
    path = f"/media/encoded/{public.uid.hex}/" + rest.format(other=private_media.uid.hex)
    # The test client would normalise nothing: the path reaches the view as written.
    assert browser.get(path).status_code == 404


def test_files_that_belong_to_no_media_are_not_served(browser):
    _write("uploads/spool/half-an-upload.bin")
    assert browser.get("/media/uploads/spool/half-an-upload.bin").status_code == 404
    _write(f"encoded/{'0' * 32}/hls/master.m3u8")
    assert browser.get(f"/media/encoded/{'0' * 32}/hls/master.m3u8").status_code == 404


def test_nothing_is_served_when_django_does_not_serve_media(browser, settings):
    url = _encoded_file(MediaFactory())
    settings.SERVE_MEDIA_FILES = False
    assert browser.get(url).status_code == 404
