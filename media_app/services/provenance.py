"""Provenance of published media (issue 15, part 2): Content Credentials and hashes.

- :func:`provenance_ingest` (prepare step): SHA-256 of the original, and whether it carries
  Content Credentials of its own (validated; a malformed or hostile manifest is "invalid",
  never an error of the ingest).
- :func:`provenance_sign` (start of ``encoding_finish``): embeds a C2PA manifest in every file
  the public downloads (the clean public copy, poster, thumbnail), writes one detached manifest
  per HLS rendition (``<run>/<rendition>/manifest.c2pa``), and records everything in
  ``Media.provenance``. It returns a reason when publishing must stop (signing impossible and
  ``C2PA_ALLOW_UNSIGNED`` not set).
- :func:`provenance_public` is the part of the record anyone may see (API and watch page).

``docs/provenance.md`` ("2. Content Credentials") says which file carries what, and how readers
verify.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from media_app import provenance as c2p
from media_app import storage
from media_app.encoding import files, hls
from media_app.models import JournalistVerification, Media

logger = logging.getLogger(__name__)
T = TypeVar("T")

RENDITION_MANIFEST = "manifest.c2pa"
# The stored files that get an embedded manifest, by the role shown to readers.
SIGNED_FIELDS = (("public", "public_file"), ("poster", "poster"), ("thumbnail", "thumbnail"))


def _site() -> str:
    """The site's origin for links written into manifests ('' = relative links)."""
    origins = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []) or [])
    return origins[0].rstrip("/") if origins else ""


def _save(media_id: int, **changes) -> dict:
    with transaction.atomic():
        row = Media.objects.select_for_update().filter(pk=media_id).first()
        if row is None:
            return {}
        record = dict(row.provenance or {})
        record.update(changes)
        Media.objects.filter(pk=media_id).update(provenance=record)
        return record


def _outage(exc: BaseException) -> bool:
    """An error of the object storage (retried by the encoding tasks), not of signing."""
    return type(exc).__module__.split(".")[0] in ("botocore", "boto3", "s3transfer")


class _RangedObject(io.RawIOBase):
    """S3 mode: a stored object read by ranged GETs as the reader seeks (c2pa reads an MP4's
    box headers and its manifest, not the whole file; django-storages' file would download
    the whole object first)."""

    BLOCK = 8 * 1024 * 1024

    def __init__(self, name: str) -> None:
        self._name, self._pos = name, 0
        client = storage.s3_client()
        self._size = client.head_object(Bucket=storage.bucket_name(), Key=name)["ContentLength"]
        self._buf, self._buf_at = b"", 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._pos >= self._size or not len(view):
            return 0
        start = self._pos - self._buf_at
        if not 0 <= start < len(self._buf):
            end = min(self._size, self._pos + max(len(view), self.BLOCK)) - 1
            answer = storage.s3_client().get_object(
                Bucket=storage.bucket_name(), Key=self._name, Range=f"bytes={self._pos}-{end}"
            )
            with answer["Body"] as body:
                self._buf, self._buf_at = body.read(), self._pos
            start = 0
        got = self._buf[start : start + len(view)]
        view[: len(got)] = got
        self._pos += len(got)
        return len(got)


def _open_stored(name: str):
    return _RangedObject(name) if storage.s3_mode() else storage.open_read(name)


# --- ingest -------------------------------------------------------------------------------


def provenance_ingest(*, media: Media) -> dict:
    """Hash the original and read its own Content Credentials; recorded, never raised."""
    name = str(media.media_file)  # its name, "" when empty
    incoming: dict = {"status": "none"}
    original: dict = {}
    try:
        with _open_stored(name) as fh:
            original = {"sha256": c2p.sha256_of(fh, _RangedObject.BLOCK), "size": fh.seek(0, 2)}
        with _open_stored(name) as fh:
            report = c2p.read_credentials(fh, c2p.mime_of(name))
        incoming = c2p.public_report(report)
        if report.get("status") != "none":
            incoming["redactable"] = c2p.redactions_for(report)
    except Exception as exc:
        if _outage(exc):
            raise
        logger.warning("media %s: reading Content Credentials failed: %s", media.pk, exc)
        incoming = {"status": "invalid", "codes": ["unreadable"], "error": str(exc)[:300]}
    record = _save(media.pk, original=original, incoming=incoming)
    logger.info("media %s: incoming credentials %s", media.pk, incoming.get("status"))
    return record


