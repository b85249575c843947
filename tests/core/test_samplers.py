"""Designs: Monte Carlo, Latin hypercube and Sobol agree; correlations reach their target."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from yubi.engine import simulate
from yubi.engine.sampling import chunk_design, gaussian_copula

from .core_cases import compile_text, minimal_case

LINEAR = minimal_case(
    quantities=(
        "  x1: {label: X1, distribution: {type: normal, mean: 10, sd: 2}, source: report}\n"
        "  x2: {label: X2, distribution: {type: uniform, low: -3, high: 3}, source: report}\n"
        "  x3: {label: X3, value: '1 to 4', source: report}\n"
    ),
    outputs="  y: {label: Y, expr: 'x1 + 2 * x2 + 6 * x3'}\n",
    months=1,
)
# E[y] = 10 + 0 + 6 * median(x3) * exp(sigma^2 / 2), x3 lognormal with 90% interval 1..4.
SIGMA3 = math.log(4) / (2 * stats.norm.ppf(0.95))
MEAN = 10 + 6 * 2 * math.exp(SIGMA3**2 / 2)
SD = math.sqrt(4 + 4 * 3 + 36 * 4 * math.expm1(SIGMA3**2) * math.exp(SIGMA3**2))


@pytest.mark.parametrize(("sampler", "tolerance"), [("mc", 5.0), ("lhs", 0.5), ("sobol", 0.1)])
def test_samplers_estimate_the_mean(sampler: str, tolerance: float) -> None:
    """Within ``tolerance`` Monte Carlo standard errors (the stratified designs do better)."""
    samples = 1 << 13
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a power of two: no Sobol balance warning
        result = simulate(compile_text(LINEAR), samples, seed=3, sampler=sampler, threads=1)
    standard_error = SD / math.sqrt(samples)
    assert abs(result.statistic("y", "mean")[0] - MEAN) <= tolerance * standard_error
    assert result.statistic("y", "sd")[0] == pytest.approx(SD, rel=0.05)


@pytest.mark.parametrize("sampler", ["mc", "lhs", "sobol"])
def test_designs_are_uniform_in_the_open_interval(sampler: str) -> None:
    design = chunk_design(sampler, 1, 0, 4096, 4096, 4)
    assert design.shape == (4096, 4)
    assert np.all((design > 0) & (design < 1))
    for column in design.T:
        assert stats.kstest(column, "uniform").pvalue > 1e-4


def test_latin_hypercube_is_stratified() -> None:
    design = chunk_design("lhs", 2, 0, 1000, 1000, 3)
    for column in design.T:
        assert sorted(np.floor(column * 1000).astype(int)) == list(range(1000))


CORRELATED = minimal_case(
    quantities=(
        "  a: {label: A, distribution: {type: gamma, shape: 2, scale: 3}, source: report}\n"
        "  b: {label: B, value: '10 to 1000', source: report}\n"
        "  c: {label: C, distribution: {type: pert, low: 0, mode: 1, high: 5}, source: report}\n"
        "  d: {label: D, distribution: {type: uniform, low: 0, high: 1}, source: report}\n"
    ),
    outputs="  a: {label: A}\n  b: {label: B}\n  c: {label: C}\n  d: {label: D}\n",
    months=1,
    extra=(
        "correlations:\n"
        "  - {between: [a, b], rank: 0.7, assumption: x}\n"
        "  - {between: [b, c], rank: -0.4, assumption: x}\n"
    ),
)


@pytest.mark.parametrize("sampler", ["mc", "lhs", "sobol"])
def test_rank_correlations_reach_their_targets(sampler: str, tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    samples = 1 << 14
    simulate(
        compile_text(CORRELATED), samples, seed=9, sampler=sampler, threads=1, trajectories=path
    )
    frame = pd.read_parquet(path)
    rho = stats.spearmanr(frame[["a", "b", "c", "d"]].to_numpy()).statistic
    # The standard error of Spearman's rho is about (1 - rho^2) / sqrt(n).
    tolerance = 5 / math.sqrt(samples)
    assert rho[0, 1] == pytest.approx(0.7, abs=tolerance)
    assert rho[1, 2] == pytest.approx(-0.4, abs=tolerance)
    assert abs(rho[0, 3]) < tolerance and abs(rho[2, 3]) < tolerance
    # Pairs not listed are uncorrelated (the copula's matrix is the identity there).
    assert abs(rho[0, 2]) < tolerance
    # The copula leaves each marginal as it was.
    assert frame["a"].mean() == pytest.approx(6, rel=0.03)
    assert np.median(frame["b"]) == pytest.approx(100, rel=0.05)


def test_gaussian_copula_keeps_uncorrelated_columns_bit_for_bit() -> None:
    design = chunk_design("mc", 4, 0, 500, 500, 4)
    correlation = np.eye(4)
    correlation[1, 2] = correlation[2, 1] = 0.5
    mixed = gaussian_copula(design, correlation)
    assert_allclose(mixed[:, [0, 1, 3]], design[:, [0, 1, 3]], rtol=0, atol=0)
    assert not np.allclose(mixed[:, 2], design[:, 2])


@pytest.mark.parametrize(
    ("correlations", "message"),
    [
        ("  - {between: [a, a], rank: 0.5, assumption: x}\n", "cannot correlate with itself"),
        (
            "  - {between: [a, b], rank: 0.95, assumption: x}\n"
            "  - {between: [b, c], rank: 0.95, assumption: x}\n"
            "  - {between: [a, c], rank: -0.95, assumption: x}\n",
            "not positive definite",
        ),
        ("  - {between: [a, zz], rank: 0.5, assumption: x}\n", '"zz" is not an uncertain quantity'),
    ],
    ids=["self", "inconsistent", "unknown"],
)
def test_bad_correlations(correlations: str, message: str) -> None:
    from yubi.errors import CaseError

    text = CORRELATED.split("correlations:\n")[0] + "correlations:\n" + correlations
    with pytest.raises(CaseError, match=message):
        compile_text(text)
