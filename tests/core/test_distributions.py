"""Marginal distributions: moments and quantiles against their definitions.

Every expected value is computed from the distribution's definition (closed-form moments, or an
independently built ``scipy.stats`` distribution), never from the :class:`Marginal` under test.
Draws use a stratified grid of probabilities ``(i + 0.5) / n``, so the checks are deterministic
and their error is the quadrature error of the grid, not Monte Carlo noise.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import special, stats

from yubi.case import schema
from yubi.case.distributions import marginal_from_spec, range_to_spec

GRID = (np.arange(1 << 16) + 0.5) / (1 << 16)
#: Probabilities where quantiles are compared (the reported ones and the tails).
PROBABILITIES = np.array(
    [1e-6, 1e-4, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1 - 1e-4, 1 - 1e-6]
)
Z90 = special.ndtri(0.95)

positive = st.floats(0.01, 1e6, allow_nan=False, allow_infinity=False)
location = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
shape = st.floats(0.5, 200, allow_nan=False, allow_infinity=False)


def _draws(spec: object, truncate: tuple[float | None, float | None] | None = None) -> np.ndarray:
    return marginal_from_spec(spec, truncate).ppf(GRID.copy())


def _check_moments(values: np.ndarray, mean: float, sd: float, *, tolerance: float = 2e-3) -> None:
    """Grid mean within ``tolerance`` sd of ``mean``; grid sd within ``tolerance`` relative."""
    assert abs(values.mean() - mean) <= tolerance * sd + 1e-12 * abs(mean)
    assert values.std() == pytest.approx(sd, rel=tolerance)


# -- continuous families with a closed-form inverse --------------------------------------
@settings(max_examples=40)
@given(mean=location, sd=positive)
def test_normal(mean: float, sd: float) -> None:
    marginal = marginal_from_spec(schema.Normal(type="normal", mean=mean, sd=sd), None)
    expected = mean + sd * special.ndtri(PROBABILITIES)
    assert_allclose(marginal.ppf(PROBABILITIES.copy()), expected, rtol=1e-12, atol=1e-9 * sd)
    _check_moments(marginal.ppf(GRID.copy()), mean, sd)


@settings(max_examples=40)
@given(median=positive, sigma=st.floats(0.01, 1.5))
def test_lognormal(median: float, sigma: float) -> None:
    marginal = marginal_from_spec(
        schema.LogNormal(type="lognormal", median=median, sigma=sigma), None
    )
    expected = median * np.exp(sigma * special.ndtri(PROBABILITIES))
    assert_allclose(marginal.ppf(PROBABILITIES.copy()), expected, rtol=1e-12)
    # The log of a lognormal draw is normal (the grid cannot reach its far right tail).
    _check_moments(np.log(marginal.ppf(GRID.copy())), math.log(median), sigma)
    assert marginal.mean() == pytest.approx(median * math.exp(sigma**2 / 2), rel=1e-9)


@settings(max_examples=40)
@given(low=location, width=positive)
def test_uniform(low: float, width: float) -> None:
    high = low + width
    values = _draws(schema.Uniform(type="uniform", low=low, high=high))
    assert low <= values.min() and values.max() <= high
    _check_moments(values, (low + high) / 2, width / math.sqrt(12), tolerance=1e-6)


@settings(max_examples=40)
@given(low=location, width=positive, split=st.floats(0, 1))
def test_triangular(low: float, width: float, split: float) -> None:
    high = low + width
    mode = low + split * width
    marginal = marginal_from_spec(
        schema.Triangular(type="triangular", low=low, mode=mode, high=high), None
    )
    reference = stats.triang(split, loc=low, scale=width)
    assert_allclose(
        marginal.ppf(PROBABILITIES.copy()),
        reference.ppf(PROBABILITIES),
        rtol=1e-9,
        atol=1e-9 * width,
    )
    # Shifted to low = 0 (the variance does not depend on location; avoids cancellation).
    c = mode - low
    mean = low + (c + width) / 3
    variance = (c**2 + width**2 - c * width) / 18
    _check_moments(marginal.ppf(GRID.copy()), mean, math.sqrt(variance), tolerance=1e-4)


# -- tabulated families (PERT, beta, gamma) ------------------------------------------------
def _check_tabulated(marginal: object, reference: object) -> None:
    """Interpolated inverse CDF against SciPy's exact one.

    Inside [1%, 99%] (the reported p05–p95 included) within 1e-4 of the distribution's
    spread; in the tails within 2.5% of it (the table is linear between 2^16 equally
    spaced probabilities, which is coarse where the inverse CDF is steep).
    """
    spread = reference.ppf(0.999) - reference.ppf(0.001)
    central = np.linspace(0.01, 0.99, 4001)
    error = np.abs(marginal.ppf(central.copy()) - reference.ppf(central))
    assert error.max() <= 1e-4 * spread
    tails = np.concatenate([np.geomspace(1e-9, 0.01, 400), 1 - np.geomspace(1e-9, 0.01, 400)])
    error = np.abs(marginal.ppf(tails.copy()) - reference.ppf(tails))
    assert error.max() <= 2.5e-2 * spread
    grid = marginal.ppf(GRID.copy())
    assert abs(grid.mean() - reference.mean()) <= 1e-3 * reference.std()


@settings(max_examples=12)
@given(low=location, width=positive, split=st.floats(0, 1), lam=st.sampled_from([4.0, 2.0, 8.0]))
def test_pert(low: float, width: float, split: float, lam: float) -> None:
    high, mode = low + width, low + split * width
    marginal = marginal_from_spec(
        schema.Pert(type="pert", low=low, mode=mode, high=high, shape=lam), None
    )
    alpha = 1 + lam * (mode - low) / width
    beta = 1 + lam * (high - mode) / width
    reference = stats.beta(alpha, beta, loc=low, scale=width)
    _check_tabulated(marginal, reference)
    # The classic PERT mean (low + shape * mode + high) / (shape + 2).
    assert marginal.mean() == pytest.approx(
        (low + lam * mode + high) / (lam + 2), rel=1e-9, abs=1e-9 * width
    )


@settings(max_examples=12)
@given(alpha=shape, beta=shape, low=location, width=positive)
def test_beta(alpha: float, beta: float, low: float, width: float) -> None:
    spec = schema.Beta(type="beta", alpha=alpha, beta=beta, low=low, high=low + width)
    marginal = marginal_from_spec(spec, None)
    reference = stats.beta(alpha, beta, loc=low, scale=width)
    _check_tabulated(marginal, reference)
    assert marginal.mean() == pytest.approx(
        low + width * alpha / (alpha + beta), rel=1e-9, abs=1e-9 * width
    )


@settings(max_examples=12)
@given(k=shape, scale=positive)
def test_gamma(k: float, scale: float) -> None:
    marginal = marginal_from_spec(schema.Gamma(type="gamma", shape=k, scale=scale), None)
    _check_tabulated(marginal, stats.gamma(k, scale=scale))
    assert marginal.mean() == pytest.approx(k * scale, rel=1e-9)


def test_tabulated_quantiles_at_reported_probabilities() -> None:
    """p05..p95 of the starter case's loss rate, beta(2, 98) on [0, 0.1], to 1e-6."""
    marginal = marginal_from_spec(schema.Beta(type="beta", alpha=2, beta=98, high=0.1), None)
    probabilities = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    assert_allclose(
        marginal.ppf(probabilities.copy()), 0.1 * stats.beta(2, 98).ppf(probabilities), rtol=1e-6
    )


