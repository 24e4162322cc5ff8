"""/embed (issue 16, point 4): the light player page, its options, and who may frame it
(media_app/embedding.py): the allow-list sent as Content-Security-Policy frame-ancestors, and
the explanation a refused or turned-off embed gives."""

import pytest
from django.core.exceptions import ValidationError

from media_app.embedding import clean_embed_domains, policy_for
from media_app.models import Media
from tests.factories import MediaFactory, UserFactory
from tests.pages.conftest import logged_in
from tests.pages.test_pages import props_of

pytestmark = pytest.mark.django_db

FRAMED = {"HTTP_SEC_FETCH_DEST": "iframe", "HTTP_SEC_FETCH_SITE": "cross-site"}


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


# --- clean_embed_domains ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("", []),
        ([], []),
        (
            "News.Example.org, *.example.org\nlocalhost:8001",
            ["news.example.org", "*.example.org", "localhost:8001"],
        ),
        (["https://partner.example/some/page"], ["partner.example"]),
        (["bücher.de", "bücher.de"], ["xn--bcher-kva.de"]),
        (["127.0.0.1:9000"], ["127.0.0.1:9000"]),
        (["*"], ["*"]),
        (["none"], ["none"]),
    ],
)
def test_clean_embed_domains_normalises(given, cleaned):
    assert clean_embed_domains(given) == cleaned


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["exa mple.org"], "'exa mple.org' is not a host name"),
        (["-bad.org"], "'-bad.org' is not a host name"),
        (["a..b"], "'a..b' is not a host name"),
        (["ftp://x.org"], "'ftp://x.org' is not a host name"),
        (["x.org:70000"], "the port must be between 1 and 65535"),
        (["none", "a.org"], "'none' (no embedding on other sites) must be the only entry"),
        ([3], "must be a list of host names"),
        ({"a": 1}, "must be a list of host names"),
        ([f"h{i}.org" for i in range(51)], "At most 50 embedding domains"),
    ],
)
def test_clean_embed_domains_names_the_bad_entry(given, message):
    with pytest.raises(ValidationError) as raised:
        clean_embed_domains(given)
    assert message in raised.value.messages[0]


# --- the policy and its header --------------------------------------------------------------


def test_by_default_any_site_may_frame_the_player(browser):
    media = MediaFactory()
    response = browser.get(
        "/embed", {"m": media.friendly_token}, **FRAMED, HTTP_REFERER="https://anywhere.example/a"
    )
    assert response.status_code == 200
    assert "frame-ancestors" not in _policy(response)
    assert "X-Frame-Options" not in response
    assert props_of(response)["friendly_token"] == media.friendly_token


def test_other_pages_may_be_framed_only_by_the_site(browser):
    media = MediaFactory()
    for path in ("/", f"/view?m={media.friendly_token}", "/categories", "/tags"):
        response = browser.get(path)
        assert _policy(response)["frame-ancestors"] == ["'self'"], path


def test_the_site_list_is_the_frame_ancestors(browser, settings):
    settings.EMBED_ALLOWED_DOMAINS = ["news.example.org", "*.partner.example", "localhost:8001"]
    media = MediaFactory()
    response = browser.get("/embed", {"m": media.friendly_token})
    assert _policy(response)["frame-ancestors"] == [
        "'self'",
        "news.example.org",
        "*.partner.example",
        "localhost:8001",
    ]
    assert "Sec-Fetch-Dest" in response["Vary"]


def test_a_media_list_adds_to_the_site_list(browser, settings):
    settings.EMBED_ALLOWED_DOMAINS = ["news.example.org"]
    media = MediaFactory(embed_domains=["syndication.example"])
    response = browser.get("/embed", {"m": media.friendly_token})
    assert _policy(response)["frame-ancestors"] == [
        "'self'",
        "news.example.org",
        "syndication.example",
    ]
    # ... and its "*" opens it to any site.
    media.embed_domains = ["*"]
    media.save()
    assert "frame-ancestors" not in _policy(browser.get("/embed", {"m": media.friendly_token}))


