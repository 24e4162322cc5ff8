"""OpenPress's own endpoints: journalist verification and editorial review of media."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions
from rest_framework.response import Response

from media_app.api.base import BaseAPIView, ListCreateView, ListView
from media_app.api.serializers.verification import (
    DecisionInput,
    ReviewItemSerializer,
    ReviewVerdictInput,
    ReviewVerdictOutput,
    VerificationInput,
    VerificationSerializer,
)
from media_app.models import JournalistVerification
from media_app.selectors import review as review_selectors
from media_app.selectors import users as user_selectors
from media_app.selectors.media import media_get_visible
from media_app.services import verification as verification_services
from media_app.services.media import media_review

_TAGS = ["verification"]


@extend_schema_view(
    get=extend_schema(
        tags=_TAGS,
        summary="Verification requests: every request for editors, the caller's own otherwise",
        parameters=[
            OpenApiParameter("status", str, enum=list(JournalistVerification.Status.values)),
            OpenApiParameter("page", int),
        ],
        responses={200: VerificationSerializer(many=True)},
    ),
    post=extend_schema(
        tags=_TAGS,
        summary="Ask to be verified as a journalist",
        description="One request may wait at a time; an editor approves or rejects it.",
        request=VerificationInput,
        responses={201: VerificationSerializer},
    ),
)
class VerificationListView(ListCreateView):
    """``/api/v1/verification/requests``: list requests (GET), ask to be verified (POST)."""

    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = VerificationSerializer
    create_input = VerificationInput

    def list_queryset(self, request):
        return user_selectors.verification_list(
            viewer=request.user, status=request.query_params.get("status", "")
        )

    def perform_create(self, request, data):
        return verification_services.verification_request(user=request.user, **data)


class VerificationDetailView(BaseAPIView):
    """``/api/v1/verification/requests/<id>``: one request."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=_TAGS,
        summary="One verification request (its author or an editor)",
        responses={200: VerificationSerializer},
    )
    def get(self, request, pk):
        record = user_selectors.verification_get(viewer=request.user, pk=pk)
        if record is None:
            raise Http404("No such request.")
        return Response(VerificationSerializer(record).data)


_DECISIONS = {
    "approve": verification_services.verification_approve,
    "reject": verification_services.verification_reject,
    "revoke": verification_services.verification_revoke,
}


class VerificationDecisionView(BaseAPIView):
    """``POST …/requests/<id>/approve|reject|revoke`` (editors)."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=_TAGS,
        summary="Approve or reject a waiting request, or revoke an approved one (editors)",
        operation_id="verification_requests_decide",
        parameters=[
            OpenApiParameter(
                "decision", str, OpenApiParameter.PATH, enum=["approve", "reject", "revoke"]
            )
        ],
        request=DecisionInput,
        responses={200: VerificationSerializer},
    )
    def post(self, request, pk, decision):
        # The role first: a stranger gets the same 403 for every id, whatever its status.
        verification_services.verification_check_decider(by=request.user)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = user_selectors.verification_get_any(pk=pk)
        if record is None:
            raise Http404("No such request.")
        record = _DECISIONS[decision](
            request=record, by=request.user, note=data.validated_data.get("note", "")
        )
        return Response(VerificationSerializer(record).data)


@extend_schema_view(
    get=extend_schema(
        tags=["review"],
        summary="Media waiting for an editor's review, oldest first (editors)",
        parameters=[OpenApiParameter("page", int)],
        responses={200: ReviewItemSerializer(many=True)},
    )
)
class ReviewQueueView(ListView):
    """``GET /api/v1/review/queue``: media waiting for an editor's review."""

    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = ReviewItemSerializer

    def list_queryset(self, request):
        return review_selectors.media_review_queue(viewer=request.user)


class ReviewVerdictView(BaseAPIView):
    """``POST /api/v1/review/<token>``: an editor's verdict on a media."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=["review"],
        summary="Approve (publishes in the state the owner chose) or reject media (editors)",
        request=ReviewVerdictInput,
        responses={200: ReviewVerdictOutput},
    )
    def post(self, request, friendly_token):
        data = ReviewVerdictInput(data=request.data)
        data.is_valid(raise_exception=True)
        media = media_get_visible(user=request.user, friendly_token=friendly_token)
        if media is None:
            raise Http404("No such media.")
        media = media_review(
            media=media,
            by=request.user,
            approve=data.validated_data["result"] == "approve",
            note=data.validated_data.get("note", ""),
        )
        return Response(ReviewVerdictOutput(media).data)
