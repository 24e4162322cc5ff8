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


def token_client(user) -> APIClient:
    """A client that authenticates the way a script does: ``Authorization: Token <key>``."""
    from rest_framework.authtoken.models import Token

    client = APIClient()
    if user is not None:
        key, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key.key}")
    return client


def basic_client(username: str, password: str = PASSWORD) -> APIClient:
    client = APIClient()
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return client


def body(response) -> str:
    """The response body as text, for looking for a message whatever the error's shape."""
    return response.content.decode()
