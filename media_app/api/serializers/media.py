"""Media, comments, taxonomy and encode profiles in MediaCMS's shapes (its field names).

Output serializers only read what the selectors have already loaded (``select_related`` /
``prefetch_related``), so a page of results costs the same number of queries whatever its
length. Input serializers validate the shape of a request; the rules are in the services.
"""

from __future__ import annotations

import functools
import logging
import posixpath
import re
from collections.abc import Mapping
from typing import Any, cast, overload
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from media_app import delivery
from media_app.encoding.lease import hls_is_servable
from media_app.models import Category, Comment, EncodeProfile, Media, Tag
from media_app.selectors.media import download_allowed, original_allowed, user_can_edit_media
from media_app.selectors.search import MARK_START, MARK_STOP
from media_app.services.signing import needs_signed_links, signed_name
from media_app.storage import s3_mode

logger = logging.getLogger(__name__)

DEFAULT_USER_THUMBNAIL = "images/user.png"


@overload
def absolute_url(context: Mapping[str, Any], path: str) -> str: ...
@overload
def absolute_url(context: Mapping[str, Any], path: str | None) -> str | None: ...
def absolute_url(context: Mapping[str, Any], path: str | None) -> str | None:
    """``path`` made absolute for the request in ``context`` (site-relative paths only).

    The scheme-and-host prefix is worked out once per response and kept in the (shared)
    serializer context: a page of 50 media asks for it a few hundred times.
    """
    if path is None:
        return None
    if not path:
        return path
    base = context.get("_absolute_base")
    if base is None:
        request = context.get("request")
        if request is None:
            return path
        # The context is the serializer's dict, shared by the rows of one response.
        base = cast(dict, context)["_absolute_base"] = request.build_absolute_uri("/")[:-1]
    return base + path if path.startswith("/") else path


def file_url(name: str | None, media: Media | Mapping | None = None) -> str | None:
    """The URL a stored file is served at (relative, e.g. ``/media/...``), or ``None``.

    Every media file URL the API hands out is made here. Files of a ``media`` (the instance, or
    a ``values()`` row with ``state`` and ``is_reviewed``) that anonymous visitors may not see
    get a signed, expiring link (``/media/s/<signature>/<expires>/...``,
    media_app/services/signing.py) that nginx checks by itself. Only those who may see such a
    media are ever served it, so these links never reach the anonymous caches.
    """
    if not name:
        return None
    if s3_mode():
        # Presigned URLs (media_app/delivery.py); a file with no media is public (a listing's
        # thumbnail: listable media only).
        return delivery.file_url(name, public=media is None or not needs_signed_links(media))
    if media is not None and needs_signed_links(media):
        name = signed_name(name)
    return default_storage.url(name)


def human_size(size: int) -> str:
    """MediaCMS's ``size`` string: megabytes with one decimal, e.g. ``"12.3MB"``."""
    return f"{(size or 0) / 1_000_000:.1f}MB"


@functools.cache
def _default_user_thumbnail() -> str:
    return static(DEFAULT_USER_THUMBNAIL)


def user_thumbnail(user) -> str:
    """Path of a user's picture: their logo, else the default avatar."""
    return logo_path(user.logo.name)


def logo_path(name: str | None) -> str:
    """Path of the user picture stored as ``name``, else the default avatar."""
    if name and s3_mode():
        return delivery.file_url(name, public=True)
    return default_storage.url(name) if name else _default_user_thumbnail()


class _MediaLinks(serializers.ModelSerializer):
    """Fields every media shape shares: links, author, thumbnail, duration."""

    user = serializers.CharField(source="user.username", read_only=True)
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()
    author_profile = serializers.SerializerMethodField()
    author_thumbnail = serializers.SerializerMethodField()
    author_verified = serializers.BooleanField(
        source="user.is_verified_journalist",
        read_only=True,
        help_text="The author is a verified journalist (the badge).",
    )
    duration = serializers.SerializerMethodField()
    size = serializers.SerializerMethodField()

    def get_url(self, obj: Media) -> str:
        return absolute_url(self.context, f"/view?m={obj.friendly_token}")

    def get_api_url(self, obj: Media) -> str:
        return absolute_url(self.context, f"/api/v1/media/{obj.friendly_token}")

    def _thumbnail(self, obj: Media) -> str | None:
        return file_url((obj.thumbnail or obj.poster).name or None, obj)

    def get_thumbnail_url(self, obj: Media) -> str | None:
        return absolute_url(self.context, self._thumbnail(obj))

    def get_preview_url(self, obj: Media) -> str | None:
        return absolute_url(self.context, file_url(obj.preview.name or None, obj))

    def get_author_name(self, obj: Media) -> str:
        return obj.user.name or obj.user.username

    def get_author_profile(self, obj: Media) -> str:
        return absolute_url(self.context, f"/user/{obj.user.username}")

    def get_author_thumbnail(self, obj: Media) -> str:
        return absolute_url(self.context, user_thumbnail(obj.user))

    def get_duration(self, obj: Media) -> int:
        return round(obj.duration or 0)

    def get_size(self, obj: Media) -> str:
        return human_size(obj.size)


