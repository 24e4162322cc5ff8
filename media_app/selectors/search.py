"""Full-text search over media (issue 17, docs/search.md).

On PostgreSQL every media has a weighted document in a :class:`SearchDocument` row (built by
:mod:`media_app.services.search` in the media's own text search configuration; a narrow table,
so ranking the thousands of media a common word matches reads little) and a query is
read with ``websearch_to_tsquery``: ``"quoted phrases"``, ``-excluded`` words and ``or``.
Each configuration folds accents before stemming (``unaccent``), so ``election`` finds
``élection`` and the reverse.

A media's words are stemmed in its language, and the query's language is not known, so the
query is read once per configuration: a media matches when the query read in *its*
configuration matches its document. The GIN index is probed with all readings ORed (a superset),
and the exact per-configuration test filters what it returns.

Ranking (``search_score``, highest first) blends relevance with recency::

    score = ts_rank({0.1, 0.2, 0.4, 1.0}, document, query, 1)
            * (1 + SEARCH_RECENCY_WEIGHT / (1 + age_in_days / SEARCH_RECENCY_DAYS))

``ts_rank`` weighs a title word (A) ten times a subtitle word (D), and normalisation 1 divides
by the log of the document's length so long transcripts do not win by bulk. The recency factor
is ``1 + W`` for a media published today and falls to ``1 + W/2`` at ``SEARCH_RECENCY_DAYS``
old: recency breaks near-ties, it never buries a much better match.

The embedded SQLite mode has no tsvector: it matches each word with ``icontains`` (``-word``
excludes), newest first, with the same API.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, FloatField, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL

from media_app.models import SearchDocument, SearchTerm

# BCP 47 primary language subtag -> the text search configuration made by migration 0022 (a
# copy of PostgreSQL's Snowball configuration whose words pass through unaccent first). A
# language not listed, or whose configuration this server lacks, is searched with
# ``openpress_simple``: no stemming, accents folded.
SIMPLE_CONFIG = "openpress_simple"
LANGUAGE_CONFIGS = {
    "ar": "openpress_arabic",
    "ca": "openpress_catalan",
    "da": "openpress_danish",
    "de": "openpress_german",
    "el": "openpress_greek",
    "en": "openpress_english",
    "es": "openpress_spanish",
    "eu": "openpress_basque",
    "fi": "openpress_finnish",
    "fr": "openpress_french",
    "ga": "openpress_irish",
    "hi": "openpress_hindi",
    "hu": "openpress_hungarian",
    "hy": "openpress_armenian",
    "id": "openpress_indonesian",
    "it": "openpress_italian",
    "lt": "openpress_lithuanian",
    "nb": "openpress_norwegian",
    "ne": "openpress_nepali",
    "nl": "openpress_dutch",
    "nn": "openpress_norwegian",
    "no": "openpress_norwegian",
    "pt": "openpress_portuguese",
    "ro": "openpress_romanian",
    "ru": "openpress_russian",
    "sr": "openpress_serbian",
    "sv": "openpress_swedish",
    "ta": "openpress_tamil",
    "tr": "openpress_turkish",
    "yi": "openpress_yiddish",
}

# Highlight markers ts_headline puts around matched words: control characters no text shows,
# turned into <mark> once the rest is escaped (serializers.media.search_snippet_html).
MARK_START, MARK_STOP = "\x02", "\x03"
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=28, MinWords=10, ShortWord=2, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


def fts_enabled() -> bool:
    return connection.vendor == "postgresql"


_available: dict[str, tuple[str, ...]] = {}


def available_configs() -> tuple[str, ...]:
    """The OpenPress configurations this database has (older servers lack some languages)."""
    key = connection.settings_dict["NAME"]
    if key not in _available:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT cfgname FROM pg_ts_config WHERE cfgname LIKE 'openpress\\_%%' "
                "ORDER BY cfgname"
            )
            _available[key] = tuple(row[0] for row in cursor.fetchall())
    return _available[key]


def forget_configs() -> None:
    """Read the configurations again (after migration 0022 made them)."""
    _available.clear()


CONFIGS_IN_USE_KEY = "openpress:search:configs-in-use"


def configs_in_use() -> set[str]:
    """The configurations media are indexed with today (kept in the shared cache: read again by
    the beat job every ten minutes, and added to by every document written with a new one)."""
    known = cache.get(CONFIGS_IN_USE_KEY)
    if known is None:
        table = connection.ops.quote_name(SearchDocument._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT config FROM {table}")  # noqa: S608
            known = [row[0] for row in cursor.fetchall()]
        cache.set(CONFIGS_IN_USE_KEY, known, timeout=None)
    return set(known)


def note_configs_in_use(configs: set[str], *, replace: bool = False) -> None:
    known = set() if replace else set(cache.get(CONFIGS_IN_USE_KEY) or ())
    if replace or not configs <= known:
        cache.set(CONFIGS_IN_USE_KEY, sorted(known | configs), timeout=None)


def _reading_configs() -> list[str]:
    """The configurations a query is read in: those media are indexed with (each reading costs
    the GIN probe a branch), and always ``simple``."""
    present = set(available_configs())
    return sorted({SIMPLE_CONFIG, *(configs_in_use() & present)})


def _query_case(doc: str, q: str) -> tuple[str, list[str]]:
    """The query read in each document's own configuration."""
    whens, params = [], []
    for config in _reading_configs():
        whens.append("WHEN %s THEN websearch_to_tsquery(%s::regconfig, %s)")
        params += [config, config, q]
    return f"(CASE {doc}.config {' '.join(whens)} END)", params


