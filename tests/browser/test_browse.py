"""Browsing in Chromium (issue 16, point 6): /categories and /tags with their counts (private
media not counted) leading to the filtered list, the author's page with the verified badge, the
public summary of the verification and the RSS link; axe-core on each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from media_app.models import Category, JournalistVerification, Media, Tag
from tests.browser.a11y import assert_axe_clean
from tests.browser.conftest import save_screenshot
from tests.factories import MediaFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_categories_tags_and_the_author_page(live_server, new_page):
    editor = UserFactory(username="desk-editor", is_editor=True)
    ana = UserFactory(
        username="ana",
        name="Ana Reyes",
        is_verified_journalist=True,
        verified_outlet="Daily Ledger",
    )
    JournalistVerification.objects.create(
        user=ana,
        outlet="Daily Ledger",
        role="Investigations editor",
        evidence_links=["https://private.example/payslip.pdf"],
        statement="Home address: 12 Elm St.",
        status=JournalistVerification.Status.APPROVED,
        decided_by=editor,
        decided_at=timezone.now() - timedelta(days=30),
    )
    politics = Category.objects.create(title="Politics")
    leaks = Category.objects.create(title="Leaks")
    election = Tag.objects.create(title="election")
    for title in ("Council vote", "Budget hearing"):
        m = MediaFactory(user=ana, title=title)
        m.categories.add(politics)
        m.tags.add(election)
    hidden = MediaFactory(user=ana, title="Source memo", state=Media.State.PRIVATE)
    hidden.categories.add(politics, leaks)
    hidden.tags.add(election, Tag.objects.create(title="whistleblower"))

    page = new_page()
    page.goto(f"{live_server.url}/categories")
    politics_link = page.get_by_role("link", name="Politics 2 media")
    politics_link.wait_for()
    assert page.get_by_text("Leaks").count() == 0
    assert_axe_clean(page)
    save_screenshot(page, "browse/categories")
    politics_link.click()
    page.wait_for_url("**/search?c=Politics")
    page.get_by_text("Council vote").first.wait_for()
    assert page.get_by_text("Budget hearing").count() >= 1
    assert page.get_by_text("Source memo").count() == 0

    page.goto(f"{live_server.url}/tags")
    election_link = page.get_by_role("link", name="election 2 media")
    election_link.wait_for()
    assert page.get_by_text("whistleblower").count() == 0
    assert_axe_clean(page)
    save_screenshot(page, "browse/tags")
    election_link.click()
    page.wait_for_url("**/search?t=election")
    page.get_by_text("Council vote").first.wait_for()
    assert page.get_by_text("Source memo").count() == 0

    page.goto(f"{live_server.url}/user/ana")
    summary = page.get_by_role("region", name="Verified journalist")
    summary.wait_for()
    text = summary.inner_text()
    assert "Daily Ledger" in text and "Investigations editor" in text
    assert "Verified since" in text and "1 link" in text
    assert "payslip" not in page.content() and "12 Elm St" not in page.content()
    assert page.locator(".badge-verified").count() >= 1
    page.get_by_text("Council vote").first.wait_for()
    assert page.get_by_text("Source memo").count() == 0
    feed = page.get_by_role("link", name="RSS feed of Ana Reyes's media")
    assert feed.get_attribute("href") == "/user/ana/feed"
    assert (
        page.locator('link[rel="alternate"][type="application/rss+xml"]').get_attribute("href")
        == "/user/ana/feed"
    )
    assert_axe_clean(page)
    save_screenshot(page, "browse/author")

    # The feed itself, as a podcast app fetches it.
    response = page.request.get(f"{live_server.url}/user/ana/feed")
    assert (
        response.ok and "Council vote" in response.text() and "Source memo" not in response.text()
    )


def test_search_page_offers_a_correction_and_marks_the_words(live_server, new_page):
    """Issue 17: a typo gets "Did you mean", the corrected search lists the media with its
    description's passage, the matched word marked; a hidden media's word never shows."""
    from media_app.services.search import refresh_terms

    MediaFactory(
        title="Election night in Nairobi",
        description="Counting went on past midnight as the election results came in.",
        language="en",
    )
    MediaFactory(title="Electorate sealed report", state=Media.State.PRIVATE)
    refresh_terms()
    page = new_page()
    page.goto(f"{live_server.url}/search?q=electoin")
    suggestion = page.locator(".suggestion")
    expect(suggestion).to_contain_text("Did you mean")
    suggestion.get_by_role("link", name="election").click()
    page.wait_for_url("**/search?q=election")
    results = page.locator("main")
    expect(results.get_by_role("link", name="Election night in Nairobi")).to_be_visible()
    expect(results.locator(".media-snippet mark").first).to_have_text("election")
    expect(results.get_by_text("Electorate sealed report")).to_have_count(0)
    assert_axe_clean(page)
    save_screenshot(page, "search-suggestion")
