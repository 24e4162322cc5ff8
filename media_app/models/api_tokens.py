from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A named key one client uses to call the API for a person.

    Only a SHA-256 digest of the key is stored (the key is shown once, when it is made) plus a
    short non-secret ``prefix`` so people can tell their tokens apart. A token ends at
    ``expires_at``, when revoked (the row is deleted) or when its owner is deactivated.
    """

    class Scope(models.TextChoices):
        READ = "read", "read: look only (GET, HEAD, OPTIONS)"
        UPLOAD = "upload", "upload: read, and upload media"
        MANAGE = "manage", "manage: everything the account may do"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text="Which client holds it, in the owner's words."
    )
    prefix = models.CharField(max_length=16, help_text="The key's first characters, for display.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, in hex.")
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.MANAGE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="Updated at most every few minutes, not per request."
    )

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("user", "created_at"), name="apitoken_user_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.scope})"
