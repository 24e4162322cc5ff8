"""Full-text search on PostgreSQL (issue 17, docs/search.md): word forms per language, accents,
web search syntax, ranking, snippets, "did you mean", documents kept current, the time bound."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from media_app.models import Category, Media, SearchDocument, Subtitle, Tag
from media_app.selectors import search as search_selectors
from media_app.services import search as search_services
from tests.factories import MediaFactory

pytestmark = pytest.mark.django_db


def _search(query, client=None):
    response = (client or APIClient()).get("/api/v1/search", {"q": query})
    assert response.status_code == 200, response.content
    return response.json()


def _titles(query):
    return [m["title"] for m in _search(query)["results"]]


def test_word_forms_are_found_in_the_media_language():
    MediaFactory(title="Rivers flooding the valley", language="en")
    MediaFactory(title="Les inondations de la vallée", language="fr")
    MediaFactory(title="Überschwemmungen im Tal", language="de")
    assert _titles("flooded river") == ["Rivers flooding the valley"]
    assert _titles("inondation") == ["Les inondations de la vallée"]
    assert _titles("Überschwemmung") == ["Überschwemmungen im Tal"]
    # An unknown language is matched word for word (no stemming), accents folded.
    MediaFactory(title="Kimbunga kikubwa", language="")
    assert _titles("kimbunga") == ["Kimbunga kikubwa"]


def test_accents_do_not_matter_either_way():
    MediaFactory(title="Élection présidentielle à Bogotá", language="fr")
    MediaFactory(title="Cafe owners protest", language="en")
    assert _titles("election presidentielle") == ["Élection présidentielle à Bogotá"]
    assert _titles("bogota") == ["Élection présidentielle à Bogotá"]
    assert _titles("café") == ["Cafe owners protest"]


def test_web_search_syntax_phrases_exclusions_and_or():
    MediaFactory(title="Fire at the old market", language="en")
    MediaFactory(title="Market reopens after the fire", language="en")
    MediaFactory(title="Flood warning", language="en")
    assert _titles('"old market"') == ["Fire at the old market"]
    assert sorted(_titles("market -reopens")) == ["Fire at the old market"]
    assert sorted(_titles("flood or reopens")) == ["Flood warning", "Market reopens after the fire"]
    # Every word must match (no "or"): nothing has both.
    assert _titles("flood market") == []


def test_exclusion_holds_across_languages():
    """A word excluded is excluded whatever the media's language (the query is read in each
    media's own configuration, never in another's)."""
    MediaFactory(title="Floods and rescue", language="en")
    MediaFactory(title="Floods downstream", language="fr")
    assert _titles("floods -rescue") == ["Floods downstream"]


def test_title_ranks_above_tags_above_description_above_subtitles():
    now = timezone.now()
    in_subtitles = MediaFactory(title="Evening bulletin", add_date=now, language="en")
    Subtitle.objects.create(
        media=in_subtitles, language="en", file="x.vtt", text="the harbour strike began"
    )
    MediaFactory(
        title="Morning bulletin", description="About the harbour", add_date=now, language="en"
    )
    tagged = MediaFactory(title="Noon bulletin", add_date=now, language="en")
    tagged.tags.add(Tag.objects.create(title="harbour"))
    MediaFactory(title="Harbour workers", add_date=now, language="en")
    assert _titles("harbour") == [
        "Harbour workers",
        "Noon bulletin",
        "Morning bulletin",
        "Evening bulletin",
    ]


def test_recency_breaks_ties_without_burying_a_better_match():
    now = timezone.now()
    MediaFactory(title="Dam report", add_date=now - timedelta(days=3000), language="en")
    MediaFactory(title="Dam report", add_date=now - timedelta(days=2), language="en")
    MediaFactory(
        title="Weather", description="a dam", add_date=now, language="en"
    )  # newest, weaker match
    rows = _search("dam")["results"]
    assert [r["title"] for r in rows] == ["Dam report", "Dam report", "Weather"]
    assert rows[0]["add_date"] > rows[1]["add_date"]
    # sort_by still sorts as asked.
    response = APIClient().get("/api/v1/search", {"q": "dam", "sort_by": "add_date"})
    assert response.json()["results"][0]["title"] == "Weather"


def test_snippets_mark_the_words_and_escape_the_rest():
    MediaFactory(
        title="Council meeting",
        description="The <b>council</b> voted on the R&D budget for schools.",
        language="en",
    )
    [row] = _search("budget")["results"]
    assert "<mark>budget</mark>" in row["snippet"]
    assert "<b>" not in row["snippet"]  # ts_headline drops markup; the rest is escaped
    assert "R&amp;D <mark>budget</mark>" in row["snippet"]


def test_documents_follow_edits_tags_subtitles_and_authors(user):
    media = MediaFactory(title="Untitled", language="en")
    assert _titles("lighthouse") == []
    media.title = "The lighthouse keeper"
    media.save()
    assert _titles("lighthouse") == ["The lighthouse keeper"]
    media.tags.add(Tag.objects.create(title="coastguard"))
    assert _titles("coastguard") == ["The lighthouse keeper"]
    media.categories.add(Category.objects.create(title="Maritime"))
    assert _titles("maritime") == ["The lighthouse keeper"]
    track = Subtitle.objects.create(media=media, language="en", file="a.vtt", text="gannets")
    assert _titles("gannets") == ["The lighthouse keeper"]
    track.delete()
    assert _titles("gannets") == []
    author = media.user
    author.name = "Ngozi Okonkwo"
    author.save()
    assert _titles("okonkwo") == ["The lighthouse keeper"]
    # The language chooses the stemming: set through the edit API by the owner.
    client = APIClient()
    client.force_authenticate(author)
    response = client.put(f"/api/v1/media/{media.friendly_token}", {"language": "fr"})
    assert response.status_code == 201, response.content  # MediaCMS answers an edit 201
    assert SearchDocument.objects.get(media=media).config == "openpress_french"
    assert client.get(f"/api/v1/media/{media.friendly_token}").json()["language"] == "fr"
    bad = client.put(f"/api/v1/media/{media.friendly_token}", {"language": "not a tag!"})
    assert bad.status_code == 400
    assert "language" in str(bad.json())


def test_hidden_media_never_counts_or_surfaces(user):
    MediaFactory(title="Whistleblower memo", state="private", is_reviewed=False)
    MediaFactory(title="Whistleblower memo unlisted", state="unlisted")
    MediaFactory(title="Whistleblower memo pending", encoding_status="pending")
    MediaFactory(title="Whistleblower memo retracted", retracted=True)
    page = _search("whistleblower")
    assert page["count"] == 0
    assert page["results"] == []
    owner_client = APIClient()
    owner_client.force_authenticate(user)
    assert _search("whistleblower", owner_client)["count"] == 0  # search is public media only
    # Their words never come back as a suggestion, even once the word list is rebuilt.
    search_services.refresh_terms()
    assert _search("whistleblowr")["suggestion"] is None


def test_the_documents_listable_flag_and_date_follow_the_media_whatever_writes_it():
    """SearchDocument.listable is what a public search filters on without reading the media:
    it must equal media_listable_q for every combination of the columns it depends on, when
    a save writes them (the document is rebuilt) and when a bulk UPDATE does (the trigger)."""
    import itertools

    from media_app.selectors.media import media_listable_q

    media = MediaFactory(title="Flood defences", language="en")
    combos = itertools.product(
        ("public", "unlisted", "private"), (True, False), ("success", "pending"), (False, True)
    )
    for state, reviewed, status, retracted in combos:
        columns = {
            "state": state,
            "is_reviewed": reviewed,
            "encoding_status": status,
            "retracted": retracted,
        }
        Media.objects.filter(pk=media.pk).update(**columns)  # no signal: the trigger
        listable = Media.objects.filter(media_listable_q(), pk=media.pk).exists()
        assert SearchDocument.objects.get(media=media).listable is listable, columns
        media.refresh_from_db()
        media.save()  # the signal rebuilds the document
        assert SearchDocument.objects.get(media=media).listable is listable, columns
        assert (_titles("flood") == ["Flood defences"]) is listable, columns
    moved = timezone.now() - timedelta(days=400)
    Media.objects.filter(pk=media.pk).update(add_date=moved)
    assert SearchDocument.objects.get(media=media).add_date == moved


def test_the_documents_ranking_is_the_media_querys_ranking():
    """The search box reads ranked ids from the documents alone; with a filter that keeps
    everything (here: published this year) the media query ranks: same order, same count."""
    now = timezone.now()
    for n, (title, description) in enumerate(
        [
            ("Harbour strike", "Dockers stop work."),
            ("Dockers", "The harbour strike goes on at the harbour."),
            ("Night shift", "A strike at the harbour, seen from the night shift."),
            ("Weather", "Rain over the harbour."),
            ("Harbour strike ends", ""),
        ]
    ):
        MediaFactory(
            title=title, description=description, language="en", add_date=now - timedelta(days=n)
        )
    MediaFactory(title="Harbour strike memo", state="private", is_reviewed=False, language="en")
    client = APIClient()
    for endpoint in ("/api/v1/search", "/api/v1/media"):
        plain = client.get(endpoint, {"q": "harbour strike"}).json()
        filtered = client.get(endpoint, {"q": "harbour strike", "upload_date": "this_year"}).json()
        assert plain["count"] == filtered["count"] == 4, endpoint
        titles = [m["title"] for m in plain["results"]]
        assert titles == [m["title"] for m in filtered["results"]], endpoint
        assert titles[0] in ("Harbour strike", "Harbour strike ends")


def test_a_stale_document_never_shows_hidden_media():
    """Were a document's flag ever wrong, the page's rows still pass the media's own rules."""
    MediaFactory(title="Source list", language="en", state="private", is_reviewed=False)
    shown = MediaFactory(title="Source code", language="en")
    SearchDocument.objects.update(listable=True)  # bypasses the trigger, as a bug would
    assert _titles("source") == [shown.title]