MEDIA_LIST_FIELDS: tuple[str, ...] = (
    "friendly_token",
    "url",
    "api_url",
    "user",
    "title",
    "description",
    "add_date",
    "views",
    "media_type",
    "state",
    "duration",
    "thumbnail_url",
    "is_reviewed",
    "preview_url",
    "author_name",
    "author_profile",
    "author_thumbnail",
    "encoding_status",
    "likes",
    "dislikes",
    "reported_times",
    "featured",
    "user_featured",
    "size",
    "author_verified",
)


def _datetime_field(context: Mapping[str, Any]) -> serializers.DateTimeField:
    """DRF's DateTimeField (ISO 8601 in the current time zone, "Z" for UTC), kept in the
    serializer context with the zone looked up once per response rather than once per row."""
    field = context.get("_datetime_field")
    if field is None:
        zone = timezone.get_current_timezone()
        field = cast(dict, context)["_datetime_field"] = serializers.DateTimeField(
            default_timezone=zone
        )
    return field


class MediaSerializer(_MediaLinks):
    """One media in a list (MediaCMS's MediaSerializer), plus ``author_verified``."""

    # The declared fields are the shape and the OpenAPI schema (the docstring above is in it
    # too). The items themselves are written by to_representation from values() rows (rows()),
    # not from model instances through DRF's field machinery: for a page of 50 those two cost
    # more than the rest of the request together (docs/performance.md, "API"). It writes
    # Meta.fields, in order, with the values DRF's fields would (tests/api/test_media.py).
    # What to_representation reads: media columns and, through the join, the author's.
    columns: tuple[str, ...] = (
        "id",
        "friendly_token",
        "title",
        "description",
        "add_date",
        "views",
        "media_type",
        "state",
        "duration",
        "thumbnail",
        "poster",
        "preview",
        "is_reviewed",
        "encoding_status",
        "likes",
        "dislikes",
        "reported_times",
        "featured",
        "user_featured",
        "size",
        "user__username",
        "user__name",
        "user__logo",
        "user__is_verified_journalist",
    )

    class Meta:
        model = Media
        fields: tuple[str, ...] = MEDIA_LIST_FIELDS
        read_only_fields: tuple[str, ...] = fields

    @classmethod
    def rows(cls, qs: QuerySet[Media]) -> QuerySet:
        """The media of ``qs`` as the rows :meth:`to_representation` writes (one query)."""
        return qs.values(*cls.columns)

    def to_representation(self, row: dict) -> dict:
        token, username = row["friendly_token"], row["user__username"]
        context = self.context
        return {
            "friendly_token": token,
            "url": absolute_url(context, f"/view?m={token}"),
            "api_url": absolute_url(context, f"/api/v1/media/{token}"),
            "user": username,
            "title": row["title"],
            "description": row["description"],
            "add_date": _datetime_field(context).to_representation(row["add_date"]),
            "views": row["views"],
            "media_type": row["media_type"],
            "state": row["state"],
            "duration": round(row["duration"] or 0),
            "thumbnail_url": absolute_url(
                context, file_url(row["thumbnail"] or row["poster"], row)
            ),
            "is_reviewed": row["is_reviewed"],
            "preview_url": absolute_url(context, file_url(row["preview"], row)),
            "author_name": row["user__name"] or username,
            "author_profile": absolute_url(context, f"/user/{username}"),
            "author_thumbnail": absolute_url(context, logo_path(row["user__logo"])),
            "encoding_status": row["encoding_status"],
            "likes": row["likes"],
            "dislikes": row["dislikes"],
            "reported_times": row["reported_times"],
            "featured": row["featured"],
            "user_featured": row["user_featured"],
            "size": human_size(row["size"]),
            "author_verified": row["user__is_verified_journalist"],
        }


