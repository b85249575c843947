"""Observation errors: the written range, its log-normal parameters, the likelihood."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from yubi.evidence.items import EvidenceItem
from yubi.evidence.observation import (
    DEFAULT_FACTOR,
    FLOOR,
    Z90,
    ErrorRange,
    default_error,
    parse_error,
)


@pytest.mark.parametrize("text", ["0.5x to 2x", "0.5 to 2", "x0.5-x2", "0.5X – 2X", " .5x to 2.x "])
def test_written_ranges_parse(text: str) -> None:
    assert parse_error(text) == ErrorRange(0.5, 2.0)


@pytest.mark.parametrize("text", ["", "2x", "2x to 0.5x", "0x to 2x", "0.5x to 0.5x", "half to 2",
                                  "-1x to 2x", "0.5x to 2x to 3x"])
def test_bad_ranges_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"0\.5x to 2x|0 < low < high"):
        parse_error(text)


def test_the_range_is_the_central_ninety_percent_of_the_ratio() -> None:
    error = parse_error("0.5x to 2x")
    assert error.mu == pytest.approx(0.0, abs=1e-12)
    ratio = stats.lognorm(s=error.sigma, scale=math.exp(error.mu))
    assert ratio.ppf([0.05, 0.95]) == pytest.approx([0.5, 2.0])
    biased = parse_error("1.5x to 4x")  # a source that exaggerates
    assert math.exp(biased.mu) == pytest.approx(math.sqrt(6))
    assert stats.lognorm(s=biased.sigma, scale=math.exp(biased.mu)).ppf(0.95) == \
        pytest.approx(4.0)


def test_likelihood_is_the_lognormal_density_of_the_report() -> None:
    error = parse_error("0.5x to 2x").given(300.0)
    true = np.array([100.0, 300.0, 900.0])
    expected = stats.norm(loc=np.log(true) + error.mu, scale=error.sigma).logpdf(np.log(300.0))
    assert error.log_likelihood(true) == pytest.approx(expected)
    assert np.argmax(error.log_likelihood(true)) == 1


def test_true_values_at_or_below_zero_are_floored_not_impossible() -> None:
    error = parse_error("0.5x to 2x").given(300.0)
    values = error.log_likelihood(np.array([-5.0, 0.0, FLOOR, 300.0]))
    assert np.all(np.isfinite(values))
    assert values[0] == values[1] == values[2] < values[3]
    zero_report = parse_error("0.5x to 2x").given(0.0)
    assert np.argmax(zero_report.log_likelihood(np.array([0.0, 1.0, 50.0]))) == 0


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 0.99), st.floats(1.01, 100.0), st.floats(0.0, 1e6),
       st.lists(st.floats(-10.0, 1e7), min_size=1, max_size=20))
def test_likelihood_is_vectorised_and_finite(low: float, high: float, reported: float,
                                             true: list[float]) -> None:
    error = ErrorRange(low, high).given(reported)
    values = error.log_likelihood(np.array(true))
    assert values.shape == (len(true),) and np.all(np.isfinite(values))
    one = [float(error.log_likelihood(np.array([t]))[0]) for t in true]
    assert values == pytest.approx(one)


def test_a_huge_error_makes_every_true_value_alike() -> None:
    error = ErrorRange(1e-30, 1e30).given(300.0)
    values = error.log_likelihood(np.array([1.0, 300.0, 1e5]))
    assert np.ptp(values) < 0.02


def test_default_error_widens_with_worse_credibility() -> None:
    sigmas = [default_error(grade).sigma for grade in (1, 2, 3, 4, 5)]
    assert sigmas == sorted(sigmas) and len(set(sigmas)) == 5
    assert sigmas[2] < default_error(6).sigma < sigmas[3]
    for grade, factor in DEFAULT_FACTOR.items():
        error = default_error(grade)
        assert error.mu == pytest.approx(0.0, abs=1e-12)
        assert math.exp(error.mu + Z90 * error.sigma) == pytest.approx(factor)


def test_item_error_range_uses_its_error_or_its_credibility() -> None:
    item = EvidenceItem("k", "c", dt.date(2025, 1, 10), "NIS: 300 killed", "NIS", "B", 2,
                        output="killed", month="2025-01", reported=300.0)
    assert item.is_observation
    assert item.error_range().sigma == pytest.approx(default_error(2).sigma)
    assert item.error_range().reported == 300.0
    wide = EvidenceItem("k", "c", dt.date(2025, 1, 10), "t", "s", "B", 2, output="killed",
                        month="2025-01", reported=300.0, error="0.25x to 4x")
    assert wide.error_range().sigma == pytest.approx(
        item.error_range().sigma * math.log(4) / math.log(1.5))
    plain = EvidenceItem("p", "c", dt.date(2025, 1, 10), "t", "s", "B", 2, indicator="x")
    assert not plain.is_observation
    with pytest.raises(ValueError, match="not an observation"):
        plain.error_range()