def test_did_you_mean_offers_a_correction_that_finds_something():
    MediaFactory(title="Election night in Nairobi", language="en")
    MediaFactory(title="Election results", language="en")
    search_services.refresh_terms()
    page = _search("electoin nairobi")
    assert page["count"] == 0
    assert page["suggestion"] == "election nairobi"
    assert _search(page["suggestion"])["count"] == 1
    # Enough results: nothing to suggest.
    assert _search("election")["suggestion"] is None
    # A correction that would still find nothing is not offered.
    assert _search("electoin zanzibar")["suggestion"] is None


def test_a_search_that_runs_too_long_is_answered_503(settings):
    """The statement time-out holds: another session keeps the word list of "did you mean"
    locked (a table this test's transaction has not touched, so that session gets its lock),
    the search that found little waits for it, and PostgreSQL cancels it at
    SEARCH_STATEMENT_TIMEOUT_MS."""
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 200
    MediaFactory(title="Locked out")
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
    with psycopg.connect(dbname=connection.settings_dict["NAME"], **dsn) as other:
        other.execute("SET lock_timeout = '5s'")
        other.execute("LOCK TABLE media_app_searchterm IN ACCESS EXCLUSIVE MODE")
        response = APIClient().get("/api/v1/search", {"q": "locked"})
        other.rollback()
    assert response.status_code == 503
    assert "took too long" in response.json()["detail"]


