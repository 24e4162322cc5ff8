"""Dark mode in Chromium: the site follows the system's preference (prefers-color-scheme), the
header's toggle (light / dark / system) overrides it, is remembered (localStorage) and applied
before the first paint, and native controls follow (color-scheme)."""

import pytest

from tests.browser.a11y import assert_axe_clean, assert_keyboard_accessible
from tests.browser.pages_tour import visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_THEME = "document.documentElement.dataset.theme"
_BACKGROUND = "getComputedStyle(document.documentElement).backgroundColor"
_SCHEME = "getComputedStyle(document.documentElement).colorScheme"


def test_the_site_follows_the_system_then_the_toggle(live_server, chromium):
    context = chromium.new_context(color_scheme="dark")
    try:
        page = context.new_page()
        visit(page, f"{live_server.url}/")
        toggle = page.get_by_role("group", name="Colour theme")
        assert page.evaluate(_THEME) == "dark"
        assert page.evaluate(_BACKGROUND) == "rgb(18, 18, 18)"
        assert page.evaluate(_SCHEME) == "dark"
        system = toggle.get_by_role("button", name="As the system")
        assert system.get_attribute("aria-pressed") == "true"

        # The system turns light while the page is open: the page follows.
        page.emulate_media(color_scheme="light")
        page.wait_for_function(f"() => {_THEME} === 'light'")
        assert page.evaluate(_BACKGROUND) == "rgb(255, 255, 255)"

        # The visitor chooses dark: it overrides the (light) system, on this page and the next.
        toggle.get_by_role("button", name="Dark").click()
        assert page.evaluate(_THEME) == "dark"
        assert toggle.get_by_role("button", name="Dark").get_attribute("aria-pressed") == "true"
        assert toggle.get_by_role("button", name="Light").get_attribute("aria-pressed") == "false"
        assert page.evaluate("localStorage.getItem('op-theme')") == "dark"
        assert_axe_clean(page)

        # Applied before the first paint: already dark when the document has only just arrived,
        # before the frontend's module script has run.
        page.goto(f"{live_server.url}/accounts/login/", wait_until="commit")
        page.wait_for_selector("head title", state="attached")
        assert page.evaluate(_THEME) == "dark"
        page.wait_for_load_state("load")
        assert page.evaluate(_SCHEME) == "dark"
        # A native control follows the theme (color-scheme): a dark text field.
        field = page.get_by_label("Username")
        assert field.evaluate("el => getComputedStyle(el).colorScheme") == "dark"

        page.get_by_role("group", name="Colour theme").get_by_role("button", name="Light").click()
        assert page.evaluate(_THEME) == "light"
        assert page.evaluate(_BACKGROUND) == "rgb(255, 255, 255)"
        page.get_by_role("group", name="Colour theme").get_by_role(
            "button", name="As the system"
        ).click()
        assert page.evaluate("localStorage.getItem('op-theme')") == "system"
        assert page.evaluate(_THEME) == "light"  # the emulated system is light now
    finally:
        context.close()


def test_without_script_the_system_preference_still_applies(live_server, chromium):
    context = chromium.new_context(color_scheme="dark", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.evaluate(_THEME) is None
        assert page.evaluate(_BACKGROUND) == "rgb(18, 18, 18)"
    finally:
        context.close()


def test_the_toggle_and_the_language_chooser_work_by_keyboard(live_server, chromium):
    for scheme in ("light", "dark"):
        context = chromium.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            visit(page, f"{live_server.url}/")
            # Every control reached by Tab, with a visible focus and a name, in both themes.
            assert_keyboard_accessible(
                page, must_reach=["Light", "Dark", "As the system", "Language", "Change language"]
            )
            page.get_by_role("button", name="Dark").focus()
            page.keyboard.press("Enter")
            assert page.evaluate(_THEME) == "dark"
            page.get_by_role("button", name="Light").focus()
            page.keyboard.press("Space")
            assert page.evaluate(_THEME) == "light"
        finally:
            context.close()
