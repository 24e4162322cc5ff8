"""Who may fetch a media file, for nginx (``auth_request``) and for Django's own media view.

Files of media that anonymous visitors may not see are handed out by the API as signed,
expiring links (``/media/s/<signature>/<expires>/...``, :mod:`media_app.services.signing`);
nginx checks those by itself. Unsigned URLs stay gated by this module: nginx sends the path it is
about to serve in ``X-Original-URI`` with the visitor's cookies and Authorization header. Files
of media the visitor may see (:func:`media_visible_q`, the rule of every list and detail) get
204, anything else 403, which nginx turns into a 404 so a hidden file looks like a missing one.
A "visible to anyone" answer says ``Cache-Control: public`` so nginx may reuse it for every
visitor for :data:`PUBLIC_VERDICT_SECONDS`; any other answer is personal and never cached, so
only public media saves the round trip to Python. Files of unlisted media are served to anyone
who has their address, as the media itself is to anyone who has its link.

An original (the file as uploaded, with whatever it carries: GPS, device serials, a PDF's
author) is sealed, :func:`~media_app.selectors.media.original_allowed`: its owner and editors,
anyone else only when its owner confirmed publishing it unchanged. Downloads get the clean copy
(``encoded/<uid>/download/``, ``Media.public_file``) by the download rule,
:func:`~media_app.selectors.media.download_allowed`: owner and editors always, anyone else when
downloads are allowed and the encode succeeded.
The verdict endpoint answers nginx's subrequest only (:data:`SUBREQUEST_HEADER`), and every file
goes out sandboxed, an original as a download (:func:`_user_file_headers`).

Where no nginx stands in front (``SERVE_MEDIA_FILES``: ``make run``, the browser tests' live
server), :func:`serve_media_file` applies the same rules, signed links included, and answers
byte ranges as nginx does.
"""

from __future__ import annotations

import mimetypes
import re
import stat
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.http import require_GET, require_safe
from django.views.static import was_modified_since
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import APIException

from media_app import delivery
from media_app.api.authentication import ApiTokenAuthentication
from media_app.models import Media
from media_app.selectors.media import (
    ORIGINAL_RULE_FIELDS,
    download_allowed,
    media_visible_q,
    original_allowed,
)
from media_app.services.signing import SIGNED_NAME, Verdict, link_verdict
from media_app.storage import s3_mode

# How long a "public" verdict may be reused by nginx: the delay before a media made private stops
# being served to people who could no longer see it.
PUBLIC_VERDICT_SECONDS = 60

# original/<2 hex>/<uid hex>.<ext> and encoded/<uid hex>/...: the two homes of media files.
# encoded/<uid hex>/download/...: the clean public copy (Media.public_file), served by the
# download rule rather than the visibility rule (docs/provenance.md "1. Source protection").
_MEDIA_FILE = re.compile(
    r"^/media/(?:original/[0-9a-f]{2}/(?P<orig>[0-9a-f]{32})\.[A-Za-z0-9]{1,10}"
    r"|encoded/(?P<dl>[0-9a-f]{32})/download/[^/]+"
    r"|encoded/(?P<enc>[0-9a-f]{32})/.+)$"
)


def _user(request):
    """The session user, else a token or Basic user (API clients fetching files), else anon."""
    if request.user.is_authenticated:
        return request.user
    for auth in (ApiTokenAuthentication(), BasicAuthentication()):
        try:
            found = auth.authenticate(request)
        except APIException:  # a refused token or password: no one
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
    if match.group("orig"):
        return _original_scope(request, uuid.UUID(match.group("orig")))
    if match.group("dl"):
        return _original_scope(request, uuid.UUID(match.group("dl")), rule=download_allowed)
    media = Media.objects.filter(uid=uuid.UUID(match.group("enc")))
    if media.filter(media_visible_q(None), media_withheld=False).exists():
        return "public"
    user = _user(request)
    if user is not None and media.filter(media_visible_q(user)).exists():
        if media.filter(media_withheld=True).exists() and not _may_edit(user, media):
            return None  # retracted with its media withheld: owner and editors only
        return "private"
    return None


