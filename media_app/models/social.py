import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from media_app.models.media import Media
from media_app.models.tokens import friendly_token


class Comment(models.Model):
    """A comment on media; ``parent`` makes threads."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    text = models.TextField()
    add_date = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-add_date", "-id")

    def __str__(self) -> str:
        return f"{self.user} on {self.media_id}: {self.text[:30]}"


class MediaAction(models.Model):
    """What a viewer did to media: one row per user (or anonymous session) and action."""

    class Action(models.TextChoices):
        LIKE = "like"
        DISLIKE = "dislike"
        WATCH = "watch"
        REPORT = "report"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="media_actions",
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=10, choices=Action.choices)
    extra_info = models.TextField(blank=True)
    action_date = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-action_date", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "media", "action"],
                condition=Q(user__isnull=False),
                name="one_action_per_user",
            ),
            models.UniqueConstraint(
                fields=["session_key", "media", "action"],
                condition=Q(user__isnull=True),
                name="one_action_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="action_has_actor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.session_key} {self.action} {self.media_id}"


class Playlist(models.Model):
    """An ordered list of media made by a user."""

    friendly_token = models.CharField(
        max_length=12, unique=True, default=friendly_token, editable=False
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists"
    )
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    add_date = models.DateTimeField(auto_now_add=True, db_index=True)
    media = models.ManyToManyField(Media, through="PlaylistMedia", related_name="playlists")

    class Meta:
        ordering = ("-add_date", "-id")

    def __str__(self) -> str:
        return self.title


class PlaylistMedia(models.Model):
    """One media in a playlist, at a position."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="playlist_items")
    ordering = models.PositiveIntegerField(default=0)
    action_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("ordering", "id")
        constraints = [
            models.UniqueConstraint(fields=["playlist", "media"], name="media_once_per_playlist"),
        ]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.ordering}: {self.media_id}"
