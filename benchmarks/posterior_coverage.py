"""Coverage of the posterior on a synthetic case whose truth is known (issue 9, Tests).

Each repetition simulates one trajectory of ``tests/evidence/synthetic.yaml`` as "the world"
(its own seed), reports its cumulative count for the first ``observed`` months with a
log-normal error of known size (90 % of reports within ÷/× ``factor`` of the truth), feeds
those reports as A1 observations, and runs the case under that evidence. A 90 % posterior
interval (p05–p95) should contain the world's value in 90 % of (repetition, month) pairs,
within Monte Carlo error: in the observed months and in the months ahead.

Run: ``python benchmarks/posterior_coverage.py [--reps 200] [--samples 10000]``. The fast
test (``tests/evidence/test_coverage.py``) runs :func:`coverage` with few repetitions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = ROOT / "tests" / "evidence" / "synthetic.yaml"
OUTPUT = "total"
#: Seeds of the worlds sit far from the runs' seeds (0, 1, ...): a world is not a sample.
WORLD_SEED = 1_000_000


@dataclass(frozen=True)
class Coverage:
    """Share of (repetition, month) pairs whose 90 % interval held the world's value."""

    reps: int
    samples: int
    observed: int
    overall: float
    standard_error: float
    observed_months: float
    ahead: float
    median_ess: float
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"{self.reps} repetitions x {self.samples:,} samples, {self.observed} of 12 months "
            f"observed (90 % interval p05-p95; nominal 0.90)",
            f"coverage overall:         {self.overall:.3f} ± {self.standard_error:.3f} (s.e. "
            "over repetitions)",
            f"coverage observed months: {self.observed_months:.3f}",
            f"coverage months ahead:    {self.ahead:.3f}",
            f"median effective sample size: {self.median_ess:,.0f} of {self.samples:,}",
            f"time: {self.seconds:.1f} s",
        ]


def coverage(
    reps: int, samples: int, observed: int = 6, factor: float = 1.25,
    claimed_factor: float | None = None,
) -> Coverage:
    """Run the experiment; ``claimed_factor`` ≠ ``factor`` states a wrong error (a check
    that a miscalibrated likelihood is caught)."""
    from yubi.case import load_case
    from yubi.engine.run import RunSettings
    from yubi.evidence.posterior import posterior_run
    from yubi.evidence.terms import evidence_terms

    started = time.perf_counter()
    case = load_case(SYNTHETIC)
    row = [o.id for o in case.outputs].index(OUTPUT)
    sigma = float(np.log(factor) / norm.ppf(0.95))
    inside = np.zeros((reps, len(case.months)), dtype=bool)
    ess = np.zeros(reps)
    for rep in range(reps):
        truth = world(case, WORLD_SEED + rep)[:, row]
        noise = np.random.default_rng([WORLD_SEED, rep]).normal(0.0, sigma, observed)
        reports = truth[:observed] * np.exp(noise)
        items = [report(case.months[m], float(reports[m]), claimed_factor or factor)
                 for m in range(observed)]
        result = posterior_run(case, RunSettings(samples, rep), evidence_terms(case, items))
        low, high = result.statistic(OUTPUT, "p05"), result.statistic(OUTPUT, "p95")
        inside[rep] = (low <= truth) & (truth <= high)
        ess[rep] = result.evidence.effective_sample_size
    # Months of one repetition share its world: the standard error is over repetitions.
    per_rep = inside.mean(axis=1)
    error = float(per_rep.std(ddof=1) / np.sqrt(reps)) if reps > 1 else float("nan")
    return Coverage(reps, samples, observed, float(inside.mean()), error,
                    float(inside[:, :observed].mean()), float(inside[:, observed:].mean()),
                    float(np.median(ess)), time.perf_counter() - started)


def world(case: Any, seed: int) -> NDArray[np.float64]:
    """One trajectory's outputs, (months, outputs): the truth of one repetition."""
    from yubi.engine.run import RunSettings
    from yubi.engine.weighted import run_chunk_months

    values = np.empty((len(case.months), len(case.outputs)))

    def keep(month: int, block: NDArray[np.float64]) -> None:
        values[month] = block[:, 0]

    run_chunk_months(case, RunSettings(1, seed), 0, 1, keep)
    return values


def report(month: str, reported: float, factor: float) -> Any:
    """An A1 observation of the count in ``month``, with its 90 % error range ÷/× ``factor``."""
    from yubi.evidence.items import EvidenceItem

    return EvidenceItem(f"report-{month}", "synthetic", dt.date(2025, 12, 31), "report",
                        "benchmark", "A", 1, output=OUTPUT, month=month, reported=reported,
                        error=f"{1 / factor!r}x to {factor!r}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--observed", type=int, default=6)
    arguments = parser.parse_args()
    figures = coverage(arguments.reps, arguments.samples, arguments.observed)
    print("\n".join(figures.lines()))


if __name__ == "__main__":
    main()