def _match(doc: str, q: str) -> RawSQL:
    """The documents (alias ``doc``) ``q`` matches: the GIN index probed with every reading
    ORed, then each document tested with the reading in its own configuration."""
    configs = _reading_configs()
    probe = " || ".join("websearch_to_tsquery(%s::regconfig, %s)" for _ in configs)
    probe_params = [p for config in configs for p in (config, q)]
    case_sql, case_params = _query_case(doc, q)
    return RawSQL(  # noqa: S611 (see module docstring: SQL)
        f"({doc}.vector @@ ({probe}) AND {doc}.vector @@ {case_sql})",
        [*probe_params, *case_params],
        output_field=BooleanField(),
    )


def _score(doc: str, q: str) -> RawSQL:
    """The ranking formula (module docstring), over the document's columns only; in double
    precision (numeric arithmetic cost a third of the time of ranking a common word)."""
    case_sql, case_params = _query_case(doc, q)
    return RawSQL(  # noqa: S611 (see module docstring: SQL)
        f"ts_rank('{{0.1, 0.2, 0.4, 1.0}}', {doc}.vector, {case_sql}, 1) * (1 + %s::float8 / "
        f"(1 + greatest(date_part('epoch', now() - {doc}.add_date), 0) / 86400.0::float8 "
        "/ %s::float8))",
        [*case_params, settings.SEARCH_RECENCY_WEIGHT, settings.SEARCH_RECENCY_DAYS],
        output_field=FloatField(),
    )


def _document_alias(qs: QuerySet) -> tuple[QuerySet, str]:
    """``qs`` (of media) joined to its search documents, and the quoted alias of that join."""
    qs = qs.filter(search_document__isnull=False)
    table = SearchDocument._meta.db_table
    alias = next(a for a, join in qs.query.alias_map.items() if join.table_name == table)
    return qs, connection.ops.quote_name(alias)


