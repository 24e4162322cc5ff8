"""A journalist's way through the site in a real Chromium, and what an anonymous visitor sees."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from media_app.models import Media, User
from tests.browser.a11y import assert_keyboard_accessible
from tests.browser.conftest import log_in
from tests.factories import UserFactory
from tests.workers import celery_worker, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
# The whole chain for a 10-second 320x240 clip takes seconds; the margin is for a busy machine.
ENCODE_TIMEOUT = 240
# Where the browser sends a file's bytes: a tus upload on our server, or a presigned part URL.
TUS_UPLOAD = re.compile(r".*/api/v1/uploads/[0-9a-f-]+$")
BUCKET_PART = re.compile(r"[?&]partNumber=\d+(&|$)")


def test_sign_up_get_verified_upload_encode_watch_and_comment(
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

    with celery_worker(name="browser"):
        # Upload two files; the connection drops once, during the first request carrying a
        # file's bytes: a tus PATCH to our server (filesystem mode) or a part's PUT straight to
        # the bucket (S3 mode).
        dropped = []

        def carries_bytes(url):
            return bool(TUS_UPLOAD.match(url) or BUCKET_PART.search(url))

        def drop_first_send(route):
            if route.request.method in ("PATCH", "PUT") and not dropped:
                dropped.append(route.request.url)
                route.abort("connectionreset")
            else:
                route.continue_()

        me.route(carries_bytes, drop_first_send)
        me.goto(f"{base}/upload")
        me.get_by_label("Choose files to upload").set_input_files([str(clip), str(not_media)])

        refused = me.locator("li.upload", has_text="notes.mp4")
        expect(refused).to_have_attribute("data-status", "failed")
        expect(refused.get_by_role("alert")).to_contain_text("not a video")

        uploaded = me.locator("li.upload", has_text="street-interview.mp4")
        expect(uploaded).to_have_attribute("data-status", "done")
        expect(uploaded.locator("progress")).to_have_attribute("value", "100")
        assert dropped, "the test never cut the connection"
        me.unroute(carries_bytes)

        media = Media.objects.get(user__username="reporter1")
        assert media.state == Media.State.PUBLIC  # a verified journalist publishes directly

        # A real worker encodes it: the whole chain, down to the sprite sheet.
        wait_for(
            lambda: Media.objects.filter(
                pk=media.pk, encoding_status=Media.EncodingStatus.SUCCESS
            ).exclude(sprites_vtt=""),
            timeout=ENCODE_TIMEOUT,
            message="the clip to be encoded",
        )

    # The watch page plays it through hls.js and says which quality it plays.
    uploaded.get_by_role("link", name="open it").click()
    player = me.locator(".player")
    expect(player).to_have_attribute("data-engine", "hls.js")
    player.focus()
    me.keyboard.press("k")  # the player's own keyboard shortcut for play/pause
    me.wait_for_function(
        "() => document.querySelector('.player video').currentTime > 1.5", timeout=30_000
    )
    expect(player).to_have_attribute("data-quality", re.compile(r"^\d+p$"))
    expect(me.locator(".player-status")).to_have_text(re.compile(r"^Playing \d+p \(auto\)$"))
    me.keyboard.press("k")

    # Scrub preview: the sprite tile under the pointer, then under the keyboard's seek.
    seek = me.get_by_role("slider", name="Seek")
    # hover() scrolls the bar into view first: the player grows when the video's size is known,
    # which may push the bar below the window after focus() scrolled to the player.
    box = seek.bounding_box()
    seek.hover(position={"x": box["width"] * 0.75, "y": box["height"] / 2})
    preview = me.locator(".scrub-preview")
    expect(preview).to_be_visible()
    expect(preview.locator(".scrub-thumb")).to_have_attribute("style", re.compile(r"sprites\.jpg"))
    assert 6 <= int(preview.get_attribute("data-time")) <= 9
    sheet = me.evaluate(
        """async () => {
          const url = getComputedStyle(document.querySelector('.scrub-thumb'))
            .backgroundImage.slice(5, -2);
          const image = new Image();
          image.src = url;
          await image.decode();
          return image.naturalWidth;
        }"""
    )
    assert sheet > 0, "the sprite sheet did not load"
    me.mouse.move(0, 0)
    expect(preview).to_be_hidden()
    seek.focus()
    me.keyboard.press("Home")
    me.keyboard.press("ArrowRight")
    expect(preview).to_have_attribute("data-time", "1")
    expect(preview.locator(".scrub-thumb")).to_be_visible()

    # A comment appears, with the default avatar; its author may delete it.
    me.get_by_label("Add a comment").fill("Filed from the harbour, more to come.")
    me.get_by_role("button", name="Post").click()
    comment = me.locator(".comment", has_text="Filed from the harbour")
    expect(comment.locator(".comment-text")).to_have_text("Filed from the harbour, more to come.")
    expect(comment.locator("img.avatar")).to_have_js_property("complete", True)
    assert comment.locator("img.avatar").evaluate("img => img.naturalWidth") > 0
    me.get_by_label("Add a comment").fill("A typo, deleting this one.")
    me.get_by_role("button", name="Post").click()
    typo = me.locator(".comment", has_text="A typo")
    typo.get_by_role("button", name=re.compile("^Delete")).click()
    typo.get_by_role("button", name="Yes, delete").click()
    expect(typo).to_have_count(0)
    assert list(media.comments.values_list("text", flat=True)) == [
        "Filed from the harbour, more to come."
    ]

    # Saved to a new playlist from the watch page.
    me.get_by_role("button", name="Save to playlist").click()
    me.get_by_label("Title of the new playlist").fill("Harbour stories")
    me.get_by_role("button", name="Save", exact=True).click()
    expect(me.get_by_text("Saved to “Harbour stories”.")).to_be_visible()
    assert media.playlists.get().title == "Harbour stories"

    # Every control of the watch page is reached by Tab, shows its focus and has a name.
    me.reload()
    expect(me.get_by_role("slider", name="Seek")).to_be_visible()
    assert_keyboard_accessible(
        me,
        must_reach=[
            "Skip to content",
            "Play",  # the player's own control bar (the video has no native controls)
            "Seek",
            "Keyboard shortcuts",
            "Like, 0",
            "Dislike, 0",
            "Report",
            "Save to playlist",
            "Add a comment",
            "Post",
            "Delete the comment by reporter1",
        ],
    )


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
    assert_keyboard_accessible(
        page,
        must_reach=[
            "Who may see the new uploads",
            "Choose files to upload (video, audio, images, PDF)",
            "open it",
        ],
    )
    token = Media.objects.get(user=person).friendly_token

    # No worker runs here: the owner is told the media is still being encoded.
    page.goto(f"{base}/view?m={token}")
    expect(page.get_by_role("status").filter(has_text="still being encoded")).to_be_visible()

    anonymous = new_page()
    response = anonymous.goto(f"{base}/view?m={token}")
    assert response.status == 404
    expect(anonymous.get_by_role("heading", level=1)).to_have_text("This media is not available")
    anonymous.goto(f"{base}/")
    expect(anonymous.get_by_text("No media has been published yet.")).to_be_visible()
    # The site's link to the original: the file itself in filesystem mode, a redirect into the
    # bucket (followed) for the owner in S3 mode; nothing for anyone else in either.
    original = f"{settings.MEDIA_URL}{Media.objects.get(user=person).media_file.name}"
    assert anonymous.request.get(f"{base}{original}").status == 404
    assert page.request.get(f"{base}{original}").status == 200
