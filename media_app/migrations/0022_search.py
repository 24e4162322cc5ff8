"""Full-text search (issue 17, docs/search.md): the extensions, one text search configuration
per language that folds accents before stemming, the media's document and its GIN index, and
the word list "did you mean" draws from with its trigram index.

Everything PostgreSQL-specific is skipped on the embedded SQLite (it searches with icontains);
the indexes are in the models' state either way so ``makemigrations --check`` stays quiet.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models
from django.db.migrations.operations.base import Operation

# PostgreSQL's Snowball configurations OpenPress copies (those this server has; PostgreSQL 12
# lacks a few), plus "simple" for languages without a stemmer.
SNOWBALL = (
    "arabic armenian basque catalan danish dutch english finnish french german greek hindi "
    "hungarian indonesian irish italian lithuanian nepali norwegian portuguese romanian russian "
    "serbian spanish swedish tamil turkish yiddish"
).split()
WORD_TOKENS = "hword, hword_part, word"  # words with non-ASCII letters: fold them first


def _configs(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config WHERE cfgname = ANY(%s)", [SNOWBALL])
        present = {row[0] for row in cursor.fetchall()}
    return ["simple", *(name for name in SNOWBALL if name in present)]


def _config_sql(schema_editor) -> list[str]:
    statements = []
    for base in _configs(schema_editor):
        name = f"openpress_{base}"
        dictionary = "simple" if base == "simple" else f"{base}_stem"
        statements += [
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}",
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base})",
            f"ALTER TEXT SEARCH CONFIGURATION {name} "
            f"ALTER MAPPING FOR {WORD_TOKENS} WITH unaccent, {dictionary}",
        ]
    return statements


class PostgreSQLOnly(Operation):
    """SQL run on PostgreSQL and skipped elsewhere (a schema operation, not data: the test
    suite's reapplying of RunPython data migrations leaves it alone)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, forwards, backwards):
        self.forwards, self.backwards = forwards, backwards

    def state_forwards(self, app_label, state):
        pass

    def _run(self, schema_editor, statements):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements(schema_editor) if callable(statements) else statements:
            schema_editor.execute(statement)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.forwards)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.backwards)

    def describe(self):
        return "PostgreSQL-only SQL"


def build_documents(apps, schema_editor):
    """Existing media get their documents now (none on a fresh database)."""
    if schema_editor is None or schema_editor.connection.vendor != "postgresql":
        return  # (None: the test suite reapplying data migrations; nothing to build)
    Media = apps.get_model("media_app", "Media")
    if not Media.objects.exists():
        return
    from media_app.selectors import search as search_selectors
    from media_app.services import search as search_services

    search_selectors.forget_configs()
    search_services.refresh_all()
    search_services.refresh_terms()


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0021_media_thumbnail_uploaded"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        PostgreSQLOnly(
            _config_sql,
            [f"DROP TEXT SEARCH CONFIGURATION IF EXISTS openpress_{b}" for b in ("simple", *SNOWBALL)],
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("term", models.CharField(max_length=60, unique=True)),
                ("documents", models.PositiveIntegerField(default=0)),
            ],
            options={"ordering": ("term",)},
        ),
        migrations.AddField(
            model_name="media",
            name="language",
            field=models.CharField(
                blank=True,
                help_text="BCP 47 tag of the language spoken or written in the media ('' = unknown).",
                max_length=35,
            ),
        ),
        migrations.AddField(
            model_name="media",
            name="search_config",
            field=models.CharField(default="openpress_simple", editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="media",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="media",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"], name="media_search_gin"
                    ),
                ),
                migrations.AddIndex(
                    model_name="searchterm",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["term"], name="searchterm_trgm", opclasses=["gin_trgm_ops"]
                    ),
                ),
            ],
            database_operations=[
                PostgreSQLOnly(
                    [
                        "CREATE INDEX media_search_gin ON media_app_media USING gin (search_vector)",
                        "CREATE INDEX searchterm_trgm ON media_app_searchterm "
                        "USING gin (term gin_trgm_ops)",
                    ],
                    ["DROP INDEX IF EXISTS media_search_gin", "DROP INDEX IF EXISTS searchterm_trgm"],
                )
            ],
        ),
        migrations.RunPython(build_documents, migrations.RunPython.noop),
    ]
