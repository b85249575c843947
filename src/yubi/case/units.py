"""Physical and accounting units: dimension checking and conversion to base units.

A unit is a scale and a product of base dimensions with integer exponents. Any word that is
not a known time unit or a number is a base dimension of its own (``soldier``, ``KRW``,
``USD``, ``tank``), so currencies never mix: converting won to dollars takes an explicit
exchange-rate quantity in ``KRW/USD``. Time units share the dimension ``month`` with their
scale (``year`` = 12 months, ``day`` = 12/365.25 month) because the engine steps in months.

Values are held in base units inside the engine and converted back to each output's declared
unit when reported.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = [
    "ACCEPTED_FORMS", "BUILTIN_UNITS", "DIMENSIONLESS", "UNIT_SYNONYMS", "Unit", "UnitError",
    "parse_unit",
    "unit_parts", "unit_terms", "unit_words",
]

# Time words map to months; the engine's step is one month.
_TIME_SCALES: dict[str, float] = {
    "month": 1.0,
    "months": 1.0,
    "year": 12.0,
    "years": 12.0,
    "week": 12.0 / 52.1775,
    "weeks": 12.0 / 52.1775,
    "day": 12.0 / 365.25,
    "days": 12.0 / 365.25,
}
_SCALE_WORDS: dict[str, float] = {"%": 0.01, "percent": 0.01}
_TOKEN = re.compile(
    r"\s*(?:(?P<op>[*/()])"
    r"|(?P<num>\d+(?:\.\d+)?(?:e[+-]?\d+)?)"
    r"|(?P<word>%|[A-Za-z_][A-Za-z_0-9]*))(?:\^(?P<exp>-?\d+))?"
)
#: Units every case may use without declaring them under ``units:``.
BUILTIN_UNITS = frozenset({"person", "KRW", "USD", "event", *_TIME_SCALES, *_SCALE_WORDS})
#: Words an analyst may write for a built-in unit, for "did you mean".
UNIT_SYNONYMS = {"people": "person", "persons": "person", "won": "KRW", "dollar": "USD",
                 "dollars": "USD", "events": "event"}
#: What the error for an unreadable unit shows.
ACCEPTED_FORMS = (
    'write words and numbers joined by "*", "/" or "per", with parentheses and powers, e.g. '
    '"KRW/soldier/year", "soldier*month", "event/(1000 vessel)", "event per 1000 vessel", '
    '"%", "m^2"; a space multiplies, and "/" or "per" divides by everything up to the next '
    '"*", "/" or "per"'
)

class UnitError(ValueError):
    """A unit string cannot be parsed, or two units do not fit together."""


@dataclass(frozen=True)
class Unit:
    """A unit: ``scale`` base units of the dimension product ``dims``.

    ``dims`` maps a base dimension name to its exponent; ``{"KRW": 1, "soldier": -1,
    "month": -1}`` is won per soldier per month.
    """

    scale: float = 1.0
    dims: tuple[tuple[str, int], ...] = field(default=())

    @classmethod
    def of(cls, scale: float, dims: dict[str, int]) -> Unit:
        return cls(scale, tuple(sorted((k, v) for k, v in dims.items() if v != 0)))

    @property
    def dimension(self) -> dict[str, int]:
        return dict(self.dims)

    @property
    def is_dimensionless(self) -> bool:
        return not self.dims

    def same_dimension(self, other: Unit) -> bool:
        return self.dims == other.dims

    def __mul__(self, other: Unit) -> Unit:
        merged = self.dimension
        for name, power in other.dims:
            merged[name] = merged.get(name, 0) + power
        return Unit.of(self.scale * other.scale, merged)

    def __truediv__(self, other: Unit) -> Unit:
        return self * other.power(-1)

    def power(self, exponent: Fraction | int) -> Unit:
        exponent = Fraction(exponent)
        dims: dict[str, int] = {}
        for name, power in self.dims:
            raised = power * exponent
            if raised.denominator != 1:
                raise UnitError(f"cannot raise {self} to the power {exponent}")
            dims[name] = int(raised)
        return Unit.of(self.scale ** float(exponent), dims)

    def dimension_text(self) -> str:
        """The dimension alone, e.g. ``KRW/month``; ``1`` when dimensionless."""
        num = [n if p == 1 else f"{n}^{p}" for n, p in self.dims if p > 0]
        den = [n if p == -1 else f"{n}^{-p}" for n, p in self.dims if p < 0]
        text = "*".join(num) or "1"
        return text + "".join(f"/{d}" for d in den)

    def __str__(self) -> str:
        return self.dimension_text()


DIMENSIONLESS = Unit()


def parse_unit(text: str | None) -> Unit:
    """Parse a unit string such as ``KRW/soldier/year``, ``event per 1000 vessel`` or ``%``.

    Parameters
    ----------
    text
        The unit as written in a case file; empty, ``None`` or ``"1"`` mean dimensionless.
        Words and numbers side by side multiply and bind tighter than ``/`` and ``per``:
        ``event/1000 vessel`` is events per thousand vessels.

    Returns
    -------
    Unit
        Its scale in base units (months for time) and its dimension.

    Raises
    ------
    UnitError
        If the text cannot be read; the message lists the accepted forms.
    """
    result = DIMENSIONLESS
    for word, power in unit_terms(text):
        result = result * _term(word).power(power)
    if not (math.isfinite(result.scale) and result.scale > 0):
        # "0 KRW/USD" or "1e999 KRW" would divide by zero or overflow when converting.
        raise UnitError(f"unit {text!r} has scale {result.scale:g}; a unit's number must be "
                        "positive and finite")
    return result


def unit_words(text: str | None) -> list[str]:
    """The words of a unit (``["event", "vessel"]``), each once, numbers left out."""
    words: list[str] = []
    for term, _ in unit_terms(text):
        if isinstance(term, str) and term not in words:
            words.append(term)
    return words


def unit_parts(text: str | None) -> tuple[str, tuple[str, ...]]:
    """A unit as a numerator and its divisors, for writing it in words.

    ``event/(1000 vessel)`` → ``("event", ("1000*vessel",))``; ``KRW/soldier/year`` →
    ``("KRW", ("soldier", "year"))``. Numbers of the numerator are kept (``1000*event``).
    """
    terms = unit_terms(text)
    numerator = "*".join(_term_text(t, p) for t, p in terms if p > 0)
    divisors: list[str] = []
    for group in _divisor_groups(text):
        divisors.append("*".join(_term_text(t, -p) for t, p in group))
    return numerator, tuple(divisors)


def _term_text(term: str | float, power: int) -> str:
    name = term if isinstance(term, str) else f"{term:g}"
    return name if power == 1 else f"{name}^{power}"


def unit_terms(text: str | None) -> list[tuple[str | float, int]]:
    """The unit as (word or number, power) terms: ``KRW/soldier`` → ``[(KRW, 1), (soldier, -1)]``.

    Raises
    ------
    UnitError
        If the text cannot be read.
    """
    return [term for group in _groups(text) for term in group]


def _divisor_groups(text: str | None) -> list[list[tuple[str | float, int]]]:
    return [group for group in _groups(text) if group and group[0][1] < 0]


def _groups(text: str | None) -> list[list[tuple[str | float, int]]]:
    """Terms grouped by the ``*``, ``/`` or ``per`` that introduced them."""
    if text is None or not text.strip() or text.strip() == "1":
        return []
    tokens = _tokens(text.strip())
    parser = _Parser(text.strip(), tokens)
    groups = parser.expression()
    if parser.position < len(tokens):
        raise UnitError(f"cannot read unit {text!r}: unmatched \")\"; {ACCEPTED_FORMS}")
    return groups


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, power) tokens; kind is ``op``, ``num`` or ``word``."""
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        if text[position:].isspace():
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            column = len(text) - len(text[position:].lstrip()) + 1
            raise UnitError(f"cannot read unit {text!r} at character {column}; "
                            f"{ACCEPTED_FORMS}")
        position = match.end()
        power = int(match.group("exp")) if match.group("exp") else 1
        if match.group("op"):
            tokens.append(("op", match.group("op"), power))
        elif match.group("num"):
            tokens.append(("num", match.group("num"), power))
        elif match.group("word") == "per":
            tokens.append(("op", "/", 1))
        else:
            tokens.append(("word", match.group("word"), power))
    return tokens