def test_bad_queries_get_clear_answers():
    MediaFactory(title="Ordinary", language="en")
    client = APIClient()
    # Syntax websearch_to_tsquery accepts whatever is typed: stray quotes and operators.
    for q in ['"unclosed', "-", "or or", "!!! &&& |||", "a:*", "(", "'"]:
        response = client.get("/api/v1/search", {"q": q})
        assert response.status_code == 200, (q, response.content)
    assert client.get("/api/v1/search", {"q": "x" * 201}).status_code == 400


def test_the_sqlite_fallback_matches_words_and_excludes():
    """The embedded mode's matcher (used where there is no tsvector), run here on the same
    rows: every word somewhere, -word excluded."""

    MediaFactory(title="Fire at the old market")
    MediaFactory(title="Market reopens after the fire")
    qs = search_selectors.words_apply(Media.objects.all(), "market -reopens")
    assert [m.title for m in qs] == ["Fire at the old market"]


def test_refresh_all_rebuilds_every_document():
    media = MediaFactory(title="Harvest festival", language="en")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM media_app_searchdocument")
    assert _titles("harvest") == []
    assert search_services.refresh_all(batch=1) >= 1
    assert _titles("harvest") == [media.title]


def test_search_index_command_and_the_beat_task_rebuild():
    from io import StringIO

    from django.core.management import call_command

    from media_app.models import SearchTerm
    from media_app.tasks.housekeeping import search_terms

    MediaFactory(title="Monsoon diaries", language="en")
    MediaFactory(title="Hidden monsoon notes", state="private", is_reviewed=False)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM media_app_searchdocument")
    out = StringIO()
    call_command("search_index", stdout=out)
    assert "search documents rebuilt: 2" in out.getvalue()
    assert _titles("diary") == ["Monsoon diaries"]
    # The word list holds listable media's words only.
    assert search_terms() >= 2
    terms = set(SearchTerm.objects.values_list("term", flat=True))
    assert {"monsoon", "diaries"} <= terms
    assert "hidden" not in terms and "notes" not in terms


