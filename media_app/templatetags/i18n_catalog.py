"""``{% frontend_catalog %}``: the active language's catalog of the frontend's t() strings.

The strings come from the ``djangojs`` gettext domain (``locale/<lang>/LC_MESSAGES/djangojs.mo``,
extracted from frontend/src by scripts/i18n_extract.py, docs/i18n.md); every page carries them as
a JSON script, ``script#op-i18n``, which frontend/src/lib/i18n.ts reads. English (the message ids
themselves) gives an empty catalog.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

from django import template
from django.conf import settings
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import get_language, to_locale

register = template.Library()


@lru_cache(maxsize=16)
def catalog(language: str) -> dict[str, str]:
    """Message id -> translation of the djangojs domain for ``language`` (plain messages only),
    from LOCALE_PATHS alone: the installed apps' own djangojs catalogs (the admin's) are not the
    frontend's."""
    found: dict[str, str] = {}
    for folder in reversed(settings.LOCALE_PATHS):
        translation = gettext.translation(
            "djangojs", localedir=str(folder), languages=[to_locale(language)], fallback=True
        )
        found.update(_messages(translation))
    return found


def _messages(translation: gettext.NullTranslations) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in getattr(translation, "_catalog", {}).items():
        if isinstance(key, str) and key and value and value != key:
            found[key] = value
    return found


@register.simple_tag
def frontend_catalog() -> SafeString:
    return json_script(catalog(get_language() or "en"), "op-i18n")
