"""Evidence terms: properties of the weights they give trajectories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from yubi.case.model import Case
from yubi.evidence.posterior import effective_sample_size, normalized
from yubi.evidence.terms import Evidence, evidence_terms
from yubi.evidence.updating import evidence_weight, sequential_posteriors

from .conftest import Item, Paths, observation

GRADES = st.tuples(st.sampled_from("ABCDEF"), st.integers(1, 6))


def weights_of(evidence: Evidence, paths: Paths) -> NDArray[np.float64]:
    """Pass 1 on stored trajectories: the evidence's normalized weights."""
    weigher = evidence.chunk(paths.scenario)
    for month in range(paths.values.shape[0]):
        weigher.month(month, paths.values[month])
    return normalized(evidence.total(weigher.log_weights()))


@settings(max_examples=25)
@given(reports=st.lists(st.tuples(st.integers(0, 11), st.floats(20, 2000), GRADES,
                                  st.floats(1.05, 10)), min_size=1, max_size=4))
def test_weights_are_non_negative_and_normalized(
    synthetic: Case, synthetic_paths: Paths, reports: list[tuple[int, float, tuple[str, int],
                                                                 float]],
) -> None:
    items = [observation(f"r{k}", "total", synthetic.months[month], value, reliability=grade[0],
                         credibility=grade[1], factor=factor)
             for k, (month, value, grade, factor) in enumerate(reports)]
    weights = weights_of(evidence_terms(synthetic, items), synthetic_paths)
    assert np.all(weights >= 0)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert 1.0 <= effective_sample_size(weights) <= weights.size + 1e-6


@settings(max_examples=20)
@given(month=st.integers(0, 11), reported=st.floats(1, 1e5))
def test_an_observation_with_a_huge_error_changes_nothing(
    synthetic: Case, synthetic_paths: Paths, month: int, reported: float,
) -> None:
    item = observation("vague", "total", synthetic.months[month], reported, factor=1e300)
    weights = weights_of(evidence_terms(synthetic, [item]), synthetic_paths)
    np.testing.assert_allclose(weights * weights.size, 1.0, atol=1e-3)


@settings(max_examples=25)
@given(items=st.lists(st.tuples(st.floats(0.01, 1), st.floats(0.01, 1), GRADES),
                      min_size=1, max_size=6))
def test_typed_likelihoods_give_the_closed_form_sequential_update(
    synthetic: Case, synthetic_paths: Paths,
    items: list[tuple[float, float, tuple[str, int]]],
) -> None:
    typed = [Item(f"t{k}", likelihood={"steady": a, "surge": b}, reliability=grade[0],
                  credibility=grade[1]) for k, (a, b, grade) in enumerate(items)]
    weights = weights_of(evidence_terms(synthetic, typed), synthetic_paths)
    reweighted = np.bincount(synthetic_paths.scenario, weights=weights, minlength=2)
    # The trajectories are a sample of the prior: their scenario shares are its prior.
    shares = np.bincount(synthetic_paths.scenario, minlength=2) / synthetic_paths.scenario.size
    tempered = np.array([evidence_weight(g[0], g[1]) * np.log([a, b]) for a, b, g in items])
    closed_form, _ = sequential_posteriors(shares, tempered, [None] * len(items))
    np.testing.assert_allclose(reweighted, closed_form[-1], rtol=1e-10)


def test_a_group_counts_once_by_its_most_reliable_item(
    synthetic: Case, synthetic_paths: Paths,
) -> None:
    reliable = observation("reliable", "total", "2025-04", 300.0, group_id="fact")
    doubtful = observation("doubtful", "total", "2025-04", 150.0, group_id="fact",
                           reliability="D", credibility=4)
    both = evidence_terms(synthetic, [doubtful, reliable])
    assert both.counted == (True, False) or both.counted == (False, True)
    assert dict(zip([t.item_id for t in both.terms], both.counted, strict=True)) == {
        "reliable": True, "doubtful": False}
    alone = evidence_terms(synthetic, [reliable])
    np.testing.assert_array_equal(weights_of(both, synthetic_paths),
                                  weights_of(alone, synthetic_paths))


