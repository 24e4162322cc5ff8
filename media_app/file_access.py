"""The answer nginx asks for before it serves a media file (``auth_request``).

nginx sends the path it is about to serve in ``X-Original-URI`` with the visitor's cookies and
Authorization header. Files of media the visitor may see (:func:`media_visible_q`, the rule of
every list and detail) get 204, anything else 403, which nginx turns into a 404 so a hidden
file looks like a missing one. A "visible to anyone" answer says ``Cache-Control: public`` so
nginx may reuse it for every visitor for :data:`PUBLIC_VERDICT_SECONDS`; any other answer is
personal and never cached, so only public media saves the round trip to Python. Files of
unlisted media are served to anyone who has their address, as the media itself is to anyone
who has its link.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views import static
from django.views.decorators.http import require_GET
from rest_framework.authentication import BasicAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from media_app.models import Media
from media_app.selectors.media import media_visible_q

# How long a "public" verdict may be reused by nginx: the delay before a media made private stops
# being served to people who could no longer see it.
PUBLIC_VERDICT_SECONDS = 60

# original/<2 hex>/<uid hex>.<ext> and encoded/<uid hex>/...: the two homes of media files.
_MEDIA_FILE = re.compile(
    r"^/media/(?:original/[0-9a-f]{2}/(?P<orig>[0-9a-f]{32})\.[A-Za-z0-9]{1,10}"
    r"|encoded/(?P<enc>[0-9a-f]{32})/.+)$"
)


def _user(request):
    """The session user, else a token or Basic user (API clients fetching files), else anon."""
    if request.user.is_authenticated:
        return request.user
    for auth in (TokenAuthentication(), BasicAuthentication()):
        try:
            found = auth.authenticate(request)
        except AuthenticationFailed:
            return None
        if found:
            return found[0]
    return None


def _answer(status: int, *, public: bool = False) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = (
        f"public, max-age={PUBLIC_VERDICT_SECONDS}" if public else "private, no-store"
    )
    # nginx copies it into the file's own Cache-Control: shared caches may keep public files only.
    response["X-Media-Scope"] = "public" if public else "private"
    return response


def media_file_scope(request, path: str) -> str | None:
    """Who may fetch the media file at URL ``path``: ``"public"`` (anyone), ``"private"`` (this
    visitor, not everyone) or ``None`` (not this visitor, or not a media file at all).

    The one decision behind both the nginx verdict and Django's own serving of media files.
    """
    match = _MEDIA_FILE.match(path.split("?", 1)[0])
    if match is None:
        return None
    media = Media.objects.filter(uid=uuid.UUID(match.group("orig") or match.group("enc")))
    if media.filter(media_visible_q(None)).exists():
        return "public"
    user = _user(request)
    if user is not None and media.filter(media_visible_q(user)).exists():
        return "private"
    return None


@require_GET
def media_file_access(request):
    scope = media_file_scope(request, request.headers.get("X-Original-URI", ""))
    if scope is None:
        return _answer(403)
    return _answer(204, public=scope == "public")


# Anything that could climb out of a media folder or smuggle a separator (nginx answers these
# with 400 before asking; here they are simply not found).
_UNSAFE_PATH = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|\\|\x00|//")


@require_GET
def serve_media_file(request, path: str):
    """Media files served by Django itself, where no nginx stands in front (``make run``, the
    live server of the browser tests): the same verdict as nginx's, 404 for what this visitor
    may not see, and only when ``SERVE_MEDIA_FILES`` says so."""
    if not settings.SERVE_MEDIA_FILES or _UNSAFE_PATH.search(path):
        raise Http404("Not found.")
    if path.startswith("userlogos/"):
        scope = "public"
    else:
        scope = media_file_scope(request, f"/media/{path}")
    if scope is None:
        raise Http404("Not found.")
    response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=60" if scope == "public" else "private, no-store"
    return response
