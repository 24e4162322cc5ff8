"""Django admin: every model's pages open, and the actions go through the services."""

import pytest
from django.test import Client

from media_app.models import JournalistVerification, Media
from media_app.services.verification import verification_request
from tests.factories import CommentFactory, MediaFactory, PlaylistFactory, UserFactory

pytestmark = pytest.mark.django_db

MODELS = (
    "user",
    "journalistverification",
    "media",
    "encoding",
    "encodeprofile",
    "category",
    "tag",
    "comment",
    "mediaaction",
    "playlist",
)


def _staff_client(**flags) -> Client:
    person = UserFactory(is_staff=True, **flags)
    client = Client()
    client.force_login(person)
    return client


def _ask(user) -> JournalistVerification:
    return verification_request(
        user=user, outlet="Desk", role="Reporter", evidence_links=["https://example.org/me"]
    )


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_and_search_opens(model):
    MediaFactory(title="Flood report")
    CommentFactory()
    PlaylistFactory()
    _ask(UserFactory())
    client = _staff_client(is_superuser=True)
    assert client.get(f"/admin/media_app/{model}/").status_code == 200
    assert client.get(f"/admin/media_app/{model}/?q=flood").status_code == 200


def test_change_pages_open():
    media = MediaFactory()
    playlist = PlaylistFactory()
    client = _staff_client(is_superuser=True)
    assert client.get(f"/admin/media_app/media/{media.pk}/change/").status_code == 200
    assert client.get(f"/admin/media_app/playlist/{playlist.pk}/change/").status_code == 200
    assert client.get(f"/admin/media_app/user/{media.user.pk}/change/").status_code == 200


def test_verification_actions_call_the_services():
    approve_me, reject_me = UserFactory(), UserFactory()
    first, second = _ask(approve_me), _ask(reject_me)
    client = _staff_client(is_superuser=True)
    url = "/admin/media_app/journalistverification/"
    response = client.post(url, {"action": "approve", "_selected_action": [first.pk]}, follow=True)
    assert response.status_code == 200
    client.post(url, {"action": "reject", "_selected_action": [second.pk]})
    approve_me.refresh_from_db()
    reject_me.refresh_from_db()
    assert approve_me.is_verified_journalist and approve_me.verified_outlet == "Desk"
    assert not reject_me.is_verified_journalist
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("approved", "rejected")
    assert first.decided_by.is_superuser

    client.post(url, {"action": "revoke", "_selected_action": [first.pk]})
    approve_me.refresh_from_db()
    assert not approve_me.is_verified_journalist


def test_staff_who_are_not_editors_cannot_decide():
    applicant = UserFactory()
    record = _ask(applicant)
    client = Client()
    # Give plain staff the model permissions, so only the service's rule stands in the way.
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__endswith="journalistverification")
    )
    client.force_login(staff)
    response = client.post(
        "/admin/media_app/journalistverification/",
        {"action": "approve", "_selected_action": [record.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Only editors" in response.content.decode()
    record.refresh_from_db()
    applicant.refresh_from_db()
    assert record.status == "pending" and not applicant.is_verified_journalist


def test_media_review_actions():
    waiting = MediaFactory(is_reviewed=False, state=Media.State.PRIVATE)
    client = _staff_client(is_editor=True, is_superuser=True)
    client.post(
        "/admin/media_app/media/", {"action": "review_approve", "_selected_action": [waiting.pk]}
    )
    waiting.refresh_from_db()
    assert waiting.is_reviewed and waiting.state == Media.State.PUBLIC
    client.post(
        "/admin/media_app/media/", {"action": "review_reject", "_selected_action": [waiting.pk]}
    )
    waiting.refresh_from_db()
    assert not waiting.is_reviewed and waiting.state == Media.State.PRIVATE
