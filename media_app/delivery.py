"""Delivery of media files in S3 mode (issue 14, point 4; docs/security.md, "Media in a bucket").

The bucket is private and never listable: every object a browser fetches from it comes through
an S3 **presigned GET URL** made here. Nothing is ever handed out unsigned.

* **Playlists** go through :func:`playlist_view` (``/stream/<name>`` for media anyone may see,
  ``/stream/s/<signature>/<expires>/<name>`` for the others: the signed links of
  :mod:`media_app.services.signing`, same scope and expiry, 403 when bad, 410 when expired). It
  reads the playlist from the bucket and rewrites it: a variant playlist's URI becomes a link to
  the same view (signed with the same expiry), a segment's URI and an ``EXT-X-MAP`` init
  segment's become presigned URLs that expire with the link. Python runs once per playlist
  fetch, never per segment.
* **The sprite sheet's thumbnails track** (``sprites.vtt``) goes through the same view, for the
  same reason: its cues name the sheet relatively (``sprites.jpg#xywh=...``), which a browser
  would resolve against the track's presigned URL into an unsigned one. The view writes each
  into a presigned URL (same expiry), the fragment kept.
* **Subtitle tracks** (``encoded/<uid>/subtitles/<lang>.vtt``) go through the same view too,
  as they are (issue 16): the player's ``<track>`` and the transcript then read them from the
  site's own origin, with no CORS rule or ``crossorigin`` video needed.
* **Other files** (originals, stills, renditions, user pictures) are presigned URLs, handed
  out by the API's serializers (:func:`file_url`).

Two kinds of presigned URL:

* **private** (media anonymous visitors may not see): they expire with the signed link the
  viewer was given (``MEDIA_LINK_SECONDS``, stepped as those links are);
* **public** (media anyone may see, user pictures): they live ``MEDIA_PUBLIC_LINK_SECONDS``
  (7 days, SigV4's maximum) and are signed at the start of a step of 1/12 of that, so every
  answer within one step carries the same URLs and browsers, a CDN or a caching proxy in front of
  the bucket can keep them (segment names carry the run token: their bytes never change).
  ``MEDIA_PUBLIC_BASE_URL``, when set, replaces the scheme and host of public URLs: a proxy there
  forwards the rest of the URL, query untouched, to the bucket's endpoint with the endpoint's
  ``Host`` header, and the SigV4 signature still matches (it covers path, query and host, which
  the bucket sees unchanged).

Each URL also asks the bucket to answer with ``Cache-Control`` and ``Expires`` of our choice
(``response-cache-control``, ``response-expires``, signed with the rest): a cached copy is never
fresh beyond the URL's own expiry, and private files are ``private``. Originals are asked for as
downloads (``response-content-disposition=attachment``).

Presigning is a local HMAC (AWS Signature Version 4, query form), done here rather than with
boto3's ``generate_presigned_url`` for two reasons: the signing time must be chosen (the step's
start) for URLs to stay stable, which boto3 does not offer; and boto3 takes ~0.1-0.3 ms per URL,
which for a 900-segment playlist is a noticeable part of a request, while this takes ~10 µs
(bench: tests/security/test_delivery_s3.py prints nothing; see ``bench/delivery.py``). The
result is checked against botocore's own signer in the tests.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import posixpath
import re
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from media_app import storage
from media_app.services import signing

logger = logging.getLogger(__name__)

# SigV4's longest presigned URL (AWS S3, and Ceph RGW, MinIO and Garage follow it).
SIGV4_MAX_SECONDS = 7 * 24 * 3600
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
THUMBNAILS_NAME = "sprites.vtt"  # storage.still_name(uid, "sprites.vtt"), the encoder's
THUMBNAILS_TYPE = "text/vtt; charset=utf-8"
# A cue's payload in a thumbnails track: an image reference and its tile.
_THUMBNAIL_CUE = re.compile(r"^(?P<uri>[^\s#]+)(?P<tile>#xywh=\d+,\d+,\d+,\d+)$")
# Our playlists are a few hundred bytes (master) to ~40 kB (a 900-segment variant): anything
# far larger is not one of ours.
PLAYLIST_MAX_BYTES = 4 * 1024 * 1024
# Subtitle tracks are checked to be at most SUBTITLE_MAX_BYTES when uploaded; this bounds a read.
SUBTITLES_MAX_BYTES = 16 * 1024 * 1024
_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')
_UNSAFE_PATH = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|\\|\x00|//")
_ALGORITHM = "AWS4-HMAC-SHA256"


# --- presigning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """Where presigned URLs point and what they are signed with (read from the storage's own
    boto3 client, so both agree on endpoint, region and addressing style)."""

    origin: str  # scheme://host[:port] of the URL
    host: str  # the Host header the bucket sees (signed)
    path_prefix: str  # "/<bucket>" (path style) or "" (virtual-hosted style)
    region: str


def _target() -> _Target:
    """Where URLs handed to browsers point: ``AWS_S3_PUBLIC_ENDPOINT_URL`` when browsers reach
    the bucket under another name than the app does, else the storage's own endpoint. SigV4
    signs the ``Host``, so the URL is signed for that name, never rewritten after signing."""
    client = storage.s3_client()
    bucket = storage.bucket_name()
    return _target_for(
        settings.AWS_S3_PUBLIC_ENDPOINT_URL or client.meta.endpoint_url,
        client.meta.region_name,
        (client.meta.config.s3 or {}).get("addressing_style"),
        bucket,
    )


@functools.lru_cache(maxsize=8)
def _target_for(endpoint: str, region: str, style: str | None, bucket: str) -> _Target:
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port and parts.port != default_port:
        host = f"{host}:{parts.port}"
    # "auto" is left only without an endpoint (Amazon S3; settings.storage_backends): there,
    # as botocore does, virtual-hosted unless the bucket is no DNS label.
    virtual = style == "virtual" or (
        style in (None, "auto")
        and re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", bucket) is not None
    )
    if virtual:
        host = f"{bucket}.{host}"
        return _Target(f"{parts.scheme}://{host}", host, "", region)
    return _Target(f"{parts.scheme}://{host}", host, f"/{quote(bucket)}", region)


def browser_client():
    """A boto3 client for presigning URLs that a browser will use (the upload part URLs of
    :mod:`media_app.services.uploads_s3`): the storage's own client, or, with
    ``AWS_S3_PUBLIC_ENDPOINT_URL`` set, one like it (region, addressing style, keys) for that
    endpoint. Never for the app's own requests: those go to ``AWS_S3_ENDPOINT_URL``."""
    client = storage.s3_client()
    public = settings.AWS_S3_PUBLIC_ENDPOINT_URL
    if not public:
        return client
    backend = default_storage
    return _client_for(
        public.rstrip("/"),
        client.meta.region_name,
        client.meta.config,
        getattr(backend, "access_key", None),
        getattr(backend, "secret_key", None),
        getattr(backend, "security_token", None),
    )


