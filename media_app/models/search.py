from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from media_app.models.media import Media

# Listable media (selectors.media.media_listable_q) in SQL over a media row's columns: what
# services/search.py writes into SearchDocument.listable and migration 0025's trigger keeps
# there. ``{row}`` is the row's alias ("m", or "NEW" in the trigger). tests/api/test_search_fts
# checks it against media_listable_q for every combination of the four columns.
LISTABLE_SQL = (
    "({row}.state = 'public' AND {row}.is_reviewed AND {row}.encoding_status = 'success' "
    "AND NOT {row}.retracted)"
)


class SearchDocument(models.Model):
    """A media's search document (issue 17, docs/search.md), in a narrow table of its own: the
    weighted ``tsvector``, the configuration it was built in, and the two things a public search
    filters and ranks by besides it, so the ranked search of a common word reads these rows
    only (about 400 bytes each, where a media row is about 2 KB).

    Written by ``services.search.refresh_documents`` (on PostgreSQL only: the embedded SQLite
    searches the media's text instead). ``add_date`` and ``listable`` follow the media row: a
    PostgreSQL trigger (migration 0025) sets them whenever the media's state, review, encoding
    status, retraction or date changes, in the same statement, whatever wrote it."""

    media = models.OneToOneField(
        Media, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    config = models.CharField(max_length=40, default="openpress_simple")
    vector = SearchVectorField(null=True)
    add_date = models.DateTimeField()
    listable = models.BooleanField(default=False)

    class Meta:
        # Made on PostgreSQL only (migration 0025).
        indexes = [GinIndex(fields=["vector"], name="searchdocument_gin")]

    def __str__(self) -> str:
        return f"search document of media {self.media_id}"


class SearchTerm(models.Model):
    """One word of what anyone may find (listable media's titles, tags and authors; accents
    folded, lower case), with how many media carry it: the vocabulary "did you mean" draws from
    (``services.search.refresh_terms``, docs/search.md). A trigram index finds the closest."""

    term = models.CharField(max_length=60, unique=True)
    documents = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("term",)
        # Made on PostgreSQL only (migration 0022).
        indexes = [GinIndex(fields=["term"], opclasses=["gin_trgm_ops"], name="searchterm_trgm")]

    def __str__(self) -> str:
        return self.term
