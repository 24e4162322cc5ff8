"""OpenPress's own endpoints: journalist verification and editorial review of media."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from media_app.api.serializers import absolute_url, file_url
from media_app.api.users import PeopleAPIView, _paginated
from media_app.models import JournalistVerification, Media
from media_app.selectors import review as review_selectors
from media_app.selectors import users as user_selectors
from media_app.selectors.media import media_get_visible
from media_app.services import verification as verification_services
from media_app.services.media import media_review

_PARSERS = (JSONParser, FormParser, MultiPartParser)
_TAGS = ["verification"]


class VerificationSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = JournalistVerification
        fields = (
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
        read_only_fields = fields


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


class VerificationListView(PeopleAPIView):
    permission_classes = (permissions.IsAuthenticated,)
    parser_classes = _PARSERS

    @extend_schema(
        tags=_TAGS,
        summary="Verification requests: every request for editors, the caller's own otherwise",
        parameters=[
            OpenApiParameter("status", str, enum=list(JournalistVerification.Status.values)),
            OpenApiParameter("page", int),
        ],
        responses={200: VerificationSerializer(many=True)},
    )
    def get(self, request):
        qs = user_selectors.verification_list(
            viewer=request.user, status=request.query_params.get("status", "")
        )
        return _paginated(self, request, qs, VerificationSerializer)

    @extend_schema(
        tags=_TAGS,
        summary="Ask to be verified as a journalist",
        description="One request may wait at a time; an editor approves or rejects it.",
        request=VerificationInput,
        responses={201: VerificationSerializer},
    )
    def post(self, request):
        data = VerificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = verification_services.verification_request(
            user=request.user, **data.validated_data
        )
        return Response(VerificationSerializer(record).data, status=status.HTTP_201_CREATED)


class VerificationDetailView(PeopleAPIView):
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


class VerificationDecisionView(PeopleAPIView):
    """``POST …/requests/<id>/approve|reject|revoke`` (editors)."""

    permission_classes = (permissions.IsAuthenticated,)
    parser_classes = _PARSERS

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


class ReviewItemSerializer(serializers.ModelSerializer):
    """Media waiting for an editor, with what an editor needs to decide."""

    user = serializers.CharField(source="user.username", read_only=True)
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    requested_state = serializers.CharField(read_only=True)

    class Meta:
        model = Media
        fields = (
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
        read_only_fields = fields

    def _abs(self, path: str | None) -> str | None:
        return absolute_url(self.context, path)

    def get_url(self, obj: Media) -> str:
        return self._abs(f"/view?m={obj.friendly_token}")

    def get_api_url(self, obj: Media) -> str:
        return self._abs(f"/api/v1/media/{obj.friendly_token}")

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
        fields = ("friendly_token", "is_reviewed", "state", "reviewed_by", "reviewed_at")
        read_only_fields = fields


class ReviewQueueView(PeopleAPIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        tags=["review"],
        summary="Media waiting for an editor's review, oldest first (editors)",
        parameters=[OpenApiParameter("page", int)],
        responses={200: ReviewItemSerializer(many=True)},
    )
    def get(self, request):
        qs = review_selectors.media_review_queue(viewer=request.user)
        return _paginated(self, request, qs, ReviewItemSerializer)


class ReviewVerdictView(PeopleAPIView):
    permission_classes = (permissions.IsAuthenticated,)
    parser_classes = _PARSERS

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
