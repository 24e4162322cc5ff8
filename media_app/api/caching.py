"""Anonymous GETs of listings and details served from the cache (see services/cache.py), and
kept as long by nginx in front (openpress/microcache.py)."""

from __future__ import annotations

import functools

from django.conf import settings
from rest_framework.response import Response

from media_app.services.cache import cache_get, cache_put


def cached_for_anonymous(method):
    """Wrap a view's ``get``: anonymous callers share one cached answer per absolute URL.

    The key is the whole URL, scheme and host included: answers carry absolute links built
    from the request's host, so a request with another ``Host`` (one ``ALLOWED_HOSTS`` lets
    through) or scheme gets an entry of its own and never fills the real host's.

    The answers shared here say so to nginx (``X-Accel-Expires``, which nginx keeps to itself):
    its micro-cache stores only those, under the same namespace (openpress/microcache.py).
    """

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return method(self, request, *args, **kwargs)
        url = request.build_absolute_uri()
        data = cache_get("anon", url)
        if data is not None:
            return _shared(request, Response(data, headers={"X-Cache": "hit"}))
        response = method(self, request, *args, **kwargs)
        if response.status_code == 200:
            cache_put("anon", url, response.data)
            _shared(request, response)
        return response

    return wrapper


def _shared(request, response: Response) -> Response:
    """Mark ``response`` for nginx when written as JSON. The browsable API's HTML carries the
    visitor's own CSRF token, and is left to the app."""
    renderer = getattr(request, "accepted_renderer", None)
    if settings.API_CACHE_SECONDS > 0 and getattr(renderer, "format", None) == "json":
        response["X-Accel-Expires"] = str(settings.API_CACHE_SECONDS)
    return response
