#!/usr/bin/env python3
"""Extract the frontend's t("...") strings into the djangojs gettext domain (docs/i18n.md).

xgettext's JavaScript parser loses strings after some JSX (text with an apostrophe, for one), so
this collects the literal first argument of every ``t(...)`` call in frontend/src/**/*.ts(x)
(tests left out) into locale/djangojs.pot, then merges it into each language's
locale/<lang>/LC_MESSAGES/djangojs.po (msgmerge; msginit-like header for a new language).
Django's own strings: ``manage.py makemessages`` (docs/i18n.md gives its arguments); then
``manage.py compilemessages`` writes the .mo files, which are committed.

    python scripts/i18n_extract.py            # write the .pot and merge into every language
    python scripts/i18n_extract.py --check    # exit 1 if a t() string is missing from the .pot,
                                              # or a .po (djangojs and django, every language)
                                              # lacks a translation or has a fuzzy one
"""

from __future__ import annotations

import argparse
import ast
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "frontend" / "src"
LOCALE = ROOT / "locale"
POT = LOCALE / "djangojs.pot"
LANGUAGES = ("fr", "ar")
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 ? 4 : 5);",
}
# t( not preceded by a name character or a dot (so not it(, not foo.t(), then a string literal.
CALL = re.compile(r"""(?<![\w.$])t\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""")


def messages() -> dict[str, list[str]]:
    """msgid -> the places (path:line) it is used."""
    found: dict[str, list[str]] = {}
    for path in sorted(SOURCES.rglob("*.ts*")):
        if ".test." in path.name or path.suffix not in (".ts", ".tsx"):
            continue
        text = path.read_text(encoding="utf-8")
        for match in CALL.finditer(text):
            literal = match.group(1)
            if literal.startswith("'"):
                literal = '"' + literal[1:-1].replace('"', '\\"').replace("\\'", "'") + '"'
            msgid = ast.literal_eval(literal)
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(msgid, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def write_pot(found: dict[str, list[str]]) -> str:
    out = [
        "# The frontend's t() strings (scripts/i18n_extract.py; do not edit, run it again).",
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        "",
    ]
    for msgid in sorted(found):
        out.append("#: " + " ".join(found[msgid]))
        out.append(f"msgid {po_string(msgid)}")
        out.append('msgstr ""')
        out.append("")
    return "\n".join(out)


def merge(language: str) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "djangojs.po"
    if not po.exists():
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_text(
            "\n".join(
                [
                    f"# The frontend's strings in {language} (docs/i18n.md).",
                    'msgid ""',
                    'msgstr ""',
                    '"Content-Type: text/plain; charset=UTF-8\\n"',
                    f'"Language: {language}\\n"',
                    f'"Plural-Forms: {PLURAL_FORMS[language]}\\n"',
                    "",
                ]
            ),
            encoding="utf-8",
        )
    msgmerge = shutil.which("msgmerge")
    if msgmerge is None:
        raise SystemExit("msgmerge is missing: apt-get install gettext")
    subprocess.run(
        [
            msgmerge,
            "--quiet",
            "--update",
            "--backup=none",
            "--no-fuzzy-matching",
            "--sort-output",
            str(po),
            str(POT),
        ],
        check=True,
    )


def po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of each live entry of a .po (obsolete #~ entries left out; a
    plural entry gives its msgid and the msgstr[n] joined, empty if any form is)."""
    entries: list[tuple[str, str, bool]] = []
    msgid: list[str] = []
    msgstr: list[list[str]] = []
    fuzzy = next_fuzzy = False
    target: list[str] | None = None

    def flush() -> None:
        if msgid:
            forms = ["".join(form) for form in msgstr] or [""]
            text = "" if any(form == "" for form in forms) else "\n".join(forms)
            entries.append(("".join(msgid), text, fuzzy))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            next_fuzzy = True
        elif line.startswith("msgid "):
            flush()
            msgid, msgstr, fuzzy, next_fuzzy = [], [], next_fuzzy, False
            target = msgid
            target.append(ast.literal_eval(line[6:]))
        elif line.startswith("msgid_plural "):
            target = None
        elif line.startswith("msgstr"):
            msgstr.append([])
            target = msgstr[-1]
            target.append(ast.literal_eval(line.split(" ", 1)[1]))
        elif line.startswith('"') and target is not None:
            target.append(ast.literal_eval(line))
        elif not line.strip():
            target = None
    flush()
    return [entry for entry in entries if entry[0]]  # the header's msgid is ""


def untranslated(found: dict[str, list[str]]) -> list[str]:
    """Problems of the .po files: a t() string missing from a djangojs.po, an entry of any .po
    without a translation, or with a fuzzy (guessed) one, a .mo that does not say what its .po
    says."""
    problems = []
    for language in LANGUAGES:
        for domain in ("djangojs", "django"):
            po = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
            if not po.exists():
                problems.append(f"{po.relative_to(ROOT)} is missing")
                continue
            entries = po_entries(po)
            if domain == "djangojs":
                have = {msgid for msgid, _, _ in entries}
                name = po.relative_to(ROOT)
                problems += [f"{name}: missing {m!r}" for m in sorted(found) if m not in have]
            for msgid, msgstr, fuzzy in entries:
                if not msgstr:
                    problems.append(f"{po.relative_to(ROOT)}: no translation of {msgid!r}")
                elif fuzzy:
                    problems.append(f"{po.relative_to(ROOT)}: fuzzy translation of {msgid!r}")
            mo = po.with_suffix(".mo")
            compiled = gettext.GNUTranslations(mo.open("rb"))._catalog if mo.exists() else {}  # type: ignore[attr-defined]
            for msgid, msgstr, fuzzy in entries:
                if msgstr and not fuzzy and "\n" not in msgstr and compiled.get(msgid) != msgstr:
                    problems.append(f"{mo.relative_to(ROOT)} is stale: {msgid!r}")
                    break
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the .pot is complete")
    args = parser.parse_args()
    found = messages()
    pot = write_pot(found)
    if args.check:
        current = POT.read_text(encoding="utf-8") if POT.exists() else ""
        missing = [m for m in found if f"msgid {po_string(m)}\n" not in current]
        if missing:
            print(f"{len(missing)} t() strings missing from {POT}: run scripts/i18n_extract.py")
            for msgid in missing[:20]:
                print("  ", msgid)
            return 1
        problems = untranslated(found)
        if problems:
            print(f"{len(problems)} translation problems (fill the .po, then compilemessages):")
            for problem in problems[:50]:
                print("  ", problem)
            return 1
        return 0
    LOCALE.mkdir(exist_ok=True)
    POT.write_text(pot, encoding="utf-8")
    for language in LANGUAGES:
        merge(language)
    print(f"{len(found)} strings -> {POT.relative_to(ROOT)} and {', '.join(LANGUAGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