def _may_edit(user, media) -> bool:
    return user.can_edit_media or media.filter(user=user).exists()


def _original_scope(request, uid: uuid.UUID, rule=original_allowed) -> str | None:
    """The original is served by :func:`original_allowed` (sealed: owner and editors; others
    only when its owner confirmed publishing it unchanged), the clean public copy by
    :func:`download_allowed` (``rule``): both stricter than the encoded files' visibility."""
    row = Media.objects.filter(uid=uid).values(*ORIGINAL_RULE_FIELDS, "media_withheld").first()
    if row is None:
        return None
    if not row["media_withheld"] and rule(user=None, media=row):
        return "public"
    user = _user(request)
    if user is not None and rule(user=user, media=row):
        if row["media_withheld"] and not (user.can_edit_media or row["user_id"] == user.id):
            return None  # retracted with its media withheld: owner and editors only
        return "private"
    return None


# Set by nginx on its auth_request subrequest only (docker/nginx/openpress.conf.template), and
# removed from every request it passes on; web and api take traffic from nginx alone (the prod
# overlay's NetworkPolicies, compose's private network). Without it the verdict is not given.
SUBREQUEST_HEADER = "X-OpenPress-Auth-Request"


@require_GET
def media_file_access(request):
    if request.headers.get(SUBREQUEST_HEADER) != "1":
        # For nginx's eyes only: anyone else is told there is nothing here.
        raise Http404("Not found.")
    scope = media_file_scope(request, request.headers.get("X-Original-URI", ""))
    if scope is None:
        return _answer(403)
    return _answer(204, public=scope == "public")


# Anything that could climb out of a media folder or smuggle a separator (nginx answers these
# with 400 before asking; here they are simply not found).
_UNSAFE_PATH = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|\\|\x00|//")


# The types nginx gives media files (docker/nginx/snippets/media-types.conf).
_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mp4": "video/mp4",
    ".m4s": "video/mp4",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt",
    ".webp": "image/webp",
    ".c2pa": "application/c2pa",  # an HLS rendition's Content Credentials
}
# Cache-Control of a file behind a signed link, as nginx sets it: private caches only; playlists
# revalidated (they grow while an encode publishes), segments of a run never change.
_SIGNED_CACHE = (
    (".m3u8", "private, no-cache"),
    (".m4s", "private, max-age=31536000, immutable"),
    (".mp4", "private, max-age=31536000, immutable"),
    (".m4a", "private, max-age=31536000, immutable"),
)
_RANGE = re.compile(r"bytes=(?P<first>[0-9]*)-(?P<last>[0-9]*)")
_CHUNK = 64 * 1024


class _Unsatisfiable(Exception):
    pass


def _byte_range(request, size: int, last_modified: str) -> tuple[int, int] | None:
    """The one byte range asked for, inclusive; ``None`` for the whole file.

    A Range header this does not understand (another unit, several ranges, a malformed one) is
    ignored and the whole file sent, which RFC 9110 allows; so is a Range whose ``If-Range`` no
    longer matches the file. A range starting past the end raises :class:`_Unsatisfiable`.
    """
    header = request.headers.get("Range", "").replace(" ", "")
    if_range = request.headers.get("If-Range")
    match = _RANGE.fullmatch(header)
    if match is None or (if_range is not None and if_range != last_modified):
        return None
    first, last = match["first"], match["last"]
    if not first:
        if not last:
            return None
        if int(last) == 0 or size == 0:
            raise _Unsatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise _Unsatisfiable
    return start, (min(int(last), size - 1) if last else size - 1)


