"""Numbers, units, months and estimative words, in English and Korean."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yubi.brief.formatting import ESTIMATIVE_SCALE, Formatter, estimative_term, round_significant
from yubi.brief.i18n import load_translations


@pytest.fixture(scope="module")
def en() -> Formatter:
    return Formatter("en", load_translations("en"))


@pytest.fixture(scope="module")
def ko() -> Formatter:
    return Formatter("ko", load_translations("ko"))


@pytest.mark.parametrize(
    ("value", "unit", "english", "korean"),
    [
        (720e9, "KRW", "720 billion won", "7,200억 원"),
        (522e6, "USD", "$522 million", "5억 2,200만 달러"),
        (12_000, "soldier", "12,000 soldiers", "12,000명"),
        (10_848, "soldier", "10,800 soldiers", "10,800명"),
        (1, "soldier", "1 soldier", "1명"),
        (43_500, "USD", "$43,500", "4만 3,500달러"),
        (3_600, "USD", "$3,600", "3,600달러"),
        (1.234e12, "KRW", "1.23 trillion won", "1조 2,300억 원"),
        (60e6, "KRW/soldier/year", "60 million won per soldier a year", "연간 1인당 6,000만 원"),
        (720e9, "KRW/year", "720 billion won a year", "연간 7,200억 원"),
        (1_400, "soldier/day", "1,400 soldiers a day", "하루 1,400명"),
        (1_380, "KRW/USD", "1,380 won per dollar", "1달러당 1,380원"),
        (26.5, "%", "26.5%", "26.5%"),
        (0.000234, "1", "0.000234", "0.000234"),
        (2, "month", "2 months", "2개월"),
        (1_280_000, "soldier", "1.28 million soldiers", "128만 명"),
        (5, "tank", "5 tanks", "5 tanks"),
    ],
)
def test_amounts_read_as_each_language_writes_them(
    en: Formatter, ko: Formatter, value: float, unit: str, english: str, korean: str
) -> None:
    assert en.amount(value, unit) == english
    assert ko.amount(value, unit) == korean


def test_intervals_put_the_unit_once_or_on_both_ends_of_a_prefix(
    en: Formatter, ko: Formatter
) -> None:
    assert en.interval(30_000, 100_000, "soldier") == "30,000–100,000 soldiers"
    assert ko.interval(30_000, 100_000, "soldier") == "30,000~100,000명"
    assert en.interval(220e6, 635e6, "USD") == "$220 million–$635 million"
    assert ko.interval(377e9, 1.54e12, "KRW") == "3,770억~1조 5,400억 원"
    assert en.interval(5, 5, "soldier") == "5 soldiers"


def test_missing_numbers_show_a_dash_not_nan(en: Formatter) -> None:
    assert en.amount(math.nan, "USD") == "–"
    assert en.interval(math.nan, 3, "USD") == "–"
    assert en.percent(math.nan) == "–"


@pytest.mark.parametrize(
    ("p", "term"),
    [
        (0.0, "almost no chance"), (0.01, "almost no chance"), (0.049, "almost no chance"),
        (0.05, "very unlikely"), (0.19, "very unlikely"), (0.20, "unlikely"),
        (0.30, "unlikely"), (0.449, "unlikely"), (0.45, "roughly even chance"),
        (0.50, "roughly even chance"), (0.55, "roughly even chance"), (0.551, "likely"),
        (0.80, "likely"), (0.81, "very likely"), (0.95, "very likely"),
        (0.951, "almost certain"), (1.0, "almost certain"),
    ],
)
def test_estimative_terms_follow_icd_203(p: float, term: str) -> None:
    assert estimative_term(p) == term


def test_the_scale_has_icd_203s_seven_bands_in_order() -> None:
    bounds = [(low, high) for low, high, _ in ESTIMATIVE_SCALE]
    assert bounds == [(0.0, 0.05), (0.05, 0.2), (0.2, 0.45), (0.45, 0.55), (0.55, 0.8),
                      (0.8, 0.95), (0.95, 1.0)]


def test_probabilities_say_the_number_and_the_words(en: Formatter, ko: Formatter) -> None:
    assert en.probability(0.58) == "58% (likely)"
    assert ko.probability(0.58) == "58%(가능성 높음)"
    assert ko.probability(0.12) == "12%(가능성 매우 낮음)"
    assert ko.likelihood(0.02) == "가능성 거의 없음"
    assert ko.likelihood(0.5) == "가능성 반반"
    assert ko.likelihood(0.97) == "거의 확실"


def test_percentages_never_round_to_a_false_zero_or_hundred(en: Formatter,
                                                            ko: Formatter) -> None:
    assert en.percent(0.003) == "<1%"
    assert en.percent(0.996) == ">99%"
    assert en.percent(0.0) == "0%"
    assert en.percent(1.0) == "100%"
    assert ko.percent(0.003) == "1% 미만"


def test_months_and_dates(en: Formatter, ko: Formatter) -> None:
    import datetime as dt

    assert en.month("2025-06") == "Jun 2025"
    assert ko.month("2025-06") == "2025년 6월"
    assert en.month_long("2025-12") == "December 2025"
    assert ko.year("2026-01") == "2026년"
    assert ko.date(dt.date(2024, 10, 31)) == "2024년 10월 31일"


def test_unit_names_for_axes(en: Formatter, ko: Formatter) -> None:
    assert en.unit_name("soldier") == "soldiers"
    assert ko.unit_name("soldier") == "명"
    assert ko.unit_name("KRW") == "원"
    assert en.unit_name("1") == ""
    assert ko.unit_name("soldier*month") == "병사·월"


def test_myriad_words_come_from_cldr_so_other_languages_need_no_code() -> None:
    ja = Formatter("ja", load_translations("en"))
    assert ja.myriads == ((16, "京"), (12, "兆"), (8, "億"), (4, "万"))
    assert ja.number(522e6, currency=True) == "5億 2,200万"
    assert Formatter("de", load_translations("en")).myriads == ()


_MYRIAD_WORDS = {"조": 10**12, "억": 10**8, "만": 10**4}


def _parse_korean(text: str) -> int:
    total = 0
    for number, word in re.findall(r"([\d,]+)(조|억|만)?", text):
        total += int(number.replace(",", "")) * _MYRIAD_WORDS.get(word, 1)
    return total


@given(st.floats(min_value=1e4, max_value=9.99e15))
def test_korean_myriad_grouping_reads_back_as_the_rounded_value(value: float) -> None:
    ko = Formatter("ko", load_translations("ko"))
    text = ko.number(value, currency=True)
    assert _parse_korean(text) == round(round_significant(value, 3))
    assert re.fullmatch(r"\d{1,3}(,\d{3})?(조|억|만)?( \d{1,3}(,\d{3})?(억|만)?)*", text)


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_round_significant_keeps_three_digits(value: float) -> None:
    rounded = round_significant(value, 3)
    if value != 0:
        assert abs(rounded - value) <= 0.005 * abs(value) + 1e-300
