"""Finding 6: originals carry their metadata (GPS, device serials, a PDF's author) to whoever
fetches them, and ``allow_download`` was ignored.

The rule (media_app/selectors/media.py ``original_allowed``), changed on purpose by issue 15
(source protection): the original is sealed, served to its owner and to editors; to anyone else
only when its owner confirmed publishing it unchanged, and then when downloads are allowed and
the media is visible to them. Everyone else downloads the clean copy (``public_file``) by the
download rule (``download_allowed``): downloads allowed and the media visible. It is checked
here everywhere an original leaves the server: the detail answer (``original_media_url`` and the
"0-original" fallback), Django's own media view (``SERVE_MEDIA_FILES``), and nginx's
``auth_request`` gate with a real nginx binary.
"""

from __future__ import annotations

import itertools
import urllib.parse

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from media_app.models import Media
from media_app.selectors.media import media_visible_q
from media_app.services import signing
from tests.conftest import client_for
from tests.docker.test_nginx_media_links import NGINX, nginx  # noqa: F401 (the fixture)
from tests.factories import MediaFactory, UserFactory

ORIGINAL = b"\x00\x00\x00\x18ftypisom GPS 48.8584,2.2945 serial SN-0042" * 8
PUBLIC = b"\x00\x00\x00\x18ftypisom clean copy" * 8
STATES = (Media.State.PUBLIC, Media.State.UNLISTED, Media.State.PRIVATE)
VIEWERS = ("anonymous", "stranger", "owner", "editor")
# The URL forms and nginx gate of filesystem mode; S3 mode: tests/security/test_delivery_s3.py.
pytestmark = pytest.mark.filesystem


def _media(*, state: str, allow_download: bool, confirmed: bool = False, **kwargs) -> Media:
    """A reviewed, encoded media whose original is on disk, named as the upload service names it,
    with a poster and its clean public copy in its encoded folder."""
    from django.utils import timezone

    media = MediaFactory(
        state=state, requested_state=state, allow_download=allow_download, **kwargs
    )
    uid = media.uid.hex
    original = f"original/{uid[:2]}/{uid}.mp4"
    default_storage.save(original, ContentFile(ORIGINAL))
    poster = default_storage.save(f"encoded/{uid}/poster.jpg", ContentFile(b"\xff\xd8\xff jpg"))
    public = default_storage.save(f"encoded/{uid}/download/{uid}.mp4", ContentFile(PUBLIC))
    Media.objects.filter(pk=media.pk).update(
        media_file=original,
        poster=poster,
        public_file=public,
        original_unchanged_confirmed_at=timezone.now() if confirmed else None,
    )
    media.refresh_from_db()
    return media


def _viewer(kind: str, media: Media):
    if kind == "anonymous":
        return None
    if kind == "owner":
        return media.user
    return UserFactory(is_editor=kind == "editor")


def _expected(
    *, state: str, allow_download: bool, viewer: str, confirmed: bool = False
) -> tuple[bool, bool, bool]:
    """(sees the media, may fetch its original, may download its clean copy)."""
    if viewer in ("owner", "editor"):
        return True, True, True
    visible = state != Media.State.PRIVATE
    downloads = visible and allow_download
    return visible, downloads and confirmed, downloads


CASES = list(itertools.product(STATES, (True, False), VIEWERS, (False, True)))


def _session(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "allow_download", "viewer", "confirmed"), CASES)
def test_detail_and_django_media_view_honour_allow_download(
    state, allow_download, viewer, confirmed
):
    media = _media(state=state, allow_download=allow_download, confirmed=confirmed)
    user = _viewer(viewer, media)
    sees, fetches, downloads = _expected(
        state=state, allow_download=allow_download, viewer=viewer, confirmed=confirmed
    )

    response = client_for(user).get(f"/api/v1/media/{media.friendly_token}")
    assert response.status_code == (200 if sees else 404)
    if sees:
        data = response.json()
        url = data["original_media_url"]
        assert data["allow_download"] is allow_download
        if fetches:
            assert url and url.endswith(media.media_file.name)
            # The link the answer gives works for this viewer (signed when anonymous visitors
            # may not have it, so it works without the session too).
            got = _session(user).get(url)
            assert got.status_code == 200
            assert b"".join(got.streaming_content) == ORIGINAL
        elif downloads:
            # The sealed original's place is taken by the clean copy.
            assert url and url.endswith(media.public_file.name)
            assert data["public_file_url"] == url
            got = _session(user).get(url)
            assert got.status_code == 200
            assert b"".join(got.streaming_content) == PUBLIC
        else:
            # MediaCMS's type: null when nothing may be downloaded.
            assert url is None and data["public_file_url"] is None
            assert ORIGINAL not in response.content

    # The unsigned URL through Django's own media view (SERVE_MEDIA_FILES).
    unsigned = f"/media/{media.media_file.name}"
    got = _session(user).get(unsigned)
    assert got.status_code == (200 if fetches else 404)
    if fetches:
        assert b"".join(got.streaming_content) == ORIGINAL
    got = _session(user).get(f"/media/{media.public_file.name}")
    assert got.status_code == (200 if downloads else 404)
    if downloads:
        assert got["Content-Disposition"] == "attachment"
    # The files made from it (the poster) follow visibility alone, as before.
    assert _session(user).get(f"/media/{media.poster.name}").status_code == (200 if sees else 404)


