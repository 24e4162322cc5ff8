"""Signed, expiring links to the files of media that anonymous visitors may not see.

A link is ``<MEDIA_URL>s/<signature>/<expires>/<storage name>``. The signature is what nginx's
``secure_link_md5`` computes (docker/nginx/snippets/signed-media.conf): the MD5 of
``"<expires> <scope> <secret>"``, base64url without padding, where the scope is

* ``encoded/<uid hex>/`` for everything derived from a media (HLS tree, poster, thumbnail,
  sprites, preview): one signature covers the whole folder, so the variant playlists and
  segments a signed master playlist names by relative URIs carry the signature on, and no
  playlist is ever rewritten;
* the original's own name, ``original/<2 hex>/<uid hex>.<ext>``, which lives elsewhere.

nginx checks the link without asking Django; Django's own media view (embedded mode) checks it
with :func:`link_verdict`. MD5 is what the nginx module offers; it is enough here because we
choose every text that is signed, so nobody can bring a colliding pair to be signed.

Whether a media needs signed links is decided by the visibility rule of
:mod:`media_app.selectors.media` and nowhere else: :func:`needs_signed_links` evaluates that
rule's anonymous ``Q`` on the instance at hand (no query per media in a listing).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from enum import Enum
from typing import Any, cast

from django.conf import settings
from django.db.models import Q

from media_app.selectors.media import media_visible_q

# What the links look like inside MEDIA_URL, and the scopes a signature may cover.
SIGNED_NAME = re.compile(
    r"^s/(?P<signature>[A-Za-z0-9_-]{22})/(?P<expires>[0-9]{1,12})/(?P<name>.+)\Z"
)
_SCOPE = re.compile(
    r"^(?:(?P<folder>encoded/[0-9a-f]{32}/)(?=.)"
    r"|original/[0-9a-f]{2}/[0-9a-f]{32}\.[A-Za-z0-9]{1,10}\Z)"
)
# Links are handed out in steps of this fraction of their lifetime, so the answers given within
# one step carry the same URLs (the browser's cache keeps working across page loads) and a link
# lives between one and 1 + 1/STEPS lifetimes.
STEPS = 12


class Verdict(Enum):
    VALID = "valid"
    BAD = "bad"  # malformed, tampered with, or for another file: 403
    EXPIRED = "expired"  # it was good once: 410, as nginx's documentation suggests


def link_scope(name: str) -> str | None:
    """The part of storage name ``name`` a signature covers; ``None`` for files that are not a
    media's (user pictures), which are never signed."""
    match = _SCOPE.match(name)
    if match is None:
        return None
    return match.group("folder") or name


def link_signature(*, scope: str, expires: int, secret: str | None = None) -> str:
    """nginx ``secure_link_md5 "$expires $scope $secret"``: base64url MD5, no padding."""
    secret = settings.MEDIA_LINK_SECRET if secret is None else secret
    digest = hashlib.md5(f"{expires} {scope} {secret}".encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def link_expiry(now: float | None = None) -> int:
    """When a link made now stops working: at least ``MEDIA_LINK_SECONDS`` from now, rounded up
    to the next step (see :data:`STEPS`)."""
    lifetime = settings.MEDIA_LINK_SECONDS
    step = max(1, lifetime // STEPS)
    deadline = int(time.time() if now is None else now) + lifetime
    return -(-deadline // step) * step


def signed_name(name: str, *, expires: int | None = None) -> str:
    """Storage name ``name`` behind a signature (``s/<signature>/<expires>/<name>``); names with
    no scope (not a media's file) are returned as they are."""
    scope = link_scope(name)
    if scope is None:
        return name
    expires = link_expiry() if expires is None else expires
    return f"s/{link_signature(scope=scope, expires=expires)}/{expires}/{name}"


def link_verdict(path: str, *, now: float | None = None) -> tuple[Verdict, str | None]:
    """Check a signed path relative to MEDIA_URL (``s/<signature>/<expires>/<name>``): the
    verdict and the storage name it grants (``None`` unless valid)."""
    match = SIGNED_NAME.match(path)
    scope = link_scope(match.group("name")) if match else None
    if match is None or scope is None:
        return Verdict.BAD, None
    expires = int(match.group("expires"))
    expected = link_signature(scope=scope, expires=expires)
    if not hmac.compare_digest(expected, match.group("signature")):
        return Verdict.BAD, None
    if expires < (time.time() if now is None else now):
        return Verdict.EXPIRED, None
    return Verdict.VALID, match.group("name")


# --- which media need signed links ------------------------------------------------------


@functools.cache
def _anonymous_rule() -> Q:
    return media_visible_q(None)


def _column(obj, field: str):
    if isinstance(obj, Mapping):  # a values() row
        return obj[field]
    model_field = obj._meta.get_field(field)
    if not model_field.concrete:
        raise ValueError(f"cannot evaluate {field!r} outside the database")
    return getattr(obj, model_field.attname)


def _holds(q: Q, obj) -> bool:
    """Whether ``obj`` (a model instance or a ``values()`` row) satisfies ``q``, for the plain
    lookups a visibility rule is made of (field, ``__exact``, ``__in`` on the model's own columns,
    AND/OR/NOT). Anything else raises, so a rule this cannot follow fails loudly instead of
    signing the wrong media."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(_holds(child, obj))
            continue
        lookup, expected = cast(tuple[str, Any], child)  # a (lookup, value) leaf
        field, _, op = lookup.partition("__")
        if op not in ("", "exact", "in"):
            raise ValueError(f"cannot evaluate {lookup!r} outside the database")
        actual = _column(obj, field)
        results.append(actual in expected if op == "in" else actual == expected)
    if q.connector not in (Q.AND, Q.OR):
        raise ValueError(f"cannot evaluate a {q.connector} rule outside the database")
    held = all(results) if q.connector == Q.AND else any(results)
    return held != q.negated


def needs_signed_links(media) -> bool:
    """Whether the files of ``media`` (a Media, or a ``values()`` row with the rule's columns)
    are hidden from anonymous visitors (private, or not yet reviewed), by the selectors' rule:
    those are handed out as signed links only."""
    return not _holds(_anonymous_rule(), media)
