"""Accountability (issue 15): public corrections, and the tamper-evident history of media.

``HistoryEntry`` rows form one hash chain per media: each holds the canonical JSON of a change
to the media's public facts and the SHA-256 of the entry before it (``services/history.py``).
``HistoryStamp`` is one day's digest of every chain's head, with the RFC 3161 token of a
time-stamping authority when one is configured.
"""

from django.conf import settings
from django.db import models

from media_app.models.media import Media


class Correction(models.Model):
    """A correction, clarification, update or retraction attached to published media."""

    class Kind(models.TextChoices):
        CORRECTION = "correction"
        CLARIFICATION = "clarification"
        UPDATE = "update"
        RETRACTION = "retraction"

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(help_text="What changed.")
    reason = models.TextField(blank=True, help_text="Why.")
    hide_media = models.BooleanField(
        default=False,
        help_text="Retractions: the page shows the notice without the media under it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.kind} on {self.media_id}"


class HistoryEntry(models.Model):
    """One link of a media's hash chain. ``payload`` is stored as the exact canonical JSON text
    that was hashed, so verification re-hashes the bytes that were written."""

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="history")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    payload = models.TextField(help_text="Canonical JSON of the change.")
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("media_id", "seq")
        constraints = [
            models.UniqueConstraint(fields=["media", "seq"], name="one_history_entry_per_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.media_id}#{self.seq} {self.kind}"


class HistoryStamp(models.Model):
    """One day's digest of the heads of all chains, and its RFC 3161 time-stamp token."""

    day = models.DateField(unique=True)
    digest = models.CharField(max_length=64)
    heads = models.JSONField(default=dict, help_text="media uid -> head entry hash")
    token = models.BinaryField(null=True, blank=True, help_text="DER TimeStampResp token")
    tsa_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-day",)

    def __str__(self) -> str:
        return f"{self.day}: {self.digest[:12]}"
