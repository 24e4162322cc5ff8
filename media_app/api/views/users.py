"""Accounts over /api/v1: login, token, whoami, users, manage_users (MediaCMS's shapes)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.response import Response

from media_app.api.base import BaseAPIView, ListBulkDeleteView, ListCreateView
from media_app.api.serializers.users import (
    LoginInput,
    LoginOutput,
    ManagedUserSerializer,
    UserActionInput,
    UserCreateInput,
    UserEditInput,
    UserSerializer,
    WhoamiSerializer,
)
from media_app.api.views.mfa import check_login_otp
from media_app.models import ApiToken, User
from media_app.selectors import users as user_selectors
from media_app.services import tokens as token_services
from media_app.services import users as user_services
from media_app.services.errors import ServiceError


class LoginView(BaseAPIView):
    """``POST /api/v1/login``: credentials in, API token out."""

    permission_classes = (permissions.AllowAny,)
    # Credentials are checked here, not a session: no CSRF token is needed to log in.
    authentication_classes = ()

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


class UserTokenView(BaseAPIView):
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
            return Response({"token": getattr(request.auth, "presented_key")})  # noqa: B009
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


class WhoamiView(BaseAPIView):
    """``GET /api/v1/whoami``: the caller's own account."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=["users"], summary="The caller's account", responses={200: WhoamiSerializer}
    )
    def get(self, request):
        return Response(WhoamiSerializer(request.user, context={"request": request}).data)


@extend_schema_view(
    get=extend_schema(
        tags=["users"],
        summary="List people",
        parameters=[
            OpenApiParameter("name", str, description="Part of a name or username."),
            OpenApiParameter("page", int),
        ],
        responses={200: UserSerializer(many=True)},
    ),
    post=extend_schema(
        tags=["users"],
        summary="Create an account (managers)",
        request=UserCreateInput,
        responses={201: UserSerializer},
    ),
)
class UserListView(ListCreateView):
    """``GET /api/v1/users`` (anyone) and ``POST`` (managers create an account)."""

    serializer_class = UserSerializer
    create_input = UserCreateInput

    def list_queryset(self, request):
        return user_selectors.user_list(
            viewer=request.user, name=request.query_params.get("name", "")
        )

    def perform_create(self, request, data):
        return user_services.user_create(by=request.user, **data)


class UserDetailView(BaseAPIView):
    """``/api/v1/users/<username>``: read, edit (PUT, or POST without ``action``), act, delete."""

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


@extend_schema_view(
    get=extend_schema(
        tags=["users"],
        summary="Every account, for managers",
        parameters=[
            OpenApiParameter("name", str),
            OpenApiParameter("role", str, enum=["editor", "manager", "journalist", "admin"]),
            OpenApiParameter("page", int),
        ],
        responses={200: ManagedUserSerializer(many=True)},
    ),
    delete=extend_schema(
        tags=["users"],
        summary="Delete accounts: ?tokens=username1,username2",
        parameters=[OpenApiParameter("tokens", str, required=True)],
        responses={204: None},
    ),
)
class ManageUsersView(ListBulkDeleteView):
    """``/api/v1/manage_users``: managers list every account and delete several at once."""

    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = ManagedUserSerializer
    bulk_delete_param = "tokens"

    def list_queryset(self, request):
        return user_selectors.users_for_management(
            viewer=request.user,
            name=request.query_params.get("name", ""),
            role=request.query_params.get("role", ""),
        )

    def perform_bulk_delete(self, request, names):
        user_services.users_delete(usernames=names, by=request.user)
