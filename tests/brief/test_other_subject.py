"""A case about another subject (tests/brief/blockade.yaml, written from the docs alone) briefs
in its own words: its audiences, section titles and unit words, in English and Korean, with
none of the bundled case's ("regime", "South Korea", "deal", soldiers, won)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

import yubi
from yubi.app.settings import Settings
from yubi.brief import Analyses, Formatter, load_translations, run_analyses
from yubi.brief.build import Brief
from yubi.brief.render import render_html

from .conftest import HERE

BriefOf = Callable[[Analyses, str], Brief]
SETTINGS = Settings(samples=2_000, seed=2, sobol_samples=32, tornado_samples=50)
#: The bundled case's frame, which no other case's brief may show unless the case says so.
FOREIGN = {
    "en": [r"\bregime\b", r"South Korea", r"\bdeal\b", r"\bsoldiers?\b", r"\bwon\b"],
    "ko": ["정권", "한국에", "거래의", r"\d명", r"\d원\b", r"\d 원\b"],
}


@pytest.fixture(scope="module")
def blockade() -> Analyses:
    return run_analyses(yubi.load_case(HERE / "blockade.yaml"), SETTINGS)


@pytest.fixture(scope="module")
def html(blockade: Analyses, brief_of: BriefOf) -> dict[str, str]:
    return {language: _visible(render_html(brief_of(blockade, language)))
            for language in ("en", "ko")}


def _visible(page: str) -> str:
    """The text a reader sees: no tags, styles, scripts or embedded images."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_no_word_of_the_bundled_case(html: dict[str, str], language: str) -> None:
    for pattern in FOREIGN[language]:
        assert not re.search(pattern, html[language]), (pattern, language)


def test_audiences_and_section_titles_come_from_the_case(
    blockade: Analyses, brief_of: BriefOf
) -> None:
    english, korean = brief_of(blockade, "en"), brief_of(blockade, "ko")
    assert english.scenarios[0].audiences == [
        ("For shipping lines", "Business as usual, with higher insurance."),
        ("For the islanders", "Shops stay stocked."),
    ]
    assert english.scenarios[2].audiences[1] == ("For the islanders", "")  # "does not say"
    assert korean.scenarios[1].audiences[0] == ("해운사에 주는 의미", "호위 선단만 운항한다.")
    assert english.sections["drivers"] == "The blockade and its drivers"
    assert english.sections["impacts"] == "Impacts"  # a neutral default
    assert korean.sections["claims"] == "항만청 수치 검증"
    assert korean.sections["preparation"] == "대비"


def test_english_unit_words_are_plural_where_they_should_be(html: dict[str, str]) -> None:
    assert re.search(r"\d[\d,.]* (thousand )?vessels\b", html["en"])
    assert re.search(r"\d[\d,.]* convoys\b", html["en"])
    assert not re.search(r"\d{2,}[\d,.]* (vessel|convoy)\b(?!s)", html["en"])
    formatter = Formatter("en", load_translations("en")).with_units(
        yubi.load_case(HERE / "blockade.yaml").file.units)
    assert formatter.amount(11_300, "vessel") == "11,300 vessels"
    assert formatter.amount(1, "vessel") == "1 vessel"
    assert formatter.amount(5, "convoy") == "5 convoys"
    assert formatter.amount(3.2, "event per 1000 vessel") == "3.2 events per 1,000 vessels"


def test_korean_uses_counters_and_no_english_unit_word(html: dict[str, str]) -> None:
    korean = html["ko"]
    assert re.search(r"\d척", korean) and re.search(r"\d개", korean)
    for word in ("vessel", "convoy", "event"):
        assert word not in korean.lower(), word
    formatter = Formatter("ko", load_translations("ko")).with_units(
        yubi.load_case(HERE / "blockade.yaml").file.units)
    assert formatter.amount(11_300, "vessel") == "11,300척"
    assert formatter.amount(5, "convoy") == "5개"
    assert formatter.amount(3.2, "event per 1000 vessel") == "1,000척당 3.2건"
