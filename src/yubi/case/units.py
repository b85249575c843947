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

__all__ = ["DIMENSIONLESS", "Unit", "UnitError", "parse_unit"]

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
    r"\s*(?:(?P<op>[*/])"
    r"|(?P<num>\d+(?:\.\d+)?(?:e[+-]?\d+)?)"
    r"|(?P<word>%|[A-Za-z_][A-Za-z_0-9]*)(?:\^(?P<exp>-?\d+))?)"
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
    """Parse a unit string such as ``KRW/soldier/year``, ``soldier*month`` or ``%``.

    Parameters
    ----------
    text
        The unit as written in a case file; empty, ``None`` or ``"1"`` mean dimensionless.

    Returns
    -------
    Unit
        Its scale in base units (months for time) and its dimension.

    Raises
    ------
    UnitError
        If the text is not a product and quotient of words, numbers and integer powers.
    """
    if text is None or not text.strip() or text.strip() == "1":
        return DIMENSIONLESS
    result = DIMENSIONLESS
    divide = False
    position = 0
    expect_term = True
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise UnitError(f"cannot read unit {text!r} at character {position + 1}")
        position = match.end()
        if match.group("op"):
            if expect_term:
                raise UnitError(f"unit {text!r} has an operator where a word was expected")
            divide = match.group("op") == "/"
            expect_term = True
            continue
        term = _term(match.group("num"), match.group("word"), match.group("exp"))
        result = result / term if divide else result * term
        divide = False
        expect_term = False
    if expect_term:
        raise UnitError(f"unit {text!r} ends with an operator")
    if not (math.isfinite(result.scale) and result.scale > 0):
        # "0 KRW/USD" or "1e999 KRW" would divide by zero or overflow when converting.
        raise UnitError(f"unit {text!r} has scale {result.scale:g}; a unit's number must be "
                        "positive and finite")
    return result


def _term(number: str | None, word: str | None, exponent: str | None) -> Unit:
    if number is not None:
        return Unit(float(number))
    assert word is not None  # the regex guarantees one of the two groups
    if word in _TIME_SCALES:
        unit = Unit.of(_TIME_SCALES[word], {"month": 1})
    elif word in _SCALE_WORDS:
        unit = Unit(_SCALE_WORDS[word])
    else:
        unit = Unit.of(1.0, {word: 1})
    return unit.power(int(exponent)) if exponent else unit