def test_an_observation_outside_the_horizon_is_left_out_and_said(synthetic: Case) -> None:
    evidence = evidence_terms(synthetic, [observation("late", "total", "2031-01", 10.0)])
    assert evidence.terms == ()
    assert evidence.ignored[0][0] == "late" and "outside the horizon" in evidence.ignored[0][1]


def test_an_unknown_output_is_named(synthetic: Case) -> None:
    from yubi.errors import CaseError

    with pytest.raises(CaseError, match="'deaths', which is not an output"):
        evidence_terms(synthetic, [observation("x", "deaths", "2025-02", 10.0)])


@settings(max_examples=30)
@given(weights=st.lists(st.floats(0, 100), min_size=1, max_size=50).filter(lambda w: sum(w) > 0),
       count=st.integers(1, 200), seed=st.integers(0, 2**32 - 1))
def test_systematic_resampling_picks_each_in_proportion(
    weights: list[float], count: int, seed: int,
) -> None:
    from yubi.evidence.resample import systematic_resample

    picked = systematic_resample(np.array(weights), count, np.random.default_rng(seed))
    times = np.bincount(picked, minlength=len(weights))
    expected = count * np.array(weights) / sum(weights)
    assert picked.size == count and np.all(np.diff(picked) >= 0)
    assert np.all(times >= np.floor(expected - 1e-9)) and np.all(times <= np.ceil(expected + 1e-9))
    assert np.all(times[np.array(weights) == 0] == 0)


def test_steps_end_at_the_runs_posterior_and_say_the_ess(synthetic: Case) -> None:
    from yubi.engine.run import RunSettings
    from yubi.evidence.posterior import posterior_run, sequential_steps

    day = [dt.date(2025, 4, d) for d in (1, 2, 3, 4)]
    items = [observation("march", "total", "2025-03", 200.0, observed_on=day[0]),
             Item("typed", likelihood={"steady": 0.3, "surge": 0.6}, observed_on=day[1]),
             observation("march-again", "total", "2025-03", 150.0, group_id="g",
                         reliability="C", credibility=3, observed_on=day[2]),
             observation("march-best", "total", "2025-03", 210.0, group_id="g",
                         observed_on=day[3])]
    evidence = evidence_terms(synthetic, items)
    settings = RunSettings(2000, 4)
    steps = sequential_steps(synthetic, settings, evidence)
    result = posterior_run(synthetic, settings, evidence)
    assert [s.item_id for s in steps] == ["march", "typed", "march-again", "march-best"]
    assert [s.counted for s in steps] == [True, True, True, True]
    assert evidence.counted == (True, True, False, True)  # the group by its best report
    last = {b.id: b.posterior for b in steps[-1].branches}
    assert last == pytest.approx({b.id: b.posterior for b in result.evidence.branches},
                                 rel=1e-9)
    assert steps[-1].effective_sample_size == pytest.approx(
        result.evidence.effective_sample_size, rel=1e-9)
    assert steps[0].effective_sample_size < 2000


def held_in_first_quarter(paths: Paths) -> NDArray[np.bool_]:
    """Whether "arrivals > 100 in a month of 2025-01..03" held, from the raw trajectories."""
    return np.asarray((paths.values[:3, 1] > 100).any(axis=0))


def test_reweighting_with_a_condition_equals_filtering(
    synthetic: Case, synthetic_paths: Paths,
) -> None:
    item = Item("busy", indicator="first_busy_quarter")  # A1: counts fully
    weights = weights_of(evidence_terms(synthetic, [item]), synthetic_paths)
    held = held_in_first_quarter(synthetic_paths)
    np.testing.assert_allclose(weights, held / held.sum(), rtol=1e-12)


@given(grade=GRADES)
@settings(max_examples=10)
def test_a_graded_condition_mixes_with_no_information(
    synthetic: Case, synthetic_paths: Paths, grade: tuple[str, int],
) -> None:
    item = Item("busy", indicator="first_busy_quarter", reliability=grade[0],
                credibility=grade[1])
    weights = weights_of(evidence_terms(synthetic, [item]), synthetic_paths)
    w = evidence_weight(*grade)
    likelihood = np.where(held_in_first_quarter(synthetic_paths), 1.0, 1.0 - w)
    np.testing.assert_allclose(weights, likelihood / likelihood.sum(), rtol=1e-12)
