"""Media, comments, actions, search, taxonomy and the editors' tables over /api/v1.

MediaCMS's paths, methods and field names. Which media a caller may see is decided by
``media_app.selectors.media`` only; what they may change, by the services. Hidden and unknown
media look the same (404), so a private media's existence is never revealed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import StopUpload
from django.db import OperationalError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from psycopg.errors import QueryCanceled
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import (
    AnonRateThrottle,
    BaseThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)

from media_app import storage
from media_app.api import filters
from media_app.api.base import BaseAPIView, ListBulkDeleteView, ListView
from media_app.api.caching import cached_for_anonymous
from media_app.api.pagination import MediaPagination, SearchPagination, StandardPagination
from media_app.api.permissions import AnyoneMayAct, IsEditor, ReadOrLoggedIn
from media_app.api.serializers import edit
from media_app.api.serializers import media as s
from media_app.api.views.uploads import upload_create_throttles, upload_throttled
from media_app.models import Comment, EncodeProfile, Media, MediaAction
from media_app.selectors import media as selectors
from media_app.selectors import search
from media_app.services import actions as action_services
from media_app.services import comments as comment_services
from media_app.services import media as media_services
from media_app.services import uploads_s3
from media_app.services.errors import UploadTooLarge
from media_app.services.quotas import upload_quota_check
from media_app.uploads import BucketUploadHandler, StreamedToBucket

_DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})
_TOKEN = OpenApiParameter("friendly_token", str, OpenApiParameter.PATH)
# What a multipart body holds besides the file (boundaries, title, description, state).
_FORM_SLACK = 64 * 1024


class _MediaAPIView(BaseAPIView):
    """Base of these views; ``queryset`` only tells the schema what the path parameters are."""

    queryset: QuerySet[Any] = Media.objects.none()
    permission_classes: Sequence[type[BasePermission]] = (ReadOrLoggedIn,)


def _upload_too_large() -> UploadTooLarge:
    from django.conf import settings

    return UploadTooLarge(
        f"The file is larger than the limit of {settings.UPLOAD_MAX_SIZE} bytes.",
        field="media_file",
    )


class MediaListView(_MediaAPIView):
    """``GET /api/v1/media``: the listing; ``POST``: upload (multipart ``media_file``)."""

    parser_classes = (MultiPartParser, FormParser)
    serializer_class = s.MediaSerializer
    page_class = MediaPagination  # MediaCMS's pages of media also carry the page's tags

    def get_throttles(self):
        return upload_create_throttles() if self.request.method == "POST" else []

    def throttled(self, request, wait):
        upload_throttled(wait)

    def initialize_request(self, request, *args, **kwargs):
        if request.method == "POST" and storage.s3_mode():
            # S3 mode: the file goes to the bucket part by part as it arrives, never whole into
            # memory or a temporary file. Set before anything reads the form (CSRF included).
            request.upload_handlers = [BucketUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            stream = getattr(request, "bucket_stream", None)
            if stream is not None:
                stream.discard()  # nothing left in the bucket unless a Media took it

    @extend_schema(
        tags=["media"],
        summary="List media anyone may find (an author's own media too, for them and editors)",
        parameters=filters.MediaListParams.openapi(),
        responses={200: s.MediaSerializer(many=True)},
    )
    @cached_for_anonymous
    def get(self, request):
        kwargs = filters.MediaListParams.parse(request)
        if kwargs.get("show") in ("shared_by_me", "shared_with_me"):
            # Nothing is shared in OpenPress (visibility is public, unlisted or private).
            qs = Media.objects.none()
            ids = None
        else:
            qs = selectors.media_listing(user=request.user, **kwargs)
            ids = selectors.media_search_ids(**kwargs)  # words alone: the public list's ids
        return self.paginated(qs, s.MediaSerializer, rows=s.MediaSerializer.rows, ids=ids)

    @extend_schema(
        tags=["media"],
        summary="Upload media (logged in)",
        description="Streamed to storage; the type is read from the content; encoding starts "
        "once the upload is saved. A registered user's upload stays private until reviewed. "
        "Counts against the account's upload quota (413 names it) and the upload-creation "
        "rate (429 with Retry-After).",
        request={"multipart/form-data": s.MediaUploadInput},
        responses={
            201: s.SingleMediaSerializer,
            400: _DETAIL,
            403: _DETAIL,
            413: _DETAIL,
            429: _DETAIL,
        },
    )
    def post(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit():
            # Refused before the form is read when even the declared body cannot fit (less
            # the form's own fields); media_create checks the file's exact size again.
            upload_quota_check(user=request.user, adding=max(0, int(declared) - _FORM_SLACK))
        try:
            data = s.MediaUploadInput(data=request.data)
        except StopUpload:
            raise _upload_too_large() from None
        if getattr(request, "upload_too_large", False):
            raise _upload_too_large()
        data.is_valid(raise_exception=True)
        uploaded = data.validated_data["media_file"]
        fields = {
            "title": data.validated_data.get("title", ""),
            "description": data.validated_data.get("description", ""),
            "state": data.validated_data.get("state", Media.State.PUBLIC),
            "language": data.validated_data.get("language", ""),
        }
        if isinstance(uploaded, StreamedToBucket):
            media = uploads_s3.media_from_stream(
                user=request.user, stream=uploaded.stream, filename=uploaded.name or "", **fields
            )
        else:
            media = media_services.media_create(user=request.user, uploaded_file=uploaded, **fields)
        detail = selectors.media_detail(user=request.user, friendly_token=media.friendly_token)
        body = s.SingleMediaSerializer(detail, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def handle_exception(self, exc):
        # The size check may stop the upload while authentication reads the form (CSRF).
        if isinstance(exc, StopUpload) and getattr(self.request, "upload_too_large", False):
            exc = _upload_too_large()
        return super().handle_exception(exc)


class MediaDetailView(_MediaAPIView):
    """``/api/v1/media/<token>``: detail, edit (PUT), editor actions (POST), delete."""

    serializer_class = s.MediaDetailSerializer
    lookup_field = "friendly_token"

    def _detail(self, request, friendly_token: str, code=status.HTTP_200_OK) -> Response:
        media = selectors.media_detail(user=request.user, friendly_token=friendly_token)
        if media is None:
            raise Http404("Media not found.")
        context = {
            "request": request,
            "encode_profiles": list(
                EncodeProfile.objects.filter(active=True, resolution__isnull=False)
            ),
        }
        return Response(s.MediaDetailSerializer(media, context=context).data, status=code)

    @extend_schema(
        tags=["media"],
        summary="A media with its renditions, HLS playlists and related media",
        responses={200: s.MediaDetailSerializer, 404: _DETAIL},
    )
    @cached_for_anonymous
    def get(self, request, friendly_token):
        return self._detail(request, friendly_token)

    @extend_schema(
        tags=["media"],
        summary="Edit (owner or editor): text, tags, categories, visibility, switches, embedding "
        "domains, thumbnail (a time or an image), or a new file",
        description="JSON or multipart (MediaCMS clients send multipart title/description). Only "
        "the fields sent change; one transaction: a 400 (naming the field) changes nothing. "
        "`thumbnail_time` draws the poster and thumbnail from that frame; `thumbnail` (an "
        "image) replaces them; `media_file` replaces the file (encoded again, same token and "
        "page; the upload quota applies, 413). Someone else's media: 404.",
        request={
            "application/json": edit.MediaEditInput,
            "multipart/form-data": edit.MediaEditInput,
        },
        responses={
            201: s.MediaDetailSerializer,
            400: _DETAIL,
            403: _DETAIL,
            404: _DETAIL,
            413: _DETAIL,
        },
    )
    def put(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        if not selectors.user_can_edit_media(user=request.user, media=media):
            # Editing someone else's media: as if it did not exist (as hidden media).
            raise Http404("Media not found.")
        try:
            data = edit.MediaEditInput(data=request.data, partial=True)
        except StopUpload:
            raise _upload_too_large() from None
        data.is_valid(raise_exception=True)
        media_services.media_update(media=media, by=request.user, data=dict(data.validated_data))
        return self._detail(request, friendly_token, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["media"],
        summary="Editor actions: encode again, review (result true/false), feature",
        operation_id="media_editor_action",
        request=s.MediaEditorActionInput,
        responses={201: _DETAIL, 400: _DETAIL, 403: _DETAIL, 404: _DETAIL},
    )
    def post(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        data = s.MediaEditorActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["type"]
        if kind == "encode":
            from media_app.services.encoding import encoding_restart

            encoding_restart(media=media, by=request.user)
            detail = "media will be encoded"
        elif kind == "review":
            approve = data.validated_data["result"]
            media_services.media_review(
                media=media,
                by=request.user,
                approve=approve,
                note=data.validated_data.get("note", ""),
            )
            detail = "media was approved" if approve else "media was rejected"
        else:
            featured = kind == "feature"
            media_services.media_set_featured(media=media, by=request.user, featured=featured)
            detail = "media is featured" if featured else "media is no longer featured"
        return Response({"detail": detail}, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["media"],
        summary="Delete (owner or editor)",
        responses={204: None, 403: _DETAIL, 404: _DETAIL},
    )
    def delete(self, request, friendly_token):
        media_services.media_delete(media=self.visible_media(friendly_token), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaCommentsView(_MediaAPIView):
    """``/api/v1/media/<token>/comments``: read (whoever may see the media), write (logged in)."""

    serializer_class = s.CommentSerializer

    @extend_schema(
        tags=["comments"],
        summary="Comments of a media, newest first",
        parameters=[OpenApiParameter("page", int)],
        responses={200: s.CommentSerializer(many=True), 404: _DETAIL},
    )
    def get(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        return self.paginated(selectors.comments_of_media(media=media), s.CommentSerializer)

    @extend_schema(
        tags=["comments"],
        summary="Comment (logged in); `parent` is the uid of the comment answered",
        request=s.CommentInput,
        responses={201: s.CommentSerializer, 400: _DETAIL, 403: _DETAIL, 404: _DETAIL},
    )
    def post(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        data = s.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = comment_services.comment_create(
            media=media,
            user=request.user,
            text=data.validated_data["text"],
            parent_uid=data.validated_data.get("parent"),
        )
        body = s.CommentSerializer(comment, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class MediaCommentView(_MediaAPIView):
    queryset = Comment.objects.none()

    @extend_schema(
        tags=["comments"],
        summary="Delete a comment (its author, the media's owner or an editor)",
        parameters=[_TOKEN],
        responses={204: None, 403: _DETAIL, 404: _DETAIL},
    )
    def delete(self, request, friendly_token, uid):
        media = self.visible_media(friendly_token)
        comment = selectors.comment_get(media=media, uid=uid)
        if comment is None:
            raise Http404("Comment not found.")
        comment_services.comment_delete(comment=comment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        tags=["comments"],
        summary="Recent comments on media anyone may find",
        parameters=filters.CommentListParams.openapi(),
        responses={200: s.CommentSerializer(many=True)},
    )
)
class CommentListView(ListView, _MediaAPIView):
    """``GET /api/v1/comments`` (``?author=``): comments on media the caller may list."""

    queryset = Comment.objects.none()
    serializer_class = s.CommentSerializer

    def list_queryset(self, request):
        kwargs = filters.CommentListParams.parse(request)
        return selectors.comments_listing(user=request.user, **kwargs)


class _RatesFromSettings:
    """Read the rate when asked (DRF reads it once at import), so a settings change applies."""

    scope: str

    def get_rate(self):
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class _ActionAnonThrottle(_RatesFromSettings, AnonRateThrottle):
    scope = "media_action_anon"


class _ActionUserThrottle(_RatesFromSettings, UserRateThrottle):
    scope = "media_action_user"


class _ReportRate(SimpleRateThrottle):
    """A report budget keyed by ``ident``; the rate is read from ``settings.<rate_setting>``."""

    rate_setting = ""

    def __init__(self, scope: str, ident: str):
        self.scope, self.ident = scope, ident
        super().__init__()

    def get_rate(self):
        from django.conf import settings

        return getattr(settings, self.rate_setting)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


class _PerClientReports(_ReportRate):
    rate_setting = "REPORT_RATE_PER_CLIENT"


class _PerMediaReports(_ReportRate):
    rate_setting = "REPORT_RATE_PER_MEDIA"


class _ReportThrottle(BaseThrottle):
    """Reports only: a budget per client address, then one per media.

    The client address is DRF's ``get_ident`` (``NUM_PROXIES`` decides which address is the
    client's), signed in or not: many accounts from one place share one budget. The media budget
    is only spent by requests the client budget let through, so one noisy client cannot use up
    everyone's reports on a media.
    """

    def __init__(self):
        self._refused = None

    def allow_request(self, request, view):
        data = request.data
        if not (hasattr(data, "get") and data.get("type") == MediaAction.Action.REPORT):
            return True
        budgets = (
            _PerClientReports("media_report_client", self.get_ident(request)),
            _PerMediaReports("media_report_media", view.kwargs["friendly_token"]),
        )
        for budget in budgets:
            if not budget.allow_request(request, view):
                self._refused = budget
                return False
        return True

    def wait(self):
        return self._refused.wait() if self._refused else None


def session_key_of(request, *, create: bool) -> str | None:
    """The anonymous visitor's session key; ``create`` starts a session if there is none."""
    session = request.session
    if not session.session_key and create:
        # A value makes the session "modified", so the middleware sends its cookie back.
        session["visitor"] = True
        session.save()
    return session.session_key


