"""C2PA Content Credentials: the signer, manifests, signing and validation (issue 15, part 2).

What OpenPress signs and why is in ``docs/provenance.md`` ("2. Content Credentials"); the
rules of when (at the end of an encode) live in ``media_app/services/provenance.py``. This
module knows c2pa-python and files, not media rows:

- :func:`signer_config` reads the signing settings (``C2PA_SIGNING_CERT``/``_KEY``/``_ALG``,
  ``C2PA_TSA_URL``, ``C2PA_SIGNER`` for a KMS or HSM) or, in development with nothing
  configured, makes a throwaway ES256 chain under ``C2PA_DEV_DIR`` (untrusted by anyone).
- :func:`sign_file` embeds a manifest into a file, streaming (c2pa reads and writes the
  streams it is given; nothing is read whole into memory).
- :func:`sign_sidecar` makes a detached manifest over several files read as one stream (an HLS
  rendition: its init segment followed by its media segments in playlist order).
- :func:`read_credentials` validates whatever C2PA data a file carries and never raises: a
  malformed or hostile manifest is "invalid", with the reason.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import fcntl
import hashlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024

# Assertions of an incoming manifest that carry what a camera or an editing tool knew about the
# picture, the place and the device: redacted from the ingredient we keep (source protection).
REDACTED_PREFIXES = (
    "stds.exif",
    "stds.iptc",
    "stds.xmp",
    "c2pa.metadata",
    "cawg.metadata",
    "c2pa.location",
    "c2pa.thumbnail",
    "stds.schema-org",
    "cawg.identity",
    "cawg.training-mining",
)
# Our own assertion: which OpenPress publication a file belongs to.
PUBLICATION_LABEL = "org.openpress.publication"

MIME_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".pdf": "application/pdf",
}

# c2pa settings that keep signing streaming (see context()).
STREAM_MEMORY_MB = 8
MERKLE_CHUNK_KB = 1024

DEV_SUBJECT = "OpenPress development certificate (untrusted)"


class SigningUnavailable(Exception):
    """No usable signer: the message says what is missing or wrong, for people."""


@dataclass
class SignerConfig:
    certs_pem: bytes
    alg: str
    key_pem: bytes | None = None
    tsa_url: str | None = None
    callback: Callable[[bytes], bytes] | None = None
    development: bool = False
    source: str = "settings"  # settings | callback | development
    certificate: dict = field(default_factory=dict)


def _pem(raw: str, what: str) -> bytes:
    """A PEM setting given inline, as ``base64:`` and the PEM in base64 (one line: env files,
    Kubernetes Secrets made by scripts/deploy-secrets.sh), or as a file path."""
    raw = (raw or "").strip()
    if raw.startswith("-----BEGIN"):
        return raw.encode()
    if raw.startswith("base64:"):
        try:
            data = base64.b64decode(raw[len("base64:") :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SigningUnavailable(f"{what} is not valid base64 after 'base64:'") from exc
        if not data.lstrip().startswith(b"-----BEGIN"):
            raise SigningUnavailable(f"{what} holds no PEM after 'base64:'")
        return data
    try:
        with open(raw, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise SigningUnavailable(f"{what} cannot be read ({raw}): {exc.strerror}") from exc


def _algorithm(name: str):
    import c2pa

    try:
        return getattr(c2pa.C2paSigningAlg, name.upper())
    except AttributeError:
        raise SigningUnavailable(f"C2PA_SIGNING_ALG '{name}' is not a C2PA algorithm") from None


def signer_config() -> SignerConfig:
    """The signer the settings describe; raises :class:`SigningUnavailable` saying why not."""
    alg = (settings.C2PA_SIGNING_ALG or "es256").lower()
    _algorithm(alg)
    tsa = settings.C2PA_TSA_URL or None
    if settings.C2PA_SIGNER:
        try:
            factory = import_string(settings.C2PA_SIGNER)
            callback, certs, alg = factory()
        except Exception as exc:  # a plug-in: whatever it raises is a configuration problem
            raise SigningUnavailable(f"C2PA_SIGNER {settings.C2PA_SIGNER} failed: {exc}") from exc
        certs = certs.encode() if isinstance(certs, str) else certs
        return SignerConfig(
            certs_pem=certs,
            alg=alg.lower(),
            tsa_url=tsa,
            callback=callback,
            source="callback",
            certificate=certificate_summary(certs),
        )
    cert, key = settings.C2PA_SIGNING_CERT, settings.C2PA_SIGNING_KEY
    if cert or key:
        if not (cert and key):
            missing = "C2PA_SIGNING_KEY" if cert else "C2PA_SIGNING_CERT"
            raise SigningUnavailable(f"{missing} is not set (the other half of the signer is)")
        certs = _pem(cert, "C2PA_SIGNING_CERT")
        return SignerConfig(
            certs_pem=certs,
            key_pem=_pem(key, "C2PA_SIGNING_KEY"),
            alg=alg,
            tsa_url=tsa,
            certificate=certificate_summary(certs),
        )
    if getattr(settings, "C2PA_DEV_CHAIN", False):
        certs, key_pem = development_chain(str(settings.C2PA_DEV_DIR))
        return SignerConfig(
            certs_pem=certs,
            key_pem=key_pem,
            alg="es256",
            development=True,
            source="development",
            certificate=certificate_summary(certs),
        )
    raise SigningUnavailable(
        "No signing certificate is configured (C2PA_SIGNING_CERT and C2PA_SIGNING_KEY, or "
        "C2PA_SIGNER)"
    )


def make_signer(cfg: SignerConfig):
    import c2pa

    if cfg.callback is not None:
        return c2pa.Signer.from_callback(
            cfg.callback, _algorithm(cfg.alg), cfg.certs_pem.decode(), cfg.tsa_url
        )
    info = c2pa.C2paSignerInfo(
        cfg.alg.encode(), cfg.certs_pem, cfg.key_pem, cfg.tsa_url.encode() if cfg.tsa_url else None
    )
    return c2pa.Signer.from_info(info)


# --- certificates -------------------------------------------------------------------------


def _certificates(pem: bytes):
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise SigningUnavailable(f"the certificate chain is not PEM certificates: {exc}") from exc


def _name(name) -> str:
    from cryptography.x509.oid import NameOID

    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        found = name.get_attributes_for_oid(oid)
        if found:
            return str(found[0].value)
    return name.rfc4514_string()


def certificate_summary(pem: bytes) -> dict:
    """Subject, issuer, validity and fingerprint of the chain's first (signing) certificate."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    leaf = _certificates(pem)[0]
    org = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return {
        "subject": _name(leaf.subject),
        "organization": str(org[0].value) if org else "",
        "issuer": _name(leaf.issuer),
        "not_before": leaf.not_valid_before_utc.isoformat(),
        "not_after": leaf.not_valid_after_utc.isoformat(),
        "sha256": leaf.fingerprint(hashes.SHA256()).hex(),
    }


