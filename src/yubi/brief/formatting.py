"""Numbers, amounts, months and probabilities as a reader of each language writes them.

Everything language-specific comes from CLDR (through Babel) or from the gettext catalog:

* digits, grouping and decimal signs: :func:`babel.numbers.format_decimal`;
* large numbers: ``720 billion`` from CLDR's long compact patterns, or, in languages that
  count in myriads (Korean, Japanese, Chinese: CLDR's compact pattern for 10⁴ is ``0만``),
  grouped by 10⁴ with the locale's own words: ``7,200억``, ``5억 2,200만``;
* month names: ``Jun 2025``, ``2025년 6월`` (CLDR skeletons);
* the words around a number (``{value} soldiers``, ``{value}명``, ``${value}``) and the
  estimative terms of ICD 203: the gettext catalog.

Numbers are shown to three significant digits by default (counts below 1,000 in full):
a Monte Carlo median is not more precise than that.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_compact_decimal, format_decimal

from yubi.brief.i18n import Translator
from yubi.case.schema import UnitWords, english_plural
from yubi.case.units import UnitError, unit_parts

__all__ = [
    "ESTIMATIVE_SCALE",
    "N_",
    "Formatter",
    "Nn_",
    "estimative_term",
    "round_significant",
]


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Mark ``message`` for extraction; it is translated where it is used."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - as N_, for plurals
    """Mark a singular/plural pair for extraction (translated later with ``ngettext``)."""
    return singular, plural


#: ICD 203 (2015), section D.6.e: the seven expressions of likelihood and their ranges.
#: The lower half includes its lower bound, the upper half its upper bound, so the scale is
#: symmetric about 50% (exactly 5% is "very unlikely", exactly 95% "very likely").
ESTIMATIVE_SCALE: tuple[tuple[float, float, str], ...] = (
    (0.00, 0.05, N_("almost no chance")),
    (0.05, 0.20, N_("very unlikely")),
    (0.20, 0.45, N_("unlikely")),
    (0.45, 0.55, N_("roughly even chance")),
    (0.55, 0.80, N_("likely")),
    (0.80, 0.95, N_("very likely")),
    (0.95, 1.00, N_("almost certain")),
)

# Words that may stand alone as a unit (numerator), with their singular/plural templates.
_UNIT_TEMPLATES: dict[str, tuple[str, str]] = {
    "soldier": Nn_("{value} soldier", "{value} soldiers"),
    "soldiers": Nn_("{value} soldier", "{value} soldiers"),
    "person": Nn_("{value} person", "{value} people"),
    "people": Nn_("{value} person", "{value} people"),
    "troop": Nn_("{value} soldier", "{value} soldiers"),
    "troops": Nn_("{value} soldier", "{value} soldiers"),
    "KRW": Nn_("{value} won", "{value} won"),
    "USD": Nn_("${value}", "${value}"),
    "month": Nn_("{value} month", "{value} months"),
    "months": Nn_("{value} month", "{value} months"),
    "year": Nn_("{value} year", "{value} years"),
    "years": Nn_("{value} year", "{value} years"),
    "week": Nn_("{value} week", "{value} weeks"),
    "weeks": Nn_("{value} week", "{value} weeks"),
    "day": Nn_("{value} day", "{value} days"),
    "days": Nn_("{value} day", "{value} days"),
    "soldier*month": Nn_("{value} soldier-month", "{value} soldier-months"),
    "event": Nn_("{value} event", "{value} events"),
}
# The same units named alone (axis labels, table headers).
_UNIT_NAMES: dict[str, str] = {
    "soldier": N_("soldiers"), "soldiers": N_("soldiers"), "troop": N_("soldiers"),
    "troops": N_("soldiers"), "person": N_("people"), "people": N_("people"),
    "KRW": N_("won"), "USD": N_("US dollars"), "month": N_("months"), "months": N_("months"),
    "year": N_("years"), "years": N_("years"), "week": N_("weeks"), "weeks": N_("weeks"),
    "day": N_("days"), "days": N_("days"), "soldier*month": N_("soldier-months"),
    "event": N_("events"),
}
# Units after "per" (singular): "won per soldier per year".
_PER_NAMES: dict[str, str] = {
    "soldier": N_("soldier"), "soldiers": N_("soldier"), "troop": N_("soldier"),
    "person": N_("person"), "people": N_("person"), "KRW": N_("won"), "USD": N_("dollar"),
    "month": N_("month"), "months": N_("month"), "year": N_("year"), "years": N_("year"),
    "week": N_("week"), "weeks": N_("week"), "day": N_("day"), "days": N_("day"),
    "event": N_("event"),
}
# "Per" phrases for denominators.
_PER_TEMPLATES: dict[str, str] = {
    "year": N_("{value} a year"), "years": N_("{value} a year"),
    "month": N_("{value} a month"), "months": N_("{value} a month"),
    "week": N_("{value} a week"), "weeks": N_("{value} a week"),
    "day": N_("{value} a day"), "days": N_("{value} a day"),
    "soldier": N_("{value} per soldier"), "soldiers": N_("{value} per soldier"),
    "troop": N_("{value} per soldier"), "person": N_("{value} per person"),
    "USD": N_("{value} per dollar"), "KRW": N_("{value} per won"),
}
_CURRENCIES = frozenset({"KRW", "USD"})
_PERCENT_UNITS = frozenset({"%", "percent"})
_DIMENSIONLESS = frozenset({"", "1"})
_COMPACT_FROM = 1e6
_MYRIAD_CURRENCY_FROM = 1e4
_MISSING = "–"


def round_significant(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant digits (integers below 10^digits kept)."""
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits}g}")


