"""Two-factor authentication rules: who must have a second factor, by when, and its checks.

The second factors themselves (TOTP apps, recovery codes, WebAuthn keys and passkeys) are
django-allauth's ``Authenticator`` rows; this module decides what OpenPress requires of them:

- Editors, managers, admins and verified journalists must have a TOTP app or a security key
  ``MFA_GRACE_DAYS`` after the role was granted (``User.role_granted_at``); others may.
- ``POST /api/v1/login`` asks an account with a second factor for ``otp``.
- A manager may remove another person's second factors (a lost phone), within the account rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from media_app.models import User
from media_app.services.errors import NotAllowed, ServiceError
from openpress.cache import CacheUnavailable
from openpress.cache import strict as cache_strict

logger = logging.getLogger(__name__)

# A recovery code alone is not a second factor: it only stands in for a lost one.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Wrong codes (TOTP or recovery) one account may be sent per window, on the pages and the API
# together, whoever sends them. Only someone who already has the password gets this far; with
# one period of tolerance 3 codes in a million are valid at a time, so 5 tries per 15 minutes
# leave them about one chance in 700 a day, and the person is told by e-mail at each lockout,
# so they change the password long before.
CODE_FAILURES_ALLOWED = 5
CODE_FAILURE_WINDOW = 900


class SecondFactorRequired(ServiceError):
    """A role holder past the grace period without a second factor (answered 403)."""

    status_code = 403


class WrongCode(ServiceError):
    """A missing second step is a 400; a wrong code is an authentication failure (401)."""

    status_code = 401


class TooManyCodes(ServiceError):
    """Too many wrong codes for one account (answered 429 with Retry-After)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, field="otp")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SecondFactorStatus:
    """What the pages and the API tell a person about their second factor."""

    required: bool
    enrolled: bool
    deadline: datetime | None

    @property
    def overdue(self) -> bool:
        return bool(
            self.required
            and not self.enrolled
            and self.deadline
            and timezone.now() >= self.deadline
        )

    @property
    def pending(self) -> bool:
        """Required, not there yet, still within the grace period: the banner's case."""
        return self.required and not self.enrolled and not self.overdue


def mfa_has_second_factor(*, user: User) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def mfa_deadline(*, user: User) -> datetime | None:
    """When a role holder must have a second factor; ``None`` for everyone else.

    A role granted where no service recorded it (the shell, ``createsuperuser``) counts from
    the day the account was made: the rule then errs towards asking for the factor sooner.
    """
    if not user.holds_a_role:
        return None
    granted = user.role_granted_at or user.date_joined
    return granted + timedelta(days=settings.MFA_GRACE_DAYS)


def mfa_status(*, user: User) -> SecondFactorStatus:
    deadline = mfa_deadline(user=user)
    enrolled = mfa_has_second_factor(user=user) if user.pk else False
    return SecondFactorStatus(required=deadline is not None, enrolled=enrolled, deadline=deadline)


def mfa_overdue(*, user) -> bool:
    if user is None or not user.is_authenticated or not user.holds_a_role:
        return False
    return mfa_status(user=user).overdue


def mfa_role_changed(*, user: User, held_a_role: bool) -> list[str]:
    """Start (or stop) the grace-period clock when a role is granted (or the last one goes).

    Call it after setting the role flags on ``user`` and before saving; ``held_a_role`` is
    whether the account held a role before. Returns the field to add to ``update_fields``.
    """
    if user.holds_a_role and not held_a_role:
        user.role_granted_at = timezone.now()
        return ["role_granted_at"]
    if not user.holds_a_role and user.role_granted_at is not None:
        user.role_granted_at = None
        return ["role_granted_at"]
    return []


def mfa_refusal(*, user: User) -> str:
    """The 403 message for a role holder past the grace period: what is missing, what to do."""
    deadline = mfa_deadline(user=user)
    since = f" since {deadline:%Y-%m-%d %H:%M} UTC" if deadline else ""
    return (
        f"A second factor is required for your role{since}: set up an authenticator app or a "
        "security key at /accounts/2fa/ (sign in on the site), then log in again with `otp`."
    )


def _failures_key(user: User) -> str:
    return f"mfa:code-failures:{user.pk}"


def mfa_code_allowed(*, user: User) -> None:
    """Refuse (429) while an account has had too many wrong codes, on the login page and the
    API alike: a six-digit code must not be guessable by retrying, whoever holds the password.
    While the cache that counts them is away, no code is checked (fail closed)."""
    try:
        with cache_strict():
            failures = cache.get(_failures_key(user), 0)
    except CacheUnavailable:
        raise TooManyCodes(
            "Second-factor codes cannot be checked right now; try again in a minute.",
            retry_after=60,
        ) from None
    if failures >= CODE_FAILURES_ALLOWED:
        raise TooManyCodes(
            "Too many wrong codes for this account; wait a few minutes and try again.",
            retry_after=CODE_FAILURE_WINDOW,
        )


