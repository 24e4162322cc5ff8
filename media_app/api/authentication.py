"""``Authorization: Token <key>`` (MediaCMS's header; ``Bearer <key>`` too) for our API tokens.

The token's scope is enforced here, for every DRF view at once (no view can forget it): a
``read`` token may only use safe methods, an ``upload`` token may also create media and uploads
(:data:`UPLOAD_ROUTES`), a ``manage`` token may do whatever its owner may. A session or Basic
login has no scope: it is the person themself.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS

from media_app.services import tokens

KEYWORDS = (b"token", b"bearer")
LOG_IN_AGAIN = "Log in again (POST /api/v1/login) or make a token on /accounts/tokens/."

# Writes an ``upload`` token may make, by URL name: creating media (multipart) and the tus
# upload's creation, bytes and cancellation. Every other write needs ``manage``.
UPLOAD_ROUTES = {
    "api-media": {"POST"},
    "api-uploads": {"POST"},
    "api-upload": {"PATCH", "DELETE"},
}
# Writes any token may make: revoking itself (a read-only client can sign out).
READ_ROUTES = {"api-user-token": {"DELETE"}}


class TokenRefused(exceptions.APIException):
    """An unknown, revoked or expired token: 401 with a ``WWW-Authenticate`` challenge.

    Not an ``AuthenticationFailed``: DRF turns those into 403 when session authentication comes
    first (as it does here, for MediaCMS's 403 to anonymous writes), and a client must be able to
    tell "log in again" from "not allowed".
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Invalid token."
    default_code = "token_refused"
    auth_header = 'Token realm="api"'


def scope_needed(request) -> str:
    """The least scope a token needs for this request."""
    method = request.method.upper()
    match = getattr(request, "resolver_match", None)
    name = (match.url_name or "") if match is not None else ""
    if method in SAFE_METHODS or method in READ_ROUTES.get(name, ()):
        return tokens.Scope.READ
    if method in UPLOAD_ROUTES.get(name, ()):
        return tokens.Scope.UPLOAD
    return tokens.Scope.MANAGE


class ApiTokenAuthentication(BaseAuthentication):
    """Our hashed, expiring, scoped tokens; ``request.auth`` is the :class:`ApiToken`."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise TokenRefused("Malformed Authorization header: send `Token <key>`.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenRefused(f"Unknown or revoked token. {LOG_IN_AGAIN}") from None
        token = tokens.token_for_key(key)
        if token is None:
            raise TokenRefused(f"Unknown or revoked token. {LOG_IN_AGAIN}")
        if tokens.token_expired(token):
            raise TokenRefused(
                f"This token expired on {token.expires_at.isoformat(timespec='seconds')}. "
                f"{LOG_IN_AGAIN}"
            )
        if not token.user.is_active:
            raise TokenRefused("This account is disabled.")
        needed = scope_needed(request)
        if not tokens.scope_allows(token.scope, needed):
            raise exceptions.PermissionDenied(
                f"This token's scope is '{token.scope}'; this request needs a token with scope "
                f"'{needed}'. Make one on /accounts/tokens/ or log in with scope '{needed}'."
            )
        tokens.token_touch(token)
        # This request's own header (not a model field): GET /api/v1/user/token echoes it.
        setattr(token, "presented_key", key)  # noqa: B010
        return (token.user, token)

    def authenticate_header(self, request):
        return TokenRefused.auth_header


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "media_app.api.authentication.ApiTokenAuthentication"
    match_subclasses = True  # wrappers such as the two-factor gate's (media_app/api/mfa_gate.py)
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`): a key from POST /api/v1/login or "
            "/api/v1/user/tokens. Keys expire; each has a scope: read, upload or manage.",
        }