@functools.lru_cache(maxsize=4)
def _client_for(endpoint, region, config, access_key, secret_key, token):
    import boto3

    # Keys None: boto3's chain, as the storage's client has them (an IAM role, ~/.aws).
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        config=config,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=token,
    )


# The directives of a page's Content-Security-Policy that name where media come from: posters
# and thumbnails (img), the <video> (media), hls.js's segment fetches and upload parts (connect).
MEDIA_DIRECTIVES = ("img-src", "media-src", "connect-src")


def media_origins() -> tuple[str, ...]:
    """The origins browsers fetch media from in S3 mode: the bucket's, as presigned URLs name it
    (the public endpoint, or the endpoint, in path style; the bucket's own host name in
    virtual-hosted style, as on AWS without an endpoint), and ``MEDIA_PUBLIC_BASE_URL``'s.
    Filesystem mode: none (media come from the site itself)."""
    if not storage.s3_mode():
        return ()
    origins = [_target().origin]
    if settings.MEDIA_PUBLIC_BASE_URL:
        base = urlsplit(settings.MEDIA_PUBLIC_BASE_URL)
        origins.append(f"{base.scheme}://{base.netloc}")
    return tuple(dict.fromkeys(origins))


class MediaCSPMiddleware(CSPMiddleware):
    """django-csp's middleware (``CONTENT_SECURITY_POLICY``), with :func:`media_origins` added
    to :data:`MEDIA_DIRECTIVES` of every policy it writes in S3 mode (docs/security.md). An
    answer that has a policy of its own (a playlist's ``sandbox``) keeps it."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        header = HEADER_REPORT_ONLY if report_only else HEADER
        origins = () if header in response else media_origins()
        if origins:
            update = dict(parts.update or {})
            for directive in MEDIA_DIRECTIVES:
                given = update.get(directive) or ()
                given = [given] if isinstance(given, str) else list(given)
                update[directive] = [*given, *(o for o in origins if o not in given)]
            parts.update = update
        return parts


@dataclass(frozen=True)
class _Credentials:
    access_key: str
    secret_key: str
    token: str | None


def _credentials() -> _Credentials:
    """The storage's keys, else boto3's chain (IAM role, web identity), refreshed as it
    refreshes them: URLs signed with temporary credentials die with them."""
    storage_backend = default_storage
    access = getattr(storage_backend, "access_key", None)
    secret = getattr(storage_backend, "secret_key", None)
    if access and secret:
        return _Credentials(access, secret, getattr(storage_backend, "security_token", None))
    frozen = _chain_credentials().get_frozen_credentials()
    return _Credentials(frozen.access_key, frozen.secret_key, frozen.token)


@functools.cache
def _chain_credentials():
    import boto3

    found = boto3.session.Session().get_credentials()
    if found is None:
        raise RuntimeError("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    return found


@functools.lru_cache(maxsize=16)
def _signing_key(secret: str, day: str, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _q(value: str) -> str:
    return quote(value, safe="-_.~")


class _Presigner:
    """Everything of a presigned URL but the object's name, worked out once: the query string
    (the same for every name signed with one window, cache header and disposition) and the
    canonical request's fixed parts. Each URL then costs a quote, a SHA-256 and one HMAC."""

    def __init__(
        self,
        *,
        signed_at: int,
        expires_at: int,
        cache_control: str,
        download: bool,
        target: _Target,
        credentials: _Credentials,
    ):
        lifetime = expires_at - signed_at
        if not 1 <= lifetime <= SIGV4_MAX_SECONDS:
            raise ValueError(f"a presigned URL lives 1 s to 7 days, not {lifetime} s")
        self.stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(signed_at))
        self.scope = f"{self.stamp[:8]}/{target.region}/s3/aws4_request"
        params = {
            "X-Amz-Algorithm": _ALGORITHM,
            "X-Amz-Credential": f"{credentials.access_key}/{self.scope}",
            "X-Amz-Date": self.stamp,
            "X-Amz-Expires": str(lifetime),
            "X-Amz-SignedHeaders": "host",
            "response-cache-control": cache_control,
            "response-expires": http_date(expires_at),
        }
        if download:
            params["response-content-disposition"] = "attachment"
        if credentials.token:
            params["X-Amz-Security-Token"] = credentials.token
        self.query = "&".join(f"{_q(k)}={_q(v)}" for k, v in sorted(params.items()))
        self.tail = f"\n{self.query}\nhost:{target.host}\n\nhost\nUNSIGNED-PAYLOAD"
        self.head = f"{_ALGORITHM}\n{self.stamp}\n{self.scope}\n"
        self.key = _signing_key(credentials.secret_key, self.stamp[:8], target.region)
        self.target = target

    def __call__(self, name: str) -> str:
        path = f"{self.target.path_prefix}/{quote(name, safe='/~')}"
        digest = hashlib.sha256(f"GET\n{path}{self.tail}".encode()).hexdigest()
        signature = hmac.new(self.key, (self.head + digest).encode(), hashlib.sha256).hexdigest()
        return f"{self.target.origin}{path}?{self.query}&X-Amz-Signature={signature}"


