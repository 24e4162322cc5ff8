"""Serializers of users (views: ``media_app.api.views.users``)."""

from __future__ import annotations

from rest_framework import serializers

from media_app.api.serializers.media import absolute_url, user_thumbnail
from media_app.models import ApiToken, User


class UserSerializer(serializers.ModelSerializer):
    """MediaCMS's user fields, plus OpenPress's verified-journalist badge.

    ``email`` is only shown to the person themself and to managers.
    """

    thumbnail_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    advancedUser = serializers.BooleanField(source="advanced_user", read_only=True)

    class Meta:
        model = User
        fields: tuple[str, ...] = (
            "description",
            "date_added",
            "name",
            "is_featured",
            "thumbnail_url",
            "url",
            "api_url",
            "username",
            "advancedUser",
            "is_editor",
            "is_manager",
            "email_is_verified",
            "is_verified_journalist",
            "verified_outlet",
            "email",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_thumbnail_url(self, obj: User) -> str:
        path = user_thumbnail(obj)
        return absolute_url(self.context, path)

    def get_url(self, obj: User) -> str:
        return absolute_url(self.context, f"/user/{obj.username}")

    def get_api_url(self, obj: User) -> str:
        return absolute_url(self.context, f"/api/v1/users/{obj.username}")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        own_or_managed = (
            viewer is not None
            and viewer.is_authenticated
            and (viewer.pk == instance.pk or viewer.can_manage_users)
        )
        if not own_or_managed:
            data.pop("email", None)
        return data


class WhoamiSerializer(UserSerializer):
    """The caller's own account: everything of :class:`UserSerializer` plus the admin flags."""

    class Meta(UserSerializer.Meta):
        fields: tuple[str, ...] = (*UserSerializer.Meta.fields, "is_superuser", "is_active")
        read_only_fields: tuple[str, ...] = fields


class ManagedUserSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        fields: tuple[str, ...] = (
            *UserSerializer.Meta.fields,
            "is_superuser",
            "is_active",
            "last_login",
        )
        read_only_fields: tuple[str, ...] = fields


class LoginInput(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True, max_length=150)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    password = serializers.CharField(required=False, allow_blank=True, max_length=4096)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Accounts with two-factor authentication: the current code of the "
        "authenticator app, or one of the recovery codes.",
    )
    # The new token's name (default: the User-Agent) and scope (default: manage).
    client = serializers.CharField(required=False, allow_blank=True, max_length=100)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices, required=False, allow_blank=True, default="manage"
    )


class LoginOutput(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.CharField()
    token = serializers.CharField(help_text="A new API token, made for this login.")
    expiry = serializers.DateTimeField(help_text="When the token stops working (ISO 8601).")


class UserCreateInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    name = serializers.CharField(required=False, allow_blank=True, max_length=250)


class UserEditInput(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=250)
    description = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    logo = serializers.FileField(required=False)
    is_editor = serializers.BooleanField(required=False)
    is_manager = serializers.BooleanField(required=False)
    is_featured = serializers.BooleanField(required=False)
    advancedUser = serializers.BooleanField(required=False, source="advanced_user")
    current_password = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4096,
        write_only=True,
        help_text="Your current password: needed to change your own e-mail.",
    )


class UserActionInput(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=("change_password", "approve_user", "disapprove_user", "feature", "unfeature")
    )
    password = serializers.CharField(required=False, allow_blank=True, max_length=4096)
    current_password = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4096,
        help_text="Your current password: needed to change your own password.",
    )