class _SearchResults(serializers.ListSerializer):
    """A page of search results: the categories of all its media in one query."""

    def to_representation(self, data):
        rows = list(data)
        titles: dict[int, list[str]] = {row["id"]: [] for row in rows}
        if titles:
            through = Media.categories.through.objects.filter(media_id__in=list(titles))
            for media_id, title in through.order_by("category__title", "category_id").values_list(
                "media_id", "category__title"
            ):
                titles[media_id].append(title)
        child = cast(MediaSearchSerializer, self.child)
        return [child.write(row, titles[row["id"]]) for row in rows]


class MediaSearchSerializer(_MediaLinks):
    # As MediaSerializer: the declared fields are the shape and the schema; a page is written
    # by hand from values() rows (rows()), its categories read once for the page
    # (_SearchResults), with the values DRF's fields would give (tests/api/test_search_fts.py).
    categories_info = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField(
        help_text="HTML: the description's passage that best matches the words, each matched "
        "word in <mark>, everything else escaped; empty without words (or on SQLite)."
    )

    columns: tuple[str, ...] = (
        "id",
        "friendly_token",
        "title",
        "description",
        "add_date",
        "views",
        "media_type",
        "state",
        "is_reviewed",
        "duration",
        "thumbnail",
        "poster",
        "preview",
        "user__username",
        "user__name",
        "user__is_verified_journalist",
    )

    class Meta:
        model = Media
        fields: tuple[str, ...] = (
            "title",
            "author_name",
            "author_profile",
            "thumbnail_url",
            "add_date",
            "views",
            "description",
            "friendly_token",
            "duration",
            "url",
            "api_url",
            "media_type",
            "preview_url",
            "categories_info",
            "author_verified",
            "snippet",
        )
        read_only_fields: tuple[str, ...] = fields
        list_serializer_class = _SearchResults

    @classmethod
    def rows(cls, qs: QuerySet[Media]) -> QuerySet:
        """The media of ``qs`` as the rows :meth:`write` reads (one query), with the snippet
        when ``qs`` has one."""
        extra = ("search_snippet",) if "search_snippet" in qs.query.annotations else ()
        return qs.values(*cls.columns, *extra)

    def write(self, row: dict, categories: list[str]) -> dict:
        token, username = row["friendly_token"], row["user__username"]
        context = self.context
        return {
            "title": row["title"],
            "author_name": row["user__name"] or username,
            "author_profile": absolute_url(context, f"/user/{username}"),
            "thumbnail_url": absolute_url(
                context, file_url(row["thumbnail"] or row["poster"], row)
            ),
            "add_date": _datetime_field(context).to_representation(row["add_date"]),
            "views": row["views"],
            "description": row["description"],
            "friendly_token": token,
            "duration": round(row["duration"] or 0),
            "url": absolute_url(context, f"/view?m={token}"),
            "api_url": absolute_url(context, f"/api/v1/media/{token}"),
            "media_type": row["media_type"],
            "preview_url": absolute_url(context, file_url(row["preview"], row)),
            "categories_info": _categories_info_of(categories),
            "author_verified": row["user__is_verified_journalist"],
            "snippet": search_snippet_html(row.get("search_snippet") or ""),
        }

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_categories_info(self, obj: Media) -> list[dict]:
        return _categories_info(obj.categories.all())

    def get_snippet(self, obj: Media) -> str:
        return search_snippet_html(getattr(obj, "search_snippet", "") or "")


_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_STOP}]*){MARK_STOP}")


def search_snippet_html(marked: str) -> str:
    """ts_headline's passage (matches between control-character markers) as safe HTML."""
    html = _MARKED.sub(r"<mark>\1</mark>", escape(marked))
    return html.replace(MARK_START, "").replace(MARK_STOP, "")  # a stray marker in the text


def _categories_info(categories) -> list[dict]:
    return _categories_info_of([c.title for c in categories])


def _categories_info_of(titles: list[str]) -> list[dict]:
    return [{"title": t, "url": f"/search?c={t}", "is_lms_course": False} for t in titles]


def rendition_height(media: Media, resolution: int) -> int:
    """The height of the rendition an encode profile of ``resolution`` gave ``media``.

    The ladder (``media_app.encoding.ffmpeg.plan_ladder``) never upscales: a source shorter than
    every profile gets one rendition at its own (even) height, from the lowest profile.
    """
    height = media.video_height
    if height and resolution > height:
        return max(2, height - height % 2)
    return resolution