def presign(
    name: str,
    *,
    signed_at: int,
    expires_at: int,
    cache_control: str,
    download: bool = False,
) -> str:
    """A presigned GET URL for object ``name``, signed as of ``signed_at`` (Unix time) and valid
    until ``expires_at``. Pure computation: no request to the bucket."""
    return _Presigner(
        signed_at=signed_at,
        expires_at=expires_at,
        cache_control=cache_control,
        download=download,
        target=_target(),
        credentials=_credentials(),
    )(name)


def public_window(now: float | None = None) -> tuple[int, int]:
    """``(signed_at, expires_at)`` of public URLs made now: signed at the start of the current
    step (1/:data:`signing.STEPS` of ``MEDIA_PUBLIC_LINK_SECONDS``), so they are the same all
    step long, and living ``MEDIA_PUBLIC_LINK_SECONDS`` from there."""
    lifetime = min(settings.MEDIA_PUBLIC_LINK_SECONDS, SIGV4_MAX_SECONDS)
    step = public_step()
    signed_at = int(time.time() if now is None else now) // step * step
    return signed_at, signed_at + lifetime


def public_step() -> int:
    return max(1, min(settings.MEDIA_PUBLIC_LINK_SECONDS, SIGV4_MAX_SECONDS) // signing.STEPS)


def private_window(expires_at: int, now: float | None = None) -> tuple[int, int]:
    """``(signed_at, expires_at)`` of URLs that die with a signed link expiring at
    ``expires_at``: signed at the start of the link's step (stable within it, as the links
    are), never longer than SigV4 allows."""
    step = max(1, settings.MEDIA_LINK_SECONDS // signing.STEPS)
    signed_at = int(time.time() if now is None else now) // step * step
    signed_at = max(signed_at, expires_at - SIGV4_MAX_SECONDS)
    return min(signed_at, expires_at - 1), expires_at


def _is_original(name: str) -> bool:
    """An original, or its clean public copy (``encoded/<uid>/download/``): both downloads."""
    return name.startswith(f"{storage.ORIGINALS}/") or (
        name.startswith(f"{storage.ENCODED}/") and "/download/" in name
    )


class _Signer:
    """Presigns many names with one window, one target and one set of credentials."""

    def __init__(self, *, public: bool, expires_at: int | None = None):
        self.public = public
        if public:
            self.signed_at, self.expires_at = public_window()
            self.cache_control = "public"
        else:
            expires_at = signing.link_expiry() if expires_at is None else expires_at
            self.signed_at, self.expires_at = private_window(expires_at)
            self.cache_control = "private"
        self.base = settings.MEDIA_PUBLIC_BASE_URL if public else ""
        self._presigners: dict[bool, _Presigner] = {}

    def _presigner(self, download: bool) -> _Presigner:
        found = self._presigners.get(download)
        if found is None:
            found = self._presigners[download] = _Presigner(
                signed_at=self.signed_at,
                expires_at=self.expires_at,
                cache_control=self.cache_control,
                download=download,
                target=_target(),
                credentials=_credentials(),
            )
        return found

    def url(self, name: str) -> str:
        presigner = self._presigner(_is_original(name))
        url = presigner(name)
        if self.base:
            url = self.base + url.removeprefix(presigner.target.origin + "/")
        return url


def playlist_link(name: str, *, public: bool, expires_at: int | None = None) -> str:
    """Site-relative URL of :func:`playlist_view` for playlist ``name``: plain for media anyone
    may see (the view checks again at each fetch), signed otherwise."""
    if not public:
        name = signing.signed_name(name, expires=expires_at)
    return reverse("media-playlist", kwargs={"path": name})


def file_url(name: str, *, public: bool) -> str:
    """The URL the API hands out for stored file ``name`` in S3 mode: a playlist or a
    thumbnails track through :func:`playlist_view`, any other file presigned (``public``: the
    long-lived stepped URL)."""
    if name.endswith(".m3u8") or _is_thumbnails(name) or _is_subtitles(name):
        return playlist_link(name, public=public)
    return object_url(name, public=public)


def object_url(name: str, *, public: bool, expires_at: int | None = None) -> str:
    """Presigned URL of object ``name``: public (long-lived, stepped) or private (dying at
    ``expires_at``, default: when a signed link made now would)."""
    return _Signer(public=public, expires_at=expires_at).url(name)


# --- playlists -------------------------------------------------------------------------------


def read_object(name: str, limit: int = PLAYLIST_MAX_BYTES) -> bytes | None:
    """The bytes of object ``name`` (at most ``limit``), ``None`` when there is no such object."""
    from botocore.exceptions import ClientError

    try:
        answer = storage.s3_client().get_object(
            Bucket=storage.bucket_name(), Key=name, Range=f"bytes=0-{limit - 1}"
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "InvalidRange"):
            return None
        raise
    with answer["Body"] as body:
        return body.read()


def rewrite_playlist(text: str, *, name: str, segment_url, playlist_url) -> str:
    """Playlist ``text`` (stored as ``name``) with every URI made absolute: playlists through
    ``playlist_url(name)``, anything else (segments, ``EXT-X-MAP`` init segments) through
    ``segment_url(name)``. A URI that leaves the media's folder, or is absolute already, is left
    as it is: it was not written by our encoder and gets no signature."""
    base = posixpath.dirname(name)
    scope = signing.link_scope(name)

    def convert(uri: str) -> str:
        if not uri or "://" in uri or uri.startswith("/"):
            return uri
        target = posixpath.normpath(posixpath.join(base, uri.split("?", 1)[0]))
        if scope is None or not target.startswith(scope):
            return uri
        return playlist_url(target) if target.endswith(".m3u8") else segment_url(target)

    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            out.append("")
        elif stripped.startswith("#"):
            if 'URI="' in stripped:
                stripped = _URI_ATTRIBUTE.sub(lambda m: f'URI="{convert(m.group(1))}"', stripped)
            out.append(stripped)
        else:
            out.append(convert(stripped))
    return "\n".join(out) + "\n"


def _is_thumbnails(name: str) -> bool:
    """Whether ``name`` is a sprite sheet's thumbnails track (subtitles, also WebVTT, are not)."""
    return posixpath.basename(name) == THUMBNAILS_NAME


def _is_subtitles(name: str) -> bool:
    """Whether ``name`` is a subtitle track (``storage.subtitle_name``): served through
    :func:`playlist_view` so that the player's ``<track>`` and the transcript fetch it from the
    site's own origin (a cross-origin track needs CORS and a ``crossorigin`` video)."""
    parts = name.split("/")
    return (
        len(parts) == 4
        and parts[0] == storage.ENCODED
        and parts[2] == "subtitles"
        and parts[3].endswith(".vtt")
    )


def _subtitles_response(name: str, *, public: bool) -> HttpResponse:
    data = read_object(name, SUBTITLES_MAX_BYTES)
    if data is None:
        raise Http404("Not found.")
    response = HttpResponse(data, content_type=THUMBNAILS_TYPE)
    # A track may be replaced (same name): caches ask again each time.
    response["Cache-Control"] = "public, no-cache" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


def rewrite_thumbnails(text: str, *, name: str, image_url) -> str:
    """Thumbnails track ``text`` (stored as ``name``) with each cue's image made absolute
    through ``image_url(name)``, its ``#xywh=`` tile kept. As for playlists, a reference that
    leaves the media's folder, or is absolute already, is left as it is."""
    base = posixpath.dirname(name)
    scope = signing.link_scope(name)
    out = []
    for line in text.splitlines():
        match = _THUMBNAIL_CUE.match(line.strip())
        uri = match and match.group("uri")
        if not uri or "://" in uri or uri.startswith("/") or scope is None:
            out.append(line)
            continue
        target = posixpath.normpath(posixpath.join(base, uri.split("?", 1)[0]))
        out.append(
            f"{image_url(target)}{match.group('tile')}" if target.startswith(scope) else line
        )
    return "\n".join(out) + "\n"


def _thumbnails_response(name: str, signer: _Signer, *, public: bool) -> HttpResponse:
    data = read_object(name)
    if data is None:
        raise Http404("Not found.")
    body = rewrite_thumbnails(data.decode("utf-8", "replace"), name=name, image_url=signer.url)
    response = HttpResponse(body, content_type=THUMBNAILS_TYPE)
    # Written once at the end of an encode: it never changes (as a finished playlist).
    response["Cache-Control"] = (
        f"public, max-age={public_step() // 4}" if public else "private, no-store"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


# Each HLS rendition's C2PA manifest lies beside its playlist (services/provenance.py): announced
# on the rendition playlist's answers by ``Link: <...>; rel="c2pa-manifest"`` (here, Django's
# file view in file_access.py, nginx's docker/nginx/snippets/media-files.conf).
RENDITION_MANIFEST = "manifest.c2pa"
_RENDITION_PLAYLIST = re.compile(r"^encoded/[0-9a-f]{32}/hls/[^/]+/[^/]+/index\.m3u8$")


def is_rendition_playlist(name: str) -> bool:
    return bool(_RENDITION_PLAYLIST.match(name))


def rendition_manifest(name: str) -> str:
    return name.rsplit("/", 1)[0] + "/" + RENDITION_MANIFEST


def c2pa_link(url: str) -> str:
    return f'<{url}>; rel="c2pa-manifest"'


def playlist_response(request, name: str, *, public: bool, expires_at: int | None) -> HttpResponse:
    """The playlist (or thumbnails track) ``name`` rewritten for this viewer (see the module
    docstring)."""
    kinds = name.endswith(".m3u8") or _is_thumbnails(name) or _is_subtitles(name)
    if not kinds or signing.link_scope(name) is None:
        raise Http404("Not found.")
    if _is_subtitles(name):
        return _subtitles_response(name, public=public)
    signer = _Signer(public=public, expires_at=expires_at)
    if _is_thumbnails(name):
        return _thumbnails_response(name, signer, public=public)
    data = read_object(name)
    if data is None:
        raise Http404("Not found.")
    text = data.decode("utf-8", "replace")
    body = rewrite_playlist(
        text,
        name=name,
        segment_url=signer.url,
        playlist_url=functools.partial(
            playlist_link, public=public, expires_at=None if public else signer.expires_at
        ),
    )
    response = HttpResponse(body, content_type=PLAYLIST_TYPE)
    if is_rendition_playlist(name):
        # The rendition's detached Content Credentials (docs/provenance.md), by presigned URL.
        response["Link"] = c2pa_link(signer.url(rendition_manifest(name)))
    if not public:
        response["Cache-Control"] = "private, no-store"
    elif "#EXT-X-STREAM-INF" in text or "#EXT-X-ENDLIST" in text:
        # A master or a finished variant never changes, and the URLs in it stay valid for at
        # least MEDIA_PUBLIC_LINK_SECONDS minus a step: a cached copy may live a quarter step.
        response["Cache-Control"] = f"public, max-age={public_step() // 4}"
    else:
        # Still growing while its encode publishes segments: ask again each time.
        response["Cache-Control"] = "public, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@require_safe
def playlist_view(request, path: str):
    """``/stream/<name>`` (media the visitor may see, checked at each fetch) and
    ``/stream/s/<signature>/<expires>/<name>`` (a signed link: 403 bad, 410 expired)."""
    from media_app.file_access import media_file_scope

    if not storage.s3_mode() or _UNSAFE_PATH.search(path):
        raise Http404("Not found.")
    if path.startswith("s/"):
        verdict, name = signing.link_verdict(path)
        if verdict is signing.Verdict.EXPIRED:
            return HttpResponse("This link has expired.\n", status=410, content_type="text/plain")
        if verdict is not signing.Verdict.VALID:
            return HttpResponse("Forbidden.\n", status=403, content_type="text/plain")
        expires_at = int(signing.SIGNED_NAME.match(path).group("expires"))
        return playlist_response(request, name, public=False, expires_at=expires_at)
    scope = media_file_scope(request, f"/media/{path}")
    if scope is None:
        raise Http404("Not found.")
    return playlist_response(request, path, public=scope == "public", expires_at=None)
