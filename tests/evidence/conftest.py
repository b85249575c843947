"""Fixtures for the posterior tests: the synthetic case, its trajectories, evidence items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.stats import norm

from yubi.case import load_case
from yubi.case.model import Case
from yubi.engine.run import RunSettings
from yubi.engine.weighted import run_chunk_months

SYNTHETIC = Path(__file__).with_name("synthetic.yaml")
#: z of a 90 % range: the range "a to b" is the 5th to 95th percentile of reported ÷ true.
Z90 = float(norm.ppf(0.95))


@dataclass(frozen=True)
class Paths:
    """Every month of every trajectory of one chunk, in the engine's (scenario) order."""

    values: NDArray[np.float64]  # (months, outputs, trajectories)
    scenario: NDArray[np.int64]


@pytest.fixture(scope="session")
def synthetic() -> Case:
    return load_case(SYNTHETIC)


def simulate_paths(case: Case, samples: int, seed: int) -> Paths:
    """The raw trajectories of a one-chunk run (what the summaries are computed from)."""
    settings = RunSettings(samples, seed)
    values = np.empty((len(case.months), len(case.outputs), samples))

    def keep(month: int, block: NDArray[np.float64]) -> None:
        values[month] = block

    layout = run_chunk_months(case, settings, 0, samples, keep)
    return Paths(values, layout.scenario)


@pytest.fixture(scope="session")
def synthetic_paths(synthetic: Case) -> Paths:
    return simulate_paths(synthetic, 4000, 3)


@dataclass(frozen=True)
class LogNormalError:
    """reported ÷ true is log-normal with these log-space mean and sd."""

    reported: float
    mu: float
    sigma: float

    def log_likelihood(self, true_values: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.log(self.reported) - np.log(true_values)
        return np.asarray(norm.logpdf(ratio, self.mu, self.sigma))


@dataclass(frozen=True)
class Item:
    """An evidence item as the terms read it."""

    item_id: str
    observed_on: dt.date = dt.date(2025, 6, 1)
    reliability: str = "A"
    credibility: int = 1
    group_id: str | None = None
    indicator: str | None = None
    likelihood: dict[str, float] | None = None
    ratings: dict[str, str] | None = None
    output: str | None = None
    month: str | None = None
    reported: float | None = None
    factor: float = 1.25  # the 90 % range is reported ÷ true in [1/factor, factor]

    def error_range(self) -> LogNormalError:
        assert self.reported is not None
        return LogNormalError(self.reported, 0.0, float(np.log(self.factor)) / Z90)


def observation(item_id: str, output: str, month: str, reported: float, **more: object) -> Item:
    return Item(item_id, output=output, month=month, reported=reported, **more)  # type: ignore[arg-type]
