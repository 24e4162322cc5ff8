"""MediaCMS's pagination: ``{count, next, previous, results}``, 50 a page, ``?page=N``."""

from rest_framework.pagination import PageNumberPagination

from media_app.models import Tag


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


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


def paginated(view, request, qs, serializer_class, pagination_class=StandardPagination, **ctx):
    """One page of ``qs`` serialized, as a paginated response."""
    paginator = pagination_class()
    page = paginator.paginate_queryset(qs, request, view=view)
    data = serializer_class(page, many=True, context={"request": request, **ctx}).data
    return paginator.get_paginated_response(data)
