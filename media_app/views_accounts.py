"""Account pages that are not django-allauth's own: the admin's login, old addresses, and the
managers' two-factor page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from media_app.models import User
from media_app.selectors.mfa import people_second_factors
from media_app.services import mfa as mfa_services
from media_app.services.errors import NotAllowed


def admin_login(request, extra_context=None):
    """``/admin/login/`` hands over to the site's login, so no way in skips the second factor.

    Someone signed in without staff rights sees a refusal instead of a login loop.
    """
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(target)
        return render(
            request,
            "media_app/forbidden.html",
            {"heading": "Staff only", "message": "The admin site is for staff accounts."},
            status=403,
        )
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': target})}")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_people(request):
    """Managers see who has a second factor and reset one for a person who lost theirs."""
    if not request.user.can_manage_users:
        return render(
            request,
            "media_app/forbidden.html",
            {"heading": "Managers only", "message": "This page is for managers."},
            status=403,
        )
    if request.method == "POST":
        person = User.objects.filter(username=request.POST.get("username", "")).first()
        if person is None:
            raise Http404("No such user.")
        try:
            removed = mfa_services.mfa_reset(user=person, by=request.user)
        except NotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"Second factor of {person.username} reset ({removed} removed): they can sign "
                "in with their password and set up a new one.",
            )
        return redirect("manage-two-factor")
    q = request.GET.get("q", "")
    people = [
        (person, mfa_services.mfa_deadline(user=person))
        for person in people_second_factors(viewer=request.user, name=q)
    ]
    return render(
        request,
        "media_app/two_factor_people.html",
        {"people": people, "q": q, "grace_days": settings.MFA_GRACE_DAYS},
    )
