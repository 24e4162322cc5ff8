"""Writes to accounts: creation by managers, profile edits, passwords, roles, deletion."""

from __future__ import annotations

import enum
import logging
import time
import uuid

import filetype
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from media_app.models import User
from media_app.services.errors import NotAllowed, ServiceError, TooManyAttempts
from media_app.services.media import clean_text
from media_app.services.mfa import mfa_role_changed
from media_app.services.tokens import revoke_all_tokens
from openpress.cache import CacheUnavailable
from openpress.cache import strict as cache_strict

logger = logging.getLogger(__name__)

# Flags only a manager (or an admin) may change on someone's account.
ROLE_FIELDS = ("is_editor", "is_manager", "is_featured", "advanced_user")
MAX_LOGO_BYTES = 5 * 1024 * 1024


def _require_manager(by) -> None:
    if not (by is not None and by.is_authenticated and by.can_manage_users):
        raise NotAllowed("Only managers may do this.")


class AccountChange(enum.StrEnum):
    """What a write to an account changes; :func:`user_check_write` rules on each."""

    PROFILE = "profile"  # name, description, logo
    PASSWORD = "password"  # noqa: S105 -- a kind of change, not a secret
    EMAIL = "email"
    SECOND_FACTOR = "second factor"  # a manager resetting someone's two-factor devices
    ROLES = "roles"  # ROLE_FIELDS: editor, manager, featured, advanced
    ACTIVE = "approval"  # OpenPress keeps approval in is_active
    DELETE = "deletion"


# What opens the account: whoever changes these can log in as its owner.
CREDENTIALS = frozenset({AccountChange.PASSWORD, AccountChange.EMAIL, AccountChange.SECOND_FACTOR})


def user_check_write(
    *, by, user: User, change: AccountChange, current_password: str | None = None
) -> None:
    """THE rule for every write to an account: who may change what of whose account.

    - Your own account: the profile freely; password, e-mail and second factor only with your
      current password (``current_password``, so a stolen session or token cannot lock you
      out); never your own approval or deletion; your roles only if you are an admin.
    - Someone else's: only managers and admins, and a manager acts only on people below them:
      never on an admin's account, nor on another manager's (credentials, roles, approval,
      profile and deletion alike; one compromised manager must not be able to take over or
      lock out the others). Only an admin acts on a manager or an admin.

    Raises :class:`NotAllowed` (403) naming the missing right, or a ``ServiceError`` on
    ``current_password`` (400) when that password is missing or wrong.
    """
    if by is None or not by.is_authenticated:
        raise NotAllowed("Log in to change an account.")
    if by.pk == user.pk:
        if change is AccountChange.ACTIVE:
            raise NotAllowed("Nobody approves or disapproves their own account.")
        if change is AccountChange.DELETE:
            raise NotAllowed("Nobody deletes their own account here: ask an admin.")
        if change is AccountChange.ROLES and not by.is_superuser:
            raise NotAllowed("Changing your own roles needs an admin.")
        if change in CREDENTIALS:
            _check_current_password(user, current_password, change)
        return
    if not by.can_manage_users:
        raise NotAllowed(f"Changing another person's {change} needs the manager role.")
    if by.is_superuser:
        return
    if user.is_superuser:
        raise NotAllowed(f"Only an admin may change an admin's {change}.")
    if user.is_manager:
        raise NotAllowed(f"Only an admin may change another manager's {change}.")


def _check_current_password(user: User, current_password: str | None, change) -> None:
    if not current_password:
        raise ServiceError(
            f"Give your current password in current_password to change your {change}.",
            field="current_password",
        )
    # A stolen session or token must not become a way to guess the password: wrong guesses are
    # limited per account like logins (LOGIN_FAILURE_LIMIT per LOGIN_LOCKOUT_SECONDS).
    key = f"current-password-failures:{user.pk}"
    now = time.time()
    try:
        # Fail closed: while the cache that counts wrong guesses is away, nothing is checked.
        with cache_strict():
            failures, until = cache.get(key) or (0, now)
    except CacheUnavailable:
        raise TooManyAttempts(
            "Passwords cannot be checked right now; try again in a minute.",
            retry_after=60,
            field="current_password",
        ) from None
    if failures >= settings.LOGIN_FAILURE_LIMIT and until > now:
        raise TooManyAttempts(
            "Too many wrong current passwords for this account; try again later.",
            retry_after=int(until - now),
            field="current_password",
        )
    if not user.check_password(current_password):
        seconds = settings.LOGIN_LOCKOUT_SECONDS
        cache.set(key, (failures + 1, now + seconds), timeout=seconds)
        raise ServiceError("The current password is wrong.", field="current_password")


def _check_password(password: str, user: User | None) -> None:
    if not password:
        raise ServiceError("A password is required.", field="password")
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), field="password") from None


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ServiceError("Not a valid e-mail address.", field="email") from None
    return email


