"""HTTP side of the login lockout (django-axes) and of the sign-up throttle.

django-axes counts failures of every ``authenticate(request=...)``: ``POST /api/v1/login``,
HTTP Basic on any API endpoint, the login page and the admin's. It flags the request; its
middleware then swaps whatever the view answered for :func:`lockout_response`. The rules (whose
account an attempt counts against, how long is left) are in ``media_app/services/logins.py``.

DRF hands axes its own ``Request``, so the flag lands on that wrapper, out of the middleware's
sight: :func:`_flag_the_django_request` copies it onto the Django request underneath.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from axes.backends import AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_noop, ngettext
from rest_framework.throttling import SimpleRateThrottle

from media_app.client_address import client_address
from media_app.services import logins as login_services

# Marked for translation; the page shows them in the reader's language, the API in English.
LOCKED_OUT = gettext_noop("Too many failed logins for this account or from your address.")
TOO_MANY_SIGNUPS = gettext_noop("Too many sign-ups from your address.")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def too_many_requests(
    request: HttpRequest, *, message: str, seconds: int, logins: bool = False
) -> HttpResponse:
    """429 with ``Retry-After``: ``{"detail": ...}`` for the API, a readable page otherwise."""
    seconds = max(1, int(seconds))
    minutes = (seconds + 59) // 60
    wait = f"{seconds} seconds" if seconds < 120 else f"{minutes} minutes"
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"detail": f"{message} Try again in {wait}."}, status=429
        )
    else:
        if seconds < 120:
            wait = ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
        else:
            wait = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        body = render_to_string(
            "media_app/too_many_requests.html",
            {"message": gettext(message), "wait": wait, "logins": logins},
            request=request,
        )
        response = HttpResponse(body, status=429)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


# --- authentication backends ------------------------------------------------------------------


class AccountBackend(AuthenticationBackend):
    """django-allauth's backend (login by username or e-mail), hashing once per account.

    allauth's login form hands an address-shaped login over both as ``email`` and as
    ``username``, and its backend then checks the password of an account found by that address
    twice, while an unknown address costs one hash: a known address answered measurably slower
    (tests/security/test_login_bruteforce.py counts the hashes). Here a second check of the same
    account in one attempt is skipped; its answer could only repeat the first.
    """

    def authenticate(self, request, **credentials):
        self._checked_accounts: set = set()
        return super().authenticate(request, **credentials)

    def _check_password(self, user, password):
        if user is not None:
            if user.pk in self._checked_accounts:
                return None
            self._checked_accounts.add(user.pk)
        return super()._check_password(user, password)


# --- django-axes hooks (settings AXES_*_CALLABLE) -----------------------------------------------


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend, first in ``AUTHENTICATION_BACKENDS``: refuses a locked-out client or
    account before any password is checked.

    Every HTTP path hands ``authenticate`` the request (Django's and allauth's login views, the
    admin, DRF's Basic authentication, ``user_login``), and tests/security proves each one is
    counted. A call without a request comes from no client (the test client's ``login()``, a
    command): axes could not count it anyway, and would fail it with an error instead of
    letting the next backend answer.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def account_key(request, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the account an attempt counts against (see the service)."""
    return login_services.login_account_key(login_services.login_identifier(credentials))


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what a locked-out login attempt is answered, on every path."""
    seconds = login_services.login_lockout_seconds_left(
        ip_address=client_address(request), account_key=account_key(request, credentials)
    )
    return too_many_requests(request, message=LOCKED_OUT, seconds=seconds, logins=True)


@receiver(user_locked_out, dispatch_uid="openpress-lockout-reaches-the-django-request")
def _flag_the_django_request(sender, request=None, **_kwargs) -> None:
    django_request = getattr(request, "_request", None)
    if isinstance(django_request, HttpRequest):
        django_request.axes_locked_out = True
        django_request.axes_credentials = getattr(request, "axes_credentials", None)


# --- sign-up ------------------------------------------------------------------------------------

SIGNUP_URL_NAMES = frozenset({"signup", "account_signup"})


class SignupThrottle(SimpleRateThrottle):
    """``SIGNUP_RATE`` sign-up attempts per client address (DRF's counter in the cache)."""

    scope = "signup"

    def get_rate(self) -> str:
        return settings.SIGNUP_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class SignupThrottleMiddleware:
    """Counts every POST to the sign-up page, whichever view serves it, per client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if request.method != "POST" or match is None or match.url_name not in SIGNUP_URL_NAMES:
            return None
        throttle = SignupThrottle()
        if throttle.allow_request(request, None):
            return None
        return too_many_requests(
            request, message=TOO_MANY_SIGNUPS, seconds=int(throttle.wait() or 1)
        )
