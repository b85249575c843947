"""Sequential Bayesian updating: hand-computed posteriors, tempering, grouping, invariants."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from yubi.case.model import Case
from yubi.evidence.updating import (
    CREDIBILITY_WEIGHT,
    RELIABILITY_WEIGHT,
    sequential_posteriors,
    update_case,
)
from yubi.store import evidence as ev
from yubi.store.evidence import posterior_case

SCENARIOS = ("quick_kursk", "protracted", "russia_defeat")


def item(item_id: str, day: int, likelihood: dict[str, float] | None = None, *,
         grade: tuple[str, int] = ("A", 1), group: str | None = None,
         indicator: str | None = None) -> ev.EvidenceItem:
    return ev.EvidenceItem(
        item_id=item_id, case_id="mini-kursk", observed_on=dt.date(2025, 1, day),
        text=item_id, source="test", reliability=grade[0], credibility=grade[1],
        likelihood=likelihood, group_id=group, indicator=indicator)


def bayes(prior: list[float], likelihoods: list[list[float]],
          exponents: list[float]) -> list[float]:
    """Bayes' rule by hand: prior × Π L^w, normalized (plain Python, no numpy)."""
    unnormalized = list(prior)
    for likelihood, exponent in zip(likelihoods, exponents, strict=True):
        unnormalized = [p * lik ** exponent for p, lik in zip(unnormalized, likelihood,
                                                              strict=True)]
    total = sum(unnormalized)
    return [p / total for p in unnormalized]


def test_full_credibility_items_give_bayes_rule(mini_case: Case) -> None:
    first = {"quick_kursk": 0.9, "protracted": 0.4, "russia_defeat": 0.1}
    second = {"quick_kursk": 0.5, "protracted": 0.75, "russia_defeat": 0.8}
    result = update_case(mini_case, [item("b", 2, second), item("a", 1, first)])
    prior = [0.3, 0.58, 0.12]
    assert [i.item_id for i in result.items] == ["a", "b"]  # date order
    assert result.posteriors[0] == pytest.approx(bayes(prior, [list(first.values())], [1]))
    assert result.final == pytest.approx(
        bayes(prior, [list(first.values()), list(second.values())], [1, 1]))


def test_source_grades_temper_the_likelihood(mini_case: Case) -> None:
    likelihood = {"quick_kursk": 0.9, "protracted": 0.4, "russia_defeat": 0.1}
    result = update_case(mini_case, [item("doubtful", 1, likelihood, grade=("E", 5))])
    exponent = RELIABILITY_WEIGHT["E"] * CREDIBILITY_WEIGHT[5]
    assert result.weights[0] == pytest.approx(exponent)
    assert result.final == pytest.approx(bayes([0.3, 0.58, 0.12], [list(likelihood.values())],
                                               [exponent]))


def test_grouped_items_count_once_with_their_geometric_mean(mini_case: Case) -> None:
    first = {"quick_kursk": 0.9, "protracted": 0.4, "russia_defeat": 0.1}
    second = {"quick_kursk": 0.6, "protracted": 0.5, "russia_defeat": 0.2}
    result = update_case(mini_case, [item("a", 1, first, group="kursk"),
                                     item("b", 2, second, group="kursk")])
    prior = [0.3, 0.58, 0.12]
    geometric = [math.sqrt(x * y) for x, y in zip(first.values(), second.values(), strict=True)]
    assert result.posteriors[0] == pytest.approx(bayes(prior, [list(first.values())], [1]))
    assert result.final == pytest.approx(bayes(prior, [geometric], [1]))
    assert result.counted_once() == {"kursk": ["a", "b"]}
    document = result.to_dict()
    assert document["counted_once"][0]["items"] == ["a", "b"]
    assert [s["counted_once_with_group"] for s in document["steps"]] == [False, True]


def test_an_item_inherits_its_indicators_likelihood(mini_case: Case) -> None:
    result = update_case(mini_case, [item("x", 1, indicator="kursk_retaken")])
    indicator = next(i for i in mini_case.file.indicators if i.id == "kursk_retaken")
    assert result.origins == ("indicator:kursk_retaken",)
    assert result.final == pytest.approx(
        bayes([0.3, 0.58, 0.12], [[indicator.likelihood[s] for s in SCENARIOS]], [1]))


def test_movers_rank_items_by_kl_divergence(mini_case: Case) -> None:
    weak = {"quick_kursk": 0.5, "protracted": 0.5, "russia_defeat": 0.45}
    strong = {"quick_kursk": 0.95, "protracted": 0.2, "russia_defeat": 0.05}
    result = update_case(mini_case, [item("weak", 1, weak), item("strong", 2, strong)])
    kl = result.kl_divergence()
    before, after = np.array(result.prior), result.posteriors[0]
    assert kl[0] == pytest.approx(float(np.sum(after * np.log(after / before))))
    assert [result.items[k].item_id for k in result.movers()] == ["strong", "weak"]


probability_vectors = st.lists(st.floats(0.01, 1.0), min_size=3, max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    prior=probability_vectors,
    rows=st.lists(st.tuples(probability_vectors, st.floats(0.0, 1.0),
                            st.sampled_from([None, "g1", "g2"])), min_size=1, max_size=30),
)
def test_posteriors_sum_to_one_at_every_step(
    prior: list[float], rows: list[tuple[list[float], float, str | None]]
) -> None:
    start = np.array(prior) / sum(prior)
    log_likelihood = np.array([[w * math.log(x) for x in lik] for lik, w, _ in rows])
    posteriors, _ = sequential_posteriors(start, log_likelihood, [g for *_, g in rows])
    assert posteriors.shape == (len(rows), 3)
    assert np.all(posteriors >= 0)
    assert np.allclose(posteriors.sum(axis=1), 1.0, atol=1e-12)
    # Counting each group once: the final posterior is prior × Π over groups of the geometric
    # mean of the group's likelihoods (and each ungrouped item on its own).
    expected = np.log(start)
    for group in {g for *_, g in rows if g}:
        expected = expected + log_likelihood[[g == group for *_, g in rows]].mean(axis=0)
    for k, (*_, g) in enumerate(rows):
        if g is None:
            expected = expected + log_likelihood[k]
    expected = np.exp(expected - expected.max())
    assert np.allclose(posteriors[-1], expected / expected.sum(), atol=1e-9)


def test_posterior_case_reads_the_store(
    engine: Engine, store_url: str, mini_case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    likelihood = {"quick_kursk": 0.9, "protracted": 0.4, "russia_defeat": 0.1}
    ev.add_item(engine, item("kursk", 1, likelihood))
    monkeypatch.setenv("YUBI_DATABASE_URL", store_url)
    updated = posterior_case(mini_case, "today")
    assert [s.prior for s in updated.scenarios] == pytest.approx(
        bayes([0.3, 0.58, 0.12], [list(likelihood.values())], [1]))
    assert [s.prior for s in posterior_case(mini_case, "2024-12-31").scenarios] == \
        pytest.approx([0.3, 0.58, 0.12])  # nothing observed by then
