"""MediaCMS's pagination: ``{count, next, previous, results}``, 50 a page, ``?page=N``, made to
stay cheap on page 2,000 of a 100,000-item archive (issue 17, point 3; docs/performance.md,
"Lists at 100,000 media").

* **Counts** are exact up to ``COUNT_EXACT_LIMIT`` rows, read with a bounded
  ``COUNT(*)`` over at most that many; above it the count is PostgreSQL's planner estimate
  (``EXPLAIN``) and the page says ``"count_estimated": true``. A first page that holds every row
  needs no count query at all.
* **Deep pages** (an offset past ``DEFERRED_JOIN_OFFSET``) find their ids first, in a query that
  reads only the ordering's index (the partial indexes of listable media, migration 0024), then
  load those rows by id, instead of building and discarding every row before them.
* **Cursors**: every ``next`` link also carries ``cursor``, the ordering's values at the page's
  last row (keyset pagination). A client that follows ``next`` (MediaCMS clients do) gets each
  page by an index range, whatever its depth; ``?cursor=`` is there for new clients too. The
  ``page`` number stays in the link, so counts and page numbers still read right.

Every list runs the same number of queries whatever its page size and depth
(tests/api/test_pagination.py counts them).
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from media_app.models import Tag

COUNT_EXACT_LIMIT = 10_000
DEFERRED_JOIN_OFFSET = 1_000


class _Page:
    """The page our responses read (number, count, whether it is estimated, neighbours)."""

    def __init__(self, rows: list, number: int, count: int, estimated: bool, has_next: bool):
        self.object_list, self.number, self.count = rows, number, count
        self.estimated, self._has_next = estimated, has_next

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1


def _ordering(qs: QuerySet) -> list[tuple[str, bool]] | None:
    """``[(field, descending), ...]`` when the ordering is plain columns ending with the primary
    key (so a keyset is exact); ``None`` otherwise (ordered by an expression, say a score)."""
    order = list(qs.query.order_by) or list(qs.model._meta.ordering)
    keys = []
    for item in order:
        if not isinstance(item, str) or "__" in item or item == "?":
            return None
        name = item.lstrip("-")
        keys.append(("id" if name == "pk" else name, item.startswith("-")))
    if not keys or keys[-1][0] != "id":
        return None
    return keys


def _encode(values: Sequence[Any], page: int) -> str:
    def plain(v):
        return {"dt": v.isoformat()} if isinstance(v, datetime.datetime) else v

    raw = json.dumps({"k": [plain(v) for v in values], "p": page}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[list, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values = [
            datetime.datetime.fromisoformat(v["dt"]) if isinstance(v, dict) else v
            for v in data["k"]
        ]
        page = int(data["p"])
    except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
        raise NotFound("Invalid cursor.") from exc
    if page < 1 or not all(isinstance(v, (str, int, float, datetime.datetime)) for v in values):
        raise NotFound("Invalid cursor.")
    return values, page


def _typed(model, keys: list[tuple[str, bool]], values: list) -> list:
    """The cursor's values as the ordering's fields read them; a value a field refuses (a made-up
    cursor) is a 404, never a query that fails."""
    typed = []
    for (name, _), value in zip(keys, values, strict=True):
        try:
            typed.append(model._meta.get_field(name).to_python(value))
        except (ValidationError, FieldDoesNotExist, TypeError, ValueError) as exc:
            raise NotFound("Invalid cursor.") from exc
        if typed[-1] is None:
            raise NotFound("Invalid cursor.")
    return typed


def _after(keys: list[tuple[str, bool]], values: list) -> Q:
    """Rows after ``values`` in the ordering ``keys`` (a row comparison, spelled out)."""
    q = Q()
    for i, (name, desc) in enumerate(keys):
        step = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
        for j in range(i):
            step &= Q(**{keys[j][0]: values[j]})
        q |= step
    return q


def estimated_count(qs: QuerySet) -> int:
    """PostgreSQL's estimate of the rows of ``qs`` (its plan's top node), without running it."""
    if connection.vendor != "postgresql":
        return qs.count()
    plan = json.loads(qs.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        if not isinstance(queryset, QuerySet):
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        size = self.get_page_size(request)
        if not size:
            return None
        keys = _ordering(queryset)
        cursor = request.query_params.get("cursor")
        if cursor and keys is not None:
            values, number = _decode(cursor)
            if len(values) != len(keys):
                raise NotFound("Invalid cursor.")
            values = _typed(queryset.model, keys, values)
            window = queryset.filter(_after(keys, values))
            offset = 0
        else:
            number = self._page_number(request)
            window, offset = queryset, (number - 1) * size
        rows = self._window(window, offset, size + 1, keys)
        has_next = len(rows) > size
        rows = rows[:size]
        if not rows and number > 1:
            raise NotFound("Invalid page.")
        count, estimated = self._count(queryset, number, size, len(rows), has_next)
        self.page = cast(Any, _Page(rows, number, count, estimated, has_next))
        self._next_cursor = None
        if has_next and keys is not None:
            self._next_cursor = _encode(self._keys_of(rows[-1], keys, queryset), number + 1)
        return list(rows)

    def _page_number(self, request) -> int:
        raw = request.query_params.get(self.page_query_param) or 1
        try:
            number = int(raw)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise NotFound("Invalid page.")
        return number

    # What the serializer reads, made of the page's queryset (paginated(rows=...)).
    rows: Callable[[QuerySet], QuerySet] | None = None
    # A cheaper query of the queryset's ids, in its order (paginated(ids=...)): a ranked
    # search's, read from the search documents alone. The page's rows still come from the
    # queryset, so its rules hold; a row it refuses is left out of the page.
    ids: QuerySet | None = None

    def _window(self, qs: QuerySet, offset: int, limit: int, keys) -> list:
        rows = self.rows or (lambda page: page)
        if offset <= DEFERRED_JOIN_OFFSET and keys is not None and self.ids is None:
            return list(rows(qs)[offset : offset + limit])
        # Deep, or ordered by an expression (a search's score): the ids first, from the
        # ordering's index and without the serializer's joins, sorted on their own (narrow rows,
        # no spill to disk); then the rows of those ids.
        source = self.ids if self.ids is not None else qs.values_list("pk", flat=True)
        ids = list(source[offset : offset + limit])
        if not ids:
            return []
        position = {pk: i for i, pk in enumerate(ids)}
        found = list(rows(qs.filter(pk__in=ids)))
        return sorted(found, key=lambda row: position[_pk(row)])

    # Counted exactly up to this many rows (None: COUNT_EXACT_LIMIT).
    count_exact_limit: int | None = None

    def _count(self, qs: QuerySet, number: int, size: int, on_page: int, has_next: bool):
        if number == 1 and not has_next:
            return on_page, False
        limit = self.count_exact_limit or COUNT_EXACT_LIMIT
        counted = self.ids if self.ids is not None else qs.values("pk")
        bounded = counted.order_by()[: limit + 1].count()
        if bounded <= limit:
            return bounded, False
        return max(estimated_count(counted), limit + 1), True

    @staticmethod
    def _keys_of(row, keys, qs: QuerySet) -> list:
        get = row.get if isinstance(row, dict) else lambda name: getattr(row, name, None)
        values = [get(name) for name, _ in keys]
        if any(v is None for v in values):
            found = qs.model._default_manager.filter(pk=_pk(row)).values_list(
                *(name for name, _ in keys)
            )
            values = list(found.first() or values)
        return values

    @property
    def _current(self) -> _Page:
        return cast(_Page, self.page)

    def get_next_link(self):
        if not self._current.has_next():
            return None
        url = replace_query_param(
            cast(Any, self.request).build_absolute_uri(),
            self.page_query_param,
            self._current.number + 1,
        )
        if getattr(self, "_next_cursor", None):
            return replace_query_param(url, "cursor", self._next_cursor)
        return remove_query_param(url, "cursor")

    def get_previous_link(self):
        if not self._current.has_previous():
            return None
        url = remove_query_param(cast(Any, self.request).build_absolute_uri(), "cursor")
        if self._current.number - 1 == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self._current.number - 1)

    def get_paginated_response(self, data):
        body = {
            "count": self._current.count,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        }
        if self._current.estimated:
            body["count_estimated"] = True
        return Response(body)

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_estimated"] = {
            "type": "boolean",
            "description": "Present (true) when count is the planner's estimate: above "
            f"{COUNT_EXACT_LIMIT} rows.",
        }
        return schema


def _pk(row):
    return row["id"] if isinstance(row, dict) else row.pk


class MediaPagination(StandardPagination):
    """The media list's pages also carry ``"tags"``: the tags of the page's media, as
    ``"a, b"`` (MediaCMS shows them above the list), read in one query of titles only."""

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        ids = [row["id"] for row in self.page.object_list] if self.page is not None else []
        titles = (
            Tag.objects.filter(media__id__in=ids)  # plain ids: no per-value model lookup
            .order_by("title")
            .values_list("title", flat=True)
            .distinct()
            if ids
            else []
        )
        response.data["tags"] = ", ".join(titles)
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["tags"] = {"type": "string", "example": "elections, floods"}
        return schema


class SearchPagination(StandardPagination):
    """Search pages also carry ``"suggestion"``: a corrected query that finds something ("did
    you mean"), or null (set by the search view). Matches are counted exactly up to a thousand
    (a common word can match a fifth of the archive: no one reads page 400 of it)."""

    count_exact_limit = 1_000

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["suggestion"] = {
            "type": "string",
            "nullable": True,
            "example": "election",
        }
        return schema


def paginated(
    view,
    request,
    qs,
    serializer_class,
    pagination_class: type[StandardPagination] = StandardPagination,
    rows=None,
    ids=None,
    **ctx,
):
    """One page of ``qs`` serialized, as a paginated response (``rows`` and ``ids``: see
    ``BaseAPIView.paginated``)."""
    paginator = pagination_class()
    if rows is not None:
        paginator.rows = rows
    paginator.ids = ids
    page = paginator.paginate_queryset(qs, request, view=view)
    data = serializer_class(page, many=True, context={"request": request, **ctx}).data
    return paginator.get_paginated_response(data)
