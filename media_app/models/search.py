from django.contrib.postgres.indexes import GinIndex
from django.db import models


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
