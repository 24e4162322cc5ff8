"""Serializers of verification (views: ``media_app.api.views.verification``)."""

from __future__ import annotations

from rest_framework import serializers

from media_app.api.serializers.media import absolute_url, file_url
from media_app.models import JournalistVerification, Media


class VerificationSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = JournalistVerification
        fields: tuple[str, ...] = (
            "id",
            "user",
            "outlet",
            "role",
            "evidence_links",
            "statement",
            "status",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        )
        read_only_fields: tuple[str, ...] = fields


class VerificationInput(serializers.Serializer):
    outlet = serializers.CharField(max_length=200, help_text="The outlet, or 'independent'.")
    role = serializers.CharField(max_length=200, help_text="Reporter, editor, photographer…")
    evidence_links = serializers.ListField(
        child=serializers.CharField(max_length=500),
        help_text="Links to published work or a staff page (1 to 10).",
    )
    statement = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ReviewItemSerializer(serializers.ModelSerializer):
    """Media waiting for an editor, with what an editor needs to decide."""

    user = serializers.CharField(source="user.username", read_only=True)
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    requested_state = serializers.CharField(read_only=True)

    class Meta:
        model = Media
        fields: tuple[str, ...] = (
            "friendly_token",
            "title",
            "description",
            "user",
            "add_date",
            "media_type",
            "state",
            "requested_state",
            "encoding_status",
            "is_reviewed",
            "reported_times",
            "url",
            "api_url",
            "thumbnail_url",
        )
        read_only_fields: tuple[str, ...] = fields

    def _abs(self, path: str | None) -> str | None:
        return absolute_url(self.context, path)

    def get_url(self, obj: Media) -> str:
        return absolute_url(self.context, f"/view?m={obj.friendly_token}")

    def get_api_url(self, obj: Media) -> str:
        return absolute_url(self.context, f"/api/v1/media/{obj.friendly_token}")

    def get_thumbnail_url(self, obj: Media) -> str | None:
        return self._abs(file_url(obj.thumbnail.name or None, obj))


class ReviewVerdictInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=("approve", "reject"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ReviewVerdictOutput(serializers.ModelSerializer):
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Media
        fields: tuple[str, ...] = (
            "friendly_token",
            "is_reviewed",
            "state",
            "reviewed_by",
            "reviewed_at",
        )
        read_only_fields: tuple[str, ...] = fields
