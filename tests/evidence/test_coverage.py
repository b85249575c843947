"""The posterior is calibrated on a synthetic case whose truth is known (a small run of
``benchmarks/posterior_coverage.py``, whose full figures are in ``benchmarks/RESULTS.md``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "posterior_coverage.py"


@pytest.fixture(scope="module")
def experiment() -> ModuleType:
    spec = importlib.util.spec_from_file_location("posterior_coverage", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_posterior_intervals_cover_the_world_at_their_nominal_rate(
    experiment: ModuleType,
) -> None:
    # 16 worlds × 12 months; nominal 0.90. The bounds are wide (few repetitions, months of one
    # world are correlated) but exclude what a wrong likelihood gives (next test).
    figures = experiment.coverage(reps=16, samples=2000)
    assert 0.75 <= figures.overall <= 0.99
    assert figures.observed_months >= 0.70 and figures.ahead >= 0.70


def test_a_likelihood_that_claims_too_much_precision_undercovers(
    experiment: ModuleType,
) -> None:
    # Reports whose true error is ÷/× 1.25 but claimed ÷/× 1.02: overconfident intervals.
    figures = experiment.coverage(reps=8, samples=2000, claimed_factor=1.02)
    assert figures.overall < 0.5
