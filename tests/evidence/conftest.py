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
from yubi.evidence.items import EvidenceItem

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


def Item(  # noqa: N802 - read in the tests as the items' constructor
    item_id: str, *, observed_on: dt.date = dt.date(2025, 6, 1), reliability: str = "A",
    credibility: int = 1, factor: float = 1.25, **fields: object,
) -> EvidenceItem:
    """A real evidence item with test defaults: A1, and for an observation a 90 % range of
    reported ÷ true of ÷/× ``factor``."""
    error = f"{1 / factor!r}x to {factor!r}x" if fields.get("output") else None
    return EvidenceItem(item_id, "synthetic", observed_on, item_id, "test", reliability,
                        credibility, error=error, **fields)  # type: ignore[arg-type]


def observation(item_id: str, output: str, month: str, reported: float,
                **more: object) -> EvidenceItem:
    return Item(item_id, output=output, month=month, reported=reported, **more)
