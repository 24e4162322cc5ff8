"""Role holders past the two-factor grace period set up a second factor before anything else."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect

from media_app.services import mfa as mfa_services

# What such a person may still reach: enrolment itself (allauth's /accounts/2fa/ pages and the
# re-authentication they may ask for), logging out, static files and the health probes.
OPEN_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/accounts/login/",
    "/static/",
    "/healthz",
    "/readyz",
)


def second_factor_status(request):
    """The signed-in person's :class:`~media_app.services.mfa.SecondFactorStatus`, once per
    request (``None`` for anyone who holds no role)."""
    if not hasattr(request, "_second_factor_status"):
        user = getattr(request, "user", None)
        status = None
        if user is not None and user.is_authenticated and user.holds_a_role:
            status = mfa_services.mfa_status(user=user)
        request._second_factor_status = status
    return request._second_factor_status


class SecondFactorEnrolmentMiddleware:
    """Pages redirect to enrolment; session calls to the API answer 403 naming what is missing.

    (Token and Basic calls to the API meet the same rule in ``media_app/api/views/mfa.py``.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        status = second_factor_status(request)
        if status is None or not status.overdue:
            return self.get_response(request)
        message = mfa_services.mfa_refusal(user=request.user)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "missing": "second_factor"}, status=403)
        messages.warning(request, message)
        return redirect("mfa_index")
