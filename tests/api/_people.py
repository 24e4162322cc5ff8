"""Helpers of the people-API tests (users, auth, playlists, verification, review)."""

from __future__ import annotations

import base64

from rest_framework.test import APIClient

from tests.factories import UserFactory

PASSWORD = "correct horse battery"  # what tests.factories.UserFactory sets
ROLES = ("anonymous", "user", "journalist", "editor", "manager")
# The smallest thing media_create accepts as an image: PNG's signature and IHDR chunk header.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def make_role(role: str):
    """A fresh person holding ``role`` (``None`` for anonymous)."""
    if role == "anonymous":
        return None
    flags = {
        "user": {},
        "journalist": {"is_verified_journalist": True, "verified_outlet": "Desk"},
        "editor": {"is_editor": True},
        "manager": {"is_manager": True},
    }[role]
    return UserFactory(**flags)


def token_client(user, scope: str = "manage") -> APIClient:
    """A client that authenticates the way a script does: ``Authorization: Token <key>``."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user, scope)}")
    return client


def make_token(user, scope: str = "manage") -> str:
    """A fresh API token's key, marked used just now: the first request of a test then writes
    no ``last_used_at`` (query counts stay those of any later request)."""
    from django.utils import timezone

    from media_app.services.tokens import token_create

    made = token_create(user=user, name="test client", scope=scope)
    made.token.last_used_at = timezone.now()
    made.token.save(update_fields=["last_used_at"])
    return made.key


def basic_client(username: str, password: str = PASSWORD) -> APIClient:
    client = APIClient()
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return client


def body(response) -> str:
    """The response body as text, for looking for a message whatever the error's shape."""
    return response.content.decode()