# --- signing ------------------------------------------------------------------------------


def _author(media: Media) -> dict:
    user = media.user
    verified = (
        JournalistVerification.objects.filter(
            user=user, status=JournalistVerification.Status.APPROVED
        )
        .order_by("-decided_at")
        .values_list("decided_at", "outlet")
        .first()
    )
    return {
        "name": user.name or user.get_full_name() or user.username,
        "username": user.username,
        "url": f"{_site()}/user/{user.username}",
        "verified": bool(user.is_verified_journalist),
        "verified_at": verified[0].isoformat() if verified and verified[0] else "",
        "outlet": user.verified_outlet or (verified[1] if verified else ""),
    }


def _actions(media: Media, role: str, when: str) -> list[dict]:
    actions = [
        {"action": "c2pa.opened", "parameters": {"ingredientIds": ["original"]}},
    ]
    if role == "public" and media.original_unchanged_confirmed_at:
        pass  # the owner chose to publish the original unchanged
    elif role == "public" and media.media_type == Media.MediaType.PDF:
        actions.append({"action": "c2pa.edited.metadata", "description": "metadata removed"})
    else:
        actions.append(
            {
                "action": "c2pa.transcoded",
                "description": {
                    "public": "re-encoded for publication",
                    "poster": "still picture for the player",
                    "thumbnail": "small still picture for listings",
                    "rendition": "HLS rendition for streaming",
                }.get(role, "re-encoded"),
            }
        )
        actions.append(
            {
                "action": "c2pa.edited.metadata",
                "description": "identifying metadata (location, device, author, software) removed",
            }
        )
    actions.append(
        {"action": "c2pa.published", "when": when, "softwareAgent": c2p.claim_generator()}
    )
    return actions


