"""Corrections in a real Chromium: the owner retracts a media from its watch page with the media
hidden; an anonymous reader then finds the page (not a 404) with the notice, no player, the
history of the page, and the retraction on /corrections."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import MediaFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_retracts_and_the_public_sees_the_notice(live_server, new_page):
    owner = UserFactory(is_verified_journalist=True)
    media = MediaFactory(user=owner, title="Flood at the river mouth")
    base = live_server.url

    page = new_page()
    log_in(page, base, owner.username, "correct horse battery")
    page.goto(f"{base}/view?m={media.friendly_token}")
    page.get_by_role("button", name="Add a correction or retraction").click()
    page.get_by_label("Kind of notice").select_option("correction")
    page.get_by_label("What changed").fill("The flood was on Monday, not Sunday.")
    page.get_by_role("button", name="Publish the notice").click()
    # In the list (the form's textarea holds the same words until the answer comes).
    expect(page.locator(".correction-list")).to_contain_text("The flood was on Monday")
    expect(page.get_by_label("What changed")).to_have_count(0)  # the form closed

    page.get_by_role("button", name="Add a correction or retraction").click()
    page.get_by_label("Kind of notice").select_option("retraction")
    page.get_by_label("What changed").fill("The footage was not of this flood.")
    page.get_by_label("Why (optional)").fill("Our source misidentified the place.")
    page.get_by_label("Hide the media under the notice").check()
    page.get_by_role("button", name="Publish the notice").click()
    expect(page.get_by_role("alert").filter(has_text="Retracted")).to_be_visible()
    # The owner keeps the media (as evidence): the player's place is still there for them.
    expect(page.locator(".player, .player-message, .player-image")).to_have_count(1)

    reader = new_page()
    response = reader.goto(f"{base}/view?m={media.friendly_token}")
    assert response.status == 200
    notice = reader.get_by_role("alert").filter(has_text="Retracted")
    expect(notice).to_contain_text("The footage was not of this flood.")
    expect(notice).to_contain_text("the media is no longer shown")
    # No player at all for the public (not even its "nothing to play" message).
    expect(reader.locator(".player, .player-message, .player-image, video")).to_have_count(0)
    # Newest first: the retraction above the earlier correction.
    items = reader.locator(".correction-list .correction")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Retraction")
    expect(items.nth(1)).to_contain_text("Monday, not Sunday")
    reader.get_by_text("History of this page").click()
    entries = reader.locator(".history-entries li")
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("Published as “Flood at the river mouth”")
    expect(entries.nth(2)).to_contain_text("Retraction: The footage was not of this flood.")

    reader.goto(f"{base}/corrections")
    expect(reader.locator(".correction-list .correction").first).to_contain_text(
        "Retraction on Flood at the river mouth"
    )
    # Gone from the front page's listing, not from its link.
    listed = reader.request.get(f"{base}/api/v1/media").json()
    assert media.friendly_token not in [m["friendly_token"] for m in listed["results"]]
