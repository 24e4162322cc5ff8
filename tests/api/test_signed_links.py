"""File links in API answers: signed and expiring for media anonymous visitors may not see, given
only to those who may see them (owner, editors); plain for the others; never cached for anyone
else. The links open the files through the site's own media view as they would through nginx."""

import urllib.parse

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from media_app.models import EncodeProfile, Encoding, Media, PlaylistMedia
from media_app.services import signing
from tests.conftest import client_for
from tests.factories import MediaFactory, PlaylistFactory, UserFactory

# Filesystem mode's signed /media/s/ links (nginx secure_link); S3 mode has the same
# guarantees with presigned URLs: tests/security/test_delivery_s3.py.
pytestmark = [pytest.mark.django_db, pytest.mark.filesystem]

MASTER = (
    b"#EXTM3U\n#EXT-X-VERSION:7\n"
    b'#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=426x240,CODECS="avc1.64001e"\n'
    b"240/index.m3u8\n"
)
VARIANT = b"#EXTM3U\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n"
SEGMENT = b"\x00\x00\x00\x18ftypiso6 segment"
FILE_FIELDS = ("thumbnail_url", "poster_url", "sprites_url", "sprites_vtt_url", "preview_url")


def _media_with_files(**kwargs) -> Media:
    """A media whose files are named and laid out as the upload and encoding services do it."""
    media = MediaFactory(**kwargs)
    uid = media.uid.hex
    enc, hls = f"encoded/{uid}", f"encoded/{uid}/hls/run1"
    files = {
        f"original/{uid[:2]}/{uid}.mp4": SEGMENT,
        f"{hls}/master.m3u8": MASTER,
        f"{hls}/240/index.m3u8": VARIANT,
        f"{hls}/240/seg_00001.m4s": SEGMENT,
    }
    for still in ("poster.jpg", "thumbnail.jpg", "sprites.jpg", "sprites.vtt", "preview.webp"):
        files[f"{enc}/{still}"] = b"still"
    for name, data in files.items():
        default_storage.save(name, ContentFile(data))
    Media.objects.filter(pk=media.pk).update(
        media_file=f"original/{uid[:2]}/{uid}.mp4",
        hls_file=f"{hls}/master.m3u8",
        poster=f"{enc}/poster.jpg",
        thumbnail=f"{enc}/thumbnail.jpg",
        sprites=f"{enc}/sprites.jpg",
        sprites_vtt=f"{enc}/sprites.vtt",
        preview=f"{enc}/preview.webp",
    )
    # The rendition's row, as the encoder records it (hls_info is answered from it).
    Encoding.objects.create(
        media=media,
        profile=EncodeProfile.objects.get(resolution=240, codec="h264"),
        status="success",
        progress=100,
        media_file=f"{hls}/240/index.m3u8",
    )
    media.refresh_from_db()
    return media


def _file_links(data: dict) -> list[str]:
    links = [data[f] for f in FILE_FIELDS]
    links += [data["original_media_url"], *data["hls_info"].values()]
    assert all(links) and len(links) == 8
    return [urllib.parse.urlsplit(link).path for link in links]


def _assert_signed(links: list[str], media: Media) -> None:
    for link in links:
        assert link.startswith("/media/s/"), link
        verdict, name = signing.link_verdict(link.removeprefix("/media/"))
        assert verdict is signing.Verdict.VALID, link
        assert media.uid.hex in name


@pytest.fixture
def owner():
    return UserFactory(is_verified_journalist=True)


@pytest.mark.parametrize(
    ("state", "reviewed"),
    [
        (Media.State.PRIVATE, True),
        (Media.State.PRIVATE, False),
        (Media.State.UNLISTED, False),  # waiting for review: its link shows nothing yet
        (Media.State.PUBLIC, False),
    ],
)
def test_hidden_media_give_their_owner_and_editors_signed_links_and_others_nothing(
    owner, editor, state, reviewed
):
    media = _media_with_files(user=owner, state=state, is_reviewed=reviewed)
    url = f"/api/v1/media/{media.friendly_token}"
    for viewer in (owner, editor):
        response = client_for(viewer).get(url)
        assert response.status_code == 200
        _assert_signed(_file_links(response.json()), media)
    for viewer in (None, UserFactory()):
        response = client_for(viewer).get(url)
        assert response.status_code == 404
        assert b"/media/" not in response.content


