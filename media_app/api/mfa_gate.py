"""The two-factor gate every API authentication passes (settings swap each class in
``MFA_GATED_API_AUTHENTICATION`` for its gated subclass here).

Session calls are gated by ``media_app.middleware`` instead: a session comes from a login
that asked for the second factor. This module imports no DRF view: DRF imports it while its
own views module loads.
"""

from __future__ import annotations

from drf_spectacular.authentication import BasicScheme, TokenScheme
from rest_framework import authentication, exceptions

from media_app.api import authentication as api_authentication
from media_app.services import mfa as mfa_services

# Reachable by a role holder past the grace period: signing out a client (revoking the token
# the call carries) must work without a second factor.
OPEN_TO_THE_OVERDUE = {("api-user-token", "DELETE")}


def _open_to_the_overdue(request) -> bool:
    match = getattr(request._request, "resolver_match", None)
    return bool(match and (match.url_name, request.method) in OPEN_TO_THE_OVERDUE)


class SecondFactorGate(authentication.BaseAuthentication):
    """Mixed into an API authentication class: after it recognises the caller, refuse (403)
    a role holder past the two-factor grace period, and, where the credential is only a
    password (``password_only``), anyone who has a second factor."""

    password_only = False

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if self.password_only and mfa_services.mfa_has_second_factor(user=user):
            raise exceptions.PermissionDenied(
                "This account has two-factor authentication, so a password alone (HTTP Basic) "
                "does not open it: get a token from POST /api/v1/login with `otp`."
            )
        if mfa_services.mfa_overdue(user=user) and not _open_to_the_overdue(request):
            raise exceptions.PermissionDenied(mfa_services.mfa_refusal(user=user))
        return result


class BasicAuthentication(SecondFactorGate, authentication.BasicAuthentication):
    password_only = True


class TokenAuthentication(SecondFactorGate, authentication.TokenAuthentication):
    pass


class ApiTokenAuthentication(SecondFactorGate, api_authentication.ApiTokenAuthentication):
    pass


# The schema shows each gated class as the scheme it extends.
class _GatedBasicScheme(BasicScheme):
    target_class = "media_app.api.mfa_gate.BasicAuthentication"


class _GatedTokenScheme(TokenScheme):
    target_class = "media_app.api.mfa_gate.TokenAuthentication"


class _GatedApiTokenScheme(api_authentication.ApiTokenScheme):
    target_class = "media_app.api.mfa_gate.ApiTokenAuthentication"
