"""The gettext catalogs: complete, compiled, and used by the templates and the code."""

from __future__ import annotations

import gettext

import pytest

from yubi.brief import i18n
from yubi.errors import UsageError


def test_every_message_has_a_korean_translation_and_the_mo_is_compiled() -> None:
    assert i18n.catalog_problems() == []


def test_extraction_finds_the_template_headings_and_the_codes_units() -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in i18n.extract_messages()}
    for heading in ("Bottom line", "Outlook by scenario", "The situation and its drivers",
                    "Impacts", "What drives the outcomes", "Indicators to watch",
                    "Historical analogy", "The sources' claims, checked", "Preparation",
                    "Method and assumptions"):
        assert heading in ids
    assert {"{value} soldier", "{value} won", "almost certain", "{low}–{high}"} <= ids


def test_plural_units_are_plural_entries() -> None:
    plural = [m for m in i18n.extract_messages() if m.pluralizable]
    assert any(m.id == ("{value} soldier", "{value} soldiers") for m in plural)


def test_the_korean_catalog_translates() -> None:
    korean = i18n.load_translations("ko")
    assert korean.gettext("Bottom line") == "핵심 판단"
    assert korean.ngettext("{value} soldier", "{value} soldiers", 12000) == "{value}명"


def test_english_is_the_source_language() -> None:
    assert isinstance(i18n.load_translations("en"), gettext.NullTranslations)
    assert i18n.available_languages() == ["en", "ko"]


def test_an_unknown_language_is_a_usage_error_naming_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"no translation for language 'xx'; available: en, ko"):
        i18n.load_translations("xx")