def hls_playlists(media: Media, encodings: list | None = None) -> dict[str, str | None]:
    """``{"<height>_playlist": url}`` (``"audio_playlist"`` for audio-only media) of the HLS
    run ``media.hls_file`` names, from the database alone: the encoder records each rendition's
    playlist in its ``Encoding`` row when the run completes (``_publish_ladder``), so nothing is
    read from storage. ``encodings``: the media's renditions, with their profiles, when the
    caller has them already (``media_detail``'s ``encoding_list``).

    Only the renditions of that run are listed: while a first encode publishes early, or while
    a new run replaces a complete one, the master alone is given until the run completes (the
    player reads the renditions from the master).
    """
    run = posixpath.dirname(media.hls_file)
    if media.media_type == Media.MediaType.AUDIO:
        # One AAC rendition, written by the audio step (no Encoding row).
        return {"audio_playlist": file_url(f"{run}/audio/index.m3u8", media)}
    if encodings is None:
        encodings = list(media.encodings.filter(chunk=False).select_related("profile"))
    found: dict[str, str | None] = {}
    for enc in sorted(encodings, key=lambda e: e.profile.resolution or 0):
        name = enc.media_file.name or ""
        if (
            enc.chunk
            or enc.status != enc.Status.SUCCESS
            or enc.profile.resolution is None
            or posixpath.dirname(posixpath.dirname(name)) != run
        ):
            continue
        height = rendition_height(media, enc.profile.resolution)
        found[f"{height}_playlist"] = file_url(name, media)
    return found


