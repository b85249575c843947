"""Scoring probability forecasts of binary questions once they resolve.

* **Brier score** — ``(p − o)²`` for probability ``p`` of "yes" and outcome ``o`` ∈ {0, 1};
  the mean over questions, 0 best, 0.25 for always saying 50 %, 1 worst (Brier 1950,
  *Monthly Weather Review* 78(1):1–3).
* **Log score** — ``ln p`` if the answer was yes, ``ln (1 − p)`` if no, in nats; the mean over
  questions, 0 best, −ln 2 ≈ −0.693 for always 50 %, unbounded below (Good 1952, *JRSS B*
  14(1):107–114). Probabilities are clipped to [1e-9, 1 − 1e-9] so a certain miss scores
  ln 1e-9 ≈ −20.7 rather than −∞.
* **Calibration (reliability) bins** — forecasts grouped into equal-width probability bins;
  for each bin the count, the mean forecast and the observed frequency of "yes". A calibrated
  forecaster's observed frequencies match the mean forecasts (Murphy & Winkler 1977, *Applied
  Statistics* 26(1):41–47). ``plot_calibration`` draws the reliability diagram.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yubi.errors import UsageError

__all__ = [
    "CLIP",
    "CalibrationBin",
    "Score",
    "brier",
    "calibration_bins",
    "log_score",
    "plot_calibration",
    "score",
]

CLIP = 1e-9
BINS = 10


def brier(probability: float, outcome: bool) -> float:
    """Squared error of one forecast: ``(p − o)²``."""
    return (probability - float(outcome)) ** 2


def log_score(probability: float, outcome: bool) -> float:
    """Natural log of the probability given to what happened (clipped, see module docstring)."""
    p = min(max(probability, CLIP), 1.0 - CLIP)
    return math.log(p if outcome else 1.0 - p)


@dataclass(frozen=True)
class CalibrationBin:
    """Forecasts in ``[low, high)`` (the last bin includes 1)."""

    low: float
    high: float
    count: int
    mean_forecast: float | None
    observed: float | None


@dataclass(frozen=True)
class Score:
    """Mean Brier and log scores of one forecaster over ``count`` resolved questions."""

    forecaster: str
    count: int
    brier: float
    log: float
    bins: tuple[CalibrationBin, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"forecaster": self.forecaster, "count": self.count, "brier": self.brier,
                "log_score": self.log,
                "calibration": [bin_.__dict__ for bin_ in self.bins]}


def calibration_bins(
    probabilities: Sequence[float], outcomes: Sequence[bool], bins: int = BINS
) -> list[CalibrationBin]:
    """Equal-width reliability bins over [0, 1] with their counts (empty bins included)."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, o in zip(probabilities, outcomes, strict=True):
        grouped[min(int(p * bins), bins - 1)].append((p, o))
    result = []
    for index, members in enumerate(grouped):
        count = len(members)
        result.append(CalibrationBin(
            low=index / bins, high=(index + 1) / bins, count=count,
            mean_forecast=math.fsum(p for p, _ in members) / count if count else None,
            observed=sum(o for _, o in members) / count if count else None,
        ))
    return result


def score(forecaster: str, probabilities: Sequence[float], outcomes: Sequence[bool]) -> Score:
    """Mean Brier score, mean log score and calibration bins of one forecaster."""
    if len(probabilities) != len(outcomes):
        raise UsageError("one outcome per probability")
    if not probabilities:
        return Score(forecaster, 0, math.nan, math.nan, tuple(calibration_bins([], [])))
    pairs = list(zip(probabilities, outcomes, strict=True))
    return Score(
        forecaster=forecaster, count=len(pairs),
        brier=math.fsum(brier(p, o) for p, o in pairs) / len(pairs),
        log=math.fsum(log_score(p, o) for p, o in pairs) / len(pairs),
        bins=tuple(calibration_bins(probabilities, outcomes)),
    )


def plot_calibration(scores: Mapping[str, Score] | Sequence[Score], path: str | Path) -> Path:
    """Write a reliability diagram (observed frequency against forecast, counts marked)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = list(scores.values()) if isinstance(scores, Mapping) else list(scores)
    figure, axes = plt.subplots(figsize=(6, 6))
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    for entry in series:
        points = [b for b in entry.bins if b.count]
        # Only non-empty bins are drawn, and those have both numbers.
        xs = [b.mean_forecast or 0.0 for b in points]
        ys = [b.observed or 0.0 for b in points]
        axes.plot(xs, ys, marker="o", label=f"{entry.forecaster} (n={entry.count}, "
                                            f"Brier {entry.brier:.3f})")
        for b, x, y in zip(points, xs, ys, strict=True):
            axes.annotate(str(b.count), (x, y), textcoords="offset points", xytext=(4, 4),
                          fontsize=8)
    axes.set(xlim=(0, 1), ylim=(0, 1), xlabel="forecast probability",
             ylabel="observed frequency", title="Calibration (numbers: forecasts per bin)")
    axes.legend(loc="upper left", fontsize=8)
    target = Path(path)
    figure.savefig(target, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return target
