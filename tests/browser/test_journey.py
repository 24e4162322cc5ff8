"""A journalist's way through the site in a real Chromium, and what an anonymous visitor sees."""

import re

import pytest
from playwright.sync_api import expect

from media_app.models import Media, User
from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_sign_up_get_verified_upload_with_a_dropped_connection_and_comment(
    live_server, new_page, clip, not_media
):
    base = live_server.url
    editor = UserFactory(is_editor=True)

    # Sign up, then ask to be verified.
    me = new_page()
    me.goto(f"{base}/accounts/signup/")
    me.get_by_label("Username").fill("reporter1")
    me.get_by_label("Email").fill("reporter1@example.org")
    me.get_by_label("Password", exact=True).fill("a long enough passphrase 42")
    me.get_by_label("Password confirmation").fill("a long enough passphrase 42")
    me.get_by_role("button", name="Sign up").click()
    me.wait_for_url(f"{base}/verification")
    me.get_by_label("Outlet").fill("The Harbour Post")
    me.get_by_label("Your role").fill("Reporter")
    me.get_by_label("Links to your published work").fill("https://harbourpost.example/staff/r1")
    me.get_by_role("button", name="Ask to be verified").click()
    expect(me.get_by_role("status").filter(has_text="An editor will look")).to_be_visible()

    # An editor approves the request on the dashboard.
    ed = new_page()
    log_in(ed, base, editor.username, PASSWORD)
    ed.goto(f"{base}/editor")
    ed.get_by_role("button", name="Approve reporter1").click()
    expect(ed.get_by_text("reporter1 is now verified.")).to_be_visible()
    assert User.objects.get(username="reporter1").is_verified_journalist

    # Upload two files; the connection drops once during the clip's first PATCH.
    dropped = []

    def drop_first_patch(route):
        if route.request.method == "PATCH" and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    me.route(re.compile(r".*/api/v1/uploads/[0-9a-f-]+$"), drop_first_patch)
    me.goto(f"{base}/upload")
    me.get_by_label("Choose files to upload").set_input_files([str(clip), str(not_media)])

    refused = me.locator("li.upload", has_text="notes.mp4")
    expect(refused).to_have_attribute("data-status", "failed")
    expect(refused.get_by_role("alert")).to_contain_text("not a video")

    uploaded = me.locator("li.upload", has_text="street-interview.mp4")
    expect(uploaded).to_have_attribute("data-status", "done")
    expect(uploaded.locator("progress")).to_have_attribute("value", "100")
    assert dropped, "the test never cut the connection"

    media = Media.objects.get(user__username="reporter1")
    assert media.state == Media.State.PUBLIC  # a verified journalist publishes directly

    # The watch page: still encoding (no worker here), comments work.
    uploaded.get_by_role("link", name="open it").click()
    expect(me.get_by_role("status").filter(has_text="still being encoded")).to_be_visible()
    me.get_by_label("Add a comment").fill("Filed from the harbour, more to come.")
    me.get_by_role("button", name="Post").click()
    expect(me.locator(".comment-text")).to_have_text("Filed from the harbour, more to come.")


def test_an_unverified_users_upload_is_not_visible_to_anonymous_visitors(
    live_server, new_page, clip
):
    base = live_server.url
    person = UserFactory()
    page = new_page()
    log_in(page, base, person.username, PASSWORD)
    page.goto(f"{base}/upload")
    expect(
        page.get_by_text("Your uploads stay private until an editor reviews them")
    ).to_be_visible()
    page.get_by_label("Choose files to upload").set_input_files(str(clip))
    expect(page.locator("li.upload")).to_have_attribute("data-status", "done")
    token = Media.objects.get(user=person).friendly_token

    anonymous = new_page()
    response = anonymous.goto(f"{base}/view?m={token}")
    assert response.status == 404
    expect(anonymous.get_by_role("heading", level=1)).to_have_text("This media is not available")
    anonymous.goto(f"{base}/")
    expect(anonymous.get_by_text("No media has been published yet.")).to_be_visible()
