"""``/api/v1/user/tokens``: the caller's named API tokens, listed, made and revoked.

A token cannot make other tokens: a leaked key must not be able to mint successors that outlive
its own revocation. New tokens come from a password login (``POST /api/v1/login``), a session
(the account page) or Basic auth.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response

from media_app.api.base import BaseAPIView
from media_app.api.serializers.tokens import (
    ApiTokenSerializer,
    NewApiTokenSerializer,
    TokenCreateInput,
)
from media_app.models import ApiToken
from media_app.selectors.tokens import token_list
from media_app.services import tokens as token_services
from media_app.services.errors import NotAllowed

_DETAIL = OpenApiResponse(description="`{detail}` says why")


class UserTokensView(BaseAPIView):
    """``/api/v1/user/tokens``: the caller's tokens (GET, unpaginated) and a new one (POST)."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=["users"],
        summary="The caller's API tokens (name, prefix, scope, dates; never the keys)",
        responses={200: ApiTokenSerializer(many=True)},
    )
    def get(self, request):
        rows = token_list(user=request.user)
        return Response(ApiTokenSerializer(rows, many=True).data)

    @extend_schema(
        tags=["users"],
        summary="Make a named token; its key is in this answer only",
        description="Needs a session or Basic auth: a token cannot make tokens. Valid "
        "API_TOKEN_DAYS days.",
        request=TokenCreateInput,
        responses={201: NewApiTokenSerializer, 400: _DETAIL, 403: _DETAIL},
    )
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            raise NotAllowed(
                "A token cannot make other tokens: log in with your password "
                "(POST /api/v1/login, or /accounts/tokens/ in a browser)."
            )
        data = TokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = token_services.token_create(user=request.user, **data.validated_data)
        body = {**ApiTokenSerializer(made.token).data, "key": made.key}
        return Response(body, status=status.HTTP_201_CREATED)


class UserTokenDetailView(BaseAPIView):
    """``DELETE /api/v1/user/tokens/<id>``: revoke one of the caller's tokens."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=["users"],
        summary="Revoke one of the caller's tokens",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={204: None, 404: _DETAIL},
    )
    def delete(self, request, pk: int):
        token_services.token_revoke(token_id=int(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