class SingleMediaSerializer(_MediaLinks):
    """Media detail (MediaCMS's SingleMediaSerializer). File URLs are relative, as there."""

    # Reads the media as selectors.media.media_detail returns it (tag_list, category_list and
    # encoding_list loaded with it).
    poster_url = serializers.SerializerMethodField()
    sprites_url = serializers.SerializerMethodField()
    sprites_vtt_url = serializers.SerializerMethodField()
    original_media_url = serializers.SerializerMethodField()
    encodings_info = serializers.SerializerMethodField()
    hls_info = serializers.SerializerMethodField()
    categories_info = serializers.SerializerMethodField()
    tags_info = serializers.SerializerMethodField()
    edit_url = serializers.SerializerMethodField()
    add_subtitle_url = serializers.SerializerMethodField()
    is_shared = serializers.SerializerMethodField()
    license = serializers.SerializerMethodField()
    subtitles_info = serializers.SerializerMethodField()
    chapter_data = serializers.SerializerMethodField()
    ratings_info = serializers.SerializerMethodField()
    slideshow_items = serializers.SerializerMethodField()
    encoding_fail_reason = serializers.SerializerMethodField()
    # Content Credentials and hashes (issue 15), nothing about the source: services/provenance.
    provenance = serializers.SerializerMethodField()

    class Meta:
        model = Media
        fields: tuple[str, ...] = (
            "friendly_token",
            "url",
            "api_url",
            "user",
            "title",
            "description",
            "add_date",
            "edit_date",
            "media_type",
            "state",
            "is_shared",
            "duration",
            "thumbnail_url",
            "poster_url",
            "thumbnail_time",
            "sprites_url",
            "sprites_vtt_url",
            "preview_url",
            "author_name",
            "author_profile",
            "author_thumbnail",
            "author_verified",
            "encodings_info",
            "encoding_status",
            "encoding_fail_reason",
            "views",
            "likes",
            "dislikes",
            "reported_times",
            "featured",
            "user_featured",
            "original_media_url",
            "size",
            "video_height",
            "enable_comments",
            "categories_info",
            "is_reviewed",
            "edit_url",
            "tags_info",
            "hls_info",
            "license",
            "subtitles_info",
            "chapter_data",
            "ratings_info",
            "add_subtitle_url",
            "allow_download",
            "slideshow_items",
            "provenance",
        )
        read_only_fields: tuple[str, ...] = fields

    def to_representation(self, obj: Media) -> dict:
        # Written by hand like MediaSerializer's: building DRF's fields for this serializer cost
        # ten times more than writing the answer (docs/performance.md, "API"). It writes
        # Meta.fields, in order, with the values DRF's fields would (tests/api/test_media.py).
        user, when = obj.user, _datetime_field(self.context)
        return {
            "friendly_token": obj.friendly_token,
            "url": self.get_url(obj),
            "api_url": self.get_api_url(obj),
            "user": user.username,
            "title": obj.title,
            "description": obj.description,
            "add_date": when.to_representation(obj.add_date),
            "edit_date": when.to_representation(obj.edit_date),
            "media_type": obj.media_type,
            "state": obj.state,
            "is_shared": self.get_is_shared(obj),
            "duration": self.get_duration(obj),
            "thumbnail_url": self.get_thumbnail_url(obj),
            "poster_url": self.get_poster_url(obj),
            "thumbnail_time": obj.thumbnail_time,
            "sprites_url": self.get_sprites_url(obj),
            "sprites_vtt_url": self.get_sprites_vtt_url(obj),
            "preview_url": self.get_preview_url(obj),
            "author_name": self.get_author_name(obj),
            "author_profile": self.get_author_profile(obj),
            "author_thumbnail": self.get_author_thumbnail(obj),
            "author_verified": user.is_verified_journalist,
            "encodings_info": self.get_encodings_info(obj),
            "encoding_status": obj.encoding_status,
            "encoding_fail_reason": self.get_encoding_fail_reason(obj),
            "views": obj.views,
            "likes": obj.likes,
            "dislikes": obj.dislikes,
            "reported_times": obj.reported_times,
            "featured": obj.featured,
            "user_featured": obj.user_featured,
            "original_media_url": self.get_original_media_url(obj),
            "size": self.get_size(obj),
            "video_height": obj.video_height,
            "enable_comments": obj.enable_comments,
            "categories_info": self.get_categories_info(obj),
            "is_reviewed": obj.is_reviewed,
            "edit_url": self.get_edit_url(obj),
            "tags_info": self.get_tags_info(obj),
            "hls_info": self.get_hls_info(obj),
            "license": self.get_license(obj),
            "subtitles_info": self.get_subtitles_info(obj),
            "chapter_data": self.get_chapter_data(obj),
            "ratings_info": self.get_ratings_info(obj),
            "add_subtitle_url": self.get_add_subtitle_url(obj),
            "allow_download": obj.allow_download,
            "slideshow_items": self.get_slideshow_items(obj),
            "provenance": self.get_provenance(obj),
        }

    # Detail file URLs stay relative, as in MediaCMS (its player prefixes the site).
    def get_thumbnail_url(self, obj: Media) -> str | None:
        return self._thumbnail(obj)

    def get_preview_url(self, obj: Media) -> str | None:
        return file_url(obj.preview.name or None, obj)

    def get_poster_url(self, obj: Media) -> str | None:
        return file_url(obj.poster.name or None, obj)

    def get_sprites_url(self, obj: Media) -> str | None:
        return file_url(obj.sprites.name or None, obj)

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="WebVTT track: one cue per sprite tile, `sprites.jpg#xywh=x,y,w,h`.",
        )
    )
    def get_sprites_vtt_url(self, obj: Media) -> str | None:
        return file_url(obj.sprites_vtt.name or None, obj)

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="Why encoding failed, for the owner and editors; null for anyone else.",
        )
    )
    def get_encoding_fail_reason(self, obj: Media) -> str | None:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if not obj.encoding_fail_reason or not user_can_edit_media(user=viewer, media=obj):
            return None
        return obj.encoding_fail_reason

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="What this viewer downloads. Its owner and editors: the file as uploaded. "
            "Anyone else: the clean copy (`public_file_url`) when `allow_download` is true and "
            "the encode succeeded (the original itself only once its owner confirmed publishing "
            "it unchanged); null otherwise.",
        )
    )
    def get_original_media_url(self, obj: Media) -> str | None:
        return self._original_url(obj)

    def _original_url(self, obj: Media) -> str | None:
        """What this viewer downloads: the original (sealed, :func:`original_allowed`: owner and
        editors, others once its owner confirmed publishing it unchanged), else the clean public
        copy (:func:`download_allowed`), else ``None``."""
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        name = obj.media_file.name or None
        if not name or not original_allowed(user=viewer, media=obj):
            return self._public_file_url(obj)
        return self._stored_url(name, public=original_allowed(user=None, media=obj))

    def _public_file_url(self, obj: Media) -> str | None:
        """The clean copy of the original (``public_file``, docs/provenance.md section 1) for a
        viewer the download rule lets download it, else ``None``."""
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        name = obj.public_file.name or None
        if not name or not download_allowed(user=viewer, media=obj):
            return None
        return self._stored_url(name, public=download_allowed(user=None, media=obj))

    def _stored_url(self, name: str, *, public: bool) -> str:
        """A stored file's URL: a signed link unless anonymous visitors may fetch it too."""
        if s3_mode():
            # The object's real name, presigned (never the signed-link path: no such object).
            return delivery.file_url(name, public=public)
        if public:
            return default_storage.url(name)
        return default_storage.url(signed_name(name))

    def get_edit_url(self, obj: Media) -> str:
        return f"/edit?m={obj.friendly_token}"

    def get_add_subtitle_url(self, obj: Media) -> str:
        return f"/add_subtitle?m={obj.friendly_token}"

    def get_is_shared(self, obj: Media) -> bool:
        return False

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_license(self, obj: Media) -> None:
        return None

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DictField(child=serializers.CharField()),
            help_text="Subtitle tracks: {src (WebVTT, relative URL; signed as the other files "
            "of media anonymous visitors may not see), srclang (BCP 47), label}.",
        )
    )
    def get_subtitles_info(self, obj: Media) -> list:
        from media_app.api.serializers.subtitles import subtitles_info

        if obj.media_withheld and not _may_edit(self.context, obj):
            return []  # retracted with its media withheld: its words go with it
        # media_detail loads the tracks with the media (subtitle_rows); else one query.
        rows = getattr(obj, "subtitle_rows", None)
        if rows is None:
            rows = obj.subtitles.order_by("language")
        return subtitles_info(rows, obj)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DictField(),
            help_text="Chapters in order: {start (seconds), title}.",
        )
    )
    def get_chapter_data(self, obj: Media) -> list:
        from media_app.api.serializers.subtitles import chapter_data

        return chapter_data(obj)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_ratings_info(self, obj: Media) -> list:
        return []

    @extend_schema_field(serializers.ListField(allow_null=True))
    def get_slideshow_items(self, obj: Media) -> None:
        return None

    @extend_schema_field(serializers.DictField())
    def get_provenance(self, obj: Media) -> dict:
        from media_app.services.provenance import provenance_public

        body = provenance_public(obj)
        # The author's profile as this client reaches the site (the manifest holds the origin
        # of the signing worker's settings): the same host and scheme as every other URL here.
        author, request = body.get("author") or {}, self.context.get("request")
        if author.get("url") and request is not None:
            path = urlsplit(author["url"]).path
            body["author"] = {**author, "url": request.build_absolute_uri(path)}
        return body

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_categories_info(self, obj: Media) -> list[dict]:
        return _categories_info(getattr(obj, "category_list"))  # noqa: B009 - set by the selector

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_tags_info(self, obj: Media) -> list[dict]:
        return [{"title": t.title, "url": f"/search?t={t.title}"} for t in getattr(obj, "tag_list")]  # noqa: B009

    @extend_schema_field(
        serializers.DictField(
            child=serializers.DictField(child=serializers.DictField()),
            help_text="resolution → codec → {title, url, progress, size, encoding_id, status}",
        )
    )
    def get_encodings_info(self, obj: Media) -> dict:
        profiles = self.context.get("encode_profiles")
        if profiles is None:
            profiles = list(EncodeProfile.objects.filter(active=True, resolution__isnull=False))
        info: dict[str, dict] = {str(p.resolution): {} for p in profiles}
        done = False
        for enc in getattr(obj, "encoding_list"):  # noqa: B009 - set by media_detail
            if enc.chunk or enc.profile.resolution is None:
                continue
            done = done or enc.status == enc.Status.SUCCESS
            info.setdefault(str(enc.profile.resolution), {})[enc.profile.codec] = {
                "title": enc.profile.name,
                "url": file_url(enc.media_file.name or None, obj),
                "progress": enc.progress,
                "size": human_size(enc.size),
                "encoding_id": enc.pk,
                "status": enc.status,
            }
        if (
            not done
            and obj.encoding_status in (Media.EncodingStatus.PENDING, Media.EncodingStatus.RUNNING)
            and (original := self._original_url(obj))
        ):
            # As in MediaCMS: until a rendition exists the player falls back to the original,
            # for those who may fetch it (the owner and editors: it is not encoded yet).
            return {
                "0-original": {
                    "h264": {
                        "title": "Original file",
                        "url": original,
                        "progress": 0,
                        "size": human_size(obj.size),
                        "encoding_id": None,
                        "status": obj.encoding_status,
                    }
                }
            }
        return dict(sorted(info.items(), key=lambda kv: -int(kv[0])))

    @extend_schema_field(
        serializers.DictField(
            child=serializers.CharField(),
            help_text="master_file plus one <height>_playlist URL per rendition",
        )
    )
    def get_hls_info(self, obj: Media) -> dict:
        # Never the unfinished master of a run that died, failed or was replaced: a truncated
        # ladder is not the video (media_app/encoding/lease.py).
        if not hls_is_servable(obj):
            return {}
        encodings = getattr(obj, "encoding_list", None)
        return {"master_file": file_url(obj.hls_file, obj), **hls_playlists(obj, encodings)}


