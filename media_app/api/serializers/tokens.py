"""Serializers of tokens (views: ``media_app.api.views.tokens``)."""

from __future__ import annotations

from rest_framework import serializers

from media_app.models import ApiToken
from media_app.services import tokens as token_services


class ApiTokenSerializer(serializers.ModelSerializer):
    """What is known of a token once made: never its key."""

    expired = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields: tuple[str, ...] = (
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "last_used_at",
            "expires_at",
            "expired",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_expired(self, obj: ApiToken) -> bool:
        return token_services.token_expired(obj)


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(help_text="The key: shown this once, stored only as a hash.")

    class Meta(ApiTokenSerializer.Meta):
        fields: tuple[str, ...] = (*ApiTokenSerializer.Meta.fields, "key")
        read_only_fields: tuple[str, ...] = fields


class TokenCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="Which client will hold it.")
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices,
        default=ApiToken.Scope.MANAGE,
        help_text="read: GET only; upload: read and upload media; manage: everything.",
    )
