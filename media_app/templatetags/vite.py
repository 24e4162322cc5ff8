"""``{% vite_entry "src/main.tsx" %}``: the hashed bundles of a Vite entry, read from its manifest.

Vite writes ``.vite/manifest.json`` into ``frontend/dist`` at build time; that folder is one of
``STATICFILES_DIRS``, so the files it names are collected as static files like any other.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django import template
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict:
    # Keyed on the file's mtime so a rebuild is picked up without a restart.
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def manifest() -> dict:
    path = Path(settings.VITE_MANIFEST_PATH)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"The frontend is not built: {path} is missing. "
            "Run `npm ci && npm run build` in frontend/."
        ) from None
    return _load(str(path), mtime)


def _chunks(entry: str, data: dict) -> tuple[list[str], list[str], list[str]]:
    """The entry's script, the CSS of it and of every chunk it imports, and those chunks."""
    if entry not in data:
        raise ImproperlyConfigured(f"{entry!r} is not an entry of the Vite manifest.")
    scripts, styles, preloads = [data[entry]["file"]], [], []
    seen: set[str] = set()

    def walk(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        chunk = data[name]
        styles.extend(c for c in chunk.get("css", []) if c not in styles)
        for imported in chunk.get("imports", []):
            preloads.append(data[imported]["file"])
            walk(imported)

    walk(entry)
    return scripts, styles, preloads


@register.simple_tag
def vite_entry(entry: str) -> SafeString:
    scripts, styles, preloads = _chunks(entry, manifest())
    css = format_html_join("", '<link rel="stylesheet" href="{}">', ((static(c),) for c in styles))
    pre = format_html_join(
        "", '<link rel="modulepreload" href="{}">', ((static(p),) for p in preloads)
    )
    js = format_html_join(
        "", '<script type="module" src="{}"></script>', ((static(s),) for s in scripts)
    )
    return css + pre + js