def estimative_term(probability: float) -> str:
    """The ICD 203 expression (English msgid) for ``probability`` in [0, 1]."""
    p = min(max(probability, 0.0), 1.0)
    lower, even, upper = ESTIMATIVE_SCALE[:3], ESTIMATIVE_SCALE[3], ESTIMATIVE_SCALE[4:]
    if p < even[0]:
        return next(term for _, high, term in lower if p < high)
    if p <= even[1]:
        return even[2]
    return next(term for _, high, term in upper if p <= high)


@dataclass(frozen=True)
class UnitParts:
    """A unit text split at ``/``: the numerator (``soldier*month``) and each denominator."""

    numerator: str
    denominators: tuple[str, ...]

    @classmethod
    def parse(cls, unit: str | None) -> UnitParts:
        try:
            head, rest = unit_parts(unit)
        except UnitError:  # the case compiler refuses these; show the text as written
            return cls((unit or "").strip(), ())
        return cls("" if head == "1" else head, rest)


@dataclass(frozen=True)
class Formatter:
    """Formats numbers for one language.

    Parameters
    ----------
    language
        A CLDR locale code (``en``, ``ko``...).
    translator
        The gettext translations of the same language.
    significant
        Significant digits of reported numbers.
    """

    language: str
    translator: Translator
    significant: int = 3
    units: Mapping[str, UnitWords] = field(default_factory=dict, compare=False, hash=False)

    def with_units(self, units: Mapping[str, UnitWords] | None) -> Formatter:
        """This formatter, writing the case's own unit words (its ``units:`` section)."""
        return replace(self, units=dict(units or {}))

    @cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    @cached_property
    def myriads(self) -> tuple[tuple[int, str], ...]:
        """``((12, "조"), (8, "억"), (4, "만"))`` where the language counts in 10⁴; else ``()``."""
        patterns = self.locale.compact_decimal_formats.get("short", {}).get("other", {})
        words = []
        for exponent in (16, 12, 8, 4):
            pattern = patterns.get(str(10**exponent))
            text = getattr(pattern, "pattern", "") if pattern is not None else ""
            if text.count("0") == 1 and text.strip("0").strip():
                words.append((exponent, text.replace("0", "").strip()))
        return tuple(words) if any(e == 4 for e, _ in words) else ()

    # -- plain numbers ---------------------------------------------------------------------
    def number(self, value: float, *, currency: bool = False) -> str:
        """``12,000``, ``720 billion`` / ``7,200억``, ``0.0013``; ``–`` for NaN."""
        if not math.isfinite(value):
            return _MISSING
        rounded = round_significant(float(value), self.significant)
        magnitude = abs(rounded)
        if self.myriads and (
            magnitude >= _COMPACT_FROM or (currency and magnitude >= _MYRIAD_CURRENCY_FROM)
        ):
            return self._myriad(rounded)
        if magnitude >= _COMPACT_FROM:
            return self._compact(rounded)
        return self._decimal(rounded)

    def number_exact(self, value: float) -> str:
        """All the digits of a whole number, grouped: ``100,000`` (run settings, counts)."""
        return format_decimal(round(value), format="#,##0", locale=self.locale)

    def _decimal(self, value: float) -> str:
        if value == 0:
            return format_decimal(0, locale=self.locale)
        exponent = math.floor(math.log10(abs(value)))
        decimals = max(0, self.significant - 1 - exponent)
        pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def _compact(self, value: float) -> str:
        return format_compact_decimal(
            value, format_type="long", locale=self.locale, fraction_digits=self.significant - 1
        )

    def _myriad(self, value: float) -> str:
        """Group by 10⁴ with the language's words: ``5억 2,200만``, ``1조 2,300억``."""
        sign = "-" if value < 0 else ""
        rest = round(abs(value))
        parts = []
        for exponent, word in self.myriads:
            unit = 10**exponent
            count, rest = divmod(rest, unit)
            if count:
                parts.append(format_decimal(count, format="#,##0", locale=self.locale) + word)
        if rest:
            parts.append(format_decimal(rest, format="#,##0", locale=self.locale))
        return sign + " ".join(parts) if parts else "0"

    # -- with units ------------------------------------------------------------------------
    def amount(self, value: float, unit: str | None) -> str:
        """``720 billion won`` / ``7,200억 원``, ``$522 million``, ``12,000명``, ``26%``."""
        if not math.isfinite(value):
            return _MISSING
        parts = UnitParts.parse(unit)
        text = self.number(value, currency=parts.numerator in _CURRENCIES)
        return self._with_unit(text, value, parts)

    def interval(self, low: float, high: float, unit: str | None) -> str:
        """``10,000–13,500 soldiers`` / ``10,000~13,500명``: both ends, the unit once."""
        if not (math.isfinite(low) and math.isfinite(high)):
            return _MISSING
        parts = UnitParts.parse(unit)
        currency = parts.numerator in _CURRENCIES
        low_text = self.number(low, currency=currency)
        high_text = self.number(high, currency=currency)
        if low_text == high_text:
            return self._with_unit(low_text, low, parts)
        template = self.gettext("{low}–{high}")
        if self._unit_is_prefix(parts):
            # "$220 million–$635 million": a unit written before the number goes on both ends.
            return template.format(low=self._with_unit(low_text, low, parts),
                                   high=self._with_unit(high_text, high, parts))
        return self._with_unit(template.format(low=low_text, high=high_text), high, parts)

    def _unit_is_prefix(self, parts: UnitParts) -> bool:
        if parts.numerator in self.units:
            return False
        templates = _UNIT_TEMPLATES.get(parts.numerator)
        if templates is None:
            return False
        return not self.translator.ngettext(*templates, 2).startswith("{value}")

    def unit_name(self, unit: str | None) -> str:
        """The unit alone, for axis labels: ``soldiers`` / ``명``; empty when dimensionless."""
        parts = UnitParts.parse(unit)
        if parts.numerator in _PERCENT_UNITS:
            return "%"
        name = self._unit_word(parts.numerator) if parts.numerator else ""
        for denominator in parts.denominators:
            template = self.gettext("{unit} per {per}")
            name = template.format(unit=name or "1", per=self._per_word(denominator))
        return name

    def _unit_word(self, word: str) -> str:
        """A unit named alone, plural: ``vessels`` / ``선박`` (or its counter ``척``)."""
        if word in self.units:
            words = self.units[word]
            if self.language == "ko" and words.ko is not None:
                return words.ko.word or words.ko.counter
            return self._local_words(word)[1]
        if word in _UNIT_NAMES:
            return self.gettext(_UNIT_NAMES[word])
        return english_plural(word)

    def _local_words(self, word: str) -> tuple[str, str]:
        """(singular, plural) of a declared unit in this language, else in English."""
        words = self.units[word]
        local = (words.model_extra or {}).get(self.language)
        if isinstance(local, list) and local:
            return str(local[0]), str(local[-1])
        if isinstance(local, str):
            return local, local
        return words.english(word)

    def _per_word(self, denominator: str) -> str:
        """What follows "per": ``vessel``, ``1,000 vessels`` / ``1,000척``."""
        number, _, word = denominator.partition("*") if "*" in denominator else ("", "", "")
        if not number or not _is_number(number):
            number, word = "", denominator
        if number:
            count = float(number)
            return self._counted(self._decimal(count), count, word)
        if word in self.units:
            words = self.units[word]
            if self.language == "ko" and words.ko is not None:
                return words.ko.word or words.ko.counter
            return self._local_words(word)[0]
        per = _PER_NAMES.get(word)
        return self.gettext(per) if per else word

    def _counted(self, text: str, value: float, word: str) -> str:
        """``11,300 vessels``, ``1 vessel``, ``11,300척``: a number with a declared unit."""
        words = self.units[word] if word in self.units else UnitWords()
        if self.language == "ko" and words.ko is not None:
            return _fill("{value}" + words.ko.counter, text)
        singular, plural = (self._local_words(word) if word in self.units
                            else (word, english_plural(word)))
        return self.gettext("{value} {unit}").format(
            value=text, unit=singular if value == 1 else plural)

    def _with_unit(self, text: str, value: float, parts: UnitParts) -> str:
        numerator = parts.numerator
        if numerator in _PERCENT_UNITS:
            result = self.gettext("{value}%").format(value=text)
        elif numerator in _DIMENSIONLESS:
            result = text
        elif numerator in self.units or (numerator not in _UNIT_TEMPLATES
                                         and _is_word(numerator)):
            result = self._counted(text, value, numerator)
        elif numerator in _UNIT_TEMPLATES:
            singular, plural = _UNIT_TEMPLATES[numerator]
            count = 1 if value == 1 else 2
            result = _fill(self.translator.ngettext(singular, plural, count), text)
        else:
            result = self.gettext("{value} {unit}").format(value=text, unit=numerator)
        for denominator in parts.denominators:
            if denominator in _PER_TEMPLATES and denominator not in self.units:
                result = self.gettext(_PER_TEMPLATES[denominator]).format(value=result)
            else:
                template = self.gettext("{value} per {unit}")
                result = template.format(value=result, unit=self._per_word(denominator))
        return result

    # -- probabilities ---------------------------------------------------------------------
    def percent(self, probability: float) -> str:
        """``30%``; ``<1%`` and ``>99%`` rather than a misleading ``0%`` or ``100%``."""
        if not math.isfinite(probability):
            return _MISSING
        share = 100 * probability
        if 0 < share < 0.5:
            return self.gettext("<{value}%").format(value=self._decimal(1.0))
        if 99.5 <= share < 100:
            return self.gettext(">{value}%").format(value=self._decimal(99.0))
        number = format_decimal(round(share), format="#,##0", locale=self.locale)
        return self.gettext("{value}%").format(value=number)

    def likelihood(self, probability: float) -> str:
        """The ICD 203 term for ``probability`` in this language: ``likely`` / ``높음``."""
        return self.gettext(estimative_term(probability))

    def probability(self, probability: float) -> str:
        """``30% (unlikely)`` / ``30%(가능성 낮음)``: the number and the estimative term."""
        if not math.isfinite(probability):
            return _MISSING
        template = self.gettext("{percent} ({term})")
        return template.format(percent=self.percent(probability),
                               term=self.likelihood(probability))

    def share(self, fraction: float) -> str:
        """A share of variance or a fraction, ``0.42`` → ``42%`` (one decimal below 10%)."""
        if not math.isfinite(fraction):
            return _MISSING
        share = 100 * fraction
        digits = "#,##0.0" if abs(share) < 10 else "#,##0"
        return self.gettext("{value}%").format(
            value=format_decimal(share, format=digits, locale=self.locale)
        )

    def signed(self, value: float | None) -> str:
        """``+0.57``, ``−0.02``, ``0.00``: a correlation with its sign and two decimals."""
        if value is None or not math.isfinite(value):
            return "—"
        rounded = round(value, 2)
        text = format_decimal(abs(rounded), format="0.00", locale=self.locale)
        return ("+" if rounded > 0 else "−" if rounded < 0 else "") + text

    # -- dates -----------------------------------------------------------------------------
    def month(self, label: str) -> str:
        """``2025-06`` → ``Jun 2025`` / ``2025년 6월``."""
        return format_skeleton("yMMM", _first_day(label), locale=self.locale)

    def month_long(self, label: str) -> str:
        """``2025-06`` → ``June 2025`` / ``2025년 6월``."""
        return format_skeleton("yMMMM", _first_day(label), locale=self.locale)

    def year(self, label: str) -> str:
        """``2025-06`` → ``2025`` / ``2025년``."""
        return format_skeleton("y", _first_day(label), locale=self.locale)

    def date(self, value: dt.date) -> str:
        """``31 October 2024`` / ``2024년 10월 31일``."""
        return format_date(value, format="long", locale=self.locale)

    # -- messages --------------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        return self.translator.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The singular or plural message for ``count`` (``{count}`` filled by the caller)."""
        return self.translator.ngettext(singular, plural, count)


def _fill(template: str, text: str) -> str:
    """Put ``text`` into a unit template, spacing a word-final number from an attached unit.

    Korean writes ``12,000명`` but ``5억 2,200만 달러``: an attached unit (``{value}명``)
    follows digits directly, and a number that ends in a word (``만``) takes a space.
    """
    result = template.format(value=text)
    match = re.search(r"\{value\}(\w)", template)
    if match and text and not text[-1].isdigit():
        result = template.replace("{value}", text + " ", 1)
    return result


def _is_word(text: str) -> bool:
    """A single unit word (``vessel``), not a product or a power (``soldier*month``)."""
    return text.isidentifier()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _first_day(label: str) -> dt.date:
    year, month = (int(part) for part in label.split("-"))
    return dt.date(year, month, 1)