class _Job:
    """One signing pass over a media's published files."""

    def __init__(self, media: Media, cfg: c2p.SignerConfig, work: str) -> None:
        self.media, self.cfg, self.work = media, cfg, work
        self.when = timezone.now().replace(microsecond=0).isoformat()
        self.author = _author(media)
        self.publication = {
            "media": media.friendly_token,
            "url": f"{_site()}/view?m={media.friendly_token}",
            "published_at": self.when,
            "original_sha256": (media.provenance or {}).get("original", {}).get("sha256", ""),
        }
        self.ingredient, self.redactions = self._incoming_ingredient()
        self.chain_dropped, self.chained = "", False
        self.original_format = c2p.mime_of(str(media.media_file))

    def _incoming_ingredient(self) -> tuple[tuple[str, str] | None, list[str]]:
        """The original as ingredient with its own manifest, when it carries one that
        validates (the chain from the camera), its metadata assertions redacted."""
        incoming = (self.media.provenance or {}).get("incoming") or {}
        if incoming.get("status") not in ("valid", "untrusted-valid"):
            return None, []
        if not settings.C2PA_KEEP_INCOMING:
            return None, []
        name = str(self.media.media_file)
        mime = c2p.mime_of(name)
        if not mime:
            return None, []
        path = storage.stage_in(name, os.path.join(self.work, "original"))
        with open(path, "rb") as fh:
            report = c2p.read_credentials(fh, mime)
        if report.get("status") not in ("valid", "untrusted-valid"):
            return None, []
        return (path, mime), c2p.redactions_for(report)

    def _signing(self, sign: Callable[[Any], T]) -> T:
        """``sign(definition_maker, ingredient)``, with the incoming chain when there is one. If
        c2pa refuses that chain (a redaction it will not make, an ingredient it cannot embed),
        sign again with the neutral ingredient: an upload's credentials never stop a
        publication."""
        if self.ingredient is None:
            return sign(None)
        try:
            result = sign(self.ingredient)
            self.chained = True
            return result
        except Exception as exc:
            if _outage(exc):
                raise
            logger.warning(
                "media %s: incoming credentials not kept (%s: %s)",
                self.media.pk,
                type(exc).__name__,
                exc,
            )
            self.ingredient, self.redactions = None, []
            self.chain_dropped = f"{type(exc).__name__}: {exc}"[:300]
            return sign(None)

    def definition(self, role: str, title: str) -> dict:
        return c2p.manifest(
            title=title,
            actions=_actions(self.media, role, self.when),
            author=self.author,
            publication={**self.publication, "file": role},
            original_format=self.original_format,
            redactions=self.redactions,
        )

    def sign_stored(self, role: str, name: str) -> dict:
        mime = c2p.mime_of(name)
        if not mime:
            return {"role": role, "signed": False, "reason": "format not supported by C2PA"}
        src = storage.stage_in(name, os.path.join(self.work, role))
        dst = os.path.join(self.work, f"signed-{role}{os.path.splitext(name)[1]}")
        title = f"{role}{os.path.splitext(name)[1]}"
        self._signing(
            lambda ingredient: c2p.sign_file(
                self.cfg, self.definition(role, title), src, dst, mime, ingredient
            )
        )
        entry = {
            "role": role,
            "signed": True,
            "format": mime,
            "sha256": c2p.sha256_file(dst),
            "size": os.path.getsize(dst),
        }
        storage.publish_file(dst, name)
        os.unlink(dst)
        return entry

    def sign_rendition(self, tree: str, rendition: str) -> dict | None:
        folder = f"{tree}/{rendition}"
        with storage.open_read(f"{folder}/index.m3u8") as fh:
            playlist = hls.parse_media_playlist(fh.read().decode("utf-8"))
        if not playlist.init or not playlist.segments:
            return None
        names = [playlist.init, *(uri for uri, _ in playlist.segments)]
        local_dir = os.path.join(self.work, "hls", rendition)
        if storage.local_storage():
            parts = [storage.storage_path(f"{folder}/{n}") for n in names]
        else:  # staged one rendition at a time, removed once signed
            parts = [
                storage.download(f"{folder}/{n}", os.path.join(local_dir, n.replace("/", "_")))
                for n in names
            ]
        os.makedirs(local_dir, exist_ok=True)
        data = self._signing(
            lambda ingredient: c2p.sign_sidecar(
                self.cfg,
                self.definition("rendition", f"{rendition} (HLS)"),
                parts,
                "video/mp4",
                ingredient,
            )
        )
        with c2p.ConcatReader(parts) as whole:
            digest, size = c2p.sha256_of(whole), whole.seek(0, 2)
        local = os.path.join(local_dir, RENDITION_MANIFEST)
        with open(local, "wb") as out:
            out.write(data)
        storage.publish_file(local, f"{folder}/{RENDITION_MANIFEST}")
        for path in parts:
            if path.startswith(self.work) and os.path.exists(path):
                os.unlink(path)
        return {
            "rendition": rendition,
            "sha256": digest,
            "size": size,
            "segments": len(playlist.segments),
            "manifest": RENDITION_MANIFEST,
        }


def _renditions(hls_file: str) -> tuple[str, list[str]]:
    tree = storage.hls_tree(hls_file) if hls_file else None
    if not tree:
        return "", []
    found = [
        folder
        for folder in storage.list_folders(tree)
        if storage.exists(f"{tree}/{folder}/index.m3u8")
    ]
    return tree, sorted(found)


def _unsigned(media_id: int, reason: str, *, configured: bool) -> str | None:
    """Record why a media is not signed. ``reason`` (the operator's: it may name files and
    settings) is logged and kept in the record; the public and the owner get ``public``."""
    allowed = settings.C2PA_ALLOW_UNSIGNED
    public = "signing failed" if configured else "this site has no signing certificate"
    _save(
        media_id,
        signed=False,
        reason=reason,
        public_reason=public,
        allowed_unsigned=allowed,
        signed_at=None,
        files=[],
        renditions=[],
    )
    if allowed:
        logger.warning("media %s published without Content Credentials: %s", media_id, reason)
        return None
    logger.error("media %s not published: Content Credentials: %s", media_id, reason)
    return (
        f"Content Credentials could not be signed ({public}), so the media stays unpublished. "
        "The site's operator can see why in the logs and in the system check (openpress.E150)."
    )


