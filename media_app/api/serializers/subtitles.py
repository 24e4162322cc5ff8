"""Subtitle tracks and chapters of a media (issue 16, points 2 and 3) in MediaCMS's shapes:
a track is ``{"src", "srclang", "label"}`` (plus ``language`` and dates), a chapter
``{"start", "title"}``."""

from __future__ import annotations

from rest_framework import serializers

from media_app.models import Media, Subtitle
from media_app.services.chapters import CHAPTERS_LIMIT, TITLE_LIMIT


def subtitle_src(name: str | None, media: Media) -> str | None:
    """The URL a viewer fetches a track from: as every media file's (a signed link, or a
    presigned one in S3 mode, for media anonymous visitors may not see)."""
    from media_app.api.serializers.media import file_url

    return file_url(name or None, media)


def subtitles_info(rows, media: Media) -> list[dict]:
    """The detail answer's ``subtitles_info`` from rows with ``language``, ``label``, ``file``
    (Subtitle instances or dicts), in language order."""
    info = []
    for row in rows:
        get = row.get if isinstance(row, dict) else lambda key, r=row: getattr(r, key)
        name = get("file")
        name = getattr(name, "name", name)
        info.append(
            {
                "src": subtitle_src(name, media),
                "srclang": get("language"),
                "label": get("label") or get("language"),
            }
        )
    return info


class SubtitleSerializer(serializers.ModelSerializer):
    """One track: ``src`` (a WebVTT file, relative URL), ``srclang`` (= ``language``, a BCP 47
    tag), ``label`` (what the captions menu shows)."""

    src = serializers.SerializerMethodField()
    srclang = serializers.CharField(source="language", read_only=True)
    user = serializers.SerializerMethodField()

    class Meta:
        model = Subtitle
        fields: tuple[str, ...] = (
            "language",
            "srclang",
            "label",
            "src",
            "user",
            "add_date",
            "edit_date",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_src(self, obj: Subtitle) -> str | None:
        return subtitle_src(obj.file.name, obj.media)

    def get_user(self, obj: Subtitle) -> str | None:
        return obj.user.username if obj.user else None


class SubtitleInput(serializers.Serializer):
    file = serializers.FileField(
        help_text="WebVTT (.vtt) or SRT (.srt, converted to WebVTT), UTF-8; at most "
        "SUBTITLE_MAX_BYTES. A bad file is refused naming its line (`line` in the answer)."
    )
    language = serializers.CharField(
        max_length=35, help_text="BCP 47 tag: en, pt-BR, zh-Hant. The same language replaces."
    )
    # DRF's metaclass takes declared fields out of the class: no clash with Field.label.
    label = serializers.CharField(  # type: ignore[assignment]
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="What the captions menu shows; default: the language's name.",
    )


class ChapterSerializer(serializers.Serializer):
    start = serializers.FloatField(min_value=0, help_text="Seconds from the start.")
    title = serializers.CharField(max_length=TITLE_LIMIT)


class ChaptersSerializer(serializers.Serializer):
    chapters = ChapterSerializer(many=True)


class ChaptersInput(serializers.Serializer):
    """For the schema only: the view reads the body itself (a list, or this object)."""

    chapters = serializers.ListField(
        child=serializers.DictField(),
        max_length=CHAPTERS_LIMIT,
        help_text='[{"start": seconds, "title": text}, ...] in order; MediaCMS 7\'s '
        '{"startTime", "endTime", "chapterTitle"} is accepted too (times in seconds or '
        "hh:mm:ss). A bare list is accepted as the body as well. An empty list clears them.",
    )


def chapter_data(media: Media) -> list[dict]:
    """The detail answer's ``chapter_data``: our list, in order."""
    return [
        {"start": c.get("start"), "title": c.get("title")}
        for c in (media.chapters or [])
        if isinstance(c, dict)
    ]
