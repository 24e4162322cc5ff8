"""Forms of the HTML pages (the API has its own serializers)."""

from django.contrib.auth.forms import UserCreationForm

from media_app.models import User


class SignUpForm(UserCreationForm):
    """Self sign-up: a plain account; uploads stay private until an editor reviews them."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "name")
        help_texts = {"name": "Shown next to your media. Optional."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "For resetting your password. Never shown to others."