def provenance_sign(*, media_id: int, run: str) -> str | None:
    """Sign what the public will fetch of the run ``run``; ``None`` when publishing may go
    on, else the reason it may not."""
    media = Media.objects.select_related("user").filter(pk=media_id).first()
    if media is None or media.encoding_run != run:
        return None
    if media.encoding_status != Media.EncodingStatus.RUNNING:
        return None
    try:
        cfg = c2p.signer_config()
    except c2p.SigningUnavailable as exc:
        return _unsigned(media_id, str(exc), configured=False)
    if not cfg.development:
        problems = c2p.certificate_problems(cfg)
        if problems:
            return _unsigned(media_id, "; ".join(problems), configured=False)
    try:
        with files.scratch() as work:
            job = _Job(media, cfg, work)
            signed = []
            for role, field_name in SIGNED_FIELDS:
                name = getattr(media, field_name).name
                if name and storage.exists(name):
                    signed.append(job.sign_stored(role, name))
            tree, folders = _renditions(media.hls_file)
            renditions = [r for f in folders if (r := job.sign_rendition(tree, f))]
    except Exception as exc:
        if _outage(exc):
            raise
        logger.exception("media %s: signing failed", media_id)
        return _unsigned(
            media_id, f"signing failed ({type(exc).__name__}: {exc})"[:500], configured=True
        )
    trusted = False
    # Whether validators trust our signer: read back the smallest file signed.
    check = min((f for f in signed if f.get("signed")), key=lambda f: f["size"], default=None)
    if check is not None:
        name = getattr(media, dict(SIGNED_FIELDS)[check["role"]]).name
        with _open_stored(name) as fh:
            trusted = c2p.read_credentials(fh, check["format"]).get("status") == "valid"
    _save(
        media_id,
        signed=True,
        reason="",
        development=cfg.development,
        trusted=trusted and not cfg.development,
        signer={k: cfg.certificate.get(k, "") for k in ("subject", "organization", "issuer")}
        | {"certificate_sha256": cfg.certificate.get("sha256", ""), "source": cfg.source},
        claim_generator=f"{c2p.claim_generator()['name']}/{c2p.claim_generator()['version']}",
        actions=[a["action"] for a in _actions(media, "public", job.when)],
        published_at=job.when,
        author={k: job.author[k] for k in ("name", "url", "verified", "verified_at", "outlet")},
        chained_incoming=job.chained,
        chain_dropped=job.chain_dropped,
        redacted=len(job.redactions),
        files=signed,
        renditions=renditions,
        signed_at=job.when,
    )
    logger.info(
        "media %s: Content Credentials on %d files and %d renditions",
        media_id,
        len(signed),
        len(renditions),
    )
    return None


# --- what anyone may see ------------------------------------------------------------------


def provenance_public(media: Media) -> dict:
    """The provenance record without anything about the source: no file names, no found
    metadata, no storage paths."""
    record = media.provenance or {}
    if not record:
        return {"signed": False, "reason": "not processed yet"}
    incoming = record.get("incoming") or {}
    return {
        "signed": bool(record.get("signed")),
        "reason": record.get("public_reason", "") if not record.get("signed") else "",
        "development": bool(record.get("development")),
        "trusted": bool(record.get("trusted")),
        "signer": {
            k: (record.get("signer") or {}).get(k, "")
            for k in ("subject", "organization", "issuer")
        },
        "claim_generator": record.get("claim_generator", ""),
        "actions": record.get("actions") or [],
        "published_at": record.get("published_at"),
        "author": record.get("author") or {},
        "incoming": {
            "status": incoming.get("status", "none"),
            "codes": incoming.get("codes") or [],
            "signer": incoming.get("signer") or {},
            "claim_generator": incoming.get("claim_generator") or [],
            "kept_as_ingredient": bool(record.get("chained_incoming")),
        },
        "original": {"sha256": (record.get("original") or {}).get("sha256", "")},
        "files": [
            {k: f.get(k) for k in ("role", "signed", "format", "sha256", "size")}
            for f in record.get("files") or []
        ],
        "renditions": [
            {k: r.get(k) for k in ("rendition", "sha256", "size", "segments", "manifest")}
            for r in record.get("renditions") or []
        ],
    }
