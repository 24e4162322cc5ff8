"""The one base view of the API and the mixins its list endpoints are built from.

Every view of ``media_app.api.views`` derives from :class:`BaseAPIView`, which fixes the
parsers (:data:`PARSERS`) and pages lists through the one helper,
:func:`media_app.api.pagination.paginated`.
A list endpoint takes only the mixins it needs (as DRF's generic views do):

- :class:`ListMixin` — ``GET``: one page of :meth:`ListMixin.list_queryset`, serialized with
  ``serializer_class``;
- :class:`CreateMixin` — ``POST``: ``create_input`` validated, :meth:`CreateMixin.perform_create`
  called with its data, the result answered 201 with ``serializer_class``;
- :class:`BulkDeleteMixin` — ``DELETE ?<bulk_delete_param>=a,b``: the named rows handed to
  :meth:`BulkDeleteMixin.perform_bulk_delete`, 204.

Rules stay in the services: the hooks only read the request and call a selector or a service.
Schema decorations (summary, parameters) go on the subclass with ``extend_schema_view``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import generics, serializers, status
from rest_framework.pagination import BasePagination
from rest_framework.parsers import BaseParser, FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from media_app.api.pagination import StandardPagination, paginated
from media_app.models import Media
from media_app.selectors.media import media_get_visible
from media_app.services.errors import ServiceError

# What every endpoint that takes a body reads: JSON, urlencoded forms and multipart (MediaCMS's
# clients send all three). Views that take less say so with their own ``parser_classes``.
PARSERS: tuple[type[BaseParser], ...] = (JSONParser, FormParser, MultiPartParser)


def csv_param(request: Request, name: str) -> list[str]:
    """The comma-separated values of ``?<name>=``; a 400 naming ``name`` when there are none."""
    raw = request.query_params.get(name, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ServiceError(f"Name what to delete in ?{name}=.", field=name)
    return items


class BaseAPIView(generics.GenericAPIView):
    # Base of every API view: the shared parsers and the one way to answer a page.
    # (A comment, not a docstring: drf-spectacular would show it as every subclass's
    # description.)

    parser_classes = PARSERS
    # Lists page through ``paginated``; DRF's own ``paginate_queryset`` is not used.
    pagination_class: type[BasePagination] | None = None
    # The paginator a list's pages use (MediaCMS's ``{count, next, previous, results}``).
    page_class: ClassVar[type[StandardPagination]] = StandardPagination

    def visible_media(self, friendly_token: str) -> Media:
        """The media of the path if the caller may see it; hidden and unknown alike: 404."""
        media = media_get_visible(user=self.request.user, friendly_token=friendly_token)
        if media is None:
            raise Http404("Media not found.")
        return media

    def paginated(
        self,
        qs: QuerySet | list,
        serializer_class: type[serializers.BaseSerializer] | None = None,
        *,
        rows: Callable[[QuerySet], QuerySet] | None = None,
        ids: QuerySet | None = None,
        **context: Any,
    ) -> Response:
        """A page of ``qs``; ``rows`` turns the page's queryset into what the serializer reads
        (say ``.values(...)`` with joined columns), applied to that page only; ``ids``, when
        given, is a cheaper query of ``qs``'s ids in ``qs``'s order (pagination.py)."""
        return paginated(
            self,
            self.request,
            qs,
            serializer_class or self.get_serializer_class(),
            self.page_class,
            rows=rows,
            ids=ids,
            **context,
        )


class ListMixin:
    # ``GET``: a page of :meth:`list_queryset` (already ordered, with its related rows).

    def list_queryset(self, request: Request) -> QuerySet | list:
        raise NotImplementedError

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assert isinstance(self, BaseAPIView)
        return self.paginated(self.list_queryset(request))


class CreateMixin:
    # ``POST``: ``create_input`` validated, then :meth:`perform_create` (a service call).

    create_input: ClassVar[type[serializers.Serializer]]

    def perform_create(self, request: Request, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assert isinstance(self, BaseAPIView)
        data = self.create_input(data=request.data)
        data.is_valid(raise_exception=True)
        made = self.perform_create(request, dict(data.validated_data))
        body = self.get_serializer_class()(made, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class BulkDeleteMixin:
    # ``DELETE ?<bulk_delete_param>=a,b``: :meth:`perform_bulk_delete` with the names, 204.

    bulk_delete_param: ClassVar[str] = "tokens"

    def perform_bulk_delete(self, request: Request, names: list[str]) -> None:
        raise NotImplementedError

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.perform_bulk_delete(request, csv_param(request, self.bulk_delete_param))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListView(ListMixin, BaseAPIView):
    pass


class ListCreateView(CreateMixin, ListMixin, BaseAPIView):
    pass


class ListBulkDeleteView(BulkDeleteMixin, ListMixin, BaseAPIView):
    pass
