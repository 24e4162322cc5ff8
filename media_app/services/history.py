"""The tamper-evident history of published media (issue 15, docs/provenance.md section 3).

Each media has one hash chain of :class:`~media_app.models.HistoryEntry` rows. An entry's
``payload`` is the canonical JSON (sorted keys, no spaces, UTF-8) of::

    {"media": "<uid>", "seq": n, "kind": "...", "at": "<ISO 8601 UTC>",
     "by": "<username>" | null, "change": {...}}

``prev_hash`` is the ``entry_hash`` of entry ``seq - 1`` (64 zeros for ``seq`` 1) and
``entry_hash = sha256(prev_hash + payload)`` over the UTF-8 bytes, in lowercase hex. Anyone with
the entries can recompute the chain; ``verify_history`` does, and the daily stamp
(:func:`history_stamp_make`) fixes every chain's head in time with an RFC 3161 token.

What is recorded: the first publication of a media (the moment it is first public or unlisted,
reviewed and encoded) with a snapshot of its public facts, then, while it has a chain, every
change of its title, description, visibility or author, each new encode of its files, and
every correction.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import urllib.request
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from media_app.models import HistoryEntry, HistoryStamp, Media

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# Public facts whose changes are recorded, as the payload names them.
FACTS = ("title", "description", "state", "author")


class TimestampFailed(Exception):
    """The time-stamping authority gave no usable token."""


def canonical_json(value) -> str:
    """The one serialisation that is hashed: sorted keys, no whitespace, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _file_facts(media: Media) -> dict:
    """The file of a media as the history names it: the stored original's name and, when the
    provenance record has it, the SHA-256 of the original and of the published copy."""
    prov = media.provenance if isinstance(media.provenance, dict) else {}

    def sha(key: str) -> str | None:
        value = prov.get(key)
        if isinstance(value, dict):
            value = value.get("sha256")
        return value if isinstance(value, str) else None

    return {
        "original": media.media_file.name or None,
        "original_sha256": sha("original_sha256") or sha("original"),
        "hls": media.hls_file or None,
    }


def public_facts(media: Media) -> dict:
    """What the public is told about a media, as the first entry of its chain records it."""
    return {
        "title": media.title,
        "description": media.description,
        "state": media.state,
        "author": media.user.username,
        "media_type": media.media_type,
        "file": _file_facts(media),
    }


def is_published(media: Media) -> bool:
    """Public or unlisted, reviewed and encoded: what the first entry of a chain waits for."""
    return (
        media.state in (Media.State.PUBLIC, Media.State.UNLISTED)
        and media.is_reviewed
        and media.encoding_status == Media.EncodingStatus.SUCCESS
    )


def history_append(*, media: Media, kind: str, change: dict, by=None) -> HistoryEntry:
    """Append one entry to the chain of ``media``. Concurrent appends are serialised by a lock
    on the media row, so two writers never take the same ``seq`` (the unique constraint would
    refuse the second anyway)."""
    with transaction.atomic():
        Media.objects.select_for_update().filter(pk=media.pk).values_list("pk", flat=True).first()
        last = HistoryEntry.objects.filter(media_id=media.pk).order_by("-seq").first()
        seq = last.seq + 1 if last else 1
        prev = last.entry_hash if last else GENESIS
        at = timezone.now().astimezone(UTC)
        username = getattr(by, "username", None) if by is not None else None
        payload = canonical_json(
            {
                "media": str(media.uid),
                "seq": seq,
                "kind": kind,
                "at": at.isoformat(),
                "by": username or None,
                "change": change,
            }
        )
        try:
            with transaction.atomic():
                return HistoryEntry.objects.create(
                    media_id=media.pk,
                    seq=seq,
                    kind=kind,
                    payload=payload,
                    prev_hash=prev,
                    entry_hash=entry_hash(prev, payload),
                    created_at=at,
                )
        except IntegrityError:  # only without the row lock (SQLite): the next try sees it
            logger.warning("history of media %s: seq %s taken, appending again", media.pk, seq)
    return history_append(media=media, kind=kind, change=change, by=by)