def fts_apply(qs: QuerySet, q: str, *, rank: bool = True, snippet: bool = False) -> QuerySet:
    """``qs`` (of media) narrowed to those whose document matches ``q``, annotated with
    ``search_score`` (and ``search_snippet``, the description's best passage with markers,
    when asked)."""
    qs, doc = _document_alias(qs)
    qs = qs.filter(_match(doc, q))
    if rank:
        qs = qs.annotate(search_score=_score(doc, q))
    if snippet:
        table = connection.ops.quote_name(qs.model._meta.db_table)
        case_sql, case_params = _query_case(doc, q)
        qs = qs.annotate(
            search_snippet=RawSQL(  # noqa: S611 (see module docstring: SQL)
                f"ts_headline({doc}.config::regconfig, {table}.description, {case_sql}, %s)",
                [*case_params, _HEADLINE_OPTIONS],
                output_field=TextField(),
            )
        )
    return qs


def ranked_listable_ids(q: str) -> QuerySet:
    """The ids of listable media matching ``q``, best first: read from the search documents
    alone (their ``listable`` flag, vector and date), never the media rows, so that ranking the
    tens of thousands of matches of a common word stays cheap. Sliced by the paginator; the
    rows of a page are then loaded through the full media query, which applies the
    visibility rules again."""
    doc = connection.ops.quote_name(SearchDocument._meta.db_table)
    return (
        SearchDocument.objects.filter(listable=True)
        .filter(_match(doc, q))
        .annotate(search_score=_score(doc, q))
        .order_by("-search_score", "-add_date", "-media_id")
        .values_list("media_id", flat=True)
    )


_WORD = re.compile(r"(?P<neg>-?)(?P<word>\w+)", re.UNICODE)


def words_apply(qs: QuerySet, q: str) -> QuerySet:
    """The embedded SQLite mode's search: every word somewhere in the title, description,
    tags or subtitles; ``-word`` excludes; no ranking."""
    for match in list(_WORD.finditer(q))[:10]:
        word = match["word"]
        if word.lower() == "or":
            continue
        found = (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(tags__title__icontains=word)
            | Q(subtitles__text__icontains=word)
        )
        if match["neg"]:
            qs = qs.exclude(pk__in=qs.model.objects.filter(found).values("pk"))
        else:
            qs = qs.filter(pk__in=qs.model.objects.filter(found).values("pk"))
    return qs


def suggestion(q: str, *, finds) -> str | None:
    """ "Did you mean": ``q`` with its unknown words replaced by the closest known ones
    (``pg_trgm`` similarity over :class:`SearchTerm`, the words of listable media), or ``None``.

    ``finds(candidate) -> bool`` says whether a query finds anything the asker may see; a
    suggestion is offered only when it does, so it can never reveal a hidden media's words.
    """
    if not fts_enabled():
        return None
    tokens = [m for m in _WORD.finditer(q) if not m["neg"] and m["word"].lower() != "or"][:8]
    words = [m["word"] for m in tokens if len(m["word"]) >= 3 and not m["word"].isdigit()]
    if not words:
        return None
    table = connection.ops.quote_name(SearchTerm._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT x.w,
                   EXISTS (SELECT 1 FROM {table} WHERE term = lower(unaccent(x.w))),
                   (SELECT term FROM {table} WHERE term %% lower(unaccent(x.w))
                    ORDER BY similarity(term, lower(unaccent(x.w))) DESC, documents DESC, term
                    LIMIT 1)
            FROM unnest(%s::text[]) AS x(w)
            """,  # noqa: S608 (the table name from model metadata; words bound)
            [words],
        )
        fixes: dict[str, str] = {
            word: best for word, known, best in cursor.fetchall() if not known and best
        }
    if not fixes:
        return None
    candidate = _WORD.sub(lambda m: m[0] if m["neg"] else fixes.get(m["word"], m["word"]), q)
    if candidate == q or not finds(candidate):
        return None
    return candidate


@contextlib.contextmanager
def statement_timeout(milliseconds: int) -> Iterator[None]:
    """Bound every query inside: PostgreSQL cancels one that runs longer (``QueryCanceled``,
    an ``OperationalError``), so one costly search cannot hold a worker."""
    if not fts_enabled() or milliseconds <= 0:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {int(milliseconds)}")
        yield