# The detail's file links, withheld from the public when a retraction hides the media.
WITHHELD_URLS = (
    "thumbnail_url",
    "poster_url",
    "sprites_url",
    "sprites_vtt_url",
    "preview_url",
    "original_media_url",
    "public_file_url",
)


def _may_edit(context: Mapping[str, Any], obj: Media) -> bool:
    from media_app.selectors.media import user_can_edit_media

    request = context.get("request")
    return user_can_edit_media(user=getattr(request, "user", None), media=obj)


class MediaDetailSerializer(SingleMediaSerializer):
    """The detail answer: the media plus ``related_media`` (listable media only)."""

    related_media = serializers.SerializerMethodField()
    # Accountability (issue 15): the newest corrections, and whether the media was retracted.
    corrections = serializers.SerializerMethodField()
    retracted = serializers.BooleanField(read_only=True)

    class Meta(SingleMediaSerializer.Meta):
        fields: tuple[str, ...] = (
            *SingleMediaSerializer.Meta.fields,
            "related_media",
            "corrections",
            "retracted",
            "public_file_url",
            "metadata_found",
            "original_unchanged",
            "language",
        )
        read_only_fields: tuple[str, ...] = fields

    language = serializers.CharField(
        read_only=True,
        help_text="BCP 47 tag of the media's language, '' when unknown (search stems by it).",
    )

    public_file_url = serializers.SerializerMethodField(
        help_text="The clean copy of the original, without identifying metadata (what "
        "downloads get): for anyone the download rule allows; null otherwise."
    )
    metadata_found = serializers.SerializerMethodField(
        help_text="What the original revealed (group, name, value, removed; GPS with lat and "
        "lon), for its owner and editors only; null for anyone else."
    )
    original_unchanged = serializers.SerializerMethodField(
        help_text="Whether the owner confirmed publishing the original unchanged; owner and "
        "editors only, null for anyone else."
    )

    def get_public_file_url(self, obj: Media) -> str | None:
        return self._public_file_url(obj)

    def get_metadata_found(self, obj: Media) -> list | None:
        return list(obj.metadata_found or []) if _may_edit(self.context, obj) else None

    def get_original_unchanged(self, obj: Media) -> bool | None:
        if not _may_edit(self.context, obj):
            return None
        return obj.original_unchanged_confirmed_at is not None

    def to_representation(self, obj: Media) -> dict:
        body = {**super().to_representation(obj), "related_media": self.get_related_media(obj)}
        body["corrections"] = self.get_corrections(obj)
        body["retracted"] = obj.retracted
        body["public_file_url"] = self.get_public_file_url(obj)
        body["metadata_found"] = self.get_metadata_found(obj)
        body["original_unchanged"] = self.get_original_unchanged(obj)
        body["language"] = obj.language
        if obj.media_withheld and not _may_edit(self.context, obj):
            # Retracted with its media withheld: the notice only, no file to play or fetch.
            body.update(dict.fromkeys(WITHHELD_URLS))
            body["encodings_info"], body["hls_info"] = {}, {}
        return body

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_corrections(self, obj: Media) -> list:
        from media_app.api.serializers.corrections import corrections_summary

        return corrections_summary(obj, context=self.context)

    @extend_schema_field(MediaSerializer(many=True))
    def get_related_media(self, obj: Media) -> list:
        """Listable media only, the same for every reader: shared through the namespaced cache
        (any media change starts a new namespace, so nothing hidden is ever served)."""
        from media_app.selectors.media import media_related
        from media_app.services.cache import cache_get, cache_put

        key = f"related:{obj.pk}:{absolute_url(self.context, '/')}"
        data = cache_get("shared", key)
        if data is None:
            rows = MediaSerializer.rows(media_related(media=obj))
            data = MediaSerializer(rows, many=True, context=self.context).data
            cache_put("shared", key, data)
        return data


