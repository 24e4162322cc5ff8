"""Forms of the HTML pages (the API has its own serializers).

The account pages are django-allauth's (login, sign-up, password reset, two-factor); these
subclasses keep OpenPress's fields and wording on them (settings ``ACCOUNT_FORMS``).
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.utils.translation import gettext_lazy as _

from media_app.services import mfa as mfa_services
from media_app.services.media import clean_text


class SignUpForm(AllauthSignupForm):
    """Self sign-up: a plain account; uploads stay private until an editor reviews them."""

    name = forms.CharField(
        max_length=250,
        required=False,
        label=_("Name"),
        help_text=_("Shown next to your media. Optional."),
    )
    field_order = ("username", "email", "name", "password1", "password2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _("For resetting your password. Never shown to others.")
        if "password2" in self.fields:
            self.fields["password2"].label = _("Password confirmation")

    def custom_signup(self, request, user) -> None:
        user.name = clean_text(self.cleaned_data.get("name") or "", limit=250)
        user.save(update_fields=["name"])


class LoginForm(AllauthLoginForm):
    """allauth's login form, also taking the ``username`` field the pages posted before it."""

    def __init__(self, *args, **kwargs):
        data = kwargs.get("data")
        if data is not None and "login" not in data and "username" in data:
            data = data.copy()
            data["login"] = data["username"]
            kwargs["data"] = data
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail"
        # The page has its own "Forgot your password?" link.
        self.fields["password"].help_text = ""


def _limited(form_class):
    """allauth's code form with OpenPress's per-account limit on wrong codes
    (``services/mfa.py``, shared with ``POST /api/v1/login``)."""

    class Limited(form_class):
        def clean_code(self):
            try:
                mfa_services.mfa_code_allowed(user=self.user)
            except mfa_services.TooManyCodes as exc:
                raise forms.ValidationError(exc.message) from None
            try:
                code = super().clean_code()
            except forms.ValidationError:
                mfa_services.mfa_code_failed(user=self.user)
                raise
            mfa_services.mfa_code_succeeded(user=self.user)
            return code

    Limited.__name__ = Limited.__qualname__ = f"Limited{form_class.__name__}"
    return Limited


SecondFactorForm = _limited(AuthenticateForm)
SecondFactorReauthenticateForm = _limited(ReauthenticateForm)
