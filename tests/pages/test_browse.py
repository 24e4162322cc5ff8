"""Browsing (issue 16, point 6): /categories and /tags with counts of media anyone may find, the
author's page with the public side of their verification, and the RSS feeds of the site's and
an author's latest media (podcast-friendly enclosures), none of which speaks of private media."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from media_app.models import Category, JournalistVerification, Media, Tag
from tests.factories import MediaFactory, UserFactory
from tests.pages.test_pages import page_of, props_of

pytestmark = pytest.mark.django_db

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


@pytest.fixture
def catalogue(db):
    """Two listable media in 'Politics' tagged 'election', one private and one unreviewed
    carrying the same plus a category and a tag of their own."""
    politics = Category.objects.create(title="Politics")
    secret_cat = Category.objects.create(title="Leaks")
    election = Tag.objects.create(title="election")
    secret_tag = Tag.objects.create(title="whistleblower")
    for _ in range(2):
        m = MediaFactory()
        m.categories.add(politics)
        m.tags.add(election)
    for hidden in (
        MediaFactory(state=Media.State.PRIVATE),
        MediaFactory(is_reviewed=False),
        MediaFactory(retracted=True),
    ):
        hidden.categories.add(politics, secret_cat)
        hidden.tags.add(election, secret_tag)
    return politics, election


@pytest.mark.parametrize(("path", "page"), [("/categories", "categories"), ("/tags", "tags")])
def test_browse_pages_mount_their_component(browser, path, page):
    response = browser.get(path)
    assert response.status_code == 200
    assert page_of(response) == page
    assert browser.get(path + "/").status_code == 200


def test_category_counts_exclude_media_not_everyone_may_find(browser, catalogue):
    rows = {row["title"]: row["media_count"] for row in browser.get("/api/v1/categories").json()}
    assert rows["Politics"] == 2
    assert rows.get("Leaks", 0) == 0


def test_tag_counts_exclude_media_not_everyone_may_find(browser, catalogue):
    rows = {
        row["title"]: row["media_count"] for row in browser.get("/api/v1/tags").json()["results"]
    }
    assert rows == {"election": 2}


def test_the_filtered_lists_the_browse_pages_link_to(browser, catalogue):
    by_category = browser.get("/api/v1/search", {"c": "Politics"}).json()
    by_tag = browser.get("/api/v1/search", {"t": "election"}).json()
    assert by_category["count"] == 2 and by_tag["count"] == 2
    assert browser.get("/api/v1/search", {"t": "whistleblower"}).json()["count"] == 0


# --- the author's page ----------------------------------------------------------------------


def test_author_page_shows_the_public_summary_of_the_verification(browser, editor):
    author = UserFactory(
        username="ana", is_verified_journalist=True, verified_outlet="Daily Ledger"
    )
    decided = timezone.now() - timedelta(days=40)
    JournalistVerification.objects.create(
        user=author,
        outlet="Daily Ledger",
        role="Investigations editor",
        evidence_links=["https://ledger.example/staff/ana", "https://private.example/payslip.pdf"],
        statement="My employer's letter is attached; my home address is 12 Elm St.",
        status=JournalistVerification.Status.APPROVED,
        decided_by=editor,
        decided_at=decided,
        decision_note="Called the newsroom to confirm.",
    )
    response = browser.get("/user/ana")
    props = props_of(response)
    assert props["verification"] == {
        "outlet": "Daily Ledger",
        "role": "Investigations editor",
        "since": decided.date().isoformat(),
        "evidence_count": 2,
    }
    page = response.content.decode()
    # Never the evidence itself, the statement, or the editor's name and note.
    for secret in (
        "payslip",
        "ledger.example/staff",
        "12 Elm St",
        "Called the newsroom",
        editor.username,
    ):
        assert secret not in page, secret
    # The author's feed is announced.
    assert '<link rel="alternate" type="application/rss+xml" href="/user/ana/feed"' in page
    assert props["feed_url"] == "/user/ana/feed"


def test_author_page_of_someone_not_verified_has_no_summary(browser):
    UserFactory(username="bob", is_verified_journalist=False)
    JournalistVerification.objects.create(
        user=UserFactory._meta.model.objects.get(username="bob"),
        outlet="X",
        role="Y",
        status=JournalistVerification.Status.PENDING,
    )
    assert props_of(browser.get("/user/bob"))["verification"] is None


def test_home_announces_the_site_feed(browser):
    page = browser.get("/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml" href="/feed"' in page


# --- feeds --------------------------------------------------------------------------------


def _items(response) -> list[ET.Element]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    return ET.fromstring(response.content).findall("./channel/item")  # noqa: S314 - our own feed


@pytest.fixture
def audio(db):
    author = UserFactory(username="podcaster", name="The Podcaster")
    media = MediaFactory(
        user=author,
        media_type=Media.MediaType.AUDIO,
        title="Episode 1",
        duration=125.4,
        thumbnail="encoded/pp/thumb.jpg",
    )
    # Where the encoder writes the clean public copy (file_access serves it by the download rule).
    name = default_storage.save(
        f"encoded/{media.uid.hex}/download/episode1.m4a", ContentFile(b"\0" * 4321)
    )
    media.public_file.name = name
    media.save()
    yield media
    default_storage.delete(media.public_file.name)


def test_site_feed_lists_listable_media_with_enclosures(browser, audio):
    MediaFactory(title="Hidden draft", state=Media.State.PRIVATE)
    MediaFactory(title="Unchecked", is_reviewed=False)
    MediaFactory(title="Retracted story", retracted=True)
    MediaFactory(title="Still encoding", encoding_status=Media.EncodingStatus.RUNNING)
    no_download = MediaFactory(title="No downloads", allow_download=False)
    no_download.public_file.save("nd.mp4", ContentFile(b"x" * 10), save=True)
    for path in ("/rss/", "/rss", "/feed"):
        items = _items(browser.get(path))
        titles = [i.findtext("title") for i in items]
        assert titles == ["No downloads", "Episode 1"], path
    by_title = {i.findtext("title"): i for i in items}
    enclosure = by_title["Episode 1"].find("enclosure")
    assert enclosure.get("length") == "4321"
    assert enclosure.get("type") == "audio/mp4"
    url = enclosure.get("url")
    assert urlsplit(url).path.endswith("/episode1.m4a")
    # The file is served at that URL to anyone (the site's media view, or the bucket).
    if url.startswith("http://testserver/"):
        assert browser.get(url.removeprefix("http://testserver")).status_code == 200
    else:
        with urlopen(url, timeout=30) as answer:  # noqa: S310 - the test bucket's presigned URL
            assert answer.status == 200 and len(answer.read()) == 4321
    assert by_title["Episode 1"].findtext(f"{ITUNES}duration") == "125"
    assert (
        by_title["Episode 1"]
        .find(f"{ITUNES}image")
        .get("href")
        .split("?")[0]
        .endswith("/thumb.jpg")
    )
    assert (
        by_title["Episode 1"].findtext("link") == f"http://testserver/view?m={audio.friendly_token}"
    )
    # The owner disallowed downloads: listed, no enclosure.
    assert by_title["No downloads"].find("enclosure") is None
    default_storage.delete(no_download.public_file.name)


def test_author_feed_is_theirs_only(browser, audio):
    MediaFactory(title="Someone else's")
    MediaFactory(user=audio.user, title="Their private one", state=Media.State.PRIVATE)
    for path in ("/user/podcaster/feed", "/rss/user/podcaster"):
        response = browser.get(path)
        items = _items(response)
        assert [i.findtext("title") for i in items] == ["Episode 1"], path
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314 - our own feed
    assert channel.findtext("title") == "The Podcaster on OpenPress"
    assert channel.findtext(f"{ITUNES}author") == "The Podcaster"


def test_feed_of_an_unknown_author_is_404(browser):
    assert browser.get("/user/nobody-here/feed").status_code == 404


def test_feeds_never_carry_private_titles(browser):
    MediaFactory(title="Leaked memo", state=Media.State.PRIVATE)
    body = browser.get("/feed").content.decode()
    assert "Leaked memo" not in body
    assert re.search(r"<channel>", body)


def test_search_page_takes_the_category_and_tag_the_browse_pages_link_with(browser):
    assert props_of(browser.get("/search", {"c": " Politics "})) == {"q": "", "c": "Politics"}
    assert props_of(browser.get("/search", {"t": "election"})) == {"q": "", "t": "election"}
