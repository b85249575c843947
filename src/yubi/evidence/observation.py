"""Observations: a reported number and how far the source may be from the truth.

An observation says "the source reports ``reported`` for output ``x`` in month ``m``". Its
``error`` is a 90 % range of the ratio reported ÷ true, written ``"0.5x to 2x"``: nine times in
ten the source's figure is between half and twice the true value. The ratio is log-normal,

    log(reported) = log(true) + ε,   ε ~ Normal(μ, σ),
    μ = (log low + log high) / 2,    σ = (log high − log low) / (2 · 1.6449),

1.6449 being the standard normal's 95th percentile, so [low, high] is the central 90 % of the
ratio. A range that is not centred on 1 (``"1.5x to 4x"``) says the source is biased (here: it
exaggerates). Multiplicative error is the usual model for counts reported by parties with
reasons to inflate or deflate them; it cannot make a figure negative.

**Zero.** A log-normal error cannot turn a true 0 into a positive report, nor a positive truth
into a report of 0. Values (true or reported) below :data:`FLOOR` — half of one unit of the
output — are taken as :data:`FLOOR`. So a report of 0 is best explained by a true 0, and a
report of 300 when the truth is 0 is read as a ratio of 600: extremely unlikely, but not
impossible, which keeps the weights of a run finite when every trajectory disagrees with a
report.

**Default error by credibility.** An item that gives no ``error`` gets one from its Admiralty
credibility grade (:data:`DEFAULT_FACTOR`, documented in ``docs/store.md``): an analyst
convention, not a published standard.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DEFAULT_FACTOR",
    "FLOOR",
    "Z90",
    "ErrorRange",
    "ObservationError",
    "default_error",
    "parse_error",
]

#: The standard normal's 95th percentile: [μ − Z90·σ, μ + Z90·σ] holds 90 % of the mass.
Z90 = 1.6448536269514722
#: Values (true or reported) below this are taken as it: half of one unit of the output.
FLOOR = 0.5
#: The factor k of the 90 % range [1/k, k] of reported ÷ true an item is given when it has no
#: ``error``, by Admiralty credibility (1 confirmed … 5 improbable, 6 cannot be judged).
#: Analyst convention, not a published standard: a confirmed figure is within a quarter of the
#: truth, a probably true one within half, a possibly true one within a factor 2, a doubtful one
#: 3, an improbable one 5; "cannot be judged" sits between "possibly true" and "doubtful", as
#: in the tempering weights.
DEFAULT_FACTOR = {1: 1.25, 2: 1.5, 3: 2.0, 4: 3.0, 5: 5.0, 6: 2.5}

_NUMBER = r"((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)"
# "0.5x to 2x", "0.5 to 2", "x0.5-x2", "0.5x–2x": a factor, optionally marked with x before
# or after it, then "to" or a dash, then the other factor.
_RANGE = re.compile(
    rf"^\s*[x×]?\s*{_NUMBER}\s*[x×]?\s*(?:to|-|–|—)\s*[x×]?\s*{_NUMBER}\s*[x×]?\s*$",
    re.IGNORECASE)

Array = NDArray[np.float64]


@dataclass(frozen=True)
class ErrorRange:
    """A 90 % range ``[low, high]`` of reported ÷ true, and its log-normal parameters.

    Attributes
    ----------
    low, high
        The range's ends (ratios, ``0 < low < high``).
    """

    low: float
    high: float

    @property
    def mu(self) -> float:
        """Mean of log(reported ÷ true): the source's bias (0: none)."""
        return (math.log(self.low) + math.log(self.high)) / 2

    @property
    def sigma(self) -> float:
        """Standard deviation of log(reported ÷ true)."""
        return (math.log(self.high) - math.log(self.low)) / (2 * Z90)

    def text(self) -> str:
        """The range as written in files: ``"0.5x to 2x"``."""
        return f"{self.low:.3g}x to {self.high:.3g}x"

    def given(self, reported: float, floor: float = FLOOR) -> ObservationError:
        """The likelihood of ``reported`` under this error (see :class:`ObservationError`)."""
        return ObservationError(reported=reported, mu=self.mu, sigma=self.sigma, floor=floor)


@dataclass(frozen=True)
class ObservationError:
    """The likelihood of one reported value as a function of the true value.

    Attributes
    ----------
    reported
        The value the source reported, in the output's unit (≥ 0).
    mu, sigma
        Log-normal parameters of reported ÷ true (:class:`ErrorRange`).
    floor
        Values below it (true or reported) are taken as it (module notes).
    """

    reported: float
    mu: float
    sigma: float
    floor: float = FLOOR

    def log_likelihood(self, true_values: Array) -> Array:
        """log p(reported | true) for each true value, vectorised (same shape).

        The log-density of log(reported) given log(true): ``log φ(z) − log σ`` with
        ``z = (log reported − log true − μ) / σ``. Only differences between true values matter
        to a reweighting; the constant is kept so that the value is a proper log-density.
        NaN true values give NaN.
        """
        true = np.maximum(np.asarray(true_values, dtype=np.float64), self.floor)
        z = (math.log(max(self.reported, self.floor)) - np.log(true) - self.mu) / self.sigma
        return np.asarray(-0.5 * z * z - math.log(self.sigma * math.sqrt(2 * math.pi)),
                          dtype=np.float64)


def parse_error(text: str) -> ErrorRange:
    """The range written ``"0.5x to 2x"`` (also ``"0.5 to 2"``, ``"x0.5-x2"``).

    Raises
    ------
    ValueError
        With a message saying what is expected, if ``text`` is not such a range, or its ends
        are not ``0 < low < high``.
    """
    match = _RANGE.match(str(text))
    if match is None:
        raise ValueError(f'an error is a 90 % range of reported ÷ true like "0.5x to 2x", '
                         f"not {text!r}")
    low, high = float(match.group(1)), float(match.group(2))
    if not 0 < low < high or not math.isfinite(high):
        raise ValueError(f"the range's ends must be 0 < low < high, not {text!r}")
    return ErrorRange(low, high)


def default_error(credibility: int) -> ErrorRange:
    """The range an item without ``error`` is given, by its Admiralty credibility (1–6)."""
    factor = DEFAULT_FACTOR[credibility]
    return ErrorRange(1 / factor, factor)
