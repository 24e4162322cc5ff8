"""The search documents (issue 17, docs/search.md): one weighted ``tsvector`` per media, kept in
a :class:`SearchDocument` row (GIN-indexed; a narrow table of its own, migration 0025), and
the word list that "did you mean" draws from.

A document is built in SQL, in the media's own text search configuration
(``SearchDocument.config``, chosen from ``Media.language``; ``openpress_simple`` when the
language is unknown or has no stemmer), every configuration folding accents first (migration
0022):

* A: the title
* B: the tags, the categories and the author's name and username
* C: the description
* D: the words said in the media (its subtitle tracks' text)

It is rebuilt whenever one of those changes (``media_app/signals.py`` calls
:func:`refresh_documents`, synchronously, in the writer's transaction, so a search right after
an edit finds the edit). Bulk writers that bypass signals (``demo_data``) call it themselves;
``manage.py search_index`` rebuilds everything. PostgreSQL only: the embedded SQLite mode
searches with ``icontains`` instead (:mod:`media_app.selectors.search`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from media_app.models import Category, Media, SearchDocument, SearchTerm, Subtitle, Tag, User
from media_app.models.search import LISTABLE_SQL
from media_app.selectors.media import media_listable_q
from media_app.selectors.search import (
    LANGUAGE_CONFIGS,
    SIMPLE_CONFIG,
    available_configs,
    fts_enabled,
    note_configs_in_use,
)
from media_app.services.cache import listings_changed

# Bounds on what one document indexes: a tsvector may not exceed 1 MB, and no reader needs
# the 300,001st character of a transcript to find a video.
DESCRIPTION_CHARS = 100_000
SUBTITLE_CHARS = 300_000
BATCH = 2_000


def _config_case(column: str) -> tuple[str, list[str]]:
    """SQL choosing the configuration from a BCP 47 tag's primary subtag, and its params: only
    configurations this server has (PostgreSQL 12 lacks a few languages; theirs is simple)."""
    present = set(available_configs())
    whens, params = [], []
    for language, config in LANGUAGE_CONFIGS.items():
        if config not in present:
            continue
        whens.append("WHEN %s THEN %s")
        params += [language, config]
    sql = f"CASE split_part(lower({column}), '-', 1) {' '.join(whens)} ELSE %s END"
    return sql, [*params, SIMPLE_CONFIG]


def _document_sql() -> tuple[str, list]:
    t = {
        "media": Media._meta.db_table,
        "doc": SearchDocument._meta.db_table,
        "user": User._meta.db_table,
        "tag": Tag._meta.db_table,
        "media_tags": Media.tags.through._meta.db_table,
        "cat": Category._meta.db_table,
        "media_cats": Media.categories.through._meta.db_table,
        "sub": Subtitle._meta.db_table,
    }
    case_sql, case_params = _config_case("m.language")
    sql = f"""
        INSERT INTO {t["doc"]} AS d (media_id, config, add_date, listable, vector)
        SELECT m.id, c.cfg, m.add_date, {LISTABLE_SQL.format(row="m")},
                setweight(to_tsvector(c.cfg::regconfig, m.title), 'A')
             || setweight(to_tsvector(c.cfg::regconfig, coalesce(
                    (SELECT string_agg(tg.title, ' ') FROM {t["tag"]} tg
                     JOIN {t["media_tags"]} mt ON mt.tag_id = tg.id
                     WHERE mt.media_id = m.id), '')
                 || ' ' || coalesce(
                    (SELECT string_agg(ct.title, ' ') FROM {t["cat"]} ct
                     JOIN {t["media_cats"]} mc ON mc.category_id = ct.id
                     WHERE mc.media_id = m.id), '')
                 || ' ' || coalesce(u.name, '') || ' ' || u.username), 'B')
             || setweight(to_tsvector(c.cfg::regconfig, left(m.description, %s)), 'C')
             || setweight(to_tsvector(c.cfg::regconfig, left(coalesce(
                    (SELECT string_agg(s.text, ' ' ORDER BY s.language) FROM {t["sub"]} s
                     WHERE s.media_id = m.id), ''), %s)), 'D')
        FROM {t["media"]} AS m
        JOIN {t["user"]} AS u ON u.id = m.user_id
        CROSS JOIN LATERAL (SELECT {case_sql} AS cfg) AS c
        WHERE m.id = ANY(%s)
        ON CONFLICT (media_id) DO UPDATE
        SET config = EXCLUDED.config, add_date = EXCLUDED.add_date,
            listable = EXCLUDED.listable, vector = EXCLUDED.vector
        RETURNING d.config
    """  # noqa: S608 (table names from model metadata; every value is a bound parameter)
    return sql, [DESCRIPTION_CHARS, SUBTITLE_CHARS, *case_params]


def refresh_documents(media_ids: Iterable[int]) -> int:
    """Rebuild the search documents of these media; returns how many rows were written."""
    if not fts_enabled():
        return 0
    ids = sorted({int(i) for i in media_ids})
    if not ids:
        return 0
    sql, params = _document_sql()
    written, configs = 0, set()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            cursor.execute(sql, [*params, ids[start : start + BATCH]])
            configs |= {row[0] for row in cursor.fetchall()}
            written += cursor.rowcount
    # A language indexed for the first time is read in by searches from now on.
    note_configs_in_use(configs)
    if written:
        # What search finds has changed: cached answers for anonymous readers go too.
        listings_changed()
    return written


def refresh_user_documents(user_id: int) -> int:
    """Their name is in their media's documents."""
    ids = list(Media.objects.filter(user_id=user_id).values_list("id", flat=True))
    return refresh_documents(ids)


