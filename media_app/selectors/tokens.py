"""Reads of API tokens (metadata only: keys are never stored)."""

from __future__ import annotations

from django.db.models import QuerySet

from media_app.models import ApiToken, User


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """``user``'s tokens, newest first, expired ones included (until the next one is made)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
