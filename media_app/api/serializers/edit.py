"""Input of ``PUT /api/v1/media/<token>`` (the edit page, and MediaCMS clients' multipart)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from media_app.models import Media


@extend_schema_field(
    {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
)
class StringListField(serializers.Field):
    """A list of strings, or one comma-separated string; in a form, the field may repeat."""

    default_error_messages = {
        "invalid": "Expected a list of strings or a comma-separated string.",
    }

    def __init__(self, *, max_items: int = 100, **kwargs):
        self.max_items = max_items
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            return values if len(values) > 1 else values[0]
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            items = data.split(",")
        elif isinstance(data, (list, tuple)) and all(isinstance(i, str) for i in data):
            items = [part for item in data for part in item.split(",")]
        else:
            self.fail("invalid")
        items = [item.strip() for item in items if item.strip()]
        if len(items) > self.max_items:
            raise serializers.ValidationError(f"At most {self.max_items} entries.")
        return items

    def to_representation(self, value):
        return value


class _Domains(StringListField):
    """Host names; cleaned (and refused with the bad entry named) by the service."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            return data
        return super().to_internal_value(data)


class MediaEditInput(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=1000)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000)
    state = serializers.ChoiceField(
        choices=Media.State.choices,
        required=False,
        help_text="Visibility. Widening it may wait for an editor's review (private until then).",
    )
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=35,
        help_text="BCP 47 tag of the language spoken or written in the media (en, fr, pt-BR); "
        "blank when unknown. Search stems its words in that language.",
    )
    enable_comments = serializers.BooleanField(required=False)
    allow_download = serializers.BooleanField(required=False)
    featured = serializers.BooleanField(required=False, help_text="Editors only.")
    tags = StringListField(
        required=False,
        help_text="Tag titles: a list, or one comma-separated string. Replaces the media's tags; "
        "new tags are created.",
    )
    categories = StringListField(
        required=False, help_text="Category titles or uids (list or comma-separated)."
    )
    category = StringListField(required=False, help_text="MediaCMS's name for `categories`.")
    embed_domains = _Domains(
        required=False,
        help_text="Host names that may embed this media besides the site's list (list, or one "
        "string separated by commas or spaces); `none` alone: no other site.",
    )
    thumbnail_time = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="Seconds into the video: the poster and thumbnail are drawn again from that "
        "frame (in the request).",
    )
    thumbnail = serializers.FileField(
        required=False,
        help_text="An image (JPEG, PNG, WebP, GIF) to use as poster and thumbnail; its metadata "
        "is removed.",
    )
    media_file = serializers.FileField(
        required=False,
        help_text="A new file for this media: encoded again; the token and page stay. The "
        "upload quota applies.",
    )
