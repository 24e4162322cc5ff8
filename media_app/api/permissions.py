"""Who may call an endpoint at all. What they may do to a given media is the services' call."""

from rest_framework import permissions


class IsEditor(permissions.BasePermission):
    """Editors, managers and admins (``User.can_edit_media``)."""

    message = "Only editors may do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.can_edit_media)


class ReadOrLoggedIn(permissions.IsAuthenticatedOrReadOnly):
    """Anyone reads; writes need an account (anonymous writes answer 403: Session auth first)."""


class AnyoneMayAct(permissions.AllowAny):
    """Likes, dislikes, reports and views are open to anonymous visitors (rate-limited and
    counted per session)."""
