"""Django's own media view (embedded mode, ``SERVE_MEDIA_FILES``) takes the signed links nginx
takes, with the same answers, and serves byte ranges as nginx does.

Both storage modes: the files are stored where the suite keeps media (MEDIA_ROOT, or the bucket)
and a visitor's result is the final answer (tests/served.py: in S3 mode Django checks the link
and redirects to a presigned URL, which is followed with the same Range header). Tests marked
``filesystem`` are about Django serving the bytes itself: nginx's headers and its handling of odd
ranges; in S3 mode the bucket serves the bytes (tests/security/test_delivery_s3.py)."""

import time

import pytest

from media_app import storage
from media_app.models import Media
from media_app.services import signing
from tests import served
from tests.factories import MediaFactory, UserFactory
from tests.pages.conftest import logged_in

pytestmark = pytest.mark.django_db

DATA = bytes(range(256)) * 4  # 1024 bytes, every offset recognisable


def _write(name: str, data: bytes = DATA) -> None:
    served.store(name, data)


@pytest.fixture
def private_media():
    return MediaFactory(user=UserFactory(), state=Media.State.PRIVATE, requested_state="private")


@pytest.fixture
def segment(private_media):
    name = f"encoded/{private_media.uid.hex}/hls/r1/240/seg_00001.m4s"
    _write(name)
    return name


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_signed_link_opens_a_private_file_to_anyone_holding_it(browser, segment):
    answer = served.django_get(browser, "/media/" + signing.signed_name(segment))
    assert answer.status == 200
    assert answer.body == DATA
    # Unsigned, the same file stays hidden from an anonymous visitor (and is no redirect).
    assert browser.get(f"/media/{segment}").status_code == 404


# Django serving the file itself; S3 mode: test_delivery_s3.py's media-view test (the redirect is
# "private, no-store") and its owner-plays test (the bucket answers "Cache-Control: private").
@pytest.mark.filesystem
def test_a_signed_file_comes_with_nginxs_headers(browser, segment):
    response = browser.get("/media/" + signing.signed_name(segment))
    assert response.status_code == 200
    assert _body(response) == DATA
    assert response["Content-Type"] == "video/mp4"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["Accept-Ranges"] == "bytes"


def test_playlists_behind_a_signed_link_are_revalidated(browser, private_media):
    name = f"encoded/{private_media.uid.hex}/hls/r1/master.m3u8"
    _write(name, b"#EXTM3U\n")
    response = browser.get("/media/" + signing.signed_name(name))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert served.django_get(browser, "/media/" + signing.signed_name(name)).body == b"#EXTM3U\n"
    # Filesystem mode serves the stored playlist, asked again each time; S3 mode rewrites it
    # with presigned URLs that die with the link (media_app/delivery.py): never stored at all.
    revalidated = "private, no-store" if storage.s3_mode() else "private, no-cache"
    assert response["Cache-Control"] == revalidated


def test_the_original_has_its_own_signature(browser, private_media):
    uid = private_media.uid.hex
    original = f"original/{uid[:2]}/{uid}.mp4"
    _write(original)
    answer = served.django_get(browser, "/media/" + signing.signed_name(original))
    assert (answer.status, answer.body) == (200, DATA)
    # The folder's signature does not open the original, nor the other way round.
    folder_sig = signing.signed_name(f"encoded/{uid}/x.jpg").split("/")[1]
    expires = signing.link_expiry()
    assert browser.get(f"/media/s/{folder_sig}/{expires}/{original}").status_code == 403


def test_a_tampered_or_foreign_link_is_403_and_an_expired_one_410(browser, segment):
    name = segment
    _, sig, expires, _ = signing.signed_name(name).split("/", 3)
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert browser.get(f"/media/s/{flipped}/{expires}/{name}").status_code == 403
    assert browser.get(f"/media/s/{sig}/{int(expires) + 60}/{name}").status_code == 403
    other = MediaFactory(state=Media.State.PRIVATE)
    foreign = name.replace(name.split("/")[1], other.uid.hex)
    _write(foreign)
    assert browser.get(f"/media/s/{sig}/{expires}/{foreign}").status_code == 403
    past = int(time.time()) - 1
    old = signing.link_signature(scope=signing.link_scope(name), expires=past)
    response = browser.get(f"/media/s/{old}/{past}/{name}")
    assert response.status_code == 410
    assert DATA not in response.content


def test_a_signed_link_is_no_ladder_into_another_folder(browser, segment, private_media):
    other = MediaFactory(state=Media.State.PRIVATE)
    _write(f"encoded/{other.uid.hex}/hls/r1/240/seg_00001.m4s")
    signed = signing.signed_name(segment)
    prefix = signed.split("/hls/")[0]
    for rest in (
        f"/../{other.uid.hex}/hls/r1/240/seg_00001.m4s",
        "/hls/./r1/240/seg_00001.m4s",
        "/hls//r1/240/seg_00001.m4s",
    ):
        assert browser.get(f"/media/{prefix}{rest}").status_code == 404, rest


def test_a_signed_link_to_a_missing_file_is_404(browser, private_media):
    name = f"encoded/{private_media.uid.hex}/hls/r1/none.m4s"
    assert served.django_get(browser, "/media/" + signing.signed_name(name)).status == 404


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, 1023),
        ("bytes=1000-5000", 1000, 1023),  # clipped to the end
        ("bytes=-24", 1000, 1023),  # the last 24 bytes
        ("bytes=-5000", 0, 1023),
    ],
)
def test_a_byte_range_is_206_with_its_content_range(browser, segment, header, first, last):
    answer = served.django_get(browser, "/media/" + signing.signed_name(segment), HTTP_RANGE=header)
    assert answer.status == 206
    assert answer.headers["Content-Range"] == f"bytes {first}-{last}/1024"
    assert answer.headers["Content-Length"] == str(last - first + 1)
    assert answer.body == DATA[first : last + 1]


# The next three: Django's own range code, written to answer as nginx does. In S3 mode the
# bucket answers ranges (the 206 test above runs there too), not this code.
@pytest.mark.filesystem
@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_past_the_end_is_416(browser, segment, header):
    response = browser.get("/media/" + signing.signed_name(segment), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


@pytest.mark.filesystem
@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-1", "bytes=9-2", "bytes=-"])
def test_a_range_this_does_not_serve_gives_the_whole_file(browser, segment, header):
    response = browser.get("/media/" + signing.signed_name(segment), HTTP_RANGE=header)
    assert response.status_code == 200
    assert _body(response) == DATA


@pytest.mark.filesystem
def test_if_range_sends_the_range_only_while_the_file_is_unchanged(browser, segment):
    url = "/media/" + signing.signed_name(segment)
    modified = browser.get(url)["Last-Modified"]
    assert browser.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=modified).status_code == 206
    stale = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert browser.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=stale).status_code == 200


def test_ranges_work_on_unsigned_files_too(segment, private_media):
    owner = logged_in(private_media.user)
    answer = served.django_get(owner, f"/media/{segment}", HTTP_RANGE="bytes=10-19")
    assert answer.status == 206
    assert answer.body == DATA[10:20]
    assert answer.site["Cache-Control"] == "private, no-store"
