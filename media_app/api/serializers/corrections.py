"""Serializers of corrections (views: ``media_app.api.views.corrections``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from media_app.models import Correction, HistoryEntry, HistoryStamp, Media
from media_app.selectors import history as history_selectors
from media_app.services.history import token_base64


class CorrectionSerializer(serializers.ModelSerializer):
    """One notice: what changed, why, when and by whom, and the media it is about."""

    by = serializers.SerializerMethodField()
    media = serializers.SerializerMethodField()
    media_title = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()

    class Meta:
        model = Correction
        fields: tuple[str, ...] = (
            "id",
            "kind",
            "text",
            "reason",
            "hide_media",
            "created_at",
            "by",
            "media",
            "media_title",
            "media_url",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_by(self, obj: Correction) -> str | None:
        return obj.created_by.username if obj.created_by else None

    def get_media(self, obj: Correction) -> str:
        return obj.media.friendly_token

    def get_media_title(self, obj: Correction) -> str:
        return obj.media.title

    def get_media_url(self, obj: Correction) -> str:
        url = f"/view?m={obj.media.friendly_token}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class CorrectionInput(serializers.Serializer):
    kind = serializers.CharField(max_length=32)
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=100_000)
    reason = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=100_000
    )
    hide_media = serializers.BooleanField(required=False, default=False)


class HistoryEntrySerializer(serializers.ModelSerializer):
    """One link of the chain: ``entry_hash = sha256(prev_hash + payload)`` (UTF-8, hex)."""

    class Meta:
        model = HistoryEntry
        fields: tuple[str, ...] = (
            "seq",
            "kind",
            "created_at",
            "payload",
            "prev_hash",
            "entry_hash",
        )
        read_only_fields: tuple[str, ...] = fields


class HistoryStampSerializer(serializers.ModelSerializer):
    """``digest = sha256(canonical JSON of heads)``; ``token``: base64 of the authority's DER
    TimeStampResp over that digest, or null."""

    token = serializers.SerializerMethodField()

    class Meta:
        model = HistoryStamp
        fields: tuple[str, ...] = ("day", "digest", "heads", "token", "tsa_url", "created_at")
        read_only_fields: tuple[str, ...] = fields

    def get_token(self, obj: HistoryStamp) -> str | None:
        return token_base64(obj)


def corrections_summary(media: Media, *, context: Mapping[str, Any]) -> list[dict]:
    """The newest few corrections of a media, for its detail answer."""
    rows = history_selectors.corrections_of(media=media)[: history_selectors.DETAIL_CORRECTIONS]
    return list(CorrectionSerializer(rows, many=True, context=context).data)