# -- discrete families ------------------------------------------------------------------
def _frequencies(values: np.ndarray) -> dict[float, float]:
    support, counts = np.unique(values, return_counts=True)
    return {float(v): c / values.size for v, c in zip(support, counts, strict=True)}


@settings(max_examples=30)
@given(lam=st.floats(0, 500))
def test_poisson(lam: float) -> None:
    values = _draws(schema.Poisson(type="poisson", lam=lam))
    assert np.all(values == np.floor(values)) and values.min() >= 0
    reference = stats.poisson(lam)
    for value, share in _frequencies(values).items():
        assert share == pytest.approx(reference.pmf(value), abs=2 / GRID.size)
    assert abs(values.mean() - lam) <= 5e-3 * math.sqrt(lam) + 1 / GRID.size
    if lam >= 0.1:
        assert values.std() == pytest.approx(math.sqrt(lam), rel=5e-3)


def test_poisson_with_a_large_mean_builds_quickly() -> None:
    """The support table starts near the lower tail, not at 0 (lam 1e9 used to need ~16 GB)."""
    values = _draws(schema.Poisson(type="poisson", lam=1e9))
    _check_moments(values, 1e9, math.sqrt(1e9), tolerance=5e-3)


@pytest.mark.parametrize("p", [0.0, 0.05, 0.5, 0.999, 1.0])
def test_bernoulli(p: float) -> None:
    values = _draws(schema.Bernoulli(type="bernoulli", p=p))
    assert set(np.unique(values)) <= {0.0, 1.0}
    assert values.mean() == pytest.approx(p, abs=1 / GRID.size)


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(st.integers(-50, 50).map(float), st.floats(0, 10)), min_size=1, max_size=6
    ).filter(lambda pairs: sum(w for _, w in pairs) > 0.01)
)
def test_categorical(pairs: list[tuple[float, float]]) -> None:
    values, weights = [v for v, _ in pairs], [w for _, w in pairs]
    draws = _draws(schema.Categorical(type="categorical", values=values, weights=weights))
    expected: dict[float, float] = {}
    for value, weight in pairs:
        expected[value] = expected.get(value, 0.0) + weight / sum(weights)
    found = _frequencies(draws)
    for value, share in expected.items():
        assert found.get(value, 0.0) == pytest.approx(share, abs=2 / GRID.size)
    assert set(found) <= set(expected)


