"""The account page of API tokens (/accounts/tokens/): list, make (key shown once), revoke.

A plain Django page (no JavaScript needed): the key of a new token is in the answer to the POST
that made it, never stored, and the answer is not cached anywhere.
"""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from media_app.models import ApiToken
from media_app.selectors.tokens import token_list
from media_app.services import tokens as token_services
from media_app.services.errors import ServiceError

TEMPLATE = "media_app/accounts/tokens.html"


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("Which client will hold it, e.g. “newsroom uploader”."),
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        label=gettext_lazy("Scope"),
        help_text=gettext_lazy("Give a client the least it needs."),
    )


def _page(request, *, form: TokenForm, new=None, status: int = 200) -> HttpResponse:
    context = {
        "title": _("API tokens"),
        "form": form,
        "new": new,
        "tokens": token_list(user=request.user),
        "now": timezone.now(),
    }
    response = render(request, TEMPLATE, context, status=status)
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request):
    if request.method == "GET":
        return _page(request, form=TokenForm())
    if request.POST.get("action") == "revoke":
        # Already gone, or not theirs: nothing to do, the list shows what is left.
        with contextlib.suppress(ValueError, ServiceError):
            token_services.token_revoke(token_id=int(request.POST.get("id", "")), by=request.user)
        return redirect("account-tokens")
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        made = token_services.token_create(user=request.user, **form.cleaned_data)
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return _page(request, form=form, status=400)
    return _page(request, form=TokenForm(), new=made)