def mfa_code_failed(*, user: User) -> None:
    key = _failures_key(user)
    # add() then incr(): the window starts at the first failure and is not extended.
    count = 1
    if not cache.add(key, 1, CODE_FAILURE_WINDOW):
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, CODE_FAILURE_WINDOW)
    if count == CODE_FAILURES_ALLOWED:
        logger.warning("second-factor codes of %s locked after %d wrong codes", user, count)
        if user.email:
            transaction.on_commit(lambda: _tell_about_wrong_codes(user=user))


def mfa_code_succeeded(*, user: User) -> None:
    cache.delete(_failures_key(user))


def mfa_check_login(*, user: User, otp: str) -> None:
    """The second step of ``POST /api/v1/login``, after the password matched.

    An account with a second factor gives ``otp``: the current code of its authenticator app or
    one of its recovery codes (each works once). A role holder past the grace period without a
    second factor is refused: the token would be refused anyway.
    """
    otp = "".join((otp or "").split())
    factors = list(
        Authenticator.objects.filter(
            user_id=user.pk,
            type__in=(Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES),
        )
    )
    has_second_factor = mfa_has_second_factor(user=user)
    if not has_second_factor:
        if mfa_status(user=user).overdue:
            raise SecondFactorRequired(mfa_refusal(user=user))
        return
    if not otp:
        raise ServiceError(
            "This account has two-factor authentication: add `otp`, the current code of your "
            "authenticator app or one of your recovery codes.",
            field="otp",
        )
    mfa_code_allowed(user=user)
    for factor in factors:
        if factor.wrap().validate_code(otp):
            factor.record_usage()
            mfa_code_succeeded(user=user)
            return
    mfa_code_failed(user=user)
    if not factors:
        # Only a security key: the API cannot ask for it, a recovery code is the way in.
        raise WrongCode(
            "This account's second factor is a security key, which the API cannot use: "
            "give one of your recovery codes as `otp`, or sign in on the site.",
            field="otp",
        )
    raise WrongCode(
        "Wrong or already used `otp`: give the current code of your authenticator app or an "
        "unused recovery code.",
        field="otp",
    )


def _may_reset(*, user: User, by) -> None:
    if by is not None and by.is_authenticated and by.pk == user.pk:
        raise NotAllowed(
            "Manage your own second factor at /accounts/2fa/ (it asks for it or your password)."
        )
    # The account rule every write obeys: managers only, never on an admin's or another
    # manager's account unless by an admin. (Imported here: services.users imports this module.)
    from media_app.services.users import AccountChange, user_check_write

    user_check_write(by=by, user=user, change=AccountChange.SECOND_FACTOR)


def mfa_reset(*, user: User, by) -> int:
    """Remove every second factor and recovery code of ``user`` (a lost phone or key).

    The person then signs in with their password alone and, if their role requires it, is sent
    straight to enrolment (the grace period does not start again). They are told by e-mail, so a
    reset they did not ask for does not go unnoticed. Returns how many factors were removed.
    """
    _may_reset(user=user, by=by)
    with transaction.atomic():
        removed, _ = Authenticator.objects.filter(user_id=user.pk).delete()
    logger.warning("second factors of %s reset by %s (%d removed)", user, by, removed)
    if removed and user.email:
        transaction.on_commit(lambda: _tell_about_reset(user=user, by=by))
    return removed


def _tell_about_reset(*, user: User, by) -> None:
    send_mail(
        subject=f"[{settings.SITE_NAME}] Your two-factor authentication was reset",
        message=(
            f"Hello {user.username},\n\n{by.username} removed the second factors of your "
            f"{settings.SITE_NAME} account. You can sign in with your password and set up a new "
            "authenticator app or security key at /accounts/2fa/.\n\nIf you did not ask for "
            "this, tell an admin at once.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
        fail_silently=True,
    )


def _tell_about_wrong_codes(*, user: User) -> None:
    send_mail(
        subject=f"[{settings.SITE_NAME}] Wrong two-factor codes for your account",
        message=(
            f"Hello {user.username},\n\nSomeone gave your {settings.SITE_NAME} password "
            f"correctly, then {CODE_FAILURES_ALLOWED} wrong two-factor codes. If it was not you, "
            "your password is known to someone else: change it now.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
        fail_silently=True,
    )
