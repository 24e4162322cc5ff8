"""The HTML pages: routes at MediaCMS's paths, who may open what, and what a visitor sees."""

import json
import re

import pytest
from django.core import mail

from media_app.models import Media, User
from tests.factories import MediaFactory, PlaylistFactory, UserFactory
from tests.pages.conftest import logged_in

pytestmark = pytest.mark.django_db


def props_of(response) -> dict:
    match = re.search(
        r'<script id="op-props" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page has no JSON props for its React component"
    return json.loads(match.group(1))


def page_of(response) -> str:
    return re.search(r'data-page="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    ("url", "page"),
    [("/", "home"), ("/search?q=flood", "search"), ("/history", "actions"), ("/liked", "actions")],
)
def test_public_pages_mount_their_component(browser, url, page):
    response = browser.get(url)
    assert response.status_code == 200
    assert page_of(response) == page


def test_pages_include_the_hashed_bundles_from_the_manifest(browser):
    html = browser.get("/").content.decode()
    assert '<script type="module" src="/static/assets/main-abc123.js"></script>' in html
    assert '<link rel="modulepreload" href="/static/assets/vendor-def456.js">' in html
    assert '<link rel="stylesheet" href="/static/assets/main-111.css">' in html
    assert '<link rel="stylesheet" href="/static/assets/vendor-222.css">' in html


def test_search_passes_the_query_to_the_component(browser):
    response = browser.get("/search", {"q": "  city hall "})
    assert props_of(response) == {"q": "city hall"}


def test_props_are_escaped_inside_the_script_tag(browser):
    response = browser.get("/search", {"q": "</script><script>alert(1)</script>"})
    assert "<script>alert(1)" not in response.content.decode()
    assert props_of(response)["q"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    "url", ["/upload", "/my-media", "/verification", "/editor", "/scpublisher"]
)
def test_pages_for_members_send_anonymous_visitors_to_log_in(browser, url):
    response = browser.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_upload_page_tells_the_component_where_to_upload(user):
    response = logged_in(user).get("/upload")
    assert response.status_code == 200
    assert page_of(response) == "upload"
    props = props_of(response)
    assert props["endpoint"] == "/api/v1/uploads/"
    assert props["can_publish"] is False


def test_editor_dashboard_is_for_editors_only(user, editor):
    assert logged_in(user).get("/editor").status_code == 403
    response = logged_in(editor).get("/editor")
    assert response.status_code == 200
    assert page_of(response) == "editor"


# --- media pages: visibility --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/view", "/embed"])
def test_public_media_page_renders(browser, public_media, path):
    response = browser.get(path, {"m": public_media.friendly_token})
    assert response.status_code == 200
    assert props_of(response)["friendly_token"] == public_media.friendly_token
    assert public_media.title in response.content.decode()


@pytest.mark.parametrize("path", ["/view", "/embed"])
@pytest.mark.parametrize("token", ["", "nosuchtok", "../../etc"])
def test_unknown_media_is_a_clear_404(browser, path, token):
    response = browser.get(path, {"m": token})
    assert response.status_code == 404
    html = response.content.decode()
    assert "is not available" in html
    assert "Traceback" not in html


@pytest.fixture
def private_media(db):
    owner = UserFactory()
    return MediaFactory(
        user=owner, title="Leaked memo draft", state=Media.State.PRIVATE, is_reviewed=False
    )


@pytest.mark.parametrize("path", ["/view", "/embed"])
def test_private_media_never_renders_for_those_who_may_not_see_it(
    browser, user, private_media, path
):
    for client in (browser, logged_in(user)):
        response = client.get(path, {"m": private_media.friendly_token})
        assert response.status_code == 404
        html = response.content.decode()
        assert "Leaked memo draft" not in html
        assert "op-props" not in html


@pytest.mark.parametrize("path", ["/view", "/embed"])
def test_private_media_renders_for_its_owner_and_editors(editor, private_media, path):
    for viewer in (private_media.user, editor):
        response = logged_in(viewer).get(path, {"m": private_media.friendly_token})
        assert response.status_code == 200
        assert "Leaked memo draft" in response.content.decode()


def test_unreviewed_upload_is_not_available_to_anonymous_visitors(browser):
    media = MediaFactory(
        user=UserFactory(), state=Media.State.PUBLIC, is_reviewed=False, title="Unchecked claim"
    )
    response = browser.get("/view", {"m": media.friendly_token})
    assert response.status_code == 404
    assert "Unchecked claim" not in response.content.decode()


def test_unlisted_media_opens_by_its_link(browser):
    media = MediaFactory(state=Media.State.UNLISTED)
    assert browser.get("/view", {"m": media.friendly_token}).status_code == 200


def test_deleted_media_is_not_available(browser, public_media):
    token = public_media.friendly_token
    public_media.delete()
    assert browser.get("/view", {"m": token}).status_code == 404


def test_embed_may_be_framed_and_the_watch_page_may_not(browser, public_media):
    embed = browser.get("/embed", {"m": public_media.friendly_token})
    assert "X-Frame-Options" not in embed
    view = browser.get("/view", {"m": public_media.friendly_token})
    assert view["X-Frame-Options"] == "DENY"


# --- channels and playlists ----------------------------------------------------------------


def test_channel_shows_the_verified_badge_data(browser, journalist):
    response = browser.get(f"/user/{journalist.username}")
    assert response.status_code == 200
    props = props_of(response)
    assert props["is_verified_journalist"] is True
    assert props["verified_outlet"] == "The Independent Desk"


def test_unknown_or_disabled_channel_is_404(browser):
    assert browser.get("/user/nobody-here").status_code == 404
    gone = UserFactory(is_active=False)
    assert browser.get(f"/user/{gone.username}").status_code == 404


def test_playlist_page(browser):
    playlist = PlaylistFactory(title="Election night")
    for path in (f"/playlist/{playlist.friendly_token}", f"/playlists/{playlist.friendly_token}"):
        response = browser.get(path)
        assert response.status_code == 200
        assert props_of(response)["friendly_token"] == playlist.friendly_token
    assert browser.get("/playlist/nosuchlist").status_code == 404


# --- accounts -----------------------------------------------------------------------------


def test_sign_up_creates_an_account_and_logs_in(browser):
    response = browser.post(
        "/accounts/signup/",
        {
            "username": "newsdesk",
            "email": "desk@example.org",
            "name": "News Desk",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/verification"
    person = User.objects.get(username="newsdesk")
    assert not person.is_verified_journalist
    assert not person.is_editor
    assert browser.get("/my-media").status_code == 200


def test_sign_up_shows_errors_next_to_the_fields(browser, user):
    response = browser.post(
        "/accounts/signup/",
        {"username": user.username, "email": "", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "already exists" in html
    assert User.objects.filter(username=user.username).count() == 1


def test_sign_up_form_fields_have_labels(browser):
    html = browser.get("/accounts/signup/").content.decode()
    for field in ("id_username", "id_email", "id_password1", "id_password2"):
        assert f'<label for="{field}">' in html


def test_log_in_and_out(browser, user):
    assert browser.get("/accounts/login/").status_code == 200
    response = browser.post(
        "/accounts/login/",
        {"username": user.username, "password": "correct horse battery", "next": "/my-media"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/my-media"
    assert browser.get("/my-media").status_code == 200
    assert browser.post("/accounts/logout/").status_code == 302
    assert browser.get("/my-media").status_code == 302


def test_wrong_password_is_refused(browser, user):
    response = browser.post("/accounts/login/", {"username": user.username, "password": "not it"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_password_reset_by_e_mail(browser, user):
    response = browser.post("/accounts/password_reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    # The account pages are django-allauth's: its link, its field names.
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    form = browser.get(link.group(1), follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else link.group(1)
    response = browser.post(
        set_url,
        {"password1": "brand new passphrase 77", "password2": "brand new passphrase 77"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand new passphrase 77")


def test_missing_build_names_the_command_to_run(settings, tmp_path, browser):
    from django.core.exceptions import ImproperlyConfigured

    settings.VITE_MANIFEST_PATH = tmp_path / "nowhere" / "manifest.json"
    with pytest.raises(ImproperlyConfigured, match="npm ci && npm run build"):
        browser.get("/")