def chain_break(*, uid: str, entries) -> tuple[int | None, str] | None:
    """The first broken link of one chain (its entries in ``seq`` order), as ``(seq, what)``,
    or ``None`` when every link holds. Checks seq continuity from 1, each ``prev_hash``
    against the entry before, each ``entry_hash`` recomputed from the stored payload, and the
    payload's own media, seq and kind against the row."""
    prev = GENESIS
    for expected, entry in enumerate(entries, start=1):
        if entry.seq != expected:
            return entry.seq, f"seq {entry.seq} where {expected} was expected (an entry is missing)"
        if entry.prev_hash != prev:
            return entry.seq, "prev_hash is not the entry_hash of the entry before"
        if entry_hash(entry.prev_hash, entry.payload) != entry.entry_hash:
            return entry.seq, "entry_hash does not match the payload (the payload was changed)"
        try:
            payload = json.loads(entry.payload)
        except ValueError:
            return entry.seq, "the payload is not JSON"
        if not isinstance(payload, dict) or canonical_json(payload) != entry.payload:
            return entry.seq, "the payload is not canonical JSON"
        if payload.get("media") != uid or payload.get("seq") != entry.seq:
            return entry.seq, "the payload names another media or seq than its row"
        if payload.get("kind") != entry.kind:
            return entry.seq, "the payload's kind differs from its row's"
        prev = entry.entry_hash
    return None


def stamp_breaks(*, stamp: HistoryStamp, only: str | None = None) -> list[str]:
    """What no longer holds in a daily stamp: its digest against its heads, and each stamped
    head against its media's chain (an entry hash that is gone means the chain was rewritten
    from there on; deleted media, whose chain went with it, is not counted). ``only``: the
    friendly token of the one media to check."""
    problems = []
    if hashlib.sha256(heads_message(stamp.heads)).hexdigest() != stamp.digest:
        problems.append(f"broken: stamp {stamp.day}: digest does not match its heads")
    media = Media.objects.filter(uid__in=list(stamp.heads)).only("pk", "uid", "friendly_token")
    if only is not None:
        media = media.filter(friendly_token=only)
    for item in media:
        head = stamp.heads[str(item.uid)]
        if not HistoryEntry.objects.filter(media=item, entry_hash=head).exists():
            problems.append(
                f"broken: media {item.friendly_token}: the head {head[:16]} stamped on "
                f"{stamp.day} is no longer in its chain (rewritten)"
            )
    return problems


def has_history(media: Media) -> bool:
    return HistoryEntry.objects.filter(media_id=media.pk).exists()


def history_snapshot(media: Media) -> dict:
    """The public facts before an edit, for :func:`history_record_changes` after it."""
    return {
        "title": media.title,
        "description": media.description,
        "state": media.state,
        "author": media.user.username if media.user_id else None,
    }


def history_record_changes(*, media: Media, before: dict, by=None) -> HistoryEntry | None:
    """After an edit of ``media``: start its chain if it has just been published for the first
    time, or append what changed among its public facts if it already has one."""
    if not has_history(media):
        if is_published(media):
            return history_append(media=media, kind="published", change=public_facts(media), by=by)
        return None
    after = history_snapshot(media)
    changed = {
        fact: {"from": before.get(fact), "to": after[fact]}
        for fact in FACTS
        if before.get(fact) != after[fact]
    }
    if not changed:
        return None
    return history_append(media=media, kind="edited", change=changed, by=by)


def history_encoded(*, media: Media) -> HistoryEntry | None:
    """A finished encode: the first publication of media that was waiting only for its files,
    or, for media already published, the replacement of the files it serves."""
    if not has_history(media):
        if is_published(media):
            return history_append(media=media, kind="published", change=public_facts(media))
        return None
    return history_append(media=media, kind="files", change={"file": _file_facts(media)})


def history_hidden_by_reports(*, media_id: int, reports: int) -> HistoryEntry | None:
    """Published media taken out of sight by readers' reports (services/actions.py)."""
    media = Media.objects.filter(pk=media_id).first()
    if media is None or not has_history(media):
        return None
    change = {"state": {"to": media.state}, "hidden_by_reports": reports}
    return history_append(media=media, kind="edited", change=change)


# --- the daily stamp ---------------------------------------------------------------------------


