"""Accounts over /api/v1: login, token, whoami, users, manage_users (MediaCMS's shapes)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from media_app.api.mfa import check_login_otp
from media_app.api.serializers import absolute_url, user_thumbnail
from media_app.models import ApiToken, User
from media_app.selectors import users as user_selectors
from media_app.services import tokens as token_services
from media_app.services import users as user_services
from media_app.services.errors import ServiceError


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
        fields = (
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
        read_only_fields = fields

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
        fields = (*UserSerializer.Meta.fields, "is_superuser", "is_active")
        read_only_fields = fields


class ManagedUserSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        fields = (*UserSerializer.Meta.fields, "is_superuser", "is_active", "last_login")
        read_only_fields = fields


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


_PARSERS = (JSONParser, FormParser, MultiPartParser)


class PeopleAPIView(APIView):
    """Base of the people views (refusals from services are answered by ``api/errors.py``)."""


class LoginView(PeopleAPIView):
    """``POST /api/v1/login``: credentials in, API token out."""

    permission_classes = (permissions.AllowAny,)
    # Credentials are checked here, not a session: no CSRF token is needed to log in.
    authentication_classes = ()
    parser_classes = _PARSERS

    @extend_schema(
        tags=["users"],
        summary="Log in: username and/or e-mail plus password; answers a new API token",
        description="Every login makes a new token (named by `client`/`name`, else the "
        "User-Agent; scope `manage` unless `scope` says `read` or `upload`), valid "
        "API_TOKEN_DAYS days. Other clients' tokens keep working.",
        request=LoginInput,
        responses={200: LoginOutput},
    )
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        token_fields = {k: fields.pop(k, "") for k in ("client", "name", "scope")}
        otp = fields.pop("otp", "")
        user = user_services.user_login(request=request, **fields)
        # Two-factor: an account with a second factor also gives `otp` (services/mfa.py).
        check_login_otp(user=user, otp=otp)
        made = token_services.token_create(
            user=user,
            name=token_fields["client"] or token_fields["name"] or _client_name(request),
            scope=token_fields["scope"],
        )
        return Response(
            {
                "username": user.username,
                "email": user.email,
                "token": made.key,
                "expiry": made.expiry.isoformat(),
            }
        )


def _client_name(request) -> str:
    return request.headers.get("User-Agent", "").strip() or "API client"


_TOKEN_OUT = inline_serializer("TokenOut", {"token": serializers.CharField()})


class UserTokenView(PeopleAPIView):
    """``/api/v1/user/token``: MediaCMS's "my token" (GET) and signing a client out (DELETE).

    Keys are stored hashed, so an old key cannot be shown again: called with a token, GET
    answers that same key; called with a session or Basic auth, it makes a new ``manage`` token
    named after the User-Agent.
    """

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=["users"],
        summary="An API token: the one the request carries, else a new one",
        description="With `Authorization: Token <key>` this answers that key. With a session "
        "or Basic auth it makes a new token (scope manage, valid API_TOKEN_DAYS days): keys are "
        "stored hashed and cannot be shown twice. List and revoke tokens at /api/v1/user/tokens.",
        responses={200: _TOKEN_OUT},
    )
    def get(self, request):
        if isinstance(request.auth, ApiToken):
            return Response({"token": request.auth.presented_key})
        made = token_services.token_create(user=request.user, name=_client_name(request))
        return Response({"token": made.key})

    @extend_schema(
        tags=["users"],
        summary="Revoke the token this request carries (sign this client out)",
        description="Any scope may revoke itself. The caller's other tokens keep working.",
        responses={
            204: None,
            400: inline_serializer("NoToken", {"detail": serializers.CharField()}),
        },
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ServiceError(
                "This request carries no API token to revoke: call it with "
                "`Authorization: Token <key>`, or revoke a token by id with "
                "DELETE /api/v1/user/tokens/<id>."
            )
        token_services.token_revoke(token_id=request.auth.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WhoamiView(PeopleAPIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=["users"], summary="The caller's account", responses={200: WhoamiSerializer}
    )
    def get(self, request):
        return Response(WhoamiSerializer(request.user, context={"request": request}).data)


class UserListView(PeopleAPIView):
    """``GET /api/v1/users`` (anyone) and ``POST`` (managers create an account)."""

    parser_classes = _PARSERS

    @extend_schema(
        tags=["users"],
        summary="List people",
        parameters=[
            OpenApiParameter("name", str, description="Part of a name or username."),
            OpenApiParameter("page", int),
        ],
        responses={200: UserSerializer(many=True)},
    )
    def get(self, request):
        qs = user_selectors.user_list(
            viewer=request.user, name=request.query_params.get("name", "")
        )
        return _paginated(self, request, qs, UserSerializer)

    @extend_schema(
        tags=["users"],
        summary="Create an account (managers)",
        request=UserCreateInput,
        responses={201: UserSerializer},
    )
    def post(self, request):
        data = UserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_services.user_create(by=request.user, **data.validated_data)
        return Response(
            UserSerializer(user, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


def _paginated(view, request, qs, serializer_class):
    from rest_framework.settings import api_settings

    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(qs, request, view=view)
    data = serializer_class(page, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)


class UserDetailView(PeopleAPIView):
    """``/api/v1/users/<username>``: read, edit (PUT, or POST without ``action``), act, delete."""

    parser_classes = _PARSERS

    def _user(self, request, username: str) -> User:
        user = user_selectors.user_get(viewer=request.user, username=username)
        if user is None:
            raise Http404("No such user.")
        return user

    def _out(self, request, user, code=status.HTTP_200_OK):
        return Response(UserSerializer(user, context={"request": request}).data, status=code)

    @extend_schema(tags=["users"], summary="A person's profile", responses={200: UserSerializer})
    def get(self, request, username):
        return self._out(request, self._user(request, username))

    @extend_schema(
        tags=["users"],
        summary="Edit a profile (the user, or a manager for people below them); roles by "
        "managers only; your own e-mail with `current_password`",
        request=UserEditInput,
        responses={201: UserSerializer},
    )
    def put(self, request, username):
        user = self._user(request, username)
        data = UserEditInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        current = fields.pop("current_password", None)
        user = user_services.user_update(
            user=user, by=request.user, data=fields, current_password=current
        )
        return self._out(request, user, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["users"],
        summary="change_password (the user with `current_password`, or a manager for people "
        "below them), approve_user / disapprove_user (managers); without `action`, edits the "
        "profile like PUT",
        request=UserActionInput,
        operation_id="users_action",
        responses={201: UserSerializer},
    )
    def post(self, request, username):
        if "action" not in request.data:
            return self.put(request, username)
        user = self._user(request, username)
        data = UserActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        action = data.validated_data["action"]
        if action == "change_password":
            user_services.user_change_password(
                user=user,
                by=request.user,
                password=data.validated_data.get("password", ""),
                current_password=data.validated_data.get("current_password"),
            )
        elif action in ("approve_user", "disapprove_user"):
            user_services.user_set_approved(
                user=user, by=request.user, approved=action == "approve_user"
            )
        else:
            user_services.user_update(
                user=user, by=request.user, data={"is_featured": action == "feature"}
            )
        return self._out(request, user, status.HTTP_201_CREATED)

    @extend_schema(tags=["users"], summary="Delete an account (managers)", responses={204: None})
    def delete(self, request, username):
        user_services.user_delete(user=self._user(request, username), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ManageUsersView(PeopleAPIView):
    """``/api/v1/manage_users``: managers list every account and delete several at once."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=["users"],
        summary="Every account, for managers",
        parameters=[
            OpenApiParameter("name", str),
            OpenApiParameter("role", str, enum=["editor", "manager", "journalist", "admin"]),
            OpenApiParameter("page", int),
        ],
        responses={200: ManagedUserSerializer(many=True)},
    )
    def get(self, request):
        qs = user_selectors.users_for_management(
            viewer=request.user,
            name=request.query_params.get("name", ""),
            role=request.query_params.get("role", ""),
        )
        return _paginated(self, request, qs, ManagedUserSerializer)

    @extend_schema(
        tags=["users"],
        summary="Delete accounts: ?tokens=username1,username2",
        parameters=[OpenApiParameter("tokens", str, required=True)],
        responses={204: None},
    )
    def delete(self, request):
        names = [n.strip() for n in request.query_params.get("tokens", "").split(",") if n.strip()]
        if not names:
            raise ServiceError("Name the accounts to delete in ?tokens=.", field="tokens")
        user_services.users_delete(usernames=names, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
