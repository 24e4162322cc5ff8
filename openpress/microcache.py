"""nginx's micro-cache for anonymous API answers, and the one question it asks the app.

nginx keeps the answers the application already shares among anonymous readers (lists, search,
details: ``media_app/api/caching.py``) for ``API_CACHE_SECONDS``, so that a hit costs no Django
request (docker/nginx/openpress.conf.template, location ``@api_microcache``). Its key starts
with the listings namespace of ``media_app/services/cache.py``, which every visibility change
replaces. nginx asks for it on each anonymous GET by an ``auth_request`` subrequest to
:data:`PATH`, which this module answers in front of Django (one cache read, no middleware;
Django's URLconf answers it too, for an app started otherwise), so an entry made under an older
namespace is never found again: a media turned private, withheld or deleted leaves nginx's
cache at the same moment it leaves the application's.

The answer is always ``204`` (any other status would make nginx fail the visitor's request):
with the namespace in :data:`HEADER`, or without it when the cache keeps none (Redis away), and
then nginx neither reads nor stores anything for that request.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse

from media_app.file_access import SUBREQUEST_HEADER

PATH = "/internal/listings-generation"
HEADER = "X-OpenPress-Generation"
_SUBREQUEST_KEY = "HTTP_" + SUBREQUEST_HEADER.upper().replace("-", "_")

log = logging.getLogger(__name__)


def with_generation_endpoint(application):
    """``application`` (Django's WSGI handler), answering nginx's namespace question itself."""

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") != PATH:
            return application(environ, start_response)
        if environ.get(_SUBREQUEST_KEY) != "1":
            # nginx's own subrequest only (it blanks the header on every client request);
            # to anyone else nothing is here, as nginx itself says for /internal/.
            start_response(
                "404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")]
            )
            return [b""]
        start_response("204 No Content", [("Content-Length", "0"), *_answer_headers()])
        return [b""]

    return wsgi


def listings_generation(request):
    """The same answer as a Django view (openpress/urls.py), for an app not started from
    openpress/wsgi.py (runserver, a test's live server behind nginx)."""
    if request.headers.get(SUBREQUEST_HEADER) != "1":
        raise Http404("Not found.")
    response = HttpResponse(status=204)
    for name, value in _answer_headers():
        response[name] = value
    return response


def _answer_headers() -> list[tuple[str, str]]:
    """The namespace answer's headers, the same from both ways in."""
    generation = _generation()
    return [("Cache-Control", "no-store"), *([(HEADER, generation)] if generation else [])]


def _generation() -> str:
    from media_app.services.cache import current_generation

    try:
        return current_generation()
    except Exception:  # a failure here must cost a cache miss, never the request
        log.warning("the listings namespace could not be read", exc_info=True)
        return ""