def _read(fh, start: int, length: int):
    with fh:
        fh.seek(start)
        while length > 0:
            chunk = fh.read(min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _file_response(request, name: str, cache_control: str):
    """Storage file ``name`` under MEDIA_ROOT, whole or the byte range asked for."""
    try:
        path = Path(safe_join(settings.MEDIA_ROOT, name))
        info = path.stat()
    except (SuspiciousFileOperation, OSError):
        raise Http404("Not found.") from None
    if not stat.S_ISREG(info.st_mode):
        raise Http404("Not found.")
    last_modified = http_date(info.st_mtime)
    if not was_modified_since(request.headers.get("If-Modified-Since"), info.st_mtime):
        response = HttpResponseNotModified()
    else:
        content_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        content_type = content_type or "application/octet-stream"
        try:
            wanted = _byte_range(request, info.st_size, last_modified)
        except _Unsatisfiable:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{info.st_size}"
        else:
            if wanted is None:
                response = FileResponse(path.open("rb"), content_type=content_type)
            else:
                start, end = wanted
                response = StreamingHttpResponse(
                    _read(path.open("rb"), start, end - start + 1),
                    status=206,
                    content_type=content_type,
                )
                response["Content-Length"] = str(end - start + 1)
                response["Content-Range"] = f"bytes {start}-{end}/{info.st_size}"
    response["Last-Modified"] = last_modified
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    sidecar = path.with_name(delivery.RENDITION_MANIFEST)
    if delivery.is_rendition_playlist(name) and sidecar.exists():
        # The rendition's Content Credentials, beside it (docs/provenance.md).
        response["Link"] = delivery.c2pa_link(delivery.RENDITION_MANIFEST)
    _user_file_headers(response, name)
    return response


# What people upload must never run as a page of this site: a file opened by itself gets a
# sandbox (no script, an origin of its own), and an original, which is whatever was uploaded, is
# a download, never shown inline (nginx adds the same: docker/nginx/snippets/user-files.conf).
USER_FILE_POLICY = "sandbox"


def _user_file_headers(response, name: str) -> None:
    response["Content-Security-Policy"] = USER_FILE_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    if name.startswith("original/") or "/download/" in name:
        response["Content-Disposition"] = "attachment"


def _signed_cache_control(name: str) -> str:
    return next((cc for ext, cc in _SIGNED_CACHE if name.endswith(ext)), "private, max-age=3600")


def _from_bucket(request, name: str, *, public: bool, expires_at: int | None):
    """S3 mode, once the checks above have passed: a playlist rewritten as the delivery view
    does it, any other file a redirect to its presigned URL (public: the long-lived one;
    otherwise dying with the link). Nothing of the bucket is ever answered unsigned."""
    if name.endswith(".m3u8"):
        return delivery.playlist_response(request, name, public=public, expires_at=expires_at)
    response = HttpResponseRedirect(delivery.object_url(name, public=public, expires_at=expires_at))
    response["Cache-Control"] = "public, max-age=60" if public else "private, no-store"
    return response


@require_safe
def serve_media_file(request, path: str):
    """Media files served by Django itself, where no nginx stands in front (``make run``, the
    live server of the browser tests), only when ``SERVE_MEDIA_FILES`` says so: a signed link
    is checked as nginx checks it (403 when bad, 410 when expired); an unsigned URL gets the
    same verdict as nginx asks for, 404 for what this visitor may not see."""
    if not settings.SERVE_MEDIA_FILES or _UNSAFE_PATH.search(path):
        raise Http404("Not found.")
    if path.startswith("s/"):
        verdict, name = link_verdict(path)
        if verdict is Verdict.EXPIRED:
            return HttpResponse("This link has expired.\n", status=410, content_type="text/plain")
        if verdict is not Verdict.VALID:
            return HttpResponse("Forbidden.\n", status=403, content_type="text/plain")
        if s3_mode():
            expires_at = int(SIGNED_NAME.match(path).group("expires"))
            return _from_bucket(request, name, public=False, expires_at=expires_at)
        return _file_response(request, name, _signed_cache_control(name))
    if path.startswith("userlogos/"):
        scope = "public"
    else:
        scope = media_file_scope(request, f"/media/{path}")
    if scope is None:
        raise Http404("Not found.")
    if s3_mode():
        return _from_bucket(request, path, public=scope == "public", expires_at=None)
    return _file_response(
        request, path, "public, max-age=60" if scope == "public" else "private, no-store"
    )
