"""Properties of the evidence maths that every input must keep (hypothesis).

Sequential updating, ACH, pooling and scoring: no case, no store, random inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from yubi.evidence.ach import REVERSED, AchEvidence, AchMatrix
from yubi.evidence.pooling import linear_pool, log_pool
from yubi.evidence.scoring import score
from yubi.evidence.updating import sequential_posteriors

SCENARIOS = 3
LIKELIHOOD = st.floats(0.01, 1.0)
ROW = st.lists(LIKELIHOOD, min_size=SCENARIOS, max_size=SCENARIOS)
PRIOR = st.lists(st.floats(0.01, 1.0), min_size=SCENARIOS, max_size=SCENARIOS).map(
    lambda p: np.array(p) / sum(p))
WEIGHT = st.floats(0.0, 1.0)
GROUP = st.sampled_from([None, "a", "b"])
ITEMS = st.lists(st.tuples(ROW, WEIGHT, GROUP), min_size=1, max_size=12)
RATING = st.sampled_from(["CC", "C", "N", "I", "II", "NA"])
PROBABILITY = st.floats(0.0, 1.0)


def _update(prior: np.ndarray, items: list[tuple[list[float], float, str | None]]) -> np.ndarray:
    log_likelihood = np.array([w * np.log(row) for row, w, _ in items])
    posteriors, _ = sequential_posteriors(prior, log_likelihood, [g for _, _, g in items])
    return posteriors


@settings(max_examples=80, deadline=None)
@given(prior=PRIOR, items=ITEMS)
def test_sequential_weights_are_non_negative_and_normalized(
    prior: np.ndarray, items: list[tuple[list[float], float, str | None]]
) -> None:
    posteriors = _update(prior, items)
    assert posteriors.shape == (len(items), SCENARIOS)
    assert np.all(posteriors >= 0)
    assert posteriors.sum(axis=1) == pytest.approx(np.ones(len(items)), abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(prior=PRIOR, items=ITEMS, copies=st.integers(2, 5), which=st.integers(0, 11))
def test_a_fact_reported_again_in_its_group_counts_once(
    prior: np.ndarray, items: list[tuple[list[float], float, str | None]], copies: int,
    which: int,
) -> None:
    row, weight, _ = items[which % len(items)]
    alone = [*items, (row, weight, "fact")]
    repeated = [*items, *[(row, weight, "fact")] * copies]
    assert _update(prior, repeated)[-1] == pytest.approx(_update(prior, alone)[-1], abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(prior=PRIOR, items=ITEMS, seed=st.integers(0, 2**32 - 1))
def test_the_final_posterior_does_not_depend_on_arrival_order(
    prior: np.ndarray, items: list[tuple[list[float], float, str | None]], seed: int
) -> None:
    order = np.random.default_rng(seed).permutation(len(items))
    shuffled = [items[k] for k in order]
    assert _update(prior, shuffled)[-1] == pytest.approx(_update(prior, items)[-1], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(prior=PRIOR, items=ITEMS, level=LIKELIHOOD)
def test_an_item_alike_under_every_scenario_moves_nothing(
    prior: np.ndarray, items: list[tuple[list[float], float, str | None]], level: float
) -> None:
    flat = [*items, ([level] * SCENARIOS, 1.0, None)]
    assert _update(prior, flat)[-1] == pytest.approx(_update(prior, items)[-1], abs=1e-12)


def _matrix(rows: list[list[str]]) -> AchMatrix:
    hypotheses = tuple(f"H{k}" for k in range(SCENARIOS))
    return AchMatrix(hypotheses, tuple(
        AchEvidence(f"E{k}", "item", dict(zip(hypotheses, ratings, strict=True)))
        for k, ratings in enumerate(rows)))


MATRIX = st.lists(st.lists(RATING, min_size=SCENARIOS, max_size=SCENARIOS), min_size=1,
                  max_size=8)


@settings(max_examples=80, deadline=None)
@given(rows=MATRIX, rating=RATING)
def test_ach_a_non_diagnostic_item_changes_no_score_difference(
    rows: list[list[str]], rating: str
) -> None:
    before = _matrix(rows)
    after = _matrix([*rows, [rating] * SCENARIOS])
    assert after.evidence[-1].diagnosticity() == 0
    assert after.ranking() == before.ranking() and after.top() == before.top()
    shift = {h: after.weighted_inconsistency()[h] - before.weighted_inconsistency()[h]
             for h in before.hypotheses}
    assert len({round(v, 9) for v in shift.values()}) == 1


@settings(max_examples=80, deadline=None)
@given(rows=MATRIX)
def test_ach_scores_are_non_negative_and_the_top_is_first(rows: list[list[str]]) -> None:
    matrix = _matrix(rows)
    scores = matrix.weighted_inconsistency()
    assert all(v >= 0 for v in scores.values())
    assert matrix.ranking()[0] in matrix.top()
    assert all(matrix.inconsistency()[h] <= 2 * len(rows) for h in matrix.hypotheses)


@given(RATING)
def test_ach_reversing_twice_is_the_identity(rating: str) -> None:
    assert REVERSED[REVERSED[rating]] == rating


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0.001, 0.999), min_size=1, max_size=10))
def test_pools_stay_within_the_analysts_and_are_symmetric(probabilities: list[float]) -> None:
    low, high = min(probabilities), max(probabilities)
    linear, logarithmic = linear_pool(probabilities), log_pool(probabilities)
    assert low - 1e-12 <= linear <= high + 1e-12
    assert low - 1e-12 <= logarithmic <= high + 1e-12
    flipped = [1 - p for p in probabilities]
    assert linear_pool(flipped) == pytest.approx(1 - linear, abs=1e-12)
    assert log_pool(flipped) == pytest.approx(1 - logarithmic, abs=1e-9)


@given(PROBABILITY, st.integers(1, 10))
def test_pools_of_agreeing_analysts_say_what_they_say(probability: float, count: int) -> None:
    assume(0.0 < probability < 1.0)
    assert linear_pool([probability] * count) == pytest.approx(probability)
    assert log_pool([probability] * count) == pytest.approx(probability)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(PROBABILITY, st.booleans()), min_size=1, max_size=20))
def test_scores_are_bounded_and_perfect_forecasts_score_zero(
    pairs: list[tuple[float, bool]]
) -> None:
    probabilities = [p for p, _ in pairs]
    outcomes = [o for _, o in pairs]
    given_score = score("f", probabilities, outcomes)
    assert 0.0 <= given_score.brier <= 1.0 and given_score.log <= 0.0
    assert sum(b.count for b in given_score.bins) == len(pairs)
    perfect = [1.0 if o else 0.0 for o in outcomes]
    assert score("f", perfect, outcomes).brier == 0.0
    assert score("f", perfect, outcomes).log == pytest.approx(0.0, abs=1e-8)
    worst = score("f", [1 - p for p in perfect], outcomes)
    assert worst.brier == 1.0 and math.isfinite(worst.log)
