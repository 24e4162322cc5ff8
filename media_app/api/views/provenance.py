"""``POST /api/v1/verify``: is this file an unaltered OpenPress publication, and which one?

Give it a file (multipart ``file``, optionally ``manifest``: an HLS rendition's detached
``manifest.c2pa``, with ``file`` = init.mp4 followed by the segments) or the ``url`` of a file
of this site (JSON or form). URLs are never fetched from the network: only this site's own media
URLs (``/media/...``, ``/media/s/...``, ``/stream/...``, and in S3 mode the bucket's presigned
URLs) are accepted, turned into storage names and read from storage, with the same visibility
rule as the files themselves. A rendition playlist's URL verifies the whole rendition against
its manifest.

The answer says what c2pa-python makes of the file's Content Credentials (valid, untrusted but
intact, invalid with its status codes, or none), whether its SHA-256 is one OpenPress recorded
when it published (the exact bytes), and whether its manifest is ours (our signer, our
publication assertion) and names a media this visitor may see.
"""

from __future__ import annotations

import os
import tempfile
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import NotSupportedError
from django.db.models import Q
from django.urls import re_path
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from media_app import provenance as c2p
from media_app import storage
from media_app.api.base import BaseAPIView
from media_app.api.serializers.provenance import (
    VerifyAnswer,
    VerifyInput,
)
from media_app.encoding import hls
from media_app.models import Media
from media_app.selectors.media import media_visible_q

# The largest file (or rendition) /verify reads: renditions and stills are well below it.
VERIFY_MAX_BYTES = 512 * 1024 * 1024
CHUNK = 1024 * 1024


class TooLarge(Exception):
    pass


class VerifyThrottle(AnonRateThrottle):
    scope = "verify"
    rate = "30/minute"

    def get_rate(self) -> str:
        return self.rate


def _copy(src, out, budget: int) -> int:
    done = 0
    while block := src.read(CHUNK):
        done += len(block)
        if done > budget:
            raise TooLarge
        out.write(block)
    return done


def _storage_name(request, url: str) -> tuple[str | None, str]:
    """The storage name a URL of this site's media names, and an error when it names none."""
    from media_app import delivery
    from media_app.file_access import media_file_scope
    from media_app.services import signing

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https", ""):
        return None, "Only http(s) URLs of this site's media can be checked."
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    path = unquote(parts.path)
    if ".." in path.split("/"):
        return None, "Not a media URL."
    if origin and origin in delivery.media_origins():
        # A bucket URL (presigned): path-style /<bucket>/<key> or virtual-hosted /<key>.
        key = path.lstrip("/")
        base = urlsplit(settings.MEDIA_PUBLIC_BASE_URL or "").path.strip("/")
        for prefix in (f"{storage.bucket_name()}/", f"{base}/" if base else None):
            if prefix and key.startswith(prefix):
                key = key[len(prefix) :]
        name = key
    else:
        if origin and parts.netloc != request.get_host():
            return None, "Only URLs of this site's own media can be checked."
        media_url = settings.MEDIA_URL
        if path.startswith(media_url):
            name = path[len(media_url) :]
        elif path.startswith("/stream/"):
            name = path[len("/stream/") :]
        else:
            return None, "Not a media URL of this site."
        if name.startswith("s/"):
            verdict, signed = signing.link_verdict(name)
            if verdict is not signing.Verdict.VALID:
                return None, "That signed link is not valid (tampered with, or expired)."
            return signed, ""
    if media_file_scope(request, f"/media/{name}") is None:
        return None, "No media file you may see is at that URL."
    return name, ""


def _rendition_parts(name: str) -> tuple[list[str], str] | None:
    """For a rendition playlist: its init and segments' names, and its manifest's name."""
    from media_app.delivery import is_rendition_playlist, rendition_manifest

    if not is_rendition_playlist(name):
        return None
    folder = name.rsplit("/", 1)[0]
    with storage.open_read(name) as fh:
        playlist = hls.parse_media_playlist(fh.read(1024 * 1024).decode("utf-8", "replace"))
    if not playlist.init:
        return None
    names = [f"{folder}/{playlist.init}", *(f"{folder}/{uri}" for uri, _ in playlist.segments)]
    return names, rendition_manifest(name)


def _matches(user, digest: str) -> list[tuple[Media, str]]:
    """Visible media that published a file (or rendition) with SHA-256 ``digest``."""
    visible = Media.objects.filter(media_visible_q(user)).select_related("user")
    found = []
    try:
        rows = list(
            visible.filter(
                Q(provenance__files__contains=[{"sha256": digest}])
                | Q(provenance__renditions__contains=[{"sha256": digest}])
            )[:5]
        )
    except NotSupportedError:  # SQLite (make run): no JSON containment
        rows = [m for m in visible.exclude(provenance={}) if digest in str(m.provenance)][:5]
    for media in rows:
        record = media.provenance or {}
        for entry in record.get("files") or []:
            if entry.get("sha256") == digest:
                found.append((media, entry.get("role", "")))
        for entry in record.get("renditions") or []:
            if entry.get("sha256") == digest:
                found.append((media, f"rendition {entry.get('rendition', '')}"))
    return found


