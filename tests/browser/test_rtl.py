"""Right to left in Chromium: with Arabic (from the browser's language or the footer's chooser)
the page is dir="rtl", its chrome and the React components' strings are translated, and the
layout mirrors (the header starts at the right)."""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_axe_clean
from tests.browser.conftest import save_screenshot
from tests.browser.pages_tour import visit
from tests.factories import MediaFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.right]; }"


def test_arabic_pages_are_right_to_left_and_mirrored(live_server, chromium):
    MediaFactory(title="Harbour interview")
    context = chromium.new_context(locale="ar", viewport={"width": 1000, "height": 800})
    try:
        page = context.new_page()
        visit(page, f"{live_server.url}/")
        html = page.locator("html")
        assert html.get_attribute("dir") == "rtl"
        assert html.get_attribute("lang") == "ar"
        # The template's chrome and the React page's own strings (the catalog), in Arabic.
        expect(page.get_by_role("link", name="تسجيل الدخول")).to_be_visible()
        expect(page.get_by_role("heading", name="الأحدث", exact=True)).to_be_visible()
        expect(page.get_by_text("0 مشاهدة").first).to_be_visible()
        # Mirrored: the header's first item (the site's name) is at the right, the nav's first
        # link right of its second, the search button left of its field.
        width = page.evaluate("document.documentElement.clientWidth")
        brand_left, brand_right = page.locator(".brand").evaluate(_BOX)
        assert brand_right > width - 40, (brand_left, brand_right, width)
        links = page.locator(".site-header nav a")
        assert links.nth(0).evaluate(_BOX)[0] > links.nth(1).evaluate(_BOX)[1]
        search = page.get_by_role("search")
        field_left = search.get_by_role("searchbox").evaluate(_BOX)[0]
        assert search.get_by_role("button").evaluate(_BOX)[1] <= field_left
        # Text starts at the right: the main heading's right edge is near main's.
        heading = page.get_by_role("heading", level=1)
        main_right = page.locator("main").evaluate(_BOX)[1]
        assert abs(heading.evaluate(_BOX)[1] - main_right) < 40
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        save_screenshot(page, "rtl/home")
        assert_axe_clean(page)
    finally:
        context.close()


def test_the_footer_chooser_switches_to_arabic_and_back(live_server, new_page):
    page = new_page()
    visit(page, f"{live_server.url}/search?q=harbour")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_url(f"{live_server.url}/search?q=harbour")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.get_by_text("لا توجد وسائط تطابق «harbour».")).to_be_visible()
    page.get_by_label("اللغة").select_option("fr")
    page.get_by_role("button", name="تغيير اللغة").click()
    page.wait_for_url(f"{live_server.url}/search?q=harbour")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.get_by_role("button", name="Rechercher")).to_be_visible()


def test_arabic_watch_and_login_pages_pass_axe_and_fit_360_px(live_server, chromium, tmp_path):
    from tests.security.test_user_files import _hls_tree

    media = MediaFactory(title="Harbour interview")
    _hls_tree(media, tmp_path / "hls")
    context = chromium.new_context(locale="ar", viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        for name, path in (
            ("watch-video", f"/view?m={media.friendly_token}"),
            ("login", "/accounts/login/"),
            ("search", "/search?q=harbour"),
        ):
            visit(page, f"{live_server.url}{path}")
            assert page.locator("html").get_attribute("dir") == "rtl", name
            save_screenshot(page, f"rtl/{name}")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
            assert_axe_clean(page)
    finally:
        context.close()
