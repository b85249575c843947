"""The weighted engine: summaries under weights equal summaries of the weighted sample."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray

from yubi.case.model import Case
from yubi.engine.run import RunSettings, simulate
from yubi.engine.summary import PROBABILITIES, RELATIVE_ERROR
from yubi.engine.weighted import simulate_weighted
from yubi.errors import UsageError

from .conftest import simulate_paths

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RuleWeighting:
    """Log-weight 0 where output ``output`` is at least ``level`` in ``month``, else ``low``."""

    output: int
    month: int
    level: float
    low: float = -np.inf

    @property
    def last_month(self) -> int:
        return self.month

    def chunk(self, scenario: NDArray[np.int64]) -> _RuleWeigher:
        return _RuleWeigher(self, scenario.size)


class _RuleWeigher:
    def __init__(self, rule: RuleWeighting, size: int) -> None:
        self.rule, self.values = rule, np.zeros((1, size))

    def month(self, month: int, outputs: FloatArray) -> None:
        if month == self.rule.month:
            kept = outputs[self.rule.output] >= self.rule.level
            self.values[0] = np.where(kept, 0.0, self.rule.low)

    def log_weights(self) -> FloatArray:
        return self.values


def test_equal_weights_give_the_unweighted_summaries(synthetic: Case) -> None:
    settings = RunSettings(3000, 5)
    weighted, run = simulate_weighted(synthetic, settings, RuleWeighting(0, 2, -1.0))
    plain = simulate(synthetic, 3000, seed=5)
    assert run.effective_sample_size == pytest.approx(3000)
    np.testing.assert_allclose(weighted.summary.mean, plain.summary.mean, rtol=1e-12)
    np.testing.assert_allclose(weighted.summary.sd, plain.summary.sd, rtol=1e-9)
    np.testing.assert_array_equal(weighted.summary.exceed_probability,
                                  plain.summary.exceed_probability)


def test_a_hard_condition_equals_filtering_the_trajectories(synthetic: Case) -> None:
    paths = simulate_paths(synthetic, 3000, 7)
    level = float(np.median(paths.values[3, 0]))
    result, run = simulate_weighted(synthetic, RunSettings(3000, 7), RuleWeighting(0, 3, level))
    kept = paths.values[:, :, paths.values[3, 0] >= level]  # (months, outputs, kept)
    assert run.effective_sample_size == pytest.approx(kept.shape[2])
    overall = len(synthetic.scenarios)
    np.testing.assert_allclose(result.summary.mean[:, :, overall], kept.mean(axis=2), rtol=1e-9)
    np.testing.assert_allclose(result.summary.sd[:, :, overall], kept.std(axis=2, ddof=1),
                               rtol=1e-9)
    exact = np.quantile(kept, PROBABILITIES, axis=2, method="inverted_cdf")  # (p, months, out)
    reported = np.moveaxis(result.summary.quantiles[:, :, overall, :], -1, 0)
    np.testing.assert_allclose(reported, exact, rtol=2 * RELATIVE_ERROR, atol=0.5)
    share = kept[-1, 0] > 500
    assert result.statistic("total", "over_500")[-1] == pytest.approx(share.mean())


def test_results_are_byte_identical_whatever_the_threads(synthetic: Case) -> None:
    settings = RunSettings(5000, 2, chunk_size=1024)  # five chunks
    rule = RuleWeighting(0, 4, 150.0, low=-2.0)
    one, _ = simulate_weighted(synthetic, settings, rule, threads=1)
    two, _ = simulate_weighted(synthetic, settings, rule, threads=2)
    three, _ = simulate_weighted(synthetic, settings, rule, threads=3)
    assert one.to_json() == two.to_json() == three.to_json()


def test_evidence_no_trajectory_meets_is_refused(synthetic: Case) -> None:
    with pytest.raises(UsageError, match="rules out every simulated trajectory"):
        simulate_weighted(synthetic, RunSettings(500, 1), RuleWeighting(0, 1, 1e9))
