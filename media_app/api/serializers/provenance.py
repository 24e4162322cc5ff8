"""Serializers of provenance (views: ``media_app.api.views.provenance``)."""

from __future__ import annotations

from rest_framework import serializers


class VerifyInput(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The file to check.")
    manifest = serializers.FileField(
        required=False,
        help_text="An HLS rendition's manifest.c2pa, when file is its init.mp4 followed by its "
        "segments in playlist order.",
    )
    url = serializers.URLField(
        required=False, help_text="Instead of a file: the URL of a media file of this site."
    )


class VerifyAnswer(serializers.Serializer):
    unaltered = serializers.BooleanField()
    message = serializers.CharField()
    sha256 = serializers.CharField()
    match = serializers.ChoiceField(choices=["sha256", "manifest"], allow_null=True)
    file = serializers.CharField(allow_null=True)
    media = serializers.DictField(allow_null=True)
    credentials = serializers.DictField()