def test_categorical_needs_one_weight_per_value() -> None:
    with pytest.raises(ValueError, match="2 values but 3 weights"):
        marginal_from_spec(
            schema.Categorical(type="categorical", values=[1, 2], weights=[1, 1, 1]), None
        )


# -- the analyst's range "A to B" -----------------------------------------------------------
@settings(max_examples=60)
@given(low=positive, factor=st.floats(1.01, 1000))
def test_range_with_positive_ends_is_a_lognormal_90_interval(low: float, factor: float) -> None:
    high = low * factor
    marginal = marginal_from_spec(f"{low!r} to {high!r}", None)
    assert marginal.kind == "lognormal"
    assert marginal.quantile(0.05) == pytest.approx(low, rel=1e-9)
    assert marginal.quantile(0.95) == pytest.approx(high, rel=1e-9)
    assert marginal.quantile(0.5) == pytest.approx(math.sqrt(low * high), rel=1e-9)
    sigma = math.log(high / low) / (2 * Z90)
    assert marginal.mean() == pytest.approx(
        math.sqrt(low * high) * math.exp(sigma**2 / 2), rel=1e-9
    )


@settings(max_examples=60)
@given(low=st.floats(-1e6, 0), width=positive)
def test_range_with_a_non_positive_end_is_a_normal_90_interval(low: float, width: float) -> None:
    high = low + width
    marginal = marginal_from_spec(f"{low!r} to {high!r}", None)
    assert marginal.kind == "normal"
    assert marginal.quantile(0.05) == pytest.approx(low, rel=1e-9, abs=1e-9 * width)
    assert marginal.quantile(0.95) == pytest.approx(high, rel=1e-9, abs=1e-9 * width)
    _check_moments(marginal.ppf(GRID.copy()), (low + high) / 2, width / (2 * Z90))


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("10000 to 13000", 10000, 13000),
        ("10,000 to 13,000", 10000, 13000),
        ("1_000 to 2_000", 1000, 2000),
        ("1e3 to 2.5E3", 1000, 2500),
        ("  -5 to 5 ", -5, 5),
        ("0 to 10", 0, 10),
        ("0.5 to 0.75", 0.5, 0.75),
    ],
)
def test_range_text(text: str, low: float, high: float) -> None:
    spec = range_to_spec(text)
    assert (spec.low, spec.high, spec.confidence) == (low, high, 0.9)
    marginal = marginal_from_spec(text, None)
    assert marginal.quantile(0.05) == pytest.approx(low, abs=1e-9 * (high - low))
    assert marginal.quantile(0.95) == pytest.approx(high, rel=1e-12)


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.98])
def test_range_with_another_confidence(confidence: float) -> None:
    spec = schema.Range(type="range", low=2, high=50, confidence=confidence)
    marginal = marginal_from_spec(spec, None)
    tail = (1 - confidence) / 2
    assert marginal.quantile(tail) == pytest.approx(2, rel=1e-9)
    assert marginal.quantile(1 - tail) == pytest.approx(50, rel=1e-9)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("20 to 10", "20 must be below 10"),
        ("10 to 10", "10 must be below 10"),
        (schema.Uniform(type="uniform", low=3, high=1), r"low \(3\) must be below high \(1\)"),
        (schema.Triangular(type="triangular", low=0, mode=5, high=4),
         r"mode \(5\) must be at most high \(4\)"),
        (schema.Pert(type="pert", low=0, mode=-1, high=4),
         r"low \(0\) must be at most mode \(-1\)"),
        (schema.Beta(type="beta", alpha=1, beta=1, low=1, high=1),
         r"low \(1\) must be below high \(1\)"),
    ],
)
def test_inconsistent_parameters(spec: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        marginal_from_spec(spec, None)


# -- truncation -----------------------------------------------------------------------------
@settings(max_examples=40)
@given(
    mean=st.floats(-100, 100),
    sd=st.floats(0.1, 50),
    a=st.floats(-3, 2.5),
    width=st.floats(0.2, 6),
    open_side=st.sampled_from(["none", "low", "high"]),
)
def test_truncated_normal_matches_scipy_truncnorm(
    mean: float, sd: float, a: float, width: float, open_side: str
) -> None:
    lower, upper = mean + a * sd, mean + (a + width) * sd
    bounds = (None if open_side == "low" else lower, None if open_side == "high" else upper)
    marginal = marginal_from_spec(schema.Normal(type="normal", mean=mean, sd=sd), bounds)
    reference = stats.truncnorm(
        -np.inf if bounds[0] is None else a,
        np.inf if bounds[1] is None else a + width,
        loc=mean,
        scale=sd,
    )
    probabilities = np.linspace(0.001, 0.999, 201)
    assert_allclose(
        marginal.ppf(probabilities.copy()), reference.ppf(probabilities), rtol=1e-7, atol=1e-7 * sd
    )
    values = marginal.ppf(GRID.copy())
    assert bounds[0] is None or values.min() >= bounds[0]
    assert bounds[1] is None or values.max() <= bounds[1]
    assert marginal.mean() == pytest.approx(reference.mean(), rel=1e-6, abs=1e-6 * sd)


def test_truncated_range_keeps_its_shape_inside_the_bounds() -> None:
    """The documented example: ``value: "15 to 72"`` with ``truncate: [6, null]``."""
    marginal = marginal_from_spec("15 to 72", (6, None))
    untruncated = marginal_from_spec("15 to 72", None)
    values = marginal.ppf(GRID.copy())
    assert values.min() >= 6
    # Conditional distribution: P(X <= q | X >= 6) = (F(q) - F(6)) / (1 - F(6)).
    mass_below = untruncated.frozen.cdf(6)
    for p in (0.05, 0.5, 0.95):
        expected = untruncated.frozen.ppf(mass_below + p * (1 - mass_below))
        assert marginal.quantile(p) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("spec", "bounds", "expected"),
    [
        (schema.Poisson(type="poisson", lam=3), (2, None), lambda k: k >= 2),
        (schema.Poisson(type="poisson", lam=3), (None, 4), lambda k: k <= 4),
        (schema.Poisson(type="poisson", lam=3), (1, 3), lambda k: 1 <= k <= 3),
        (
            schema.Categorical(type="categorical", values=[1, 2, 3], weights=[1, 1, 1]),
            (2, 3),
            lambda k: 2 <= k <= 3,
        ),
        (schema.Bernoulli(type="bernoulli", p=0.3), (1, None), lambda k: k == 1),
    ],
    ids=["poisson-lower", "poisson-upper", "poisson-both", "categorical", "bernoulli"],
)
def test_truncated_discrete_keeps_both_bounds(spec, bounds, expected) -> None:
    """Truncation bounds are inclusive: values at the bound keep their probability."""
    values = _draws(spec, bounds)
    unconditioned = marginal_from_spec(spec, None)
    support = unconditioned._discrete_support[0]
    kept = np.array([expected(k) for k in support])
    pmf = np.diff(np.concatenate([[0.0], unconditioned._discrete_support[1]]))
    conditional = np.where(kept, pmf, 0) / pmf[kept].sum()
    found = _frequencies(values)
    for value, probability in zip(support, conditional, strict=True):
        assert found.get(float(value), 0.0) == pytest.approx(probability, abs=2 / GRID.size)


