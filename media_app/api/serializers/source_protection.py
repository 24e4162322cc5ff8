"""Serializers of source protection (views: ``media_app.api.views.source_protection``)."""

from __future__ import annotations

from rest_framework import serializers

from media_app.models import Media


class OriginalStateSerializer(serializers.Serializer):
    original_unchanged = serializers.BooleanField(
        help_text="Downloads get the original as uploaded (its owner confirmed it)."
    )
    original_unchanged_confirmed_at = serializers.DateTimeField(allow_null=True)
    public_file_ready = serializers.BooleanField(
        help_text="The clean copy and the list of what the original revealed are made."
    )
    metadata_found = serializers.ListField(
        child=serializers.DictField(),
        help_text="group (location, device, serial, author, software, created, other "
        "identifying), name, value, removed (from every public copy); GPS with lat and lon.",
    )


class OriginalInput(serializers.Serializer):
    publish_unchanged = serializers.BooleanField()
    confirm = serializers.BooleanField(required=False, default=False)


def original_state(media: Media) -> dict:
    return {
        "original_unchanged": media.original_unchanged_confirmed_at is not None,
        "original_unchanged_confirmed_at": media.original_unchanged_confirmed_at,
        "public_file_ready": bool(media.public_file),
        "metadata_found": list(media.metadata_found or []),
    }
