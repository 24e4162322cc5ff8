"""Writes to accounts: creation by managers, profile edits, passwords, roles, deletion."""

from __future__ import annotations

import logging
import uuid

import filetype
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from media_app.models import User
from media_app.services.errors import NotAllowed, ServiceError
from media_app.services.media import clean_text

logger = logging.getLogger(__name__)

# Flags only a manager (or an admin) may change on someone's account.
ROLE_FIELDS = ("is_editor", "is_manager", "is_featured", "advanced_user")
MAX_LOGO_BYTES = 5 * 1024 * 1024


def _require_manager(by) -> None:
    if not (by is not None and by.is_authenticated and by.can_manage_users):
        raise NotAllowed("Only managers may do this.")


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
def user_update(*, user: User, by, data: dict) -> User:
    """Edit a profile (the person themself or a manager); roles only by a manager."""
    if not (by.is_authenticated and (by.pk == user.pk or by.can_manage_users)):
        raise NotAllowed("Only the user or a manager may edit this profile.")
    if "name" in data:
        user.name = clean_text(str(data["name"]), limit=250)
    if "description" in data:
        user.description = str(data["description"])
    if "email" in data:
        email = _clean_email(str(data["email"]))
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
    for flag in ROLE_FIELDS:
        if flag in data:
            if not by.can_manage_users:
                raise NotAllowed("Only managers change roles.")
            setattr(user, flag, _as_bool(data[flag]))
    user.save()
    return user


def _as_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in {"1", "true", "yes", "on"}


def user_change_password(*, user: User, by, password: str) -> None:
    if not (by.is_authenticated and (by.pk == user.pk or by.can_manage_users)):
        raise NotAllowed("Only the user or a manager may change this password.")
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    # Old API tokens stop working with the old password.
    Token.objects.filter(user=user).delete()


def user_set_approved(*, user: User, by, approved: bool) -> User:
    """Let a person use their account, or stop them (OpenPress keeps approval in ``is_active``)."""
    _require_manager(by)
    if user.pk == by.pk and not approved:
        raise ServiceError("You cannot disapprove yourself.")
    user.is_active = approved
    user.save(update_fields=["is_active"])
    if not approved:
        Token.objects.filter(user=user).delete()
    return user


def user_delete(*, user: User, by) -> None:
    _require_manager(by)
    if user.is_superuser and not by.is_superuser:
        raise NotAllowed("Only an admin may delete an admin.")
    logger.info("user %s deleted by %s", user, by)
    user.delete()


def users_delete(*, usernames: list[str], by) -> int:
    """Delete several accounts at once (the manage_users page); returns how many went."""
    _require_manager(by)
    targets = User.objects.filter(username__in=usernames).exclude(pk=by.pk)
    if not by.is_superuser:
        targets = targets.exclude(is_superuser=True)
    count = 0
    with transaction.atomic():
        for user in targets:
            user.delete()
            count += 1
    logger.info("%d users deleted by %s", count, by)
    return count


def user_login(*, username: str = "", email: str = "", password: str = "") -> User:
    """The account these credentials open; a ServiceError says what is wrong otherwise."""
    if not password:
        raise ServiceError("A password is required.", field="password")
    username, email = (username or "").strip(), (email or "").strip()
    if not username and not email:
        raise ServiceError("Give a username or an e-mail address.", field="username")
    if not username:
        match = User.objects.filter(email__iexact=email).order_by("pk").first()
        # One message for an unknown account and a wrong password: no probing for accounts.
        username = match.username if match else ""
    user = authenticate(username=username, password=password) if username else None
    if user is None:
        raise ServiceError("Wrong username/e-mail or password, or an inactive account.")
    return user


def user_token(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