def test_truncation_needs_mass_and_order() -> None:
    normal = schema.Normal(type="normal", mean=0, sd=1)
    with pytest.raises(ValueError, match="no probability mass"):
        marginal_from_spec(normal, (40, 41))
    with pytest.raises(ValueError, match="must be below"):
        marginal_from_spec(normal, (2, 1))


@pytest.mark.parametrize("confidence", [0.9, 0.8, 0.5, 0.95])
def test_range_z_values_are_scipys_to_the_last_bit(confidence: float) -> None:
    """The constants that spare `yubi validate` a SciPy import give the same ranges."""
    from yubi.case.distributions import range_z

    assert range_z(confidence) == float(special.ndtri(0.5 + confidence / 2))


@pytest.mark.parametrize(
    ("spec", "law"),
    [("3 to 12", None), ("-5 to 20", None),
     (schema.Uniform(type="uniform", low=0, high=30), stats.uniform(0, 30)),
     (schema.Triangular(type="triangular", low=2, mode=10, high=40),
      stats.triang(8 / 38, 2, 38))],
)
@pytest.mark.parametrize("value", [0.5, 12.0, 25.0])
def test_probability_at_least_is_the_survival_function(spec: object, law: object,
                                                       value: float) -> None:
    """What the late-start warning reads: P(X >= value), against an independent SciPy law."""
    marginal = marginal_from_spec(spec, None)  # type: ignore[arg-type]
    if law is None:  # a range: the lognormal or normal of its 90 % interval
        low, high = (float(part) for part in str(spec).split(" to "))
        if low > 0:
            law = stats.lognorm(s=math.log(high / low) / (2 * Z90), scale=math.sqrt(low * high))
        else:
            law = stats.norm((low + high) / 2, (high - low) / (2 * Z90))
    expected = float(law.sf(value))  # type: ignore[attr-defined]
    assert marginal.probability_at_least(value) == pytest.approx(expected, abs=1e-12)