def certificate_problems(cfg: SignerConfig, now: datetime.datetime | None = None) -> list[str]:
    """What is wrong with a configured signer: expiry, a key that is not the certificate's,
    a certificate C2PA validators refuse (no digitalSignature, no usable EKU)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = now or datetime.datetime.now(datetime.UTC)
    problems = []
    try:
        leaf = _certificates(cfg.certs_pem)[0]
    except SigningUnavailable as exc:
        return [str(exc)]
    if leaf.not_valid_after_utc <= now:
        problems.append(f"the signing certificate expired on {leaf.not_valid_after_utc:%Y-%m-%d}")
    elif leaf.not_valid_before_utc > now:
        problems.append(
            f"the signing certificate is valid only from {leaf.not_valid_before_utc:%Y-%m-%d}"
        )
    if cfg.key_pem is not None:
        try:
            key = serialization.load_pem_private_key(cfg.key_pem, password=None)
        except (ValueError, TypeError) as exc:
            problems.append(f"the private key cannot be read (PEM PKCS#8 expected): {exc}")
        else:
            raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            if key.public_key().public_bytes(*raw) != leaf.public_key().public_bytes(*raw):
                problems.append("the private key is not the signing certificate's key")
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.digital_signature:
            problems.append("the certificate's keyUsage lacks digitalSignature")
    except x509.ExtensionNotFound:
        pass
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        allowed = {
            ExtendedKeyUsageOID.EMAIL_PROTECTION,
            ExtendedKeyUsageOID.TIME_STAMPING,
            ExtendedKeyUsageOID.OCSP_SIGNING,
            x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # id-kp-documentSigning
            x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1"),  # C2PA claim signing
        }
        if not allowed & set(eku):
            problems.append(
                "the certificate's extendedKeyUsage has none C2PA accepts "
                "(emailProtection, documentSigning, C2PA claim signing)"
            )
    except x509.ExtensionNotFound:
        problems.append("the certificate has no extendedKeyUsage (C2PA requires one)")
    return problems


def development_chain(directory: str) -> tuple[bytes, bytes]:
    """A throwaway ES256 chain (CA + signing certificate, keyUsage digitalSignature, EKU
    emailProtection, PKCS#8 key), made once in ``directory`` and reused. Nobody trusts it."""
    os.makedirs(directory, exist_ok=True)
    chain, key = os.path.join(directory, "chain.pem"), os.path.join(directory, "signer.key")
    with open(os.path.join(directory, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (os.path.exists(chain) and os.path.exists(key)):
            certs, key_pem = _make_chain(DEV_SUBJECT, "OpenPress development CA (untrusted)")
            for path, data in ((key, key_pem), (chain, certs)):
                fd, tmp = tempfile.mkstemp(dir=directory)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
    with open(chain, "rb") as c, open(key, "rb") as k:
        return c.read(), k.read()


def _make_chain(subject: str, ca_subject: str, days: int = 3650) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key, ee_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )

    def name(cn):
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OpenPress development"),
            ]
        )

    ca = (
        x509.CertificateBuilder()
        .subject_name(name(ca_subject))
        .issuer_name(name(ca_subject))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    ee = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(ca.subject)
        .public_key(ee_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days - 1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ee_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    certs = ee.public_bytes(pem) + ca.public_bytes(pem)
    key = ee_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return certs, key


# --- contexts ------------------------------------------------------------------------------


def trust_anchors() -> str:
    raw = settings.C2PA_TRUST_ANCHORS
    if not raw:
        return ""
    try:
        return _pem(raw, "C2PA_TRUST_ANCHORS").decode()
    except SigningUnavailable as exc:
        logger.warning("%s", exc)
        return ""


def context(*, merkle: bool = False):
    """A c2pa Context: no generated thumbnails (they would copy pictures of the original into
    the manifest), and validation against ``C2PA_TRUST_ANCHORS`` when set."""
    import c2pa

    config: dict = {
        "builder": {"thumbnail": {"enabled": False}},
        # Streaming: the signed copy goes through a temporary file, not memory, and an MP4's
        # media data is hashed in 1 MiB Merkle chunks. Without these c2pa keeps up to the
        # whole file in memory (bench/provenance.py: 800 MiB for a 0.5 GB MP4; 31 MiB with).
        "core": {"backing_store_memory_threshold_in_mb": STREAM_MEMORY_MB},
    }
    if merkle:  # embedded MP4 only: a detached manifest over fragments validates without it
        config["core"]["merkle_tree_chunk_size_in_kb"] = MERKLE_CHUNK_KB
    anchors = trust_anchors()
    if anchors:
        config["verify"] = {"verify_trust": True}
        config["trust"] = {"trust_anchors": anchors}
    return c2pa.Context.from_dict(config)


@lru_cache(maxsize=1)
def claim_generator() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("openpress")
    except PackageNotFoundError:
        ours = "0"
    return {"name": "OpenPress", "version": ours}


def mime_of(name: str) -> str | None:
    return MIME_TYPES.get(os.path.splitext(name)[1].lower())


# --- hashing and streams -------------------------------------------------------------------


def sha256_of(fh, chunk: int = CHUNK) -> str:
    digest = hashlib.sha256()
    while block := fh.read(chunk):
        digest.update(block)
    return digest.hexdigest()


def sha256_file(path: str) -> str:
    with open(path, "rb") as fh:
        return sha256_of(fh)


class ConcatReader(io.RawIOBase):
    """Several files read as one seekable stream, without copying them (an HLS rendition:
    init.mp4 then its segments in playlist order)."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._paths = list(paths)
        self._sizes = [os.path.getsize(p) for p in self._paths]
        self._starts = []
        total = 0
        for size in self._sizes:
            self._starts.append(total)
            total += size
        self._total, self._pos = total, 0
        self._fh, self._index = None, -1

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._total}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._total:
            index = max(i for i, start in enumerate(self._starts) if start <= self._pos)
            while self._sizes[index] == 0 or self._starts[index] + self._sizes[index] <= self._pos:
                index += 1
            if index != self._index:
                if self._fh:
                    self._fh.close()
                self._fh, self._index = open(self._paths[index], "rb"), index  # noqa: SIM115
            self._fh.seek(self._pos - self._starts[index])
            want = min(len(view) - done, self._starts[index] + self._sizes[index] - self._pos)
            got = self._fh.readinto(view[done : done + want])
            if not got:
                break
            done += got
            self._pos += got
        return done

    def close(self) -> None:
        if self._fh:
            self._fh.close()
            self._fh = None
        super().close()


class _Discard(io.RawIOBase):
    """A write target that keeps nothing (detached signing copies the asset to its output)."""

    def __init__(self) -> None:
        self._pos = self._end = 0

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data) -> int:
        n = len(data)
        self._pos += n
        self._end = max(self._end, self._pos)
        return n

    def readinto(self, buffer) -> int:
        return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._end}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


# --- manifests and signing -----------------------------------------------------------------


def manifest(
    *,
    title: str,
    actions: list[dict],
    author: dict | None,
    publication: dict,
    original_format: str | None,
    redactions: list[str] = (),
) -> dict:
    """The manifest definition of one published file. The original is the parent ingredient,
    titled neutrally (never its file name); ``redactions`` name assertions of its own incoming
    manifest to drop."""
    assertions: list[dict] = [{"label": "c2pa.actions.v2", "data": {"actions": actions}}]
    if author:
        person = {"@type": "Person", "name": author["name"], "url": author["url"]}
        if author.get("verified_at"):
            person["description"] = f"Verified journalist since {author['verified_at'][:10]}"
        if author.get("outlet"):
            person["affiliation"] = {"@type": "Organization", "name": author["outlet"]}
        work = {"@context": "https://schema.org", "@type": "CreativeWork", "author": [person]}
        if publication.get("published_at"):
            work["datePublished"] = publication["published_at"]
        if publication.get("url"):
            work["url"] = publication["url"]
        assertions.append({"label": "stds.schema-org.CreativeWork", "data": work})
    assertions.append({"label": PUBLICATION_LABEL, "data": publication})
    definition = {
        "claim_generator_info": [claim_generator()],
        "title": title,
        "assertions": assertions,
        "ingredients": [_ingredient(original_format)],
    }
    if redactions:
        definition["redactions"] = list(redactions)
    return definition


def _builder(definition: dict, ingredient: tuple[str, str] | None, *, merkle: bool = False):
    """A Builder for ``definition``; ``ingredient`` = (path, mime) of an original whose own
    manifest becomes our parent ingredient's (its assertions per ``definition['redactions']``
    dropped), else the ingredient is the definition's, with no content of the original."""
    import c2pa

    ctx = context(merkle=merkle)
    if ingredient is None:
        return c2pa.Builder(definition, context=ctx), ctx
    path, mime = ingredient
    described = definition.get("ingredients") or [_ingredient(mime)]
    builder = c2pa.Builder({**definition, "ingredients": []}, context=ctx)
    with open(path, "rb") as fh:
        builder.add_ingredient(described[0], mime, fh)
    return builder, ctx


def _ingredient(original_format: str | None) -> dict:
    """The original as parent ingredient: a neutral title, never its file name."""
    found = {
        "title": "original upload",
        "relationship": "parentOf",
        "instance_id": "openpress:original",
        "label": "original",
    }
    if original_format:
        found["format"] = original_format
    return found


def sign_file(
    cfg: SignerConfig,
    definition: dict,
    src: str,
    dst: str,
    mime: str,
    ingredient: tuple[str, str] | None = None,
) -> None:
    """Embed a manifest: read ``src``, write the signed copy to ``dst`` (both streamed)."""
    builder, _ctx = _builder(
        definition, ingredient, merkle=mime.startswith(("video/", "audio/mp4"))
    )
    with make_signer(cfg) as signer, open(src, "rb") as s, open(dst, "w+b") as d:
        builder.sign(signer, mime, s, d)


def sign_sidecar(
    cfg: SignerConfig,
    definition: dict,
    parts: list[str],
    mime: str = "video/mp4",
    ingredient: tuple[str, str] | None = None,
) -> bytes:
    """A detached manifest (``.c2pa`` bytes) over ``parts`` read as one stream, in order."""
    builder, _ctx = _builder(definition, ingredient)
    builder.set_no_embed()
    with make_signer(cfg) as signer, ConcatReader(parts) as s, _Discard() as d:
        return builder.sign(signer, mime, s, d)


# --- reading and validating ----------------------------------------------------------------


def _codes(results: dict | None) -> list[str]:
    active = (results or {}).get("activeManifest") or {}
    return sorted({item.get("code", "") for item in active.get("failure") or []})


def read_credentials(stream, mime: str | None, manifest_data: bytes | None = None) -> dict:
    """Validate the C2PA data of ``stream`` (or the detached ``manifest_data`` over it).

    Returns ``{"status": "none" | "valid" | "untrusted-valid" | "invalid", ...}`` with the
    validation codes, the signer, the active manifest's label and its assertions' labels, and
    the report (``store``) for callers that need more. Never raises on the file's content.
    """
    import c2pa

    try:
        with context() as ctx:
            reader = c2pa.Reader(mime or None, stream, manifest_data, context=ctx)
            with reader:
                store = json.loads(reader.json())
    except Exception as exc:  # c2pa's own errors, and anything a hostile file provokes
        kind = type(exc).__name__.lstrip("_").removeprefix("C2pa")
        message = str(exc)
        if "ManifestNotFound" in kind or "no JUMBF data found" in message.lower():
            return {"status": "none"}
        if "NotSupported" in kind and manifest_data is None:
            return {"status": "none", "note": "format not supported by the C2PA reader"}
        return {"status": "invalid", "codes": [kind or "error"], "error": message[:300]}
    label = store.get("active_manifest")
    active = (store.get("manifests") or {}).get(label) or {}
    codes = _codes(store.get("validation_results"))
    state = store.get("validation_state") or ""
    if state == "Trusted":
        status = "valid"
    elif state == "Valid" or (codes and set(codes) <= {"signingCredential.untrusted"}):
        status = "untrusted-valid"
    else:
        status = "invalid"
    info = active.get("signature_info") or {}
    return {
        "status": status,
        "state": state,
        "codes": codes,
        "signer": {
            "subject": info.get("common_name") or "",
            "issuer": info.get("issuer") or "",
            "time": info.get("time") or "",
        },
        "claim_generator": [
            g.get("name", "") + (f"/{g['version']}" if g.get("version") else "")
            for g in active.get("claim_generator_info") or []
        ],
        "manifest": label or "",
        "assertions": [a.get("label", "") for a in active.get("assertions") or []],
        "store": store,
    }


def publication_of(report: dict) -> dict | None:
    """Our ``org.openpress.publication`` assertion in a :func:`read_credentials` report."""
    store = report.get("store") or {}
    active = (store.get("manifests") or {}).get(report.get("manifest")) or {}
    for assertion in active.get("assertions") or []:
        if assertion.get("label") == PUBLICATION_LABEL:
            return assertion.get("data") or {}
    return None


def redactions_for(report: dict) -> list[str]:
    """JUMBF references of every metadata-bearing assertion in an incoming manifest store
    (all its manifests: the camera's and any editing tool's in between)."""
    store = report.get("store") or {}
    found = []
    for label, manifest_ in (store.get("manifests") or {}).items():
        for assertion in manifest_.get("assertions") or []:
            name = assertion.get("label") or ""
            if name.startswith(REDACTED_PREFIXES):
                instance = assertion.get("instance")
                if instance and instance > 1:
                    name = f"{name}__{instance}"
                found.append(f"self#jumbf=c2pa/{label}/c2pa.assertions/{name}")
    return found


def public_report(report: dict) -> dict:
    """A :func:`read_credentials` report without the full store (what rows keep)."""
    return {k: v for k, v in report.items() if k != "store"}
