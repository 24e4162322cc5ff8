"""Corrections and retractions (issue 15, section 3): the API, what the public sees, the files
of a retraction that hides its media, the site-wide page and the Atom feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from media_app.models import Correction, HistoryEntry, Media
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _post(user, media, **body):
    return client_for(user).post(
        f"/api/v1/media/{media.friendly_token}/corrections", body, format="json"
    )


def _with_files(media: Media) -> Media:
    """Give the media a poster, an HLS playlist and an original on disk."""
    uid = media.uid.hex
    original = default_storage.save(f"original/{uid[:2]}/{uid}.mp4", ContentFile(b"original"))
    poster = default_storage.save(f"encoded/{uid}/poster.jpg", ContentFile(b"\xff\xd8\xff jpg"))
    hls = default_storage.save(f"encoded/{uid}/hls/run1/master.m3u8", ContentFile(b"#EXTM3U\n"))
    Media.objects.filter(pk=media.pk).update(media_file=original, poster=poster, hls_file=hls)
    media.refresh_from_db()
    return media


def _served(client: Client, path: str) -> bool:
    """Whether the site hands this file to this client: its bytes (filesystem mode) or a
    redirect to its presigned URL (S3 mode); a refusal is a 404."""
    response = client.get(path)
    assert response.status_code in (200, 302, 404), response.status_code
    return response.status_code != 404


def test_owner_and_editor_add_corrections_newest_first(public_media, editor):
    first = _post(public_media.user, public_media, kind="correction", text="The date was 3 May.")
    assert first.status_code == 201, first.content
    assert first.json()["kind"] == "correction"
    assert first.json()["by"] == public_media.user.username
    second = _post(editor, public_media, kind="clarification", text="Names changed.", reason="x")
    assert second.status_code == 201

    listed = client_for(None).get(f"/api/v1/media/{public_media.friendly_token}/corrections")
    assert listed.status_code == 200
    kinds = [c["kind"] for c in listed.json()["results"]]
    assert kinds == ["clarification", "correction"]

    detail = client_for(None).get(f"/api/v1/media/{public_media.friendly_token}").json()
    assert [c["kind"] for c in detail["corrections"]] == ["clarification", "correction"]
    assert detail["retracted"] is False
    # Each correction entered the chain, after the facts the public had been shown.
    kinds = list(HistoryEntry.objects.filter(media=public_media).values_list("kind", flat=True))
    assert kinds == ["published", "correction", "clarification"]


def test_others_are_refused(public_media):
    stranger = UserFactory()
    assert _post(stranger, public_media, kind="correction", text="x").status_code == 403
    assert _post(None, public_media, kind="correction", text="x").status_code == 403
    assert not Correction.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kind": "erratum", "text": "x"}, "kind", "kind must be one of"),
        ({"kind": "correction", "text": "   "}, "text", "may not be empty"),
        ({"kind": "correction", "text": "x" * 5001}, "text", "at most 5000"),
        ({"kind": "update", "text": "x", "hide_media": True}, "hide_media", "Only a retraction"),
    ],
)
def test_bad_input_is_answered_clearly(public_media, body, field, words):
    response = _post(public_media.user, public_media, **body)
    assert response.status_code == 400
    assert words in response.json()[field][0]
    assert not Correction.objects.exists()


def test_unknown_and_unpublished_media(journalist):
    assert (
        _post(journalist, Media(friendly_token="nope"), kind="update", text="x").status_code == 404
    )
    never_shown = MediaFactory(user=journalist, state=Media.State.PRIVATE)
    response = _post(journalist, never_shown, kind="update", text="x")
    assert response.status_code == 400
    assert "Only published media" in response.json()["detail"]


def test_site_wide_list_hides_corrections_on_media_others_cannot_see(journalist, editor):
    shown = MediaFactory(user=journalist)
    hidden = MediaFactory(user=journalist)
    unlisted = MediaFactory(user=journalist, state=Media.State.UNLISTED)
    _post(journalist, shown, kind="correction", text="on the public one")
    _post(journalist, hidden, kind="correction", text="on the later private one")
    _post(journalist, unlisted, kind="correction", text="on the unlisted one")
    Media.objects.filter(pk=hidden.pk).update(state=Media.State.PRIVATE)

    anonymous = client_for(None).get("/api/v1/corrections").json()
    assert anonymous["count"] == 1
    assert [c["text"] for c in anonymous["results"]] == ["on the public one"]
    assert client_for(UserFactory()).get("/api/v1/corrections").json()["count"] == 1
    assert client_for(editor).get("/api/v1/corrections").json()["count"] == 3
    assert client_for(journalist).get("/api/v1/corrections").json()["count"] == 3
    # The unlisted media's notice is on its own page, for whoever has its link.
    own_page = client_for(None).get(f"/api/v1/media/{unlisted.friendly_token}/corrections")
    assert [c["text"] for c in own_page.json()["results"]] == ["on the unlisted one"]
    assert (
        client_for(None).get(f"/api/v1/media/{hidden.friendly_token}/corrections").status_code
        == 404
    )


def test_retraction_hiding_the_media_keeps_the_page_and_withholds_the_files(journalist):
    media = _with_files(MediaFactory(user=journalist, allow_download=True))
    anon = Client()
    assert _served(anon, f"/media/{media.poster.name}")
    assert _served(anon, f"/media/{media.hls_file}")

    response = _post(
        journalist, media, kind="retraction", text="The source recanted.", hide_media=True
    )
    assert response.status_code == 201

    page = anon.get(f"/view?m={media.friendly_token}")
    assert page.status_code == 200  # not a silent 404
    detail = client_for(None).get(f"/api/v1/media/{media.friendly_token}").json()
    assert detail["retracted"] is True
    assert detail["corrections"][0]["kind"] == "retraction"
    assert detail["corrections"][0]["hide_media"] is True
    assert detail["hls_info"] == {} and detail["encodings_info"] == {}
    assert detail["poster_url"] is None and detail["original_media_url"] is None
    # No file is served to the public, at its plain address either.
    assert not _served(anon, f"/media/{media.poster.name}")
    assert not _served(anon, f"/media/{media.hls_file}")
    assert not _served(anon, f"/media/{media.media_file.name}")
    # A stranger signed in is refused alike; the owner and editors keep the evidence.
    stranger = Client()
    stranger.force_login(UserFactory())
    assert not _served(stranger, f"/media/{media.poster.name}")
    owner = Client()
    owner.force_login(journalist)
    assert _served(owner, f"/media/{media.poster.name}")
    assert client_for(journalist).get(f"/api/v1/media/{media.friendly_token}").json()["hls_info"]
    # It left the listings, not its link.
    listed = client_for(None).get("/api/v1/media").json()
    assert media.friendly_token not in [m["friendly_token"] for m in listed["results"]]


def test_retraction_showing_the_media_keeps_it_playable(journalist):
    media = _with_files(MediaFactory(user=journalist))
    assert _post(journalist, media, kind="retraction", text="Withdrawn.").status_code == 201
    detail = client_for(None).get(f"/api/v1/media/{media.friendly_token}").json()
    assert detail["retracted"] is True
    assert detail["poster_url"]
    assert _served(Client(), f"/media/{media.poster.name}")
    listed = client_for(None).get("/api/v1/media").json()
    assert media.friendly_token not in [m["friendly_token"] for m in listed["results"]]


def test_corrections_page_and_atom_feed(public_media):
    _post(public_media.user, public_media, kind="correction", text="The mayor's name is Ada.")
    private = MediaFactory(user=public_media.user)
    _post(private.user, private, kind="update", text="Secret update")
    Media.objects.filter(pk=private.pk).update(state=Media.State.PRIVATE)

    page = Client().get("/corrections")
    assert page.status_code == 200
    assert b'rel="alternate" type="application/atom+xml"' in page.content

    feed = Client().get("/corrections/feed")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)  # noqa: S314 - our own feed, in a test
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert public_media.title in entry.find(f"{ATOM}title").text
    assert "The mayor's name is Ada." in entry.find(f"{ATOM}summary").text
    link = entry.find(f"{ATOM}link").get("href")
    assert f"/view?m={public_media.friendly_token}#correction-" in link
