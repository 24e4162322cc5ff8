"""API tokens: making, checking and revoking them. Keys are shown once and stored as SHA-256.

A key is ``op_`` followed by 43 URL-safe characters (256 random bits). Its SHA-256 is the lookup
column (unique index): a plain hash is enough for a random key of that length, unlike a password,
and keeps the check to one indexed query per request.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from media_app.models import ApiToken, User
from media_app.services.errors import ServiceError

logger = logging.getLogger(__name__)

KEY_PREFIX = "op_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8  # "op_" and the first 8 random characters: shown, not secret
NAME_MAX = ApiToken._meta.get_field("name").max_length
# last_used_at is written when it is older than this: at most one write per token per interval,
# never one per request.
LAST_USED_EVERY = timedelta(minutes=15)
# Live tokens kept per person. Every login makes one, so a script that logs in on each run would
# pile them up; past this, the least recently used go first.
MAX_TOKENS_PER_USER = 100

Scope = ApiToken.Scope
# What each scope lets through; each includes the ones before it.
_RANK = {Scope.READ: 0, Scope.UPLOAD: 1, Scope.MANAGE: 2}


def scope_allows(granted: str, needed: str) -> bool:
    return _RANK[Scope(granted)] >= _RANK[Scope(needed)]


def clean_scope(raw) -> str:
    """``raw`` as a scope (empty means ``manage``); a clear 400 otherwise."""
    text = str(raw or "").strip().lower() or Scope.MANAGE
    if text not in Scope.values:
        raise ServiceError(
            f"Unknown scope {text!r}: use one of {', '.join(Scope.values)}.", field="scope"
        )
    return text


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just made, with the key: the only moment the key exists outside its holder."""

    token: ApiToken
    key: str

    @property
    def expiry(self) -> datetime:
        return self.token.expires_at


@transaction.atomic
def token_create(*, user: User, name: str = "", scope: str = Scope.MANAGE) -> NewToken:
    """A new token for ``user``, valid ``API_TOKEN_DAYS`` days; the key is in the answer only."""
    if not user.is_active:
        raise ServiceError("This account is disabled.")
    name = " ".join(str(name or "").split())[:NAME_MAX] or "API client"
    scope = clean_scope(scope)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        digest=digest_of(key),
        scope=scope,
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
    )
    _prune(user=user, now=now)
    logger.info("API token %s (%s, %s) made for %s", token.prefix, token.name, scope, user)
    return NewToken(token=token, key=key)


def _prune(*, user: User, now: datetime) -> None:
    """Drop ``user``'s expired tokens and, past the cap, the least recently used ones."""
    mine = ApiToken.objects.filter(user=user)
    mine.filter(expires_at__lte=now).delete()
    surplus = list(
        mine.order_by(Coalesce("last_used_at", "created_at").desc(), "-id").values_list(
            "pk", flat=True
        )[MAX_TOKENS_PER_USER:]
    )
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).delete()


def token_for_key(key: str) -> ApiToken | None:
    """The token with this key, its user joined (one indexed query), or ``None``.

    Expired tokens are returned too, so the caller can say so; check :func:`token_expired`.
    """
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()


def token_expired(token: ApiToken, now: datetime | None = None) -> bool:
    return token.expires_at <= (now or timezone.now())


def token_touch(token: ApiToken, now: datetime | None = None) -> None:
    """Record a use, at most once per :data:`LAST_USED_EVERY` (no write on most requests)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    token.last_used_at = now
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def token_revoke(*, token_id: int, by: User) -> None:
    """Revoke one of ``by``'s own tokens; someone else's or an unknown one is 'not found'."""
    deleted, _ = ApiToken.objects.filter(pk=token_id, user=by).delete()
    if not deleted:
        raise TokenNotFound("No such token among yours (it may be revoked already).")
    logger.info("API token %s revoked by %s", token_id, by)


def revoke_all_tokens(user: User) -> int:
    """End every API token of ``user`` (password change, deactivation); how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    if deleted:
        logger.info("%d API tokens of %s revoked", deleted, user)
    return deleted


class TokenNotFound(ServiceError):
    status_code = 404


class RevokeTokensOnPasswordChange:
    """A password "validator" that validates nothing: Django calls its ``password_changed``
    after every password change that saves (API, reset by e-mail, admin, ``changepassword``),
    but not when a hash is only upgraded on login. Every API token of the person ends there.
    """

    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk is not None:
            revoke_all_tokens(user)

    def get_help_text(self) -> str:
        return "Changing your password revokes all your API tokens."
