"""Query parameters of the media endpoints, checked and turned into selector arguments.

Values outside the documented choices answer 400 with the parameter named, rather than being
silently ignored; the selectors (``media_app.selectors.media``) do the filtering.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.fields import empty

from media_app.models import Media
from media_app.selectors.media import DURATION_MINUTES, SORT_FIELDS, UPLOAD_DATE_DAYS

_SORTS = [*SORT_FIELDS, *(f"{f}_{d}" for f in SORT_FIELDS for d in ("asc", "desc"))]


class _OptionalBool(serializers.BooleanField):
    """True, false or not given (a plain BooleanField reads a missing query parameter as false)."""

    default_empty_html = empty


def _choice(choices, **kw):
    return serializers.ChoiceField(
        choices=[*choices], required=False, allow_blank=True, default="", **kw
    )


class _Params(serializers.Serializer):
    def to_kwargs(self) -> dict:
        return {k: v for k, v in self.validated_data.items() if v not in ("", None)}

    @classmethod
    def parse(cls, request) -> dict:
        if request.query_params.keys().isdisjoint(cls._declared_fields):
            # None of ours given (the plain first page): nothing to check, and a serializer
            # with its fields costs a tenth of such a request.
            return {}
        params = cls(data=request.query_params)
        params.is_valid(raise_exception=True)
        return params.to_kwargs()

    @classmethod
    def openapi(cls) -> list[OpenApiParameter]:
        out = []
        for name, field in cls().fields.items():
            kind = bool if isinstance(field, serializers.BooleanField) else str
            enum = list(field.choices) if isinstance(field, serializers.ChoiceField) else None
            out.append(
                OpenApiParameter(
                    field.source if field.source != name and field.source else name,
                    kind,
                    enum=enum,
                    description=field.help_text or "",
                )
            )
        out.append(OpenApiParameter("page", int))
        return out


class _Sorting(_Params):
    sort_by = _choice(_SORTS, help_text="Column; `views_desc` style combines the direction.")
    ordering = _choice(("asc", "desc"))


class MediaListParams(_Sorting):
    author = serializers.CharField(required=False, allow_blank=True, max_length=150)
    show = _choice(
        ("latest", "featured", "recommended", "shared_by_me", "shared_with_me"),
        help_text="OpenPress shares nothing, so the two shared_* views are empty.",
    )
    media_type = _choice(Media.MediaType.values)
    t = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Tag.")
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    upload_date = _choice(UPLOAD_DATE_DAYS)
    duration = _choice(DURATION_MINUTES, help_text="Minutes.")
    publish_state = _choice(
        Media.State.values, help_text="With `author`: the owner's (or an editor's) filter."
    )

    def to_kwargs(self) -> dict:
        kwargs = super().to_kwargs()
        if "t" in kwargs:
            kwargs["tag"] = kwargs.pop("t")
        return kwargs


class SearchParams(_Sorting):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    c = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Category title contains."
    )
    t = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Tag.")
    media_type = _choice(Media.MediaType.values)
    author = serializers.CharField(required=False, allow_blank=True, max_length=150)
    upload_date = _choice(UPLOAD_DATE_DAYS)
    show = _choice(("titles",), help_text="`titles`: at most 40 `{title}` rows, unpaginated.")

    def to_kwargs(self) -> dict:
        kwargs = super().to_kwargs()
        renames = {"c": "category", "t": "tag"}
        return {renames.get(k, k): v for k, v in kwargs.items()}


class ManageMediaParams(_Sorting):
    state = _choice(Media.State.values)
    encoding_status = _choice(Media.EncodingStatus.values)
    media_type = _choice(Media.MediaType.values)
    featured = _OptionalBool(required=False, allow_null=True, default=None)
    is_reviewed = _OptionalBool(
        required=False, allow_null=True, default=None, help_text="false: the review queue."
    )
    reported = _OptionalBool(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: media reported at least once, still public or not (most reported first).",
    )
    category = serializers.CharField(required=False, allow_blank=True, max_length=100)


class CommentListParams(_Params):
    author = serializers.CharField(required=False, allow_blank=True, max_length=150)
