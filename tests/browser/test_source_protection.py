"""Source protection in a real Chromium: the owner opens the edit page from My media, reads what
the file revealed (grouped, the position linked to a map, each item marked removed), publishes
the original unchanged after ticking the confirmation, and seals it again."""

import pytest
from playwright.sync_api import expect

from media_app.models import Media
from tests.browser.a11y import assert_axe_clean
from tests.browser.conftest import log_in
from tests.factories import MediaFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOUND = [
    {
        "group": "location",
        "name": "GPS position",
        "value": "48.858400, 2.294500",
        "lat": 48.8584,
        "lon": 2.2945,
        "removed": True,
    },
    {"group": "serial", "name": "ExifIFD:SerialNumber", "value": "SN73519246", "removed": True},
    {"group": "author", "name": "XMP-dc:Creator", "value": "Ottilie Quellmann", "removed": True},
]


def test_owner_reads_the_list_and_publishes_the_original_after_confirming(live_server, new_page):
    owner = UserFactory(is_verified_journalist=True)
    media = MediaFactory(
        user=owner,
        title="Harbour photo",
        metadata_found=FOUND,
        public_file="encoded/x/download/x.jpg",
    )
    base = live_server.url
    page = new_page()
    log_in(page, base, owner.username, "correct horse battery")
    page.goto(f"{base}/my-media")
    page.get_by_role("link", name="Edit Harbour photo").click()
    expect(page.get_by_role("heading", name="What your file revealed")).to_be_visible()
    found = page.locator(".metadata-found")
    expect(found.locator('[data-group="location"]')).to_contain_text("48.858400, 2.294500")
    expect(found.get_by_role("link", name="on a map")).to_have_attribute(
        "href", "https://www.openstreetmap.org/?mlat=48.8584&mlon=2.2945#map=15/48.8584/2.2945"
    )
    expect(found.locator('[data-group="serial"]')).to_contain_text("SN73519246")
    expect(found.locator('[data-removed="yes"]')).to_have_count(3)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_axe_clean(page)

    publish = page.get_by_role("button", name="Publish the original unchanged")
    expect(publish).to_be_disabled()
    page.get_by_role("checkbox").check()
    publish.click()
    expect(page.locator('[data-original="unchanged"]')).to_be_visible()
    media.refresh_from_db()
    assert media.original_unchanged_confirmed_at is not None

    page.get_by_role("button", name="Stop publishing the original").click()
    expect(page.locator('[data-original="sealed"]')).to_be_visible()
    assert Media.objects.get(pk=media.pk).original_unchanged_confirmed_at is None

    # Anyone else: the page does not exist for them.
    stranger = new_page()
    assert stranger.goto(f"{base}/edit?m={media.friendly_token}").status == 404
