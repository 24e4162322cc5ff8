"""`scripts/i18n_extract.py --check` (make check-i18n): every t() string is in the catalogs, and
every French and Arabic entry is translated, not fuzzy, and compiled into its .mo."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def extract(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "i18n_extract", ROOT / "scripts" / "i18n_extract.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    (tmp_path / "frontend").mkdir()
    (tmp_path / "frontend" / "src").symlink_to(ROOT / "frontend" / "src")
    monkeypatch.setattr(module, "SOURCES", tmp_path / "frontend" / "src")
    monkeypatch.setattr(module, "LOCALE", tmp_path / "locale")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module


def _po(module, language="fr", domain="djangojs"):
    return module.LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def test_the_committed_catalogs_pass_the_check():
    done = subprocess.run(
        [sys.executable, "scripts/i18n_extract.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_committed_catalogs_have_no_problem(extract):
    assert extract.untranslated(extract.messages()) == []


def test_an_untranslated_frontend_string_is_named(extract):
    po = _po(extract, "ar")
    text = po.read_text(encoding="utf-8")
    assert 'msgid "Related media"\nmsgstr "وسائط ذات صلة"' in text
    po.write_text(
        text.replace(
            'msgid "Related media"\nmsgstr "وسائط ذات صلة"', 'msgid "Related media"\nmsgstr ""'
        )
    )
    assert extract.untranslated(extract.messages()) == [
        "locale/ar/LC_MESSAGES/djangojs.po: no translation of 'Related media'"
    ]


def test_a_fuzzy_or_missing_entry_and_a_stale_mo_are_named(extract):
    po = _po(extract, "fr", "django")
    text = po.read_text(encoding="utf-8")
    assert 'msgid "Key"\nmsgstr "Clé"' in text
    po.write_text(text.replace('msgid "Key"\nmsgstr "Clé"', '#, fuzzy\nmsgid "Key"\nmsgstr "Clef"'))
    js = _po(extract, "fr")
    js_text = js.read_text(encoding="utf-8")
    start = js_text.index('msgid "Report"')
    end = js_text.index("\n\n", start)
    js.write_text(js_text[:start] + js_text[end + 2 :])
    problems = extract.untranslated(extract.messages())
    assert "locale/fr/LC_MESSAGES/djangojs.po: missing 'Report'" in problems
    assert "locale/fr/LC_MESSAGES/django.po: fuzzy translation of 'Key'" in problems
    # A translation changed after compilemessages: the .mo no longer says it.
    js.write_text(js_text)
    po.write_text(text.replace('msgid "Key"\nmsgstr "Clé"', 'msgid "Key"\nmsgstr "Clef"'))
    assert extract.untranslated(extract.messages()) == [
        "locale/fr/LC_MESSAGES/django.mo is stale: 'Key'"
    ]