class MediaUploadInput(serializers.Serializer):
    media_file = serializers.FileField(
        help_text="Video, audio, image or PDF; its type is read from its content."
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    state = serializers.ChoiceField(choices=Media.State.choices, required=False)
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=35,
        help_text="BCP 47 tag of the language spoken or written (en, fr, pt-BR): its words are "
        "stemmed in it for search; empty or left out: unknown.",
    )


class MediaEditorActionInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=("encode", "review", "feature", "unfeature"))
    result = serializers.BooleanField(
        required=False, default=True, help_text="review: approve (true) or reject (false)."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    encoding_profiles = serializers.JSONField(
        required=False, help_text="Accepted for MediaCMS clients; every profile is redone."
    )


class CommentSerializer(serializers.ModelSerializer):
    # MediaCMS's field name; it shadows DRF's Field.parent attribute, hence the ignore.
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    author_thumbnail_url = serializers.SerializerMethodField()
    author_profile = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields: tuple[str, ...] = (
            "add_date",
            "text",
            "parent",
            "author_thumbnail_url",
            "author_profile",
            "author_name",
            "media_url",
            "uid",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_parent(self, obj: Comment) -> str | None:
        return str(obj.parent.uid) if obj.parent is not None else None

    def get_author_thumbnail_url(self, obj: Comment) -> str:
        return absolute_url(self.context, user_thumbnail(obj.user))

    def get_author_profile(self, obj: Comment) -> str:
        return absolute_url(self.context, f"/user/{obj.user.username}")

    def get_author_name(self, obj: Comment) -> str:
        return obj.user.name or obj.user.username

    def get_media_url(self, obj: Comment) -> str:
        return absolute_url(self.context, f"/view?m={obj.media.friendly_token}")


class CommentInput(serializers.Serializer):
    text = serializers.CharField(max_length=10_000, allow_blank=True)
    # MediaCMS's field name; it shadows DRF's Field.parent attribute, hence the ignore.
    parent = serializers.UUIDField(required=False, allow_null=True)  # type: ignore[assignment]


class ActionInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=("like", "dislike", "report", "watch"))
    extra_info = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class ActionResetInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=("report",))


