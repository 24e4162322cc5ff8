"""EXPLAIN ANALYZE of the queries behind lists and search (issue 17, point 3;
docs/performance.md, "Lists and search at 100,000 media").

Builds each query the way the API does (selectors and media_app/api/pagination.py) and prints
its plan with timings and buffers, against the database of DATABASE_URL (a demo archive:
``manage.py demo_data --media 100000 ...``; run ``VACUUM ANALYZE`` first so index-only scans
count). Reads only.

    DATABASE_URL=... .venv/bin/python bench/list_plans.py [--only NAME] [--brief]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpress.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from media_app.api import pagination  # noqa: E402
from media_app.api.pagination import SearchPagination  # noqa: E402
from media_app.api.serializers.media import MediaSerializer  # noqa: E402
from media_app.selectors import media as selectors  # noqa: E402


def queries() -> dict:
    plain = selectors.media_listing(user=None)
    listing = MediaSerializer.rows(plain)
    by_views_plain = selectors.media_listing(user=None, sort_by="views")
    by_views = MediaSerializer.rows(by_views_plain)
    first = list(listing[:50])
    last = first[-1]
    keyset = listing.filter(
        pagination._after([("add_date", True), ("id", True)], [last["add_date"], last["id"]])
    )

    def ordered(sort_by: str, ordering: str = "desc"):
        return selectors.media_listing(user=None, sort_by=sort_by, ordering=ordering)

    author = plain.values_list("user__username", flat=True).first()
    search = selectors.media_search(user=None, q="election", snippets=True)
    # The search box's ids, best first, from the search documents alone (what the API reads).
    ranked = selectors.media_search_ids(q="election")
    rare = selectors.media_search_ids(q="electoral fraud")
    ids = list(ranked[:51])
    return {
        "list page 1": listing[:51],
        "list page 1500 ids (deferred join)": plain.values_list("pk", flat=True)[74950:75001],
        "list next page by cursor": keyset[:51],
        "list bounded count": plain.order_by().values("pk")[: pagination.COUNT_EXACT_LIMIT + 1],
        "list by views page 1": by_views[:51],
        "list by views page 1000 ids": by_views_plain.values_list("pk", flat=True)[49950:50001],
        "list by likes page 1": MediaSerializer.rows(ordered("likes"))[:51],
        "list by title (asc) page 1": MediaSerializer.rows(ordered("title", "asc"))[:51],
        "list by edit_date page 1": MediaSerializer.rows(ordered("edit_date"))[:51],
        "list recommended page 1": MediaSerializer.rows(
            selectors.media_listing(user=None, show="recommended")
        )[:51],
        "an author's media page 1": MediaSerializer.rows(
            selectors.media_listing(user=None, author=author)
        )[:51],
        "search 'election' page 1 ids": ranked[:51],
        "search 'election' page 1 rows": search.filter(pk__in=ids)[:51],
        "search 'electoral fraud' page 1 ids": rare[:51],
        "search bounded count": ranked.order_by()[: SearchPagination.count_exact_limit + 1],
        # With a filter besides the words (here the media type), the media query itself.
        "search 'election' videos page 1 ids": selectors.media_search(
            user=None, q="election", media_type="video"
        ).values_list("pk", flat=True)[:51],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only")
    parser.add_argument("--brief", action="store_true", help="timings only, no plans")
    parser.add_argument("--nodes", action="store_true", help="timings and the plans' nodes")
    args = parser.parse_args()
    for name, qs in queries().items():
        if args.only and args.only not in name:
            continue
        sql, params = qs.query.sql_with_params()
        if "bounded count" in name:
            sql = f"SELECT COUNT(*) FROM ({sql}) AS bounded"  # noqa: S608 (the ORM's own SQL)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
            started = time.perf_counter()
            for _ in range(5):
                cursor.execute(sql, params)
                cursor.fetchall()
            wall = (time.perf_counter() - started) / 5 * 1000
        execution = next((line for line in plan if line.startswith("Execution Time")), "")
        print(f"== {name}: {execution}; from Python {wall:.1f} ms (mean of 5)")
        if args.nodes:
            nodes = [line.strip() for line in plan if "->" in line or line == plan[0]]
            print("   " + "\n   ".join(n.split("  (")[0] for n in nodes[:6]))
        elif not args.brief:
            print("\n".join(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
