"""Reads of what an account holds in storage and in unfinished uploads (for the quota)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum

from media_app.models import Media, ResumableUpload


@dataclass(frozen=True)
class UploadUsage:
    """Bytes an account uses: its originals and the declared length of unfinished uploads."""

    stored: int
    pending: int
    pending_count: int

    @property
    def used(self) -> int:
        return self.stored + self.pending


def upload_usage(*, user) -> UploadUsage:
    """Originals of every media the user owns (any state, encoded or not) plus the declared
    ``Upload-Length`` of their tus uploads that have no media yet. A finished upload is counted
    once, through its media; renditions are not counted (see docs/security.md)."""
    stored = Media.objects.filter(user=user).aggregate(total=Sum("size", default=0))["total"]
    pending = ResumableUpload.objects.filter(user=user, media__isnull=True).aggregate(
        total=Sum("length", default=0), count=Count("pk")
    )
    return UploadUsage(stored=stored, pending=pending["total"], pending_count=pending["count"])