@pytest.mark.parametrize("state", [Media.State.PUBLIC, Media.State.UNLISTED])
def test_media_anyone_may_open_keep_plain_links_for_everyone(owner, editor, state):
    """Reviewed unlisted media are visible to anyone who has their link (the selectors' rule),
    so their files are too: plain links, which nginx's cacheable public path serves."""
    media = _media_with_files(user=owner, state=state, is_reviewed=True)
    # The original is sealed (issue 15): anyone but its owner and editors downloads the clean
    # copy, by a plain link too.
    public = f"encoded/{media.uid.hex}/download/{media.uid.hex}.mp4"
    Media.objects.filter(pk=media.pk).update(public_file=public)
    for viewer in (None, owner, editor):
        data = client_for(viewer).get(f"/api/v1/media/{media.friendly_token}").json()
        links = _file_links(data)
        assert all(link.startswith(f"/media/encoded/{media.uid.hex}/") for link in links[:5])
        if viewer is None:
            assert links[5] == f"/media/{public}"
        else:  # the sealed original: a signed link for its owner and editors
            assert links[5].startswith("/media/s/")
            assert links[5].endswith(f"/{media.media_file.name}")


def test_the_signed_links_play_through_the_media_view_with_no_session(owner):
    """As the player does: the master playlist from the API, then the playlists and segments it
    names relatively. The signature is what opens them; no cookie is sent."""
    media = _media_with_files(user=owner, state=Media.State.PRIVATE)
    data = client_for(owner).get(f"/api/v1/media/{media.friendly_token}").json()
    anonymous = APIClient()
    master = data["hls_info"]["master_file"]
    assert b"".join(anonymous.get(master).streaming_content) == MASTER
    variant = urllib.parse.urljoin(master, "240/index.m3u8")
    assert variant == data["hls_info"]["240_playlist"]
    segment = urllib.parse.urljoin(variant, "seg_00001.m4s")
    response = anonymous.get(segment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SEGMENT
    # Without the signature: nothing for an anonymous visitor.
    assert anonymous.get(f"/media/{media.hls_file}").status_code == 404


def test_an_owners_listing_signs_the_thumbnails_of_hidden_media_only(owner):
    hidden = _media_with_files(user=owner, state=Media.State.PRIVATE)
    public = _media_with_files(user=owner)
    results = {
        item["friendly_token"]: item
        for item in client_for(owner)
        .get(f"/api/v1/media?author={owner.username}")
        .json()["results"]
    }
    assert set(results) == {hidden.friendly_token, public.friendly_token}
    signed = urllib.parse.urlsplit(results[hidden.friendly_token]["thumbnail_url"]).path
    _assert_signed([signed], hidden)
    assert "/media/s/" not in results[public.friendly_token]["thumbnail_url"]


def test_no_signed_link_reaches_the_anonymous_or_shared_caches(owner, settings):
    """Signed links are made only for media anonymous visitors cannot see, which no anonymous
    answer holds; what the owner was given is never cached for others."""
    settings.API_CACHE_SECONDS = 30
    hidden = _media_with_files(user=owner, state=Media.State.PRIVATE)
    public = _media_with_files(user=owner)  # related to the hidden one (same author)
    listing = f"/api/v1/media?author={owner.username}"
    mine = client_for(owner)
    assert "/media/s/" in mine.get(listing).content.decode()
    detail = mine.get(f"/api/v1/media/{hidden.friendly_token}").json()
    # related_media is shared by every reader (cached once): listable media only, plain links.
    assert [m["friendly_token"] for m in detail["related_media"]] == [public.friendly_token]
    assert "/media/s/" not in str(detail["related_media"])
    for path in (listing, f"/api/v1/media/{public.friendly_token}", "/api/v1/media"):
        first = APIClient().get(path)
        again = APIClient().get(path)
        assert again.headers.get("X-Cache") == "hit", path
        for response in (first, again):
            assert "/media/s/" not in response.content.decode(), path
            assert hidden.friendly_token not in response.content.decode(), path


def test_the_review_queue_signs_the_thumbnails_it_shows_editors(owner, editor):
    waiting = _media_with_files(user=owner, state=Media.State.PUBLIC, is_reviewed=False)
    data = client_for(editor).get("/api/v1/review/queue").json()
    [item] = [m for m in data["results"] if m["friendly_token"] == waiting.friendly_token]
    _assert_signed([urllib.parse.urlsplit(item["thumbnail_url"]).path], waiting)


def test_a_playlists_thumbnail_is_signed_when_its_first_visible_media_is_hidden(owner):
    hidden = _media_with_files(user=owner, state=Media.State.PRIVATE)
    public = _media_with_files(user=owner)
    playlist = PlaylistFactory(user=owner)
    PlaylistMedia.objects.create(playlist=playlist, media=hidden, ordering=1)
    PlaylistMedia.objects.create(playlist=playlist, media=public, ordering=2)
    url = f"/api/v1/playlists/{playlist.friendly_token}"
    # The owner sees the private media first: its thumbnail, signed.
    mine = client_for(owner).get(url).json()["thumbnail_url"]
    _assert_signed([urllib.parse.urlsplit(mine).path], hidden)
    # Anyone else sees the public one first: a plain link.
    theirs = APIClient().get(url).json()["thumbnail_url"]
    assert urllib.parse.urlsplit(theirs).path == f"/media/{public.thumbnail.name}"
