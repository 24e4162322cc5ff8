import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from media_app.models.tokens import friendly_token


class Category(models.Model):
    """A editorial grouping of media (a beat, a region, a series)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
    )
    is_global = models.BooleanField(default=False)
    media_count = models.PositiveIntegerField(default=0)
    add_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("title",)
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.title


class Tag(models.Model):
    """A free-form keyword; ``media_count`` counts the listable media that carry it."""

    title = models.CharField(max_length=100, unique=True)
    media_count = models.PositiveIntegerField(default=0)
    add_date = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-media_count", "title")

    def __str__(self) -> str:
        return self.title


class EncodeProfile(models.Model):
    """One output of the encoder: a rendition of the H.264 ladder, or the animated preview."""

    name = models.CharField(max_length=90, unique=True)
    extension = models.CharField(max_length=10)
    resolution = models.PositiveIntegerField(null=True, blank=True, help_text="Height in pixels.")
    codec = models.CharField(max_length=10)
    description = models.TextField(blank=True)
    max_video_kbps = models.PositiveIntegerField(null=True, blank=True)
    audio_kbps = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("resolution", "name")

    def __str__(self) -> str:
        return self.name


# Listable media (selectors.media.media_listable_q, spelled here for the partial indexes).
_LISTABLE = Q(state="public", is_reviewed=True, encoding_status="success", retracted=False)


class MediaManager(models.Manager):
    """Media rows without ``media_info`` (ffprobe's answer, most of a row's bytes): only the
    encoder reads it, and no page needs it (read on first access when asked)."""

    def get_queryset(self):
        return super().get_queryset().defer("media_info")


class Media(models.Model):
    """An uploaded video, audio, image or document, and everything derived from it."""

    class MediaType(models.TextChoices):
        VIDEO = "video"
        AUDIO = "audio"
        IMAGE = "image"
        PDF = "pdf"

    class State(models.TextChoices):
        PUBLIC = "public"
        UNLISTED = "unlisted"
        PRIVATE = "private"

    class EncodingStatus(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCESS = "success"
        FAIL = "fail"

    friendly_token = models.CharField(
        max_length=12, unique=True, default=friendly_token, editable=False
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media"
    )
    title = models.CharField(max_length=100, db_index=True)
    description = models.TextField(blank=True)
    media_type = models.CharField(max_length=10, choices=MediaType.choices, default=MediaType.VIDEO)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PRIVATE, db_index=True
    )
    requested_state = models.CharField(
        max_length=10,
        choices=State.choices,
        default=State.PUBLIC,
        help_text="The state the owner chose; applied when an editor approves the review.",
    )
    encoding_status = models.CharField(
        max_length=10, choices=EncodingStatus.choices, default=EncodingStatus.PENDING, db_index=True
    )
    encoding_fail_reason = models.TextField(blank=True)
    encoding_run = models.CharField(
        max_length=32, blank=True, help_text="Token of the pipeline run whose outputs count."
    )
    encoding_started_at = models.DateTimeField(null=True, blank=True)
    encoding_attempts = models.PositiveSmallIntegerField(default=0)
    is_reviewed = models.BooleanField(default=False, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    featured = models.BooleanField(default=False, db_index=True)
    user_featured = models.BooleanField(default=False)
    enable_comments = models.BooleanField(default=True)
    allow_download = models.BooleanField(default=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="media")
    categories = models.ManyToManyField(Category, blank=True, related_name="media")

    media_file = models.FileField(max_length=500)
    original_filename = models.CharField(max_length=255, blank=True)
    poster = models.FileField(max_length=500, blank=True)
    thumbnail = models.FileField(max_length=500, blank=True)
    sprites = models.FileField(max_length=500, blank=True)
    sprites_vtt = models.FileField(max_length=500, blank=True)
    preview = models.FileField(max_length=500, blank=True)
    hls_file = models.CharField(max_length=500, blank=True, help_text="Master playlist, relative.")
    media_info = models.JSONField(default=dict, blank=True)
    duration = models.FloatField(default=0)
    size = models.BigIntegerField(default=0)
    video_width = models.PositiveIntegerField(default=0)
    video_height = models.PositiveIntegerField(default=0)
    thumbnail_time = models.FloatField(null=True, blank=True)
    # Set when the owner uploaded the poster (issue 16's edit page): an encode run keeps it
    # instead of drawing a frame; choosing a time clears it.
    thumbnail_uploaded = models.BooleanField(default=False)

    # Source protection (issue 15, docs/provenance.md). The original (``media_file``) is sealed:
    # only its owner and editors fetch it. What everyone else may download is ``public_file``,
    # the original's copy with identifying metadata removed (and Content Credentials added).
    public_file = models.FileField(max_length=500, blank=True)
    metadata_found = models.JSONField(
        default=list,
        blank=True,
        help_text="What the original revealed (location, device, serial, author, software, "
        "creation time), each with whether the public copies dropped it.",
    )
    original_unchanged_confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the owner, after seeing metadata_found, chose to let downloads get "
        "the original unchanged.",
    )
    # Provenance (issue 15): incoming Content Credentials, what OpenPress signed, and the SHA-256
    # of the original and of each published file.
    provenance = models.JSONField(default=dict, blank=True)
    # Accountability (issue 15): set by a retraction (services/corrections.py). Retracted media
    # leaves every listing but its page stays, with the notice; ``media_withheld`` (the editor's
    # choice) also stops its files from being served to anyone but its owner and editors.
    retracted = models.BooleanField(default=False)
    media_withheld = models.BooleanField(default=False)
    # The studio (issue 16). Chapters: ``[{"start": seconds, "title": str}, ...]`` in start
    # order (the API also speaks MediaCMS 7's shape). Embedding: host names that may frame this
    # media's /embed page on top of the site-wide EMBED_ALLOWED_DOMAINS.
    chapters = models.JSONField(default=list, blank=True)
    embed_domains = models.JSONField(default=list, blank=True)
    # Search (issue 17, docs/search.md). ``language`` (BCP 47, "" when unknown) chooses the
    # stemming; the document itself is a SearchDocument (models/search.py), written by
    # services/search.py only.
    language = models.CharField(
        max_length=35,
        blank=True,
        help_text="BCP 47 tag of the language spoken or written in the media ('' = unknown).",
    )

    views = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    dislikes = models.PositiveIntegerField(default=0)
    # Every report since editors last cleared the media, anonymous ones included (MediaCMS's
    # field, what the API shows). Only ``hiding_reports`` can make the media private.
    reported_times = models.PositiveIntegerField(default=0)
    hiding_reports = models.PositiveIntegerField(
        default=0,
        help_text="Reports that count toward hiding: signed-in accounts older than "
        "REPORT_MIN_ACCOUNT_AGE_HOURS, outside the cool-down after an editor cleared the media.",
    )
    reports_cleared_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an editor last cleared the reports; the cool-down starts then",
    )
    reports_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When editors were told of reports since the last clearing"
    )

    add_date = models.DateTimeField(db_index=True)
    edit_date = models.DateTimeField(auto_now=True)

    objects = MediaManager()

    class Meta:
        ordering = ("-add_date", "-id")
        verbose_name_plural = "media"
        indexes = [
            models.Index(
                fields=["state", "is_reviewed", "encoding_status", "-add_date"],
                name="media_listable_idx",
            ),
            # One per ordering the API offers over listable media (issue 17; the EXPLAINs are in
            # docs/performance.md): page 1, a keyset page and a deep page's ids each read a
            # range of one of these, in order, from the index alone.
            *(
                models.Index(
                    fields=[*columns, "-id"], name=f"media_listable_{name}", condition=_LISTABLE
                )
                for name, columns in (
                    ("add_date", ["-add_date"]),
                    ("edit_date", ["-edit_date"]),
                    ("views", ["-views"]),
                    ("likes", ["-likes"]),
                    ("title", ["-title"]),
                    ("recommended", ["-views", "-likes", "-add_date"]),
                )
            ),
            # An author's page (all their media for the owner, listable for others).
            models.Index(fields=["user", "-add_date", "-id"], name="media_user_add_date"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.friendly_token})"

    @property
    def is_listable(self) -> bool:
        return (
            self.state == self.State.PUBLIC
            and self.is_reviewed
            and not self.retracted
            and self.encoding_status == self.EncodingStatus.SUCCESS
        )


class Encoding(models.Model):
    """One rendition of one media (or one chunk of it), with its progress and a log tail."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCESS = "success"
        FAIL = "fail"

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="encodings")
    profile = models.ForeignKey(EncodeProfile, on_delete=models.CASCADE, related_name="encodings")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    media_file = models.FileField(max_length=500, blank=True)
    size = models.BigIntegerField(default=0)
    bitrate = models.PositiveIntegerField(default=0, help_text="Bits per second, measured.")
    chunk = models.BooleanField(default=False)
    chunk_index = models.PositiveIntegerField(null=True, blank=True)
    logs = models.TextField(blank=True, help_text="The tail of ffmpeg's output.")
    fail_reason = models.TextField(blank=True)
    task_id = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    add_date = models.DateTimeField(auto_now_add=True)
    update_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("profile__resolution", "chunk_index")
        constraints = [
            models.UniqueConstraint(
                fields=["media", "profile"],
                condition=Q(chunk=False),
                name="one_encoding_per_profile",
            ),
            models.UniqueConstraint(
                fields=["media", "profile", "chunk_index"],
                condition=Q(chunk=True),
                name="one_encoding_per_chunk",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="encoding_progress_max_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.media_id}/{self.profile.name}: {self.status}"


class Subtitle(models.Model):
    """One WebVTT track of one media, per language (issue 16): uploaded as WebVTT or SRT, stored
    as WebVTT at ``storage.subtitle_name``; ``text`` keeps the cues' words for the transcript and
    for search."""

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="subtitles")
    language = models.CharField(max_length=35, help_text="BCP 47 tag, e.g. en, pt-BR.")
    label = models.CharField(max_length=100, blank=True)
    file = models.FileField(max_length=500)
    text = models.TextField(blank=True, help_text="The cues' text, one cue per line.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    add_date = models.DateTimeField(auto_now_add=True)
    edit_date = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("language",)
        constraints = [
            models.UniqueConstraint(fields=["media", "language"], name="subtitle_one_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.media.friendly_token} {self.language}"
