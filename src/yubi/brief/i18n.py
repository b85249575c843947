"""Translations of the brief's fixed text: gettext catalogs maintained with Babel.

Every fixed string of the brief (template headings, table headers, units, estimative terms)
is an English ``msgid`` in the templates or in this package's code. Its translations live in
``locale/<lang>/LC_MESSAGES/yubi.po`` and are compiled to ``yubi.mo`` next to it; a third
language is a new catalog, not new code. English is the source language and needs no catalog.

Maintenance (see ``docs/brief.md``)::

    python -m yubi.brief.i18n extract   # templates + code -> locale/messages.pot
    python -m yubi.brief.i18n update    # merge the .pot into every .po (new msgids empty)
    python -m yubi.brief.i18n compile   # every .po -> .mo
    python -m yubi.brief.i18n check     # exit 1 if a msgid lacks a translation or a .mo is stale
"""

from __future__ import annotations

import gettext
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from yubi.errors import UsageError

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "SOURCE_LANGUAGE",
    "Translator",
    "available_languages",
    "catalog_problems",
    "compile_catalogs",
    "extract_messages",
    "load_translations",
    "update_catalogs",
]

PACKAGE_DIR = Path(__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
DOMAIN = "yubi"
SOURCE_LANGUAGE = "en"
POT_FILE = LOCALE_DIR / "messages.pot"
#: Function names whose string arguments are messages (``N_`` marks text translated later).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
    "Nn_": (1, 2),
}
#: Which files hold messages, and how to read them (Babel's method map).
METHOD_MAP = [
    ("templates/**.j2", "jinja2"),
    ("**.py", "python"),
]
OPTIONS_MAP = {"templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
#: The workbench pages (``yubi serve``) share this catalog: their templates and page code.
WEB_DIR = PACKAGE_DIR.parent / "web"
WEB_METHOD_MAP = [
    ("templates/**.j2", "jinja2"),
    ("pages.py", "python"),
    ("views.py", "python"),
]
HEADER = """\
# Translations of the fixed text of yubi's brief (headings, labels, units, estimative words).
# Maintained with `python -m yubi.brief.i18n update|compile|check`; see docs/brief.md.
#"""


class Translator(Protocol):
    """What the brief needs from a gettext translation object."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...

    def pgettext(self, context: str, message: str, /) -> str: ...


def available_languages() -> list[str]:
    """Languages the brief can be written in: English plus every compiled catalog."""
    found = {
        path.parent.parent.name
        for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
    }
    return sorted(found | {SOURCE_LANGUAGE})


def load_translations(language: str) -> gettext.NullTranslations:
    """The gettext translations for ``language`` (``NullTranslations`` for English).

    Raises
    ------
    UsageError
        When no catalog exists for the language.
    """
    known = available_languages()
    if language not in known:
        raise UsageError(
            f"no translation for language {language!r}; available: {', '.join(known)} "
            "(add one as described in docs/brief.md)"
        )
    if language == SOURCE_LANGUAGE and not (LOCALE_DIR / language).exists():
        return gettext.NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


# -- catalog maintenance -------------------------------------------------------------------
def extract_messages() -> Catalog:
    """Every message in the templates and code of :mod:`yubi.brief` and of the workbench
    pages (:mod:`yubi.web`), as a template catalog."""
    catalog = Catalog(project="yubi", domain=DOMAIN, fuzzy=False, header_comment=HEADER,
                      copyright_holder="yubi contributors", msgid_bugs_address="")
    places = [(PACKAGE_DIR, METHOD_MAP, "yubi/brief")]
    if WEB_DIR.is_dir():
        places.append((WEB_DIR, WEB_METHOD_MAP, "yubi/web"))
    for folder, method_map, prefix in places:
        found: Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]]
        found = extract_from_dir(
            str(folder), method_map, OPTIONS_MAP, keywords=KEYWORDS,
            comment_tags=("Translators:",), strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            catalog.add(message, None, [(f"{prefix}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def _po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _catalog_languages() -> list[str]:
    return sorted(path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def _write_po(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False,
             include_lineno=False)
    path.write_bytes(buffer.getvalue())


def _mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update_catalogs(languages: list[str] | None = None) -> list[Path]:
    """Write ``messages.pot`` and merge it into each ``.po`` (creating missing ones)."""
    template = extract_messages()
    _write_po(template, POT_FILE)
    written = []
    for language in languages or _catalog_languages():
        path = _po_path(language)
        if path.exists():
            catalog = _read(path, language)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="yubi",
                              header_comment=HEADER, copyright_holder="yubi contributors",
                              msgid_bugs_address="")
            catalog.update(template)
        _write_po(catalog, path)
        written.append(path)
    return written


def compile_catalogs() -> list[Path]:
    """Compile every ``.po`` to the ``.mo`` beside it."""
    written = []
    for language in _catalog_languages():
        catalog = _read(_po_path(language), language)
        target = _po_path(language).with_suffix(".mo")
        target.write_bytes(_mo_bytes(catalog))
        written.append(target)
    return written


def catalog_problems() -> list[str]:
    """What is wrong with the catalogs: untranslated or fuzzy msgids, stale ``.mo`` files."""
    problems = []
    template = extract_messages()
    for language in _catalog_languages():
        path = _po_path(language)
        catalog = _read(path, language)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, context=message.context)
            if entry is None:
                problems.append(f"{path.name} [{language}]: missing msgid {message.id!r}")
            elif entry.fuzzy or not _translated(entry.string):
                problems.append(f"{path.name} [{language}]: no translation for {message.id!r}")
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != _mo_bytes(catalog):
            problems.append(f"{mo} is not up to date with {path.name}: run compile")
    return problems


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if string is None:
        return False
    if isinstance(string, str):
        return bool(string.strip())
    return all(part.strip() for part in string)


def main(argv: list[str] | None = None) -> int:
    """``python -m yubi.brief.i18n extract|update|compile|check``."""
    arguments = sys.argv[1:] if argv is None else argv
    command = arguments[0] if arguments else ""
    if command == "extract":
        _write_po(extract_messages(), POT_FILE)
        print(f"wrote {POT_FILE}")
    elif command == "update":
        for path in update_catalogs(arguments[1:] or None):
            print(f"updated {path}")
    elif command == "compile":
        for path in compile_catalogs():
            print(f"compiled {path}")
    elif command == "check":
        problems = catalog_problems()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    else:
        print("usage: python -m yubi.brief.i18n extract|update [LANG...]|compile|check")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
