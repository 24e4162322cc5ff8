"""The edit page (``/edit?m=<token>``, MediaCMS's address): its owner and editors only; it starts
with what the original revealed (source protection, docs/provenance.md section 1)."""

from __future__ import annotations

import pytest
from django.test import Client

from media_app.models import Media
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_owner_and_editors_get_the_edit_page_others_not_available():
    media = MediaFactory(state=Media.State.PUBLIC, is_reviewed=True)
    url = f"/edit?m={media.friendly_token}"
    owner = _client(media.user).get(url)
    assert owner.status_code == 200
    assert b'data-page="edit"' in owner.content
    editor = _client(UserFactory(is_editor=True)).get(url)
    assert editor.status_code == 200 and b'data-page="edit"' in editor.content
    for user in (None, UserFactory()):
        response = _client(user).get(url)
        assert response.status_code == 404
        assert b'data-page="edit"' not in response.content
    assert _client(media.user).get("/edit?m=nope").status_code == 404


def test_the_page_api_lists_what_was_found_for_owner_and_editors_only():
    found = [{"group": "serial", "name": "ExifIFD:SerialNumber", "value": "SN1", "removed": True}]
    media = MediaFactory(
        state=Media.State.PUBLIC,
        is_reviewed=True,
        metadata_found=found,
        public_file="encoded/x/download/x.jpg",
    )
    url = f"/api/v1/media/{media.friendly_token}/original"
    for user in (media.user, UserFactory(is_editor=True)):
        answer = _client(user).get(url)
        assert answer.status_code == 200
        assert answer.json()["metadata_found"] == found
        assert answer.json()["public_file_ready"] is True
    assert _client(UserFactory()).get(url).status_code == 403
    assert _client(None).get(url).status_code in (401, 403)
    assert b"SN1" not in _client(None).get(f"/api/v1/media/{media.friendly_token}").content