def test_a_language_whose_configuration_the_server_lacks_is_indexed_simple():
    """PostgreSQL 12 has no Armenian stemmer (migration 0022 makes only what the server has):
    media in Armenian are indexed word for word, never with a configuration that is not there."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TEXT SEARCH CONFIGURATION openpress_armenian")  # rolled back
    search_selectors.forget_configs()
    try:
        media = MediaFactory(title="Հայաստան լուրեր", language="hy")
        assert SearchDocument.objects.get(media=media).config == "openpress_simple"
        assert _titles("լուրեր") == ["Հայաստան լուրեր"]
    finally:
        search_selectors.forget_configs()


@pytest.mark.parametrize("state", ["public", "private"])
def test_hand_written_results_are_what_drf_would_write(state):
    """A search page is written by hand from values() rows (docs/performance.md): the same keys,
    in the same order, with the same values as the declared fields give, categories and snippet
    included (a private media's files as signed links, as DRF's fields would make them)."""
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from media_app.api.serializers.media import MediaSearchSerializer
    from media_app.selectors.media import media_search
    from tests.factories import UserFactory

    author = UserFactory(name="", is_verified_journalist=True)
    media = MediaFactory(
        user=author,
        title="Harbour strike",
        description="Dockers strike at the R&D harbour for the third day",
        language="en",
        views=4,
        duration=61.6,
        state=state,
        thumbnail="thumbnails/a b.jpg",
    )
    media.categories.add(Category.objects.create(title="Labour"))
    media.categories.add(Category.objects.create(title="Economy"))
    request = APIRequestFactory().get("/")
    context = {"request": request}
    qs = media_search(user=None, q="strike", snippets=True)
    if state == "private":  # not found by a search: write it from the media's own row
        qs = Media.objects.filter(pk=media.pk).select_related("user")
    row = MediaSearchSerializer.rows(qs).get()
    instance = qs.get()
    expected = serializers.ModelSerializer.to_representation(
        MediaSearchSerializer(context=context), instance
    )
    written = MediaSearchSerializer(many=True, context=context).to_representation([row])[0]
    assert list(written) == list(MediaSearchSerializer.Meta.fields) == list(expected)
    assert written == expected
    assert [c["title"] for c in written["categories_info"]] == ["Economy", "Labour"]
    if state == "public":
        assert "<mark>strike</mark> at the R&amp;D" in written["snippet"]


def test_a_search_page_reads_its_categories_in_one_query():
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        media = MediaFactory(title=f"Harbour strike {i}", language="en")
        for j in range(i + 1):
            media.categories.add(Category.objects.get_or_create(title=f"c{j}")[0])
    client = APIClient()
    client.force_authenticate(MediaFactory().user)  # signed in: not the anonymous cache
    with CaptureQueriesContext(connection) as captured:
        body = _search("strike", client)
    counts = {m["title"]: len(m["categories_info"]) for m in body["results"]}
    assert counts == {"Harbour strike 0": 1, "Harbour strike 1": 2, "Harbour strike 2": 3}
    assert sum("media_app_category" in q["sql"] for q in captured.captured_queries) == 1
