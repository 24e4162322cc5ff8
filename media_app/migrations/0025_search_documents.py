"""Search documents in a narrow table of their own (issue 17, docs/search.md): the vector, its
configuration, and the date and listability a public search filters and ranks by, so that the
ranked search of a common word reads ~400-byte rows instead of ~2 KB media rows.

PostgreSQL: the documents built so far move over, a trigger keeps ``add_date`` and ``listable``
following the media row, and the media's own search columns and index go. The embedded SQLite
gets the (unused) table and nothing else, as with migration 0022.
"""

import importlib

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

PostgreSQLOnly = importlib.import_module("media_app.migrations.0022_search").PostgreSQLOnly

# models.search.LISTABLE_SQL as it stood when this was written (a migration does not follow
# later edits of the model module).
LISTABLE_SQL = (
    "({row}.state = 'public' AND {row}.is_reviewed AND {row}.encoding_status = 'success' "
    "AND NOT {row}.retracted)"
)
FOLLOWED = ("state", "is_reviewed", "encoding_status", "retracted", "add_date")

TRIGGER = [
    f"""
    CREATE OR REPLACE FUNCTION openpress_search_document_follow() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE media_app_searchdocument
        SET add_date = NEW.add_date, listable = {LISTABLE_SQL.format(row="NEW")}
        WHERE media_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS media_search_document_follow ON media_app_media",
    f"""
    CREATE TRIGGER media_search_document_follow
    AFTER UPDATE OF {", ".join(FOLLOWED)} ON media_app_media
    FOR EACH ROW
    WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in FOLLOWED)})
    EXECUTE FUNCTION openpress_search_document_follow()
    """,
]
NO_TRIGGER = [
    "DROP TRIGGER IF EXISTS media_search_document_follow ON media_app_media",
    "DROP FUNCTION IF EXISTS openpress_search_document_follow()",
]

MOVE_DOCUMENTS = [
    f"""
    INSERT INTO media_app_searchdocument (media_id, config, vector, add_date, listable)
    SELECT m.id, m.search_config, m.search_vector, m.add_date, {LISTABLE_SQL.format(row="m")}
    FROM media_app_media m WHERE m.search_vector IS NOT NULL
    """,
]
MOVE_BACK = [
    """
    UPDATE media_app_media m SET search_config = d.config, search_vector = d.vector
    FROM media_app_searchdocument d WHERE d.media_id = m.id
    """,
]


class Migration(migrations.Migration):
    dependencies = [
        ("media_app", "0024_listing_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "media",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="media_app.media",
                    ),
                ),
                ("config", models.CharField(default="openpress_simple", max_length=40)),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
                ("add_date", models.DateTimeField()),
                ("listable", models.BooleanField(default=False)),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="searchdocument",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["vector"], name="searchdocument_gin"
                    ),
                ),
                migrations.RemoveIndex(model_name="media", name="media_search_gin"),
            ],
            database_operations=[
                PostgreSQLOnly(MOVE_DOCUMENTS, ["DELETE FROM media_app_searchdocument"]),
                PostgreSQLOnly(
                    [
                        "CREATE INDEX searchdocument_gin ON media_app_searchdocument "
                        "USING gin (vector)",
                        "DROP INDEX IF EXISTS media_search_gin",
                    ],
                    [
                        "DROP INDEX IF EXISTS searchdocument_gin",
                        "CREATE INDEX media_search_gin ON media_app_media USING gin "
                        "(search_vector)",
                    ],
                ),
                PostgreSQLOnly(TRIGGER, NO_TRIGGER),
                # Backwards, the vectors go back once the columns are there again (below).
                PostgreSQLOnly([], MOVE_BACK),
            ],
        ),
        migrations.RemoveField(model_name="media", name="search_config"),
        migrations.RemoveField(model_name="media", name="search_vector"),
    ]
