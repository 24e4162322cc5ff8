"""OpenPress's django-allauth adapters: two-factor authentication (settings ``MFA_ADAPTER``)
and single sign-on (``SOCIALACCOUNT_ADAPTER``)."""

from __future__ import annotations

import base64
import hashlib
import logging

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from media_app.services import mfa as mfa_services

logger = logging.getLogger(__name__)


def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(f"openpress-mfa-secrets:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted with a key derived from
    ``SECRET_KEY``, so a copy of the database alone (a leaked backup) does not give away
    anyone's second factor. ``SECRET_KEY_FALLBACKS`` keep decrypting after a key rotation."""

    def _keys(self) -> MultiFernet:
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return MultiFernet([_fernet(s) for s in secrets])

    def encrypt(self, text: str) -> str:
        return self._keys().encrypt(text.encode()).decode("ascii")

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return self._keys().decrypt(encrypted_text.encode("ascii")).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                "A stored second factor cannot be decrypted: SECRET_KEY changed without the old "
                "key in SECRET_KEY_FALLBACKS."
            ) from None

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A role holder past the grace period keeps at least one second factor."""
        user = authenticator.user
        if not mfa_services.mfa_status(user=user).required:
            return True
        others = Authenticator.objects.filter(
            user_id=user.pk, type__in=mfa_services.SECOND_FACTORS
        ).exclude(pk=authenticator.pk)
        if others.exists():
            return True
        deadline = mfa_services.mfa_deadline(user=user)
        return deadline is None or timezone.now() < deadline


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """A failed sign-on shows the person a generic page; the reason goes to the log, where
    whoever configured the provider can read it (wrong secret, issuer, redirect URI...)."""

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        logger.warning(
            "single sign-on with %s failed: %s %r",
            getattr(provider, "id", provider),
            error,
            exception,
        )
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