class ReportSerializer(serializers.Serializer):
    reported_date = serializers.DateTimeField(source="action_date")
    reason = serializers.CharField(source="extra_info")


class CategorySerializer(serializers.ModelSerializer):
    media_count = serializers.IntegerField(source="listable_count", read_only=True)
    user = serializers.CharField(source="user.username", default=None, read_only=True)
    thumbnail_url = serializers.SerializerMethodField()
    is_lms_course = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields: tuple[str, ...] = (
            "title",
            "uid",
            "description",
            "is_global",
            "media_count",
            "user",
            "thumbnail_url",
            "is_lms_course",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_thumbnail_url(self, obj: Category) -> str | None:
        return absolute_url(self.context, file_url(getattr(obj, "listable_thumbnail")))  # noqa: B009

    def get_is_lms_course(self, obj: Category) -> bool:
        return False


class TagSerializer(serializers.ModelSerializer):
    media_count = serializers.IntegerField(source="listable_count", read_only=True)
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Tag
        fields: tuple[str, ...] = ("title", "media_count", "thumbnail_url")
        read_only_fields: tuple[str, ...] = fields

    def get_thumbnail_url(self, obj: Tag) -> str | None:
        return absolute_url(self.context, file_url(getattr(obj, "listable_thumbnail")))  # noqa: B009


class EncodeProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = EncodeProfile
        fields: tuple[str, ...] = ("name", "extension", "resolution", "codec", "description")
        read_only_fields: tuple[str, ...] = fields


class ManagedMediaSerializer(MediaSerializer):
    """A media in the editors' table: the list shape plus what an editor decides on."""

    requested_state = serializers.CharField(read_only=True, help_text="The state the owner chose.")
    columns = (*MediaSerializer.columns, "requested_state", "encoding_fail_reason")

    class Meta(MediaSerializer.Meta):
        fields: tuple[str, ...] = (*MEDIA_LIST_FIELDS, "requested_state", "encoding_fail_reason")
        read_only_fields: tuple[str, ...] = fields

    def to_representation(self, row: dict) -> dict:
        data = super().to_representation(row)
        data["requested_state"] = row["requested_state"]
        data["encoding_fail_reason"] = row["encoding_fail_reason"]
        return data


class ManagedCommentSerializer(CommentSerializer):
    media = serializers.CharField(source="media.friendly_token", read_only=True)
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta(CommentSerializer.Meta):
        fields: tuple[str, ...] = (*CommentSerializer.Meta.fields, "media", "user")
        read_only_fields: tuple[str, ...] = fields
