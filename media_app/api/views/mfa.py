"""Two-factor authentication on the API: the ``otp`` step of the login, and the managers'
endpoint that resets another person's second factor (the gate on every API authentication is
in ``media_app/api/mfa_gate.py``)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response

from media_app.api.base import BaseAPIView
from media_app.selectors import users as user_selectors
from media_app.services import mfa as mfa_services


class SecondFactorOfView(BaseAPIView):
    """``/api/v1/users/<username>/mfa``: whether a person has a second factor (the person
    and managers), and ``DELETE`` to reset it (managers; admins' and managers' only by an
    admin). The person then signs in with their password and enrols again."""

    permission_classes = (permissions.IsAuthenticated,)

    def _person(self, request, username):
        person = user_selectors.user_get(viewer=request.user, username=username)
        if person is None:
            raise Http404("No such user.")
        return person

    @extend_schema(
        tags=["users"],
        summary="A person's two-factor state (the person themself or a manager)",
        responses={
            200: inline_serializer(
                "SecondFactorState",
                {
                    "username": serializers.CharField(),
                    "enrolled": serializers.BooleanField(),
                    "required": serializers.BooleanField(),
                    "required_from": serializers.DateTimeField(allow_null=True),
                },
            )
        },
    )
    def get(self, request, username):
        person = self._person(request, username)
        if not (request.user.pk == person.pk or request.user.can_manage_users):
            raise exceptions.PermissionDenied(
                "Only the person and managers see whether they have a second factor."
            )
        state = mfa_services.mfa_status(user=person)
        return Response(
            {
                "username": person.username,
                "enrolled": state.enrolled,
                "required": state.required,
                "required_from": state.deadline,
            }
        )

    @extend_schema(
        tags=["users"],
        summary="Reset another person's second factor (managers; logged, the person is told)",
        responses={204: None},
    )
    def delete(self, request, username):
        mfa_services.mfa_reset(user=self._person(request, username), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def check_login_otp(*, user, otp: str) -> None:
    """The ``otp`` step of ``POST /api/v1/login`` (after the password matched): 400 when it
    is missing, 401 when wrong, 403 for a role holder past the grace period without a second
    factor, 429 with ``Retry-After`` after too many wrong codes."""
    try:
        mfa_services.mfa_check_login(user=user, otp=otp)
    except mfa_services.TooManyCodes as exc:
        raise exceptions.Throttled(wait=exc.retry_after, detail=exc.message) from None
