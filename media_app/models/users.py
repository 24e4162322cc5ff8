from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    """A person with an account. Roles are flags: editor, manager, verified journalist."""

    name = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    logo = models.FileField(upload_to="userlogos/", blank=True, max_length=500)
    is_editor = models.BooleanField(default=False, help_text="Verifies journalists, reviews media.")
    is_manager = models.BooleanField(default=False, help_text="Manages users and editors.")
    is_verified_journalist = models.BooleanField(
        default=False, help_text="Publishes directly; shown with a verified badge."
    )
    verified_outlet = models.CharField(max_length=200, blank=True)
    is_featured = models.BooleanField(default=False)
    advanced_user = models.BooleanField(default=False)
    email_is_verified = models.BooleanField(default=False)
    allow_contact = models.BooleanField(default=False)
    date_added = models.DateTimeField(auto_now_add=True, db_index=True)
    role_granted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the account last became an editor, manager, admin or verified "
        "journalist; a second factor is required MFA_GRACE_DAYS later.",
    )

    class Meta:
        ordering = ("-date_added",)

    def __str__(self) -> str:
        return self.username

    @property
    def can_edit_media(self) -> bool:
        """Editors, managers and admins act on anyone's media."""
        return self.is_superuser or self.is_editor or self.is_manager

    @property
    def can_manage_users(self) -> bool:
        return self.is_superuser or self.is_manager

    @property
    def can_publish(self) -> bool:
        """Whose uploads go out without an editor's review."""
        return self.is_verified_journalist or self.can_edit_media

    @property
    def holds_a_role(self) -> bool:
        """Who can publish or judge, and so must have a second factor (services/mfa.py)."""
        return bool(
            self.is_superuser or self.is_editor or self.is_manager or self.is_verified_journalist
        )


class JournalistVerification(models.Model):
    """A request to be a verified journalist, with its evidence and the editor's decision."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        REVOKED = "revoked"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_requests"
    )
    outlet = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    evidence_links = models.JSONField(default=list)
    statement = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verification_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="one_pending_verification_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.outlet} ({self.status})"