def history_heads() -> dict[str, str]:
    """``{media uid: entry_hash of its last entry}`` for every chain."""
    from django.db.models import OuterRef, Subquery

    last = HistoryEntry.objects.filter(media_id=OuterRef("pk")).order_by("-seq")
    rows = (
        Media.objects.filter(pk__in=HistoryEntry.objects.values("media_id"))
        .annotate(head=Subquery(last.values("entry_hash")[:1]))
        .values_list("uid", "head")
    )
    return {str(uid): head for uid, head in rows}


def heads_message(heads: dict[str, str]) -> bytes:
    """The bytes a stamp's digest is the SHA-256 of, and that the authority time-stamps."""
    return canonical_json(dict(sorted(heads.items()))).encode("utf-8")


def _timestamp(message: bytes, url: str) -> bytes:
    """An RFC 3161 TimeStampResp (DER) for SHA-256(``message``) from the authority at ``url``.

    The token is asked with the authority's certificate in it. rfc3161-client (1.0.9) refuses
    a token whose certificates are not in DER's set order, which some authorities (OpenSSL's
    ``ts -reply -chain`` among them) write: such a token is asked again without certificates,
    and is verified with the authority's certificate at hand (docs/provenance.md)."""
    if not url.startswith(("https://", "http://")):
        raise TimestampFailed(f"HISTORY_TSA_URL is not an http(s) URL: {url!r}")
    try:
        return _timestamp_once(message, url, with_certificate=True)
    except ValueError as exc:  # the ASN.1 parser's refusal
        logger.warning("time-stamp token unreadable (%s); asking without certificates", exc)
        return _timestamp_once(message, url, with_certificate=False)


def _timestamp_once(message: bytes, url: str, *, with_certificate: bool) -> bytes:
    from rfc3161_client import (
        HashAlgorithm,
        PKIStatus,
        TimestampRequestBuilder,
        decode_timestamp_response,
    )

    request = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .cert_request(cert_request=with_certificate)
        .build()
    )
    http = urllib.request.Request(  # noqa: S310 - http(s) only, checked by _timestamp
        url,
        data=request.as_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        method="POST",
    )
    # The operator's authority, http(s) only (checked by _timestamp).
    with urllib.request.urlopen(http, timeout=settings.HISTORY_TSA_TIMEOUT) as answer:  # noqa: S310
        body = answer.read(1024 * 1024)
    response = decode_timestamp_response(body)
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampFailed(f"the authority refused: status {response.status}")
    if response.tst_info.message_imprint.message != hashlib.sha256(message).digest():
        raise TimestampFailed("the token stamps another digest")
    if request.nonce is not None and response.tst_info.nonce != request.nonce:
        raise TimestampFailed("the token answers another request (nonce)")
    return body


def history_stamp_make(*, day: date | None = None) -> HistoryStamp:
    """Today's stamp of every chain's head, made again while it has no token: the digest is
    brought up to date and the authority (``HISTORY_TSA_URL``) asked again. A failing
    authority leaves the stamp without a token (logged), never raises."""
    day = day or timezone.now().astimezone(UTC).date()
    heads = history_heads()
    message = heads_message(heads)
    digest = hashlib.sha256(message).hexdigest()
    stamp = HistoryStamp.objects.filter(day=day).first()
    if stamp is not None and stamp.token:
        return stamp  # stamped already: a token is never replaced
    token, url = None, settings.HISTORY_TSA_URL
    if url:
        try:
            token = _timestamp(message, url)
        except Exception as exc:  # any failure of the authority: the next run tries again
            logger.warning("history stamp %s: no time-stamp token from %s (%s)", day, url, exc)
    stamp, _ = HistoryStamp.objects.update_or_create(
        day=day,
        defaults={
            "digest": digest,
            "heads": dict(sorted(heads.items())),
            "token": token,
            "tsa_url": url if token else "",
        },
    )
    logger.info(
        "history stamp %s: %d chains, digest %s, %s",
        day,
        len(heads),
        digest,
        "time-stamped" if token else "no token",
    )
    return stamp


def token_base64(stamp: HistoryStamp) -> str | None:
    return base64.b64encode(bytes(stamp.token)).decode("ascii") if stamp.token else None


def stamp_time(stamp: HistoryStamp) -> datetime | None:
    """The authority's time in the token, when there is one."""
    if not stamp.token:
        return None
    from rfc3161_client import decode_timestamp_response

    try:
        return decode_timestamp_response(bytes(stamp.token)).tst_info.gen_time
    except Exception:  # a token we could not read shows no time
        return None
