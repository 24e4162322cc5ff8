from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """MediaCMS's pagination: ``{count, next, previous, results}``, 50 a page, ``?page=N``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
