"""axe-core on every page, in light and in dark mode, and every page at 360 px wide; each page's
full-page screenshot is saved per run (light, dark, narrow) under tests/browser/conftest.py's
SCREENSHOTS folder (OPENPRESS_SCREENSHOTS, default var/screenshots/), which .ci/run prints."""

import pytest

from tests.browser.a11y import axe_violations
from tests.browser.conftest import save_screenshot
from tests.browser.pages_tour import sign_in, site, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_passes_axe_core_in_light_and_dark(live_server, chromium, tmp_path, theme):
    tour = site(tmp_path)
    base = live_server.url
    contexts = {}
    for signed_in in (True, False):
        # The system's preference (what Chromium reports to prefers-color-scheme): the page's
        # theme follows it while the visitor has not chosen one.
        context = chromium.new_context(color_scheme=theme)
        context.set_default_timeout(15_000)
        if signed_in:
            sign_in(context, base, tour.owner)
        contexts[signed_in] = context.new_page()
    found, visited = {}, []
    try:
        for name, path, signed_in in tour.pages:
            page = contexts[signed_in]
            status = visit(page, f"{base}{path}")
            assert status == 200, f"{name}: {path} answered {status}"
            if name != "embed":  # the embed page has no site chrome (and no theme toggle)
                assert page.evaluate("document.documentElement.dataset.theme") == theme, name
            assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == theme
            save_screenshot(page, f"{theme}/{name}")
            bad = axe_violations(page)
            if bad:
                found[name] = [
                    f"{v['id']} ({v['impact']}): {v['help']} {v['nodes'][:3]}" for v in bad
                ]
            visited.append(name)
    finally:
        for page in contexts.values():
            page.context.close()
    assert len(visited) == len(tour.pages)
    assert not found, "axe-core, serious or critical:\n" + "\n".join(
        f"{name}: {v}" for name, items in found.items() for v in items
    )


def test_every_page_fits_360_px_wide(live_server, chromium, tmp_path):
    tour = site(tmp_path)
    base = live_server.url
    pages = {}
    for signed_in in (True, False):
        context = chromium.new_context(viewport={"width": 360, "height": 740})
        context.set_default_timeout(15_000)
        if signed_in:
            sign_in(context, base, tour.owner)
        pages[signed_in] = context.new_page()
    too_wide = {}
    try:
        for name, path, signed_in in tour.pages:
            page = pages[signed_in]
            visit(page, f"{base}{path}")
            save_screenshot(page, f"narrow/{name}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide[name] = (width, page.evaluate(_WIDEST))
    finally:
        for page in pages.values():
            page.context.close()
    assert not too_wide, f"wider than 360 px (scrollWidth, widest elements): {too_wide}"


# The elements that reach past the viewport's right edge, to say what to fix.
_WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > 361)
  .map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
    ? '.' + el.className.split(' ').join('.') : '')
    + ' ' + Math.round(el.getBoundingClientRect().right))
  .slice(0, 8)"""