class MediaActionsView(_MediaAPIView):
    """``/api/v1/media/<token>/actions``: like, dislike, report, watch; report history; reset."""

    permission_classes = (AnyoneMayAct,)

    def get_throttles(self):
        if self.request.method == "POST":
            return [_ActionAnonThrottle(), _ActionUserThrottle(), _ReportThrottle()]
        return []

    def throttled(self, request, wait):
        # DRF adds "Expected available in N seconds." and the Retry-After header.
        raise exceptions.Throttled(
            wait=wait, detail="Too many actions from your address, or reports on this media."
        )

    @extend_schema(
        tags=["actions"],
        summary="Report history (owner or editor)",
        responses={
            200: inline_serializer("Reports", {"reported": s.ReportSerializer(many=True)}),
            403: _DETAIL,
            404: _DETAIL,
        },
    )
    def get(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        reports = selectors.media_reports(media=media, viewer=request.user)
        return Response({"reported": s.ReportSerializer(reports, many=True).data})

    @extend_schema(
        tags=["actions"],
        summary="Like, dislike, report or watch (anyone; anonymous visitors by session)",
        request=s.ActionInput,
        responses={201: _DETAIL, 400: _DETAIL, 404: _DETAIL, 429: _DETAIL},
    )
    def post(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        data = s.ActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        anonymous = not request.user.is_authenticated
        action_services.media_action_record(
            media=media,
            user=request.user,
            session_key=session_key_of(request, create=True) if anonymous else None,
            action=data.validated_data["type"],
            extra_info=data.validated_data.get("extra_info", ""),
        )
        return Response({"detail": "action received"}, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["actions"],
        summary="Reset the reports of a media (editors): `{type: report}`",
        request=s.ActionResetInput,
        responses={204: None, 403: _DETAIL, 404: _DETAIL},
    )
    def delete(self, request, friendly_token):
        media = self.visible_media(friendly_token)
        data = s.ActionResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        action_services.media_reports_reset(media=media, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def check_permissions(self, request):
        super().check_permissions(request)
        if request.method == "DELETE" and not request.user.is_authenticated:
            self.permission_denied(request)


class UserActionMediaView(_MediaAPIView):
    """``GET /api/v1/user/action/<action>``: media the caller (or session) liked, watched…"""

    serializer_class = s.MediaSerializer

    @extend_schema(
        tags=["actions"],
        summary="Media the caller (or their anonymous session) liked, watched… that they may "
        "still see; powers /liked and /history",
        parameters=[
            OpenApiParameter(
                "action", str, OpenApiParameter.PATH, enum=list(MediaAction.Action.values)
            ),
            OpenApiParameter("page", int),
        ],
        responses={200: s.MediaSerializer(many=True)},
    )
    def get(self, request, action):
        qs = selectors.media_for_action(
            user=request.user,
            session_key=session_key_of(request, create=False),
            action=action,
        )
        return self.paginated(qs, s.MediaSerializer, rows=s.MediaSerializer.rows)


class SearchView(_MediaAPIView):
    """``GET /api/v1/search``: ``{}`` unless one of ``q``, ``c``, ``t`` is given, as MediaCMS."""

    serializer_class = s.MediaSearchSerializer

    pagination_class = page_class = SearchPagination

    @extend_schema(
        tags=["media"],
        summary="Search media anyone may find",
        description='Words (`q`) are read as web search syntax: `"a phrase"`, `-excluded`, '
        "`or`; accents and word forms do not matter. With words and no `sort_by`, the best "
        "match comes first (docs/search.md has the formula) and each result has a `snippet` "
        "(HTML: its description's best passage, matched words in `<mark>`). Page 1 of a search "
        "that finds little also carries `suggestion`, a corrected query that finds something "
        '("did you mean"), else null. A search that runs longer than '
        "SEARCH_STATEMENT_TIMEOUT_MS is answered 503.",
        parameters=filters.SearchParams.openapi(),
        responses={200: s.MediaSearchSerializer(many=True), 503: _DETAIL},
    )
    @cached_for_anonymous
    def get(self, request):
        kwargs = filters.SearchParams.parse(request)
        if not any(kwargs.get(k) for k in ("q", "category", "tag")):
            return Response({})
        show = kwargs.pop("show", "")
        try:
            with search.statement_timeout(settings.SEARCH_STATEMENT_TIMEOUT_MS):
                if show == "titles":
                    qs = selectors.media_search(user=request.user, **kwargs)
                    titles = qs.values_list("title", flat=True)[: selectors.SEARCH_TITLES_LIMIT]
                    return Response([{"title": t} for t in titles])
                qs = selectors.media_search(user=request.user, snippets=True, **kwargs)
                ids = selectors.media_search_ids(**kwargs)
                response = self.paginated(
                    qs, s.MediaSearchSerializer, rows=s.MediaSearchSerializer.rows, ids=ids
                )
                response.data["suggestion"] = self._suggestion(request, response.data, kwargs)
                return response
        except OperationalError as error:
            if not isinstance(error.__cause__, QueryCanceled):
                raise
            raise SearchTimedOut() from error

    @staticmethod
    def _suggestion(request, page: dict, kwargs: dict) -> str | None:
        """ "Did you mean", on a first page that finds fewer than SEARCH_SUGGEST_BELOW."""
        q = kwargs.get("q", "")
        if not q or request.query_params.get("page", "1") != "1":
            return None
        if page.get("count", 0) >= settings.SEARCH_SUGGEST_BELOW:
            return None
        criteria = {k: v for k, v in kwargs.items() if k not in ("q", "sort_by", "ordering")}

        def finds(candidate: str) -> bool:
            return selectors.media_search(user=None, q=candidate, **criteria).exists()

        return search.suggestion(q, finds=finds)


class SearchTimedOut(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The search took too long. Try fewer words, or more specific ones."
    default_code = "search_timeout"


class CategoryListView(_MediaAPIView):
    serializer_class = s.CategorySerializer

    @extend_schema(
        tags=["taxonomy"],
        summary="All categories (unpaginated); counts are of media anyone may find",
        responses={200: s.CategorySerializer(many=True)},
    )
    def get(self, request):
        qs = selectors.category_listing()
        return Response(s.CategorySerializer(qs, many=True, context={"request": request}).data)


class TagListView(_MediaAPIView):
    serializer_class = s.TagSerializer
    pagination_class = StandardPagination

    @extend_schema(
        tags=["taxonomy"],
        summary="Tags of media anyone may find, the most used first",
        parameters=[OpenApiParameter("page", int)],
        responses={200: s.TagSerializer(many=True)},
    )
    def get(self, request):
        return self.paginated(selectors.tag_listing(), s.TagSerializer)


class EncodeProfileListView(_MediaAPIView):
    permission_classes = (permissions.AllowAny,)
    serializer_class = s.EncodeProfileSerializer

    @extend_schema(
        tags=["media"],
        summary="Encode profiles (unpaginated)",
        responses={200: s.EncodeProfileSerializer(many=True)},
    )
    def get(self, request):
        qs = EncodeProfile.objects.filter(active=True).order_by("resolution", "name")
        return Response(s.EncodeProfileSerializer(qs, many=True).data)


@extend_schema_view(
    get=extend_schema(
        tags=["manage"],
        summary="Every media, with filters (editors)",
        parameters=filters.ManageMediaParams.openapi(),
        responses={200: s.ManagedMediaSerializer(many=True)},
    ),
    delete=extend_schema(
        tags=["manage"],
        summary="Delete media: ?tokens=a,b (editors)",
        parameters=[OpenApiParameter("tokens", str, required=True)],
        responses={204: None, 400: _DETAIL, 403: _DETAIL},
    ),
)
class ManageMediaView(ListBulkDeleteView, _MediaAPIView):
    """``/api/v1/manage_media``: every media for editors (``is_reviewed=false``: the queue)."""

    permission_classes = (IsEditor,)
    serializer_class = s.ManagedMediaSerializer
    bulk_delete_param = "tokens"

    def list_queryset(self, request):
        kwargs = filters.ManageMediaParams.parse(request)
        qs = selectors.media_for_management(viewer=request.user, **kwargs)
        return s.ManagedMediaSerializer.rows(qs)

    def perform_bulk_delete(self, request, names):
        media_services.media_delete_many(friendly_tokens=names, by=request.user)


@extend_schema_view(
    get=extend_schema(
        tags=["manage"],
        summary="Every comment, newest first (editors)",
        parameters=[OpenApiParameter("page", int)],
        responses={200: s.ManagedCommentSerializer(many=True)},
    ),
    delete=extend_schema(
        tags=["manage"],
        summary="Delete comments: ?comment_ids=uid1,uid2 (at most 50; editors)",
        parameters=[OpenApiParameter("comment_ids", str, required=True)],
        responses={204: None, 400: _DETAIL, 403: _DETAIL},
    ),
)
class ManageCommentsView(ListBulkDeleteView, _MediaAPIView):
    """``/api/v1/manage_comments``: every comment for editors."""

    queryset = Comment.objects.none()
    permission_classes = (IsEditor,)
    serializer_class = s.ManagedCommentSerializer
    bulk_delete_param = "comment_ids"

    def list_queryset(self, request):
        return selectors.comments_for_management(viewer=request.user)

    def perform_bulk_delete(self, request, names):
        comment_services.comments_delete_many(uids=names, by=request.user)