class _Parser:
    """``expression := factor (("*" | "/" | "per") factor)*``; a factor is atoms side by side."""

    def __init__(self, text: str, tokens: list[tuple[str, str, int]]) -> None:
        self.text = text
        self.tokens = tokens
        self.position = 0

    def fail(self, what: str) -> UnitError:
        return UnitError(f"cannot read unit {self.text!r}: {what}; {ACCEPTED_FORMS}")

    def expression(self) -> list[list[tuple[str | float, int]]]:
        groups = [self.factor()]
        while self.position < len(self.tokens) and self.tokens[self.position][1] in "*/":
            operator = self.tokens[self.position][1]
            self.position += 1
            factor = self.factor()
            groups.append(factor if operator == "*" else [(t, -p) for t, p in factor])
        return groups

    def factor(self) -> list[tuple[str | float, int]]:
        terms: list[tuple[str | float, int]] = []
        while self.position < len(self.tokens):
            kind, text, power = self.tokens[self.position]
            if kind == "op" and text in "*/)":
                break
            self.position += 1
            if kind == "num":
                terms.append((float(text), power))
            elif kind == "word":
                terms.append((text, power))
            else:  # "(": a group, raised to the power after its ")"
                inner = self.expression()
                if self.position >= len(self.tokens) or self.tokens[self.position][1] != ")":
                    raise self.fail('"(" without ")"')
                group_power = self.tokens[self.position][2]
                self.position += 1
                terms += [(t, p * group_power) for group in inner for t, p in group]
        if not terms:
            raise self.fail("a word or number is missing" + (
                "" if self.position >= len(self.tokens)
                else f' before "{self.tokens[self.position][1]}"'))
        return terms


def _term(term: str | float) -> Unit:
    if isinstance(term, float):
        return Unit(term)
    if term in _TIME_SCALES:
        return Unit.of(_TIME_SCALES[term], {"month": 1})
    if term in _SCALE_WORDS:
        return Unit(_SCALE_WORDS[term])
    return Unit.of(1.0, {term: 1})