@pytest.mark.django_db
def test_while_encoding_the_public_gets_no_original_to_play():
    """The "0-original" fallback of encodings_info names the original: the owner's only."""
    media = _media(state=Media.State.PUBLIC, allow_download=True)
    Media.objects.filter(pk=media.pk).update(encoding_status=Media.EncodingStatus.RUNNING)
    anonymous = client_for(None).get(f"/api/v1/media/{media.friendly_token}").json()
    assert "0-original" not in anonymous["encodings_info"]
    assert anonymous["original_media_url"] is None
    owner = client_for(media.user).get(f"/api/v1/media/{media.friendly_token}").json()
    assert owner["encodings_info"]["0-original"]["h264"]["url"] == owner["original_media_url"]
    assert owner["original_media_url"].startswith("/media/s/")  # not public: a signed link


@pytest.mark.django_db
def test_the_rule_never_grants_what_visibility_refuses():
    """``original_allowed`` (evaluated on the instance) stays within ``media_visible_q``."""
    from media_app.selectors.media import original_allowed

    owner, stranger, editor = UserFactory(), UserFactory(), UserFactory(is_editor=True)
    for state, reviewed, allowed, status in itertools.product(
        Media.State.values, (True, False), (True, False), Media.EncodingStatus.values
    ):
        media = MediaFactory(
            user=owner,
            state=state,
            is_reviewed=reviewed,
            allow_download=allowed,
            encoding_status=status,
        )
        for user in (None, stranger, owner, editor):
            if original_allowed(user=user, media=media):
                visible = Media.objects.filter(media_visible_q(user), pk=media.pk).exists()
                assert visible, (state, reviewed, allowed, status, user)


@pytest.mark.django_db
def test_a_signed_link_to_the_encoded_folder_does_not_reach_the_original():
    media = _media(state=Media.State.PRIVATE, allow_download=True)
    uid = media.uid.hex
    folder_link = signing.signed_name(media.poster.name)
    prefix = folder_link.split("/encoded/")[0]
    assert Client().get(f"/media/{folder_link}").status_code == 200
    # The folder's signature on the original's name, and a climb out of the folder.
    assert Client().get(f"/media/{prefix}/{media.media_file.name}").status_code == 403
    climb = f"/media/{prefix}/encoded/{uid}/../../{media.media_file.name}"
    assert Client().get(climb).status_code == 404


# --- through nginx -------------------------------------------------------------------------


def _nginx_headers(user) -> dict[str, str]:
    if user is None:
        return {}
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"Cookie": f"{name}={client.cookies[name].value}"}


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (CI installs it: .ci/run)")
@pytest.mark.django_db(transaction=True)
def test_nginx_serves_the_original_by_the_same_rule(nginx):  # noqa: F811
    for state, allow_download, viewer, confirmed in CASES:
        case = f"{state}, allow_download={allow_download}, {viewer}, confirmed={confirmed}"
        media = _media(state=state, allow_download=allow_download, confirmed=confirmed)
        user = _viewer(viewer, media)
        _, fetches, downloads = _expected(
            state=state, allow_download=allow_download, viewer=viewer, confirmed=confirmed
        )
        status, headers, body = nginx.get(f"/media/{media.media_file.name}", _nginx_headers(user))
        assert status == (200 if fetches else 404), case
        assert (ORIGINAL in body) is fetches, case
        if fetches:
            assert headers["Content-Disposition"] == "attachment", case
        status, headers, body = nginx.get(f"/media/{media.public_file.name}", _nginx_headers(user))
        assert status == (200 if downloads else 404), case
        if downloads:
            assert body == PUBLIC and headers["Content-Disposition"] == "attachment", case
        # The URL the detail answer gives this viewer works through nginx, cookie or not.
        detail = client_for(user).get(f"/api/v1/media/{media.friendly_token}")
        url = detail.json()["original_media_url"] if detail.status_code == 200 else None
        assert bool(url) is downloads, case
        if url and url.startswith("/media/s/"):
            status, _, body = nginx.get(url)
            assert (status, body) == (200, ORIGINAL if fetches else PUBLIC), case


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (CI installs it: .ci/run)")
@pytest.mark.django_db(transaction=True)
def test_a_cached_public_verdict_for_the_poster_does_not_open_the_original(nginx):  # noqa: F811
    """nginx keeps "anyone may see it" verdicts for a minute: the poster's must not be reused
    for an original whose owner does not allow downloads."""
    media = _media(state=Media.State.PUBLIC, allow_download=False)
    for _ in range(2):  # the second answer comes from nginx's verdict cache
        status, headers, _ = nginx.get(f"/media/{media.poster.name}")
        assert status == 200 and headers["Cache-Control"].startswith("public")
    status, _, body = nginx.get(f"/media/{media.media_file.name}")
    assert status == 404 and ORIGINAL not in body


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (CI installs it: .ci/run)")
@pytest.mark.django_db(transaction=True)
def test_nginx_a_folder_signature_opens_no_original(nginx):  # noqa: F811
    media = _media(state=Media.State.PRIVATE, allow_download=True)
    folder_link = "/media/" + signing.signed_name(media.poster.name)
    assert nginx.get(folder_link)[0] == 200
    prefix = folder_link.split("/encoded/")[0]
    assert nginx.get(f"{prefix}/{media.media_file.name}")[0] == 403
    climb = f"{prefix}/encoded/{media.uid.hex}/../../{media.media_file.name}"
    assert nginx.get(climb)[0] == 400
    quoted = urllib.parse.quote(f"encoded/{media.uid.hex}/../../{media.media_file.name}")
    assert nginx.get(f"{prefix}/{quoted.replace('.', '%2e')}")[0] == 400
