"""Lists stay cheap deep into a large archive (issue 17, point 3; media_app/api/pagination.py):
bounded and estimated counts, deep pages by their ids first, keyset cursors in every next link,
and the same number of queries whatever the page size or depth."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from media_app.api import pagination
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    """30 listable media a minute apart (two share a date: the id breaks the tie), one private."""
    author = UserFactory(is_verified_journalist=True)
    now = timezone.now().replace(microsecond=0)
    made = [
        MediaFactory(user=author, title=f"Item {n:02d}", add_date=now - timedelta(minutes=n))
        for n in range(30)
    ]
    made.append(MediaFactory(user=author, title="Item tie", add_date=made[10].add_date))
    MediaFactory(user=author, title="Hidden", state="private", is_reviewed=False)
    return made


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _walk(client, url):
    """Every title, following next links; and the links followed."""
    titles, links = [], []
    while url:
        body = _page(client, url)
        titles += [row["title"] for row in body["results"]]
        url = body["next"]
        if url:
            links.append(url)
    return titles, links


def test_following_next_links_walks_the_list_by_cursor_without_gaps_or_repeats(archive):
    client = client_for(None)
    by_page = []
    for number in range(1, 5):
        body = _page(client, f"/api/v1/media?page_size=8&page={number}")
        by_page += [row["title"] for row in body["results"]]
    walked, links = _walk(client, "/api/v1/media?page_size=8")
    assert walked == by_page
    assert len(walked) == 31 and len(set(walked)) == 31 and "Hidden" not in walked
    # Each next link keeps MediaCMS's page number and adds the keyset cursor.
    for n, link in enumerate(links, start=2):
        query = parse_qs(urlsplit(link).query)
        assert query["page"] == [str(n)] and query["cursor"]
    # Ascending order and another column walk the same way.
    asc, _ = _walk(client, "/api/v1/media?page_size=7&sort_by=add_date&ordering=asc")
    assert asc == list(reversed(by_page))
    titles, _ = _walk(client, "/api/v1/media?page_size=6&sort_by=title&ordering=asc")
    assert titles == sorted(by_page)


def test_previous_links_and_bad_pages_and_cursors(archive):
    client = client_for(None)
    body = _page(client, "/api/v1/media?page_size=10&page=3")
    assert parse_qs(urlsplit(body["previous"]).query)["page"] == ["2"]
    assert "cursor" not in body["previous"]
    second = _page(client, "/api/v1/media?page_size=10&page=2")
    assert "page=" not in (second["previous"] or "")  # back to the first page
    made_up = [
        pagination._encode(["not a date", 5], 2),  # a string where a date is read
        pagination._encode([1.5, "x"], 2),  # an id that is not a number
        pagination._encode([None, 3], 2),
    ]
    cursors = [f"cursor={c}" for c in made_up]
    for bad in ("page=0", "page=abc", "page=99", "cursor=nonsense", "cursor=e30", *cursors):
        response = client.get(f"/api/v1/media?page_size=10&{bad}")
        assert response.status_code == 404, bad
        assert response.json()["detail"] in ("Invalid page.", "Invalid cursor.")


def test_deep_pages_come_from_their_ids_first_in_order(archive, monkeypatch):
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_OFFSET", 3)
    client = client_for(None)
    shallow = []
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_OFFSET", 10_000)
    for number in range(1, 5):
        shallow += [
            r["title"] for r in _page(client, f"/api/v1/media?page_size=8&page={number}")["results"]
        ]
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_OFFSET", 3)
    deep = []
    for number in range(1, 5):
        deep += [
            r["title"] for r in _page(client, f"/api/v1/media?page_size=8&page={number}")["results"]
        ]
    assert deep == shallow


def test_counts_are_exact_below_the_limit_and_estimated_above(archive, monkeypatch):
    client = client_for(None)
    body = _page(client, "/api/v1/media?page_size=5")
    assert body["count"] == 31 and "count_estimated" not in body
    monkeypatch.setattr(pagination, "COUNT_EXACT_LIMIT", 20)
    body = _page(client, "/api/v1/media?page_size=6")  # (another URL than the cached one)
    assert body["count_estimated"] is True
    assert body["count"] > 20  # the planner's estimate, never below what was counted


@pytest.mark.parametrize("page_size", [5, 20])
@pytest.mark.parametrize("where", ["page=1", "page=3", "cursor"])
def test_the_same_number_of_queries_whatever_the_size_and_depth(
    archive, page_size, where, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_OFFSET", 0)  # deep pages take their path
    client = client_for(None)
    url = f"/api/v1/media?page_size={page_size}"
    if where == "page=3":
        url += "&page=2" if page_size == 20 else "&page=3"
    if where == "cursor":
        url = _page(client, url)["next"]
    # Page 1: rows, count, tags. Deeper by number: ids, rows, count, tags. By cursor: rows,
    # count, tags (the keyset is a range of the index).
    expected = {"page=1": 3, "page=3": 4, "cursor": 3}[where]
    with django_assert_num_queries(expected):
        client.get(url)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/media?page_size=5&page=2",
        "/api/v1/search?q=item&page_size=5&page=2",
        "/api/v1/search?q=item&media_type=video&page_size=5&page=2",
        "/api/v1/media?q=item&page_size=5&page=2",
        "/api/v1/search?t=none&page_size=5",
        "/api/v1/user/action/like?page_size=5",
        "/api/v1/tags?page_size=5",
        "/api/v1/comments?page_size=5",
    ],
)
def test_lists_answer_in_a_bounded_number_of_queries(archive, url, django_assert_max_num_queries):
    """Every list, whatever it lists: a small fixed number of queries (not one per row)."""
    client = client_for(None)
    client.get(url)  # warm the per-process caches (text search configurations)
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200


@pytest.fixture
def busy_archive(archive):
    """Rows enough for several pages in every list: comments, playlists with media, reviewers'
    queue, users."""
    from media_app.models import PlaylistMedia
    from tests.factories import CommentFactory, PlaylistFactory

    for n, media in enumerate(archive[:25]):
        CommentFactory(media=media, text=f"Comment {n}")
        playlist = PlaylistFactory(user=media.user)
        PlaylistMedia.objects.create(playlist=playlist, media=media, ordering=1)
        MediaFactory(user=UserFactory(), title=f"Waiting {n}", state="private", is_reviewed=False)
    return archive


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/api/v1/media", None),
        ("/api/v1/media?sort_by=views", None),
        ("/api/v1/search?q=item", None),
        ("/api/v1/media?q=item", None),
        ("/api/v1/media?author={author}", "owner"),
        ("/api/v1/comments", None),
        ("/api/v1/media/{token}/comments", None),
        ("/api/v1/playlists", None),
        ("/api/v1/users", None),
        ("/api/v1/manage_media", "editor"),
        ("/api/v1/manage_comments", "editor"),
        ("/api/v1/review/queue", "editor"),
    ],
)
def test_a_list_runs_as_many_queries_for_2_rows_as_for_20(busy_archive, url, who):
    """Query counts do not grow with the page size: nothing is read row by row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner = busy_archive[0].user
    editor = UserFactory(is_editor=True)
    client = client_for({"owner": owner, "editor": editor}.get(who or ""))
    url = url.format(author=owner.username, token=busy_archive[0].friendly_token)
    joiner = "&" if "?" in url else "?"
    counts = []
    for size in (2, 20):
        client.get(f"{url}{joiner}page_size={size}&page=2")  # warm per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}{joiner}page_size={size}&page=1")
        assert response.status_code == 200, (url, response.content[:300])
        counts.append(len(queries))
    assert counts[0] == counts[1], (url, counts)
