"""Reads of accounts and verification requests."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from media_app.models import JournalistVerification, User
from media_app.services.errors import NotAllowed


def user_list(*, viewer, name: str = "", role: str = "") -> QuerySet[User]:
    """People to show; managers also see disabled accounts. ``name`` matches name or username."""
    qs = User.objects.all()
    if not (viewer is not None and viewer.is_authenticated and viewer.can_manage_users):
        qs = qs.filter(is_active=True)
    name = (name or "").strip()
    if name:
        qs = qs.filter(Q(name__icontains=name) | Q(username__icontains=name))
    if role == "editor":
        qs = qs.filter(is_editor=True)
    elif role == "manager":
        qs = qs.filter(is_manager=True)
    elif role == "journalist":
        qs = qs.filter(is_verified_journalist=True)
    elif role == "admin":
        qs = qs.filter(is_superuser=True)
    return qs.order_by("-date_added", "-id")


def user_get(*, viewer, username: str) -> User | None:
    return user_list(viewer=viewer).filter(username=username).first()


def verification_list(*, viewer, status: str = "") -> QuerySet[JournalistVerification]:
    """Editors see every request; anyone else only their own."""
    qs = JournalistVerification.objects.select_related("user", "decided_by")
    if not viewer.can_edit_media:
        qs = qs.filter(user=viewer)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def verification_get(*, viewer, pk: int) -> JournalistVerification | None:
    return verification_list(viewer=viewer).filter(pk=pk).first()


def verification_get_any(*, pk: int) -> JournalistVerification | None:
    """The request whatever the caller (the decision services check who may decide)."""
    return JournalistVerification.objects.select_related("user").filter(pk=pk).first()


def users_for_management(*, viewer, name: str = "", role: str = "") -> QuerySet[User]:
    """Every account, disabled ones too; only managers (and admins) may ask."""
    if not (viewer is not None and viewer.is_authenticated and viewer.can_manage_users):
        raise NotAllowed("Only managers manage users.")
    return user_list(viewer=viewer, name=name, role=role)
