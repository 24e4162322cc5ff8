"""The people management commands: verify_journalist and create_admin_if_missing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from media_app.models import JournalistVerification, Media, User
from media_app.services.media import media_create
from tests.api._people import PNG
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _upload(user) -> Media:
    user.refresh_from_db()
    return media_create(user=user, uploaded_file=SimpleUploadedFile("a.png", PNG))


def test_verify_journalist_then_revoke(user):
    out = _run("verify_journalist", user.username, "--outlet", "Kyiv Independent")
    assert "verified journalist of Kyiv Independent" in out
    user.refresh_from_db()
    assert user.is_verified_journalist and user.verified_outlet == "Kyiv Independent"
    record = JournalistVerification.objects.get(user=user)
    assert record.status == "approved" and record.decided_by is None
    assert _upload(user).state == Media.State.PUBLIC

    out = _run("verify_journalist", user.username, "--revoke", "--note", "left the outlet")
    assert "no longer" in out
    user.refresh_from_db()
    assert not user.is_verified_journalist and user.verified_outlet == ""
    record.refresh_from_db()
    assert record.status == "revoked" and record.decision_note == "left the outlet"
    assert _upload(user).state == Media.State.PRIVATE


def test_verify_journalist_approves_a_waiting_request(user):
    from media_app.services.verification import verification_request

    waiting = verification_request(
        user=user, outlet="Old name", role="Reporter", evidence_links=["https://example.org/a"]
    )
    _run("verify_journalist", user.username, "--outlet", "New name")
    waiting.refresh_from_db()
    assert waiting.status == "approved" and waiting.outlet == "New name"
    assert JournalistVerification.objects.filter(user=user).count() == 1


def test_verify_journalist_errors(user):
    with pytest.raises(CommandError, match="No user"):
        _run("verify_journalist", "nobody", "--outlet", "X")
    with pytest.raises(CommandError, match="outlet"):
        _run("verify_journalist", user.username)
    user.refresh_from_db()
    assert not user.is_verified_journalist


def test_create_admin_generates_a_password_once(monkeypatch):
    monkeypatch.delenv("OPENPRESS_ADMIN_USER", raising=False)
    monkeypatch.delenv("OPENPRESS_ADMIN_PASSWORD", raising=False)
    out = _run("create_admin_if_missing")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_manager and admin.is_editor
    password = next(
        line.split(":", 1)[1].strip() for line in out.splitlines() if "password:" in line
    )
    assert len(password) >= 12 and admin.check_password(password)
    assert "127.0.0.1:8000/admin/" in out

    again = _run("create_admin_if_missing")
    assert "already exists" in again and password not in again
    assert User.objects.filter(is_superuser=True).count() == 1
    admin.refresh_from_db()
    assert admin.check_password(password)


def test_create_admin_from_environment(monkeypatch):
    monkeypatch.setenv("OPENPRESS_ADMIN_USER", "chief")
    monkeypatch.setenv("OPENPRESS_ADMIN_PASSWORD", "a chosen passphrase")
    out = _run("create_admin_if_missing")
    assert "a chosen passphrase" not in out
    assert User.objects.get(username="chief").check_password("a chosen passphrase")


def test_create_admin_never_promotes_an_existing_account(monkeypatch):
    monkeypatch.setenv("OPENPRESS_ADMIN_USER", "someone")
    UserFactory(username="someone")
    with pytest.raises(CommandError, match="existing account"):
        _run("create_admin_if_missing")
    assert not User.objects.filter(is_superuser=True).exists()
