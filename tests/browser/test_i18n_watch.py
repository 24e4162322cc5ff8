"""The watch page in French and Arabic, in Chromium: strings that were English literals until
the i18n sweep (the like/report controls, the views line, Content Credentials, the report form)
and the not-available page come from the catalogs."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages_tour import visit
from tests.factories import MediaFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("locale", "report", "question", "send", "views", "unsigned", "gone"),
    [
        (
            "fr",
            "Signaler",
            "Quel est le problème avec ce média ?",
            "Envoyer le signalement",
            "0 vues",
            "Non signé : aucun Content Credentials.",
            "Ce média n\u2019est pas disponible",
        ),
        (
            "ar",
            "إبلاغ",
            "ما المشكلة في هذه الوسائط؟",
            "إرسال البلاغ",
            "0 مشاهدة",
            "غير موقَّع: لا توجد بيانات اعتماد المحتوى.",
            "هذه الوسائط غير متاحة",
        ),
    ],
)
def test_watch_page_strings_are_translated(
    live_server, chromium, locale, report, question, send, views, unsigned, gone
):
    media = MediaFactory(title="Harbour interview", views=0)
    context = chromium.new_context(locale=locale)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        visit(page, f"{live_server.url}/view?m={media.friendly_token}")
        assert page.locator("html").get_attribute("lang") == locale
        expect(page.locator(".media-meta")).to_contain_text(views)
        expect(page.get_by_text(unsigned)).to_be_visible()
        page.get_by_role("button", name=report, exact=True).click()
        expect(page.get_by_label(question)).to_be_visible()
        expect(page.get_by_role("button", name=send)).to_be_visible()
        # No English left in the details column: the sweep's sentences all went through t().
        details = page.locator(".watch-details").inner_text()
        for english in ("Report", "views", "Send the report", "Not signed"):
            assert english not in details, (english, details)
        visit(page, f"{live_server.url}/view?m=doesnotexist")
        expect(page.get_by_role("heading", level=1)).to_have_text(gone)
    finally:
        context.close()