def user_create(*, by, username: str, password: str, email: str = "", name: str = "") -> User:
    """A manager opens an account for someone (there is no self sign-up through the API)."""
    _require_manager(by)
    username = (username or "").strip()
    if not username:
        raise ServiceError("A username is required.", field="username")
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), field="username") from None
    email = _clean_email(email)
    _check_password(password, User(username=username, email=email, name=name or ""))
    try:
        with transaction.atomic():
            user = User(username=username, email=email, name=clean_text(name or "", limit=250))
            user.set_password(password)
            user.save()
    except IntegrityError:
        raise ServiceError("That username is taken.", field="username") from None
    logger.info("user %s created by %s", user, by)
    return user


@transaction.atomic
def user_update(*, user: User, by, data: dict, current_password: str | None = None) -> User:
    """Edit a profile, e-mail and roles, each as :func:`user_check_write` allows.

    Every change is checked before anything is written, so a refused request changes nothing.
    """
    user_check_write(by=by, user=user, change=AccountChange.PROFILE)
    email = _clean_email(str(data["email"])) if "email" in data else user.email
    if email != user.email:
        user_check_write(
            by=by, user=user, change=AccountChange.EMAIL, current_password=current_password
        )
    roles = {flag: _as_bool(data[flag]) for flag in ROLE_FIELDS if flag in data}
    if any(getattr(user, flag) != value for flag, value in roles.items()):
        user_check_write(by=by, user=user, change=AccountChange.ROLES)
    if "name" in data:
        user.name = clean_text(str(data["name"]), limit=250)
    if "description" in data:
        user.description = str(data["description"])
    if email != user.email:
        user.email, user.email_is_verified = email, False
    if data.get("logo"):
        logo = data["logo"]
        if getattr(logo, "size", 0) > MAX_LOGO_BYTES:
            raise ServiceError("The logo is larger than 5 MB.", field="logo")
        logo.seek(0)
        kind = filetype.guess(logo.read(2048))
        logo.seek(0)
        if kind is None or not kind.mime.startswith("image/"):
            raise ServiceError("The logo must be an image.", field="logo")
        # Our name, never the client's: the extension comes from the content.
        logo.name = f"{uuid.uuid4().hex}.{kind.extension}"
        user.logo = logo
    held_a_role = user.holds_a_role
    for flag, value in roles.items():
        setattr(user, flag, value)
    mfa_role_changed(user=user, held_a_role=held_a_role)  # the two-factor grace period
    user.save()
    return user


def _as_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in {"1", "true", "yes", "on"}


def user_change_password(
    *, user: User, by, password: str, current_password: str | None = None
) -> None:
    user_check_write(
        by=by, user=user, change=AccountChange.PASSWORD, current_password=current_password
    )
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    # Old API tokens stop working with the old password.
    revoke_all_tokens(user)


def user_set_approved(*, user: User, by, approved: bool) -> User:
    """Let a person use their account, or stop them (OpenPress keeps approval in ``is_active``)."""
    user_check_write(by=by, user=user, change=AccountChange.ACTIVE)
    user.is_active = approved
    user.save(update_fields=["is_active"])
    if not approved:
        revoke_all_tokens(user)
    return user


def user_delete(*, user: User, by) -> None:
    user_check_write(by=by, user=user, change=AccountChange.DELETE)
    logger.info("user %s deleted by %s", user, by)
    user.delete()


def users_delete(*, usernames: list[str], by) -> int:
    """Delete several accounts at once (the manage_users page); returns how many went.

    All or nothing: one account the caller may not delete (an admin, another manager, the
    caller) refuses the whole request with a 403, so it never half-succeeds. Unknown names are
    ignored.
    """
    _require_manager(by)
    count = 0
    with transaction.atomic():
        targets = list(User.objects.select_for_update().filter(username__in=usernames))
        for user in targets:
            user_check_write(by=by, user=user, change=AccountChange.DELETE)
        for user in targets:
            user.delete()
            count += 1
    logger.info("%d users deleted by %s", count, by)
    return count


def user_login(*, request, username: str = "", email: str = "", password: str = "") -> User:
    """The account these credentials open; a ServiceError says what is wrong otherwise.

    ``request`` goes to ``authenticate`` so django-axes counts the attempt against the client
    address and the account (a lockout is answered 429 by its middleware). Every attempt with a
    name runs the password hasher once per backend, known account or not: an unknown e-mail
    must not answer faster than a wrong password (tests/security/test_login_bruteforce.py).
    """
    if not password:
        raise ServiceError("A password is required.", field="password")
    username, email = (username or "").strip(), (email or "").strip()
    if not username and not email:
        raise ServiceError("Give a username or an e-mail address.", field="username")
    if not username:
        match = User.objects.filter(email__iexact=email).order_by("pk").first()
        # No account has this address: ask for it as a username, which no account has either
        # (usernames are looked up exactly; an address-shaped one would need its own password),
        # so the backends hash the password as for any unknown name.
        username = match.username if match else email
    user = authenticate(request, username=username, password=password)
    if user is None:
        # One message for an unknown account and a wrong password: no probing for accounts.
        raise ServiceError("Wrong username/e-mail or password, or an inactive account.")
    return user