def refresh_all(*, batch: int = BATCH, progress=None) -> int:
    """Every media's document, in batches of ``batch`` ids (bounded memory at any size)."""
    if not fts_enabled():
        return 0
    done, last = 0, 0
    while True:
        ids = list(
            Media.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:batch]
        )
        if not ids:
            return done
        with transaction.atomic():
            done += refresh_documents(ids)
        last = ids[-1]
        if progress:
            progress(done)


def refresh_terms() -> int:
    """Rebuild the word list of "did you mean" (:class:`SearchTerm`) from what anyone may find:
    the words of listable media's titles, tags and authors, accents folded, with how many media
    carry each. Words of hidden media are not in it; and a suggestion is only ever offered when
    it finds something the asker may see (``selectors.search.suggestion``)."""
    if not fts_enabled():
        return 0
    inner_sql, inner_params = (
        Media.objects.filter(media_listable_q()).values("id").query.sql_with_params()
    )
    t = {
        "media": Media._meta.db_table,
        "user": User._meta.db_table,
        "tag": Tag._meta.db_table,
        "media_tags": Media.tags.through._meta.db_table,
        "terms": SearchTerm._meta.db_table,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # One rebuild at a time (readers go on); ts_stat takes the text of a query, so the
        # listable ids are materialised first.
        cursor.execute(f"LOCK TABLE {t['terms']} IN EXCLUSIVE MODE")
        cursor.execute("DROP TABLE IF EXISTS op_listable")  # (a caller's open transaction)
        cursor.execute("CREATE TEMP TABLE op_listable ON COMMIT DROP AS " + inner_sql, inner_params)
        document = f"""
            SELECT to_tsvector('{SIMPLE_CONFIG}', m.title || ' ' || coalesce(u.name, '') || ' '
                   || coalesce((SELECT string_agg(tg.title, ' ') FROM {t["tag"]} tg
                                JOIN {t["media_tags"]} mt ON mt.tag_id = tg.id
                                WHERE mt.media_id = m.id), ''))
            FROM {t["media"]} m JOIN op_listable l ON l.id = m.id
            JOIN {t["user"]} u ON u.id = m.user_id
        """  # noqa: S608 (table names from model metadata)
        cursor.execute(f"DELETE FROM {t['terms']}")  # noqa: S608
        cursor.execute(
            f"SELECT DISTINCT config FROM {SearchDocument._meta.db_table}"  # noqa: S608
        )
        note_configs_in_use({row[0] for row in cursor.fetchall()}, replace=True)
        cursor.execute(
            f"INSERT INTO {t['terms']} (term, documents) "  # noqa: S608
            "SELECT word, ndoc FROM ts_stat(%s) WHERE length(word) BETWEEN 2 AND 60",
            [document],
        )
        return cursor.rowcount
