"""Icons are SVG (lucide-react in the frontend, inline SVG in templates): no emoji or symbol-font
glyph stands for an icon, since a font that lacks it renders an empty box (issue 16 point 8)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

# Emoji, their variation selector, and the Miscellaneous Symbols and Dingbats blocks (✔ ★ ☰ ✎
# ✖ ...), the glyphs that were used as icons. Arrows and ⌘ in running text (keyboard help) stay.
GLYPHS = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]")


def _sources() -> list[Path]:
    base = Path(settings.BASE_DIR)
    templates = sorted((base / "media_app" / "templates").rglob("*.html"))
    frontend = [
        p
        for p in sorted((base / "frontend" / "src").rglob("*.ts*"))
        if ".test." not in p.name and p.suffix in (".ts", ".tsx")
    ]
    return templates + frontend


def test_the_sources_hold_files():
    names = {p.name for p in _sources()}
    assert {"base.html", "_theme_toggle.html", "VerifiedBadge.tsx"} <= names


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_no_emoji_or_symbol_glyph_as_icon(path):
    found = [
        f"line {n}: {line.strip()[:80]}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if GLYPHS.search(line)
    ]
    assert not found, f"{path}: use an SVG icon (lucide-react) instead of: {found}"


def test_the_theme_toggle_icons_are_inline_svg_hidden_from_assistive_tech():
    toggle = (
        Path(settings.BASE_DIR) / "media_app" / "templates" / "media_app" / "_theme_toggle.html"
    ).read_text()
    assert toggle.count('<svg aria-hidden="true"') == 3
    assert toggle.count('class="visually-hidden"') == 3