def _describe(media: Media) -> dict:
    return {
        "friendly_token": media.friendly_token,
        "title": media.title,
        "url": f"/view?m={media.friendly_token}",
        "author": media.user.name or media.user.username,
        "author_profile": f"/user/{media.user.username}",
        "published_at": (media.provenance or {}).get("published_at"),
    }


def verify(request, path: str, manifest: bytes | None, mime: str | None) -> dict:
    """The verdict on local file ``path``."""
    with open(path, "rb") as fh:
        digest = c2p.sha256_of(fh)
    with open(path, "rb") as fh:
        report = c2p.read_credentials(fh, mime, manifest)
    credentials = c2p.public_report(report)
    credentials.pop("assertions", None)
    publication = c2p.publication_of(report) if report.get("status") != "none" else None
    user = request.user if request.user.is_authenticated else None
    exact = _matches(user, digest)
    claimed = None
    if publication and publication.get("media"):
        claimed = (
            Media.objects.filter(media_visible_q(user), friendly_token=publication["media"])
            .select_related("user")
            .first()
        )
    ours = False
    if claimed is not None:
        signer = (claimed.provenance or {}).get("signer") or {}
        ours = bool(signer) and credentials.get("signer", {}).get("subject") == signer.get(
            "subject"
        )
    intact = report.get("status") in ("valid", "untrusted-valid")
    media = exact[0][0] if exact else claimed
    unaltered = bool(exact) and (intact or manifest is None)
    if exact:
        message = "This file is exactly as OpenPress published it."
        if report.get("status") == "invalid":
            message += " (Its Content Credentials do not validate, yet its bytes match.)"
    elif claimed is not None and intact and ours:
        unaltered = True
        message = "Its Content Credentials are intact and were signed by this site."
    elif publication:
        message = (
            "The file carries OpenPress Content Credentials, but they do not validate: it was "
            "changed after publication, or the credentials are not this site's."
        )
    elif report.get("status") == "none":
        message = "This file carries no Content Credentials and matches no publication."
    else:
        message = "This file's Content Credentials are not OpenPress's."
    return {
        "unaltered": unaltered,
        "message": message,
        "sha256": digest,
        "match": "sha256" if exact else ("manifest" if unaltered else None),
        "file": exact[0][1] if exact else (publication or {}).get("file"),
        "media": _describe(media) if media is not None and (unaltered or claimed) else None,
        "credentials": credentials,
    }


class VerifyView(BaseAPIView):
    permission_classes = (AllowAny,)
    parser_classes = (MultiPartParser, FormParser, JSONParser)
    throttle_classes = (VerifyThrottle,)

    @extend_schema(
        tags=["provenance"],
        summary="Is this file an unaltered publication of this site, and which one?",
        request={"multipart/form-data": VerifyInput, "application/json": VerifyInput},
        responses={200: VerifyAnswer, 400: None, 413: None},
    )
    def post(self, request):
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > VERIFY_MAX_BYTES + CHUNK:
            return _too_large()
        upload = request.FILES.get("file")
        url = request.data.get("url") if hasattr(request.data, "get") else None
        with tempfile.TemporaryDirectory(prefix="verify-", dir=settings.SCRATCH_DIR) as work:
            target = os.path.join(work, "file")
            manifest = None
            try:
                if upload is not None:
                    if upload.size > VERIFY_MAX_BYTES:
                        return _too_large()
                    with open(target, "wb") as out:
                        _copy(upload, out, VERIFY_MAX_BYTES)
                    sidecar = request.FILES.get("manifest")
                    if sidecar is not None:
                        if sidecar.size > 16 * 1024 * 1024:
                            return _too_large()
                        manifest = sidecar.read()
                    mime = c2p.mime_of(upload.name or "") or (
                        "video/mp4" if manifest is not None else None
                    )
                elif isinstance(url, str) and url:
                    name, error = _storage_name(request, url)
                    if name is None:
                        return Response({"detail": error}, status=status.HTTP_400_BAD_REQUEST)
                    rendition = _rendition_parts(name) if name.endswith(".m3u8") else None
                    names = rendition[0] if rendition else [name]
                    if sum(storage.size(n) for n in names) > VERIFY_MAX_BYTES:
                        return _too_large()
                    with open(target, "wb") as out:
                        for part in names:
                            with storage.open_read(part) as fh:
                                _copy(fh, out, VERIFY_MAX_BYTES)
                    if rendition and storage.exists(rendition[1]):
                        with storage.open_read(rendition[1]) as fh:
                            manifest = fh.read(16 * 1024 * 1024)
                    mime = "video/mp4" if rendition else c2p.mime_of(name)
                else:
                    return Response(
                        {"detail": "Send a file (multipart 'file') or the 'url' of one."},
                        status=status.HTTP_400_BAD_REQUEST,
                    )
            except TooLarge:
                return _too_large()
            return Response(verify(request, target, manifest, mime))


def _too_large() -> Response:
    return Response(
        {"detail": f"Too large to check here: at most {VERIFY_MAX_BYTES // (1024 * 1024)} MiB."},
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


urlpatterns = [re_path(r"^verify/?$", VerifyView.as_view(), name="api-verify")]
