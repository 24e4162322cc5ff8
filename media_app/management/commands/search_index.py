"""``manage.py search_index``: build every media's search document, and the word list of "did
you mean", again (docs/search.md). Writers keep both current; this is for after a bulk import
that bypassed them, or a change of how documents are built."""

from django.core.management.base import BaseCommand, CommandError

from media_app.services import search


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search documents of all media (PostgreSQL) and the word list "
        "suggestions are drawn from. --terms-only: the word list alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--terms-only", action="store_true", help="Only the word list.")
        parser.add_argument("--batch", type=int, default=search.BATCH, help="Media per UPDATE.")

    def handle(self, *args, **opts):
        if not search.fts_enabled():
            raise CommandError(
                "Full-text search needs PostgreSQL; the embedded SQLite database searches "
                "without documents, there is nothing to build."
            )
        if opts["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        if not opts["terms_only"]:
            done = search.refresh_all(
                batch=opts["batch"],
                progress=lambda n: self.stdout.write(f"documents: {n}"),
            )
            self.stdout.write(f"search documents rebuilt: {done}")
        self.stdout.write(f"words for suggestions: {search.refresh_terms()}")
