"""Anonymous GETs of listings and details served from the cache (see services/cache.py)."""

from __future__ import annotations

import functools

from rest_framework.response import Response

from media_app.services.cache import cache_get, cache_put


def cached_for_anonymous(method):
    """Wrap a view's ``get``: anonymous callers share one cached answer per full path."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return method(self, request, *args, **kwargs)
        path = request.get_full_path()
        data = cache_get("anon", path)
        if data is not None:
            return Response(data, headers={"X-Cache": "hit"})
        response = method(self, request, *args, **kwargs)
        if response.status_code == 200:
            cache_put("anon", path, response.data)
        return response

    return wrapper
