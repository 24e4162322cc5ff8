"""/oembed and the watch page's Open Graph / Twitter card tags (issue 16, point 4): CMSs and chat
tools unfurl links of media anyone may watch, and learn nothing of any other."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from media_app.models import Media
from tests.factories import MediaFactory, UserFactory
from tests.pages.conftest import logged_in

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


def _oembed(client, url, **params):
    return client.get("/oembed", {"url": url, **params})


@pytest.fixture
def media(db):
    author = UserFactory(username="reporter", name="Ana Reporter")
    return MediaFactory(
        user=author,
        title='Flood "live" <report>',
        description="Water rose in the old town.",
        poster="encoded/ab/poster.jpg",
        video_width=1920,
        video_height=1080,
    )


def test_oembed_of_a_watch_url(browser, media):
    response = _oembed(browser, f"{HOST}/view?m={media.friendly_token}", format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["version"] == "1.0" and body["type"] == "video"
    assert body["title"] == media.title
    assert body["author_name"] == "Ana Reporter"
    assert body["author_url"] == f"{HOST}/user/reporter"
    assert body["provider_name"] == "OpenPress" and body["provider_url"] == f"{HOST}/"
    assert (body["width"], body["height"]) == (640, 360)
    # Our /media/ URL, or the bucket's presigned one in S3 mode.
    assert urlsplit(body["thumbnail_url"]).path.endswith("/poster.jpg")
    assert body["thumbnail_url"].startswith(("http://", "https://"))
    assert (body["thumbnail_width"], body["thumbnail_height"]) == (1280, 720)
    # The html is the iframe of the embed page, the title escaped.
    src = re.search(r'src="([^"]+)"', body["html"]).group(1)
    assert src == f"{HOST}/embed?m={media.friendly_token}"
    assert 'width="640" height="360"' in body["html"]
    assert 'title="Flood &quot;live&quot; &lt;report&gt;"' in body["html"]
    assert "<report>" not in body["html"]


def test_oembed_of_an_embed_url_within_max_sizes(browser, media):
    url = f"{HOST}/embed?m={media.friendly_token}&t=30"
    body = _oembed(browser, url, maxwidth="400").json()
    assert (body["width"], body["height"]) == (400, 225)
    body = _oembed(browser, url, maxwidth="1000", maxheight="180").json()
    assert (body["width"], body["height"]) == (320, 180)
    body = _oembed(browser, url, maxwidth="abc").json()
    assert body["width"] == 640


def test_oembed_types_by_media(browser):
    pdf = MediaFactory(media_type=Media.MediaType.PDF)
    assert _oembed(browser, f"{HOST}/view?m={pdf.friendly_token}").json()["type"] == "rich"
    audio = MediaFactory(media_type=Media.MediaType.AUDIO)
    assert _oembed(browser, f"{HOST}/view?m={audio.friendly_token}").json()["type"] == "video"


def test_oembed_xml_is_not_implemented(browser, media):
    response = _oembed(browser, f"{HOST}/view?m={media.friendly_token}", format="xml")
    assert response.status_code == 501


def test_oembed_without_url_is_a_clear_400(browser):
    response = browser.get("/oembed")
    assert response.status_code == 400
    assert "url is required" in response.json()["detail"]


def test_oembed_of_unlisted_media_works(browser):
    unlisted = MediaFactory(state=Media.State.UNLISTED)
    assert _oembed(browser, f"{HOST}/view?m={unlisted.friendly_token}").status_code == 200


@pytest.mark.parametrize(
    "make",
    [
        lambda: MediaFactory(state=Media.State.PRIVATE, title="Secret source"),
        lambda: MediaFactory(is_reviewed=False, title="Secret source"),
        lambda: MediaFactory(media_withheld=True, title="Secret source"),
        lambda: MediaFactory(encoding_status=Media.EncodingStatus.FAIL, title="Secret source"),
    ],
)
def test_oembed_is_404_for_media_not_everyone_may_watch(browser, make):
    hidden = make()
    # Even asked by its owner: an unfurled link is the same for everyone.
    for client in (browser, logged_in(hidden.user)):
        response = _oembed(client, f"{HOST}/view?m={hidden.friendly_token}")
        assert response.status_code == 404
        assert "Secret source" not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        f"{HOST}/view?m=nosuchtoken",
        f"{HOST}/view",
        "https://elsewhere.example/view?m={token}",
        f"{HOST}/api/v1/media/{{token}}",
        "javascript:alert(1)",
    ],
)
def test_oembed_is_404_for_urls_that_are_not_our_media(browser, media, url):
    response = _oembed(browser, url.format(token=media.friendly_token))
    assert response.status_code == 404


# --- the watch page's head ------------------------------------------------------------------


def _meta(page: str) -> dict[str, str]:
    found = {}
    for tag in re.findall(r"<meta [^>]*>", page):
        key = re.search(r'(?:property|name)="([^"]+)"', tag)
        value = re.search(r'content="([^"]*)"', tag)
        if key and value:
            found[key.group(1)] = html.unescape(value.group(1))
    return found


def test_watch_page_of_public_media_has_open_graph_and_twitter_tags(browser, media):
    page = browser.get("/view", {"m": media.friendly_token}).content.decode()
    meta = _meta(page)
    token = media.friendly_token
    assert meta["og:title"] == media.title
    assert meta["og:description"] == "Water rose in the old town."
    assert meta["og:type"] == "video.other"
    assert meta["og:url"] == f"{HOST}/view?m={token}"
    assert meta["og:site_name"] == "OpenPress"
    assert urlsplit(meta["og:image"]).path.endswith("/poster.jpg")
    assert meta["og:video"] == f"{HOST}/embed?m={token}"
    assert meta["og:video:type"] == "text/html"
    assert meta["twitter:card"] == "player"
    assert meta["twitter:player"] == f"{HOST}/embed?m={token}"
    assert meta["twitter:player:width"] == "640" and meta["twitter:player:height"] == "360"
    discovery = re.search(
        r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', page
    )
    href = html.unescape(discovery.group(1))
    query = parse_qs(urlsplit(href).query)
    assert query == {"url": [f"{HOST}/view?m={token}"], "format": ["json"]}
    # The discovered link answers.
    assert browser.get(href.replace(HOST, "")).status_code == 200


def test_watch_page_of_private_media_says_nothing_in_its_head(media):
    media.state = Media.State.PRIVATE
    media.description = "Names the whistleblower"
    media.save()
    page = logged_in(media.user).get("/view", {"m": media.friendly_token}).content.decode()
    head = page.split("</head>")[0]
    meta = _meta(head)
    assert not any(key.startswith(("og:", "twitter:")) for key in meta), meta
    assert "Names the whistleblower" not in head
    assert "json+oembed" not in head