def test_none_turns_embedding_off_for_one_media(browser):
    media = MediaFactory(embed_domains=["none"], title="Not for other sites")
    assert policy_for(media).disabled
    response = browser.get("/embed", {"m": media.friendly_token})
    assert _policy(response)["frame-ancestors"] == ["'self'"]
    # Opened on its own: a page that says why, with a link to the watch page.
    assert response.status_code == 200
    html = response.content.decode()
    assert "turned off by its publisher" in html
    assert f'/view?m={media.friendly_token}"' in html
    assert "op-props" not in html
    # Framed by the site's own pages, the player still loads.
    own = browser.get(
        "/embed",
        {"m": media.friendly_token},
        HTTP_SEC_FETCH_DEST="iframe",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert props_of(own)["friendly_token"] == media.friendly_token


def test_a_refused_framer_gets_the_reason_not_the_player(browser, settings):
    settings.EMBED_ALLOWED_DOMAINS = ["news.example.org"]
    media = MediaFactory(title="Council vote")
    refused = browser.get(
        "/embed", {"m": media.friendly_token}, **FRAMED, HTTP_REFERER="https://evil.example/page"
    )
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "https://evil.example is not among the sites allowed to embed this media" in html
    assert "news.example.org" in html
    assert "op-props" not in html
    assert _policy(refused)["frame-ancestors"] == ["'self'", "news.example.org"]
    # The allowed site (default port) gets the player; the same host on another port does not.
    allowed = browser.get(
        "/embed",
        {"m": media.friendly_token},
        **FRAMED,
        HTTP_REFERER="https://news.example.org/story",
    )
    assert allowed.status_code == 200 and props_of(allowed)["embedding"] is None
    other_port = browser.get(
        "/embed",
        {"m": media.friendly_token},
        **FRAMED,
        HTTP_REFERER="https://news.example.org:8443/",
    )
    assert other_port.status_code == 403


def test_wildcards_match_sub_domains_only(browser, settings):
    settings.EMBED_ALLOWED_DOMAINS = ["*.example.org"]
    media = MediaFactory()
    token = media.friendly_token
    sub = browser.get("/embed", {"m": token}, **FRAMED, HTTP_REFERER="https://a.b.example.org/")
    bare = browser.get("/embed", {"m": token}, **FRAMED, HTTP_REFERER="https://example.org/")
    tricky = browser.get("/embed", {"m": token}, **FRAMED, HTTP_REFERER="https://badexample.org/")
    assert (sub.status_code, bare.status_code, tricky.status_code) == (200, 403, 403)


def test_opened_on_its_own_the_player_says_where_it_may_be_embedded(browser, settings):
    settings.EMBED_ALLOWED_DOMAINS = ["news.example.org"]
    media = MediaFactory()
    top = browser.get("/embed", {"m": media.friendly_token}, HTTP_SEC_FETCH_DEST="document")
    assert props_of(top)["embedding"] == {
        "any": False,
        "hosts": ["news.example.org"],
        "disabled": False,
    }


def test_an_empty_site_list_lets_only_the_site_frame_it(browser, settings):
    settings.EMBED_ALLOWED_DOMAINS = []
    media = MediaFactory()
    response = browser.get("/embed", {"m": media.friendly_token})
    assert _policy(response)["frame-ancestors"] == ["'self'"]
    assert "turned off by its publisher" in response.content.decode()


# --- options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ({}, {"start": 0, "autoplay": False, "loop": False, "show_title": True}),
        (
            {"t": "90", "autoplay": "1", "loop": "1", "title": "0"},
            {"start": 90, "autoplay": True, "loop": True, "show_title": False},
        ),
        ({"start": "1m30.5s"}, {"start": 90.5}),
        ({"t": "1h2m3s"}, {"start": 3723}),
        ({"t": "soon"}, {"start": 0}),
        ({"t": "-5"}, {"start": 0}),
    ],
)
def test_embed_options_reach_the_player(browser, query, options):
    media = MediaFactory()
    props = props_of(browser.get("/embed", {"m": media.friendly_token, **query}))
    for key, value in options.items():
        assert props[key] == value, key
    assert props["watch_url"] == f"/view?m={media.friendly_token}"


def test_the_embed_page_has_no_site_chrome(browser):
    media = MediaFactory()
    html = browser.get("/embed", {"m": media.friendly_token}).content.decode()
    assert 'class="site-header"' not in html and 'class="site-footer"' not in html
    assert "<nav" not in html


def test_private_media_embed_is_the_same_rule_as_its_page(browser):
    owner = UserFactory()
    media = MediaFactory(user=owner, state=Media.State.PRIVATE, title="Draft memo")
    response = browser.get(
        "/embed", {"m": media.friendly_token}, **FRAMED, HTTP_REFERER="https://x.example/"
    )
    assert response.status_code == 404 and "Draft memo" not in response.content.decode()
    assert _policy(response)["frame-ancestors"] == ["'self'"]
    assert logged_in(owner).get("/embed", {"m": media.friendly_token}).status_code == 200


def test_a_bad_site_list_stops_start_up_and_embeds_nowhere_meanwhile(browser, settings):
    from media_app.checks import embed_allowed_domains

    settings.EMBED_ALLOWED_DOMAINS = ["news.example.org", "not a host"]
    errors = embed_allowed_domains()
    assert [e.id for e in errors] == ["openpress.E160"]
    assert "'not a host' is not a host name" in errors[0].msg
    media = MediaFactory()
    assert _policy(browser.get("/embed", {"m": media.friendly_token}))["frame-ancestors"] == [
        "'self'"
    ]
    settings.EMBED_ALLOWED_DOMAINS = ["*"]
    assert embed_allowed_domains() == []
