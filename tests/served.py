"""Media files as a browser ends up with them, in either storage mode (issue 14).

In filesystem mode the site answers a media URL with the file itself (Django's media view, or
nginx from the volume). In S3 mode it answers with a redirect to a presigned URL of the bucket
(media_app/file_access.py, docs/security.md), which a browser follows with no cookie, sending
``Range`` and ``If-Range`` again. Tests of a guarantee that holds in both modes (who gets the
bytes, which status, what a range returns) assert on the final answer given here; tests of one
mode's own form (nginx's headers, the URL shapes) look at the site's answer directly.

Only a redirect into the bucket (an origin of :func:`media_app.delivery.media_origins`, S3 mode
only) is followed: in filesystem mode the site's answer is returned as it is.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.datastructures import CaseInsensitiveMapping

from media_app import delivery, storage

# Request headers a browser sends again when it follows a redirect for a media file.
_CARRIED = ("Range", "If-Range")


@dataclass
class Served:
    """The final answer for a media URL, and the site's own answer on the way (the same one in
    filesystem mode; the redirect in S3 mode)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    site: object  # Django's response, or nginx's (status, headers, body)
    url: str | None = None  # the bucket URL that answered, when a redirect was followed


def store(name: str, data: bytes) -> str:
    """Put ``data`` at storage name ``name`` in the suite's storage (under MEDIA_ROOT, or in the
    bucket), replacing what is there: the name stays exactly ``name``."""
    default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(data))
    assert saved == name, (saved, name)
    return name


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, Mapping, bytes]:
    """GET ``url`` with plain HTTP and no credentials, as any browser or script can:
    ``(status, headers, body)``; error answers are returned, not raised."""
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 (http only)
    try:
        with _OPENER.open(request, timeout=30) as answer:
            status, found, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as exc:
        status, found, body = exc.code, exc.headers, exc.read()
    return status, CaseInsensitiveMapping(dict(found.items())), body


def in_bucket(url: str) -> bool:
    """Whether ``url`` points into the bucket (an origin of presigned URLs; S3 mode only)."""
    parts = urlsplit(url)
    return storage.s3_mode() and f"{parts.scheme}://{parts.netloc}" in delivery.media_origins()


def into_bucket(status: int, headers: Mapping[str, str]) -> str | None:
    """The bucket URL a site's answer redirects to (S3 mode), else ``None``."""
    location = headers.get("Location") if status in (301, 302, 303, 307, 308) else None
    return location if location and in_bucket(location) else None


def follow(status: int, headers: Mapping[str, str], body: bytes, *, site, sent=None) -> Served:
    """The final answer after the site's ``(status, headers, body)``: the bucket's when the site
    redirects into it (``sent``: the request's headers, of which Range and If-Range go along)."""
    url = into_bucket(status, headers)
    if url is None:
        return Served(status, headers, body, site)
    carried = {k: v for k, v in (sent or {}).items() if k in _CARRIED}
    status, headers, body = fetch(url, carried)
    return Served(status, headers, body, site, url)


def django_get(client, path: str, **extra) -> Served:
    """``client.get(path, **extra)`` (Django's test client) and, in S3 mode, the bucket's answer
    to the redirect it gives. ``extra`` as the test client takes it (``HTTP_RANGE=...``)."""
    response = client.get(path, **extra)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    keys = {name: "HTTP_" + name.upper().replace("-", "_") for name in _CARRIED}
    sent = {name: extra[key] for name, key in keys.items() if key in extra}
    return follow(response.status_code, response.headers, body, site=response, sent=sent)
