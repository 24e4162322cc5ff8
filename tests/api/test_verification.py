"""Journalist verification: request, editors' decisions, and what it changes for uploads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from media_app.models import JournalistVerification, Media
from media_app.selectors.media import media_get_visible
from media_app.services.media import media_create
from tests.api._people import PNG, ROLES, body, make_role, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUEST = {
    "outlet": "Radio Libre",
    "role": "Reporter",
    "evidence_links": ["https://radiolibre.example/staff/amira", "https://example.org/story"],
    "statement": "I cover the courts.",
}
FIELDS = {
    "id",
    "user",
    "outlet",
    "role",
    "evidence_links",
    "statement",
    "status",
    "created_at",
    "decided_by",
    "decided_at",
    "decision_note",
}


def _upload(user) -> Media:
    user.refresh_from_db()  # as a request would load them: with the roles decided since
    return media_create(
        user=user, uploaded_file=SimpleUploadedFile("field photo.png", PNG), title="From the field"
    )


def _seen_by_public(media: Media) -> bool:
    return media_get_visible(user=None, friendly_token=media.friendly_token) is not None


def _request(user, data=REQUEST):
    return token_client(user).post("/api/v1/verification/requests", data, format="json")


def test_whole_flow_request_approve_publish_revoke(user, editor):
    before = _upload(user)
    assert before.state == Media.State.PRIVATE and not _seen_by_public(before)

    response = _request(user)
    assert response.status_code == 201, body(response)
    data = response.json()
    assert set(data) == FIELDS
    assert data["status"] == "pending" and data["user"] == user.username
    assert data["decided_by"] is None

    approved = token_client(editor).post(
        f"/api/v1/verification/requests/{data['id']}/approve", {"note": "Checked the staff page"}
    )
    assert approved.status_code == 200, body(approved)
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == editor.username
    assert approved.json()["decision_note"] == "Checked the staff page"

    me = token_client(user).get("/api/v1/whoami").json()
    assert me["is_verified_journalist"] is True and me["verified_outlet"] == "Radio Libre"
    after = _upload(user)
    assert after.state == Media.State.PUBLIC and after.is_reviewed
    assert _seen_by_public(after)
    # The earlier upload still waits for its own review.
    assert not _seen_by_public(before)

    revoked = token_client(editor).post(f"/api/v1/verification/requests/{data['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    me = token_client(user).get("/api/v1/whoami").json()
    assert me["is_verified_journalist"] is False and me["verified_outlet"] == ""
    later = _upload(user)
    assert later.state == Media.State.PRIVATE and not _seen_by_public(later)


def test_reject_leaves_the_user_unverified_and_free_to_ask_again(user, editor):
    pk = _request(user).json()["id"]
    response = token_client(editor).post(
        f"/api/v1/verification/requests/{pk}/reject", {"note": "No evidence of published work"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    user.refresh_from_db()
    assert not user.is_verified_journalist
    assert _upload(user).state == Media.State.PRIVATE
    assert _request(user).status_code == 201


def test_a_second_request_while_one_waits_is_400(user):
    assert _request(user).status_code == 201
    response = _request(user)
    assert response.status_code == 400
    assert "already" in body(response)
    assert JournalistVerification.objects.filter(user=user).count() == 1


def test_a_verified_journalist_cannot_ask_again(journalist):
    assert _request(journalist).status_code == 400


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"evidence_links": []}, "evidence_links"),
        ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
        ({"evidence_links": "https://example.org"}, "evidence_links"),
        ({"outlet": ""}, "outlet"),
        ({"role": "   "}, "role"),
    ],
)
def test_bad_requests_are_400_naming_the_field(user, change, field):
    response = _request(user, {**REQUEST, **change})
    assert response.status_code == 400
    assert field in response.json()
    assert not JournalistVerification.objects.exists()


def test_anonymous_cannot_request_or_list():
    client = APIClient()
    assert client.post("/api/v1/verification/requests", REQUEST, format="json").status_code == 403
    assert client.get("/api/v1/verification/requests").status_code == 403
    assert not JournalistVerification.objects.exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_only_editors_decide(role, decision):
    applicant = UserFactory()
    pk = _request(applicant).json()["id"]
    actor = make_role(role)
    response = token_client(actor).post(f"/api/v1/verification/requests/{pk}/{decision}")
    applicant.refresh_from_db()
    status = JournalistVerification.objects.get(pk=pk).status
    # Managers act on everything editors do (User.can_edit_media).
    if role in ("editor", "manager"):
        assert response.status_code == 200
        assert status == ("approved" if decision == "approve" else "rejected")
    else:
        assert response.status_code == 403
        assert status == "pending"
        assert not applicant.is_verified_journalist


def test_applicant_cannot_approve_their_own_request(user):
    pk = _request(user).json()["id"]
    assert token_client(user).post(f"/api/v1/verification/requests/{pk}/approve").status_code == 403
    user.refresh_from_db()
    assert not user.is_verified_journalist


def test_decisions_follow_the_status(user, editor):
    pk = _request(user).json()["id"]
    client = token_client(editor)
    assert client.post(f"/api/v1/verification/requests/{pk}/revoke").status_code == 400
    assert client.post(f"/api/v1/verification/requests/{pk}/approve").status_code == 200
    assert client.post(f"/api/v1/verification/requests/{pk}/approve").status_code == 400
    assert client.post(f"/api/v1/verification/requests/{pk}/reject").status_code == 400
    assert client.post("/api/v1/verification/requests/999999/approve").status_code == 404


def test_listing_editors_see_all_users_their_own(user, editor):
    other = UserFactory()
    mine = _request(user).json()["id"]
    theirs = _request(other).json()["id"]
    token_client(editor).post(f"/api/v1/verification/requests/{theirs}/reject")

    everything = token_client(editor).get("/api/v1/verification/requests").json()
    assert set(everything) == {"count", "next", "previous", "results"}
    assert {r["id"] for r in everything["results"]} == {mine, theirs}
    assert set(everything["results"][0]) == FIELDS
    pending = token_client(editor).get("/api/v1/verification/requests?status=pending").json()
    assert [r["id"] for r in pending["results"]] == [mine]

    own = token_client(user).get("/api/v1/verification/requests/").json()
    assert [r["id"] for r in own["results"]] == [mine]


def test_detail_for_author_and_editors_only(user, editor):
    pk = _request(user).json()["id"]
    assert token_client(user).get(f"/api/v1/verification/requests/{pk}").json()["id"] == pk
    assert token_client(editor).get(f"/api/v1/verification/requests/{pk}/").status_code == 200
    assert token_client(UserFactory()).get(f"/api/v1/verification/requests/{pk}").status_code == 404
    assert APIClient().get(f"/api/v1/verification/requests/{pk}").status_code == 403
