"""Input and answer of ``POST /api/v1/media/user/bulk_actions`` (MediaCMS's body)."""

from __future__ import annotations

from rest_framework import serializers

from media_app.api.serializers.edit import StringListField
from media_app.models import Media
from media_app.services.bulk import ACTIONS, MAX_ITEMS


class BulkActionInput(serializers.Serializer):
    media_ids = serializers.ListField(
        child=serializers.CharField(max_length=12),
        allow_empty=False,
        max_length=MAX_ITEMS,
        help_text="Friendly tokens of the caller's own media.",
    )
    action = serializers.ChoiceField(choices=ACTIONS)
    state = serializers.ChoiceField(
        choices=Media.State.choices, required=False, help_text="set_state: the visibility."
    )
    playlist_ids = StringListField(
        required=False, help_text="add_to_playlist / remove_from_playlist: playlist tokens."
    )
    category_uids = StringListField(
        required=False,
        help_text="add_to_category / remove_from_category: category uids (or titles).",
    )
    tag_titles = StringListField(required=False, help_text="add_tags / remove_tags.")


class BulkActionResult(serializers.Serializer):
    detail = serializers.CharField()
    action = serializers.CharField()
    changed = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())
