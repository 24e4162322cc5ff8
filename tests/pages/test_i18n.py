"""Languages of the pages: the active language (the language chooser's cookie, else
Accept-Language) gives <html lang dir>, the templates' translated chrome and the frontend's
catalog (script#op-i18n, read by frontend/src/lib/i18n.ts)."""

import json
import re

import pytest
from django.conf import settings

from tests.factories import UserFactory
from tests.pages.conftest import logged_in

pytestmark = pytest.mark.django_db


def catalog_of(response) -> dict:
    match = re.search(
        r'<script id="op-i18n" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page has no frontend catalog"
    return json.loads(match.group(1))


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def test_languages_offered_include_a_right_to_left_one():
    codes = [code for code, _ in settings.LANGUAGES]
    assert {"en", "fr", "ar"} <= set(codes)
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


def test_english_by_default_left_to_right_with_an_empty_catalog(browser):
    response = browser.get("/")
    assert response.status_code == 200
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert catalog_of(response) == {}
    body = response.content.decode()
    assert ">Skip to content<" in body
    assert ">Log in<" in body


def test_arabic_from_accept_language_is_right_to_left_and_translated(browser):
    response = browser.get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    body = response.content.decode()
    # The header, nav, theme toggle and footer chrome, in Arabic.
    for text in ("انتقل إلى المحتوى", "تسجيل الدخول", "إنشاء حساب", "داكن", "التصحيحات والسحوبات"):
        assert text in body, text
    assert ">Skip to content<" not in body
    assert response["Content-Language"] == "ar"
    # The frontend's strings for this page come with it.
    catalog = catalog_of(response)
    assert catalog["Featured"] == "مميَّز"
    assert catalog["{n} views"] == "{n} مشاهدة"


def test_french_is_left_to_right_and_translated(browser):
    response = browser.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert html_tag(response) == '<html lang="fr" dir="ltr">'
    body = response.content.decode()
    assert "Aller au contenu" in body
    assert "Mot de passe oublié ?" in body
    assert catalog_of(response)["Loading…"] == "Chargement…"


def test_a_language_not_offered_falls_back_to_english(browser):
    response = browser.get("/", HTTP_ACCEPT_LANGUAGE="ja")
    assert html_tag(response) == '<html lang="en" dir="ltr">'


def test_the_footer_chooser_sets_the_language_for_later_pages(browser):
    page = browser.get("/search?q=flood").content.decode()
    form = re.search(r'<form class="language-form" action="([^"]+)"', page)
    assert form and form.group(1) == "/i18n/setlang/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answer = browser.post(
        "/i18n/setlang/",
        {"language": "ar", "next": "/search?q=flood", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/search?q=flood"
    again = browser.get("/search?q=flood", HTTP_ACCEPT_LANGUAGE="en")
    assert html_tag(again) == '<html lang="ar" dir="rtl">'
    assert '<option value="ar" lang="ar" selected>' in again.content.decode()


def test_an_unknown_language_is_not_set(browser):
    page = browser.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    browser.post("/i18n/setlang/", {"language": "xx", "next": "/", "csrfmiddlewaretoken": token})
    assert html_tag(browser.get("/")) == '<html lang="en" dir="ltr">'


def test_signed_in_chrome_is_translated(browser):
    client = logged_in(UserFactory())
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    for text in ("وسائطي", "تسجيل الخروج", "السجل"):
        assert text in body, text


def test_the_page_catalog_holds_only_the_frontends_strings():
    """Every id in a page's catalog is a t() string of frontend/src (locale/djangojs.pot), not
    one of the installed apps' own JavaScript catalogs (Django admin's)."""
    from media_app.templatetags.i18n_catalog import catalog

    pot = (settings.BASE_DIR / "locale" / "djangojs.pot").read_text(encoding="utf-8")
    for language in ("fr", "ar"):
        found = catalog(language)
        assert len(found) > 100, language
        stray = [key for key in found if f"msgid {json.dumps(key, ensure_ascii=False)}" not in pot]
        assert not stray, (language, stray[:5])
