"""What anonymous visitors read is cached for a few seconds, in a namespace that any change
to media replaces at once.

The namespace ("generation") is a random token in the shared cache. Everything cached for
anonymous readers is keyed by it, so a media turned private, unreviewed or deleted drops out of
every cached listing the moment :func:`listings_changed` runs, without finding the keys.
Counters (views, likes) may lag by up to ``API_CACHE_SECONDS``; visibility never does.

nginx keeps the same answers for the same time in front of the application (its micro-cache,
openpress/microcache.py), keyed by the namespace it asks for on every request: a change
replaces its entries at the same moment. Counters may then lag by up to twice
``API_CACHE_SECONDS`` (an answer nginx takes from here near the end of its time starts its own).
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "openpress:listings:generation"


def listings_generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        # add() so that two processes starting at once agree on one namespace.
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY) or generation
    return generation


def current_generation() -> str:
    """The namespace now, for nginx's micro-cache (openpress/microcache.py), or ``""`` when
    the cache keeps none (Redis away): then nothing may be cached, since a namespace only this
    request knows would never be replaced by a change."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        listings_generation()
        generation = cache.get(GENERATION_KEY)
    return generation or ""


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def listings_changed() -> None:
    """Start a new namespace now, and again once the current transaction commits.

    The second one matters: between this call and the commit another request could still read
    the old rows and cache them under the new namespace.
    """
    _new_generation()
    transaction.on_commit(_new_generation)


def _key(kind: str, name: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return f"openpress:{kind}:{listings_generation()}:{digest}"


def cache_get(kind: str, name: str):
    """A cached answer in the current namespace, or ``None``.

    ``kind`` is ``"anon"`` (what an anonymous visitor was given for an absolute URL: scheme,
    host and full path, so one host's answers are never served for another) or
    ``"shared"`` (what every reader is shown alike: only listable media in it).
    """
    if settings.API_CACHE_SECONDS <= 0:
        return None
    return cache.get(_key(kind, name))


def cache_put(kind: str, name: str, data) -> None:
    if settings.API_CACHE_SECONDS > 0:
        cache.set(_key(kind, name), data, timeout=settings.API_CACHE_SECONDS)
