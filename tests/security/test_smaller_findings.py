"""Finding 7, the authorisation items: one class per item, each through the HTTP API.

(The file items of finding 7 are in tests/security/test_user_files.py.)
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from media_app.models import JournalistVerification, Media, PlaylistMedia
from tests.api._people import body, token_client
from tests.factories import MediaFactory, PlaylistFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = JournalistVerification.Status


def _public_sees(media: Media) -> bool:
    return APIClient().get(f"/api/v1/media/{media.friendly_token}").status_code == 200


def _queue(editor) -> list[str]:
    results = token_client(editor).get("/api/v1/review/queue").json()["results"]
    return [m["friendly_token"] for m in results]


class TestVerificationDecisionsCheckTheRoleFirst:
    """A stranger deciding a verification request learns nothing: not whether it exists, not
    its status. Every id answers the same 403, for approve, reject and revoke alike."""

    @pytest.mark.parametrize("decision", ("approve", "reject", "revoke"))
    @pytest.mark.parametrize("stranger", ("user", "journalist", "applicant"))
    def test_every_request_answers_a_stranger_alike(self, decision, stranger):
        applicant = UserFactory()
        records = {
            status: JournalistVerification.objects.create(
                user=applicant if status == Status.PENDING else UserFactory(),
                outlet="Radio Libre",
                role="Reporter",
                evidence_links=["https://radiolibre.example/staff"],
                status=status,
            )
            for status in Status.values
        }
        actor = {
            "user": UserFactory(),
            "journalist": UserFactory(is_verified_journalist=True, verified_outlet="Desk"),
            "applicant": applicant,
        }[stranger]
        client = token_client(actor)
        answers = {}
        for status, record in records.items():
            response = client.post(f"/api/v1/verification/requests/{record.pk}/{decision}")
            answers[status] = (response.status_code, body(response))
        missing = client.post(f"/api/v1/verification/requests/987654321/{decision}")
        answers["missing"] = (missing.status_code, body(missing))

        assert {code for code, _ in answers.values()} == {403}, answers
        assert len({text for _, text in answers.values()}) == 1, answers
        text = answers["missing"][1]
        assert "editor" in text
        for status in Status.values:
            assert status not in text.lower()
        for status, record in records.items():
            record.refresh_from_db()
            assert record.status == status and record.decided_by is None

    def test_editors_still_decide_and_learn_the_status(self):
        editor = UserFactory(is_editor=True)
        record = JournalistVerification.objects.create(
            user=UserFactory(),
            outlet="Radio Libre",
            role="Reporter",
            evidence_links=["https://radiolibre.example/staff"],
            status=Status.APPROVED,
        )
        response = token_client(editor).post(f"/api/v1/verification/requests/{record.pk}/reject")
        assert response.status_code == 400 and "approved" in body(response)
        missing = token_client(editor).post("/api/v1/verification/requests/987654321/reject")
        assert missing.status_code == 404


class TestPlaylistsHoldOnlyWhatTheirOwnerMayList:
    """A playlist is a public listing. Someone else's unlisted (or private) media never goes in,
    whoever adds it; the owner's own unlisted media may, but shows only to them (and editors)."""

    def _add(self, client, playlist, media):
        return client.put(
            f"/api/v1/playlists/{playlist.friendly_token}",
            {"type": "add", "media_friendly_token": media.friendly_token},
            format="json",
        )

    def test_a_stranger_cannot_list_someone_elses_unlisted_media(self):
        source = UserFactory(is_verified_journalist=True, verified_outlet="Desk")
        unlisted = MediaFactory(user=source, state=Media.State.UNLISTED, title="Witness tape")
        stranger = UserFactory()
        playlist = PlaylistFactory(user=stranger)

        response = self._add(token_client(stranger), playlist, unlisted)
        assert response.status_code == 403, body(response)
        assert "public media" in body(response)
        assert not PlaylistMedia.objects.filter(media=unlisted).exists()
        # It is still reachable by its address, as its owner chose.
        assert _public_sees(unlisted)

    @pytest.mark.parametrize("state", (Media.State.UNLISTED, Media.State.PRIVATE))
    def test_not_even_an_editor_lists_someone_elses_hidden_media(self, state):
        editor = UserFactory(is_editor=True)
        hidden = MediaFactory(user=UserFactory(is_verified_journalist=True), state=state)
        for playlist in (PlaylistFactory(user=editor), PlaylistFactory()):
            response = self._add(token_client(editor), playlist, hidden)
            assert response.status_code == 403, body(response)
        assert not PlaylistMedia.objects.filter(media=hidden).exists()

    def test_public_media_goes_into_any_playlist(self):
        stranger = UserFactory()
        public = MediaFactory()
        playlist = PlaylistFactory(user=stranger)
        assert self._add(token_client(stranger), playlist, public).status_code == 201

    def test_the_owners_own_unlisted_media_shows_only_to_the_owner(self):
        owner = UserFactory(is_verified_journalist=True, verified_outlet="Desk")
        mine = MediaFactory(user=owner, state=Media.State.UNLISTED, title="Draft cut")
        public = MediaFactory()
        playlist = PlaylistFactory(user=owner)
        client = token_client(owner)
        assert self._add(client, playlist, public).status_code == 201
        assert self._add(client, playlist, mine).status_code == 201

        url = f"/api/v1/playlists/{playlist.friendly_token}"
        own_view = client.get(url).json()
        assert [m["friendly_token"] for m in own_view["playlist_media"]] == [
            public.friendly_token,
            mine.friendly_token,
        ]
        for viewer in (APIClient(), token_client(UserFactory())):
            shown = viewer.get(url)
            assert [m["friendly_token"] for m in shown.json()["playlist_media"]] == [
                public.friendly_token
            ]
            assert shown.json()["media_count"] == 1
            assert mine.friendly_token not in body(shown) and "Draft cut" not in body(shown)
            listed = viewer.get(f"/api/v1/playlists?author={owner.username}")
            assert listed.json()["results"][0]["media_count"] == 1
            assert mine.friendly_token not in body(listed)

    def test_media_unlisted_after_it_was_added_leaves_the_listing(self):
        """Public when a stranger listed it, unlisted later by its owner: no longer shown."""
        media = MediaFactory(title="Changed my mind")
        playlist = PlaylistFactory()
        PlaylistMedia.objects.create(playlist=playlist, media=media, ordering=1)
        Media.objects.filter(pk=media.pk).update(state=Media.State.UNLISTED)
        shown = APIClient().get(f"/api/v1/playlists/{playlist.friendly_token}")
        assert shown.json()["playlist_media"] == [] and shown.json()["media_count"] == 0
        assert "Changed my mind" not in body(shown)


