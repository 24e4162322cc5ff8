"""Reads for the managers' two-factor page: who holds a role and who has a second factor."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, Q, QuerySet

from media_app.models import User
from media_app.services.errors import NotAllowed
from media_app.services.mfa import SECOND_FACTORS

ROLES = (
    Q(is_superuser=True) | Q(is_editor=True) | Q(is_manager=True) | Q(is_verified_journalist=True)
)


def people_second_factors(*, viewer, name: str = "", limit: int = 200) -> QuerySet[User]:
    """Role holders (or, with ``name``, anyone matching it) with ``has_second_factor``."""
    if not (viewer is not None and viewer.is_authenticated and viewer.can_manage_users):
        raise NotAllowed("Only managers see who has a second factor.")
    factors = Authenticator.objects.filter(user_id=OuterRef("pk"), type__in=SECOND_FACTORS)
    qs = User.objects.annotate(has_second_factor=Exists(factors))
    name = (name or "").strip()
    if name:
        qs = qs.filter(Q(username__icontains=name) | Q(name__icontains=name))
    else:
        qs = qs.filter(ROLES)
    return qs.order_by("username")[:limit]