class TestWhoCannotPublishGoesThroughReview:
    """Whoever cannot publish (``can_publish`` false: not a verified journalist, nor an editor)
    widens nothing without an editor: making media public or unlisted, even media that was
    reviewed before, and rewriting the text of approved media both send it back to the review
    queue (private, ``is_reviewed`` false, the wished state in ``requested_state``)."""

    def _revoked_journalist(self, editor):
        journalist = UserFactory()
        record = JournalistVerification.objects.create(
            user=journalist,
            outlet="Radio Libre",
            role="Reporter",
            evidence_links=["https://radiolibre.example/staff"],
        )
        client = token_client(editor)
        assert client.post(f"/api/v1/verification/requests/{record.pk}/approve").status_code == 200
        journalist.refresh_from_db()
        assert journalist.is_verified_journalist
        return journalist, record

    def _edit(self, user, media, **data):
        response = token_client(user).put(
            f"/api/v1/media/{media.friendly_token}", data, format="json"
        )
        assert response.status_code == 201, body(response)
        media.refresh_from_db()
        return response

    @pytest.mark.parametrize("hidden_as", (Media.State.PRIVATE, Media.State.UNLISTED))
    def test_a_revoked_journalist_cannot_republish_old_media(self, hidden_as):
        editor = UserFactory(is_editor=True)
        journalist, record = self._revoked_journalist(editor)
        # Published directly while verified (reviewed, by nobody), then hidden by its owner.
        media = MediaFactory(user=journalist, title="Old story")
        self._edit(journalist, media, state=hidden_as)
        assert media.state == hidden_as and media.is_reviewed

        revoked = token_client(editor).post(f"/api/v1/verification/requests/{record.pk}/revoke")
        assert revoked.status_code == 200, body(revoked)

        self._edit(journalist, media, state="public")
        assert media.state == Media.State.PRIVATE
        assert not media.is_reviewed
        assert media.requested_state == Media.State.PUBLIC
        assert not _public_sees(media)
        assert media.friendly_token in _queue(editor)

        # An editor's approval publishes it as its owner asked.
        verdict = token_client(editor).post(
            f"/api/v1/review/{media.friendly_token}", {"result": "approve"}
        )
        assert verdict.status_code == 200, body(verdict)
        assert _public_sees(media)

    def test_a_plain_user_cannot_republish_approved_media_made_private(self):
        editor, owner = UserFactory(is_editor=True), UserFactory()
        media = MediaFactory(user=owner, reviewed_by=editor)
        self._edit(owner, media, state="private")
        self._edit(owner, media, state="unlisted")
        assert media.state == Media.State.PRIVATE and not media.is_reviewed
        assert media.requested_state == Media.State.UNLISTED
        assert media.friendly_token in _queue(editor)

    @pytest.mark.parametrize(
        "change",
        (
            {"title": "Mayor X took bribes"},
            {"description": "Rewritten after approval"},
            {"tags": "defamation,lies"},
        ),
    )
    def test_approved_text_rewritten_by_a_non_publisher_goes_back_to_review(self, change):
        editor, owner = UserFactory(is_editor=True), UserFactory()
        media = MediaFactory(user=owner, reviewed_by=editor, title="Harmless title")
        assert _public_sees(media)

        self._edit(owner, media, **change)
        assert media.state == Media.State.PRIVATE and not media.is_reviewed
        assert media.requested_state == Media.State.PUBLIC
        assert not _public_sees(media)
        assert media.friendly_token in _queue(editor)
        # The owner still sees (and may keep editing) their media while it waits.
        assert token_client(owner).get(f"/api/v1/media/{media.friendly_token}").status_code == 200

        token_client(editor).post(f"/api/v1/review/{media.friendly_token}", {"result": "approve"})
        media.refresh_from_db()
        assert media.state == Media.State.PUBLIC and _public_sees(media)

    def test_unlisted_approved_media_rewritten_returns_unlisted_after_review(self):
        editor, owner = UserFactory(is_editor=True), UserFactory()
        media = MediaFactory(user=owner, reviewed_by=editor, state=Media.State.UNLISTED)
        self._edit(owner, media, title="New words")
        assert media.requested_state == Media.State.UNLISTED and not media.is_reviewed
        token_client(editor).post(f"/api/v1/review/{media.friendly_token}", {"result": "approve"})
        media.refresh_from_db()
        assert media.state == Media.State.UNLISTED and media.is_reviewed

    def test_publishers_and_harmless_edits_need_no_review(self):
        journalist = UserFactory(is_verified_journalist=True, verified_outlet="Desk")
        theirs = MediaFactory(user=journalist)
        self._edit(journalist, theirs, title="Corrected title", state="private")
        self._edit(journalist, theirs, state="public")
        assert theirs.state == Media.State.PUBLIC and theirs.is_reviewed

        owner = UserFactory()
        mine = MediaFactory(user=owner)
        # Same words again, or only hiding it: nothing new for the public to read.
        self._edit(owner, mine, title=mine.title, description=mine.description)
        assert mine.state == Media.State.PUBLIC and mine.is_reviewed
        self._edit(owner, mine, state="unlisted")
        assert mine.state == Media.State.UNLISTED and mine.is_reviewed

        editor = UserFactory(is_editor=True)
        self._edit(editor, mine, title="Edited by the desk")
        assert mine.state == Media.State.UNLISTED and mine.is_reviewed
