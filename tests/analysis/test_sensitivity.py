"""Sensitivity analysis against known answers: Ishigami, linear models, chance, correlation.

Every expected value is derived here from the model's formula and the case's distributions,
not typed in; the estimates must match within their Monte Carlo error.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from scipy import special

from yubi.analysis.sensitivity import (
    analyze,
    analyze_months,
    ranking_over_months,
    tornado,
)
from yubi.case import load_case
from yubi.case.loader import bundled_case_names, parse_case_text
from yubi.case.model import Case, compile_case
from yubi.errors import UsageError

HEADER = """\
yubi: 1
id: probe
title: "Probe"
as_of: 2025-01-01
horizon: {start: 2025-01, months: 1}
sources:
  s: {title: "A source"}
scenarios:
  - {id: only, label: "Only", prior: 1, prior_assumption: "One branch."}
"""


def make_case(body: str) -> Case:
    """A one-scenario, one-month case from its quantities/dynamics/outputs sections."""
    text = HEADER + textwrap.dedent(body)
    return compile_case(parse_case_text(text.encode(), "<probe>"))


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """Analytic first-order and total indices of Ishigami–Homma, x ~ U(-pi, pi)."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    variance = v1 + v2 + v13
    return [v1 / variance, v2 / variance, 0.0], [(v1 + v13) / variance, v2 / variance,
                                                  v13 / variance]


# -- known answers -------------------------------------------------------------------------
def test_ishigami_sobol_matches_analytic_indices() -> None:
    first, total = ishigami_indices()
    assert first[0] == pytest.approx(0.314, abs=5e-4)  # the formulas are the textbook ones
    result = analyze(load_case("ishigami"), "y", "2025-01", samples=4096, seed=3)
    for name, s1, st in zip(("x1", "x2", "x3"), first, total, strict=True):
        effect = result.effect(name)
        assert effect.first == pytest.approx(s1, abs=0.03)
        assert effect.total == pytest.approx(st, abs=0.03)
        # The intervals are honest: the truth lies within a few half-widths.
        assert effect.first_ci is not None and effect.total_ci is not None
        assert abs(effect.first - s1) <= 3 * (effect.first_ci[1] - effect.first)
        assert abs(effect.total - st) <= 3 * (effect.total_ci[1] - effect.total)
    assert result.ranked_by == "total"
    assert result.names[0] == "x1"  # ranked by total index: 0.558 > 0.442 > 0.244
    assert result.noise_share is None  # no events, no random functions
    assert all(e.full_first is None and e.group is None for e in result.effects)
    assert result.sources["ishigami_homma_1990"].title.en.startswith("An importance")


def test_linear_sobol_indices_are_variance_shares() -> None:
    case = load_case("linear")
    coefficients = {"x1": 1.0, "x2": 2.0, "x3": 6.0}
    variances = {c.name: c.marginal.frozen.var() for c in case.inputs if c.marginal}
    shares = {n: coefficients[n] ** 2 * variances[n] for n in coefficients}
    total = sum(shares.values())
    result = analyze(case, "y", samples=2048)
    for name, share in shares.items():
        effect = result.effect(name)
        assert effect.first == pytest.approx(share / total, abs=0.02)
        assert effect.total == pytest.approx(share / total, abs=0.02)  # additive model
    assert result.names == sorted(shares, key=shares.__getitem__, reverse=True)
    assert result.mean == pytest.approx(10 + 0 + 3, abs=0.05)
    assert result.variance == pytest.approx(total, rel=0.05)


def test_linear_morris_elementary_effects_are_exact() -> None:
    case = load_case("linear")
    result = analyze(case, "y", method="morris", samples=64)
    coefficients = {"x1": 1.0, "x2": 2.0, "x3": 6.0}
    for column in case.inputs:
        if column.marginal is None:
            continue
        # A step moves the input's probability by 0.4: from 0.2 to 0.6 or 0.4 to 0.8.
        steps = [column.marginal.quantile(p + 0.4) - column.marginal.quantile(p)
                 for p in (0.2, 0.4)]
        effect = result.effect(column.name)
        assert steps[0] == pytest.approx(steps[1])  # both marginals are symmetric
        assert effect.mu_star == pytest.approx(coefficients[column.name] * steps[0], rel=1e-9)
        assert effect.sigma == pytest.approx(0.0, abs=1e-9)


def test_linear_tornado_swings_are_exact() -> None:
    case = load_case("linear")
    result = tornado(case, "y", "2025-01")
    coefficients = {"x1": 1.0, "x2": 2.0, "x3": 6.0}
    medians = {c.name: c.marginal.quantile(0.5) for c in case.inputs if c.marginal}
    assert result.baseline == pytest.approx(sum(coefficients[n] * medians[n] for n in medians))
    for column in case.inputs:
        if column.marginal is None:
            continue
        effect = result.effect(column.name)
        low, high = column.marginal.quantile(0.1), column.marginal.quantile(0.9)
        assert (effect.low_value, effect.high_value) == pytest.approx((low, high))
        assert effect.swing == pytest.approx(coefficients[column.name] * (high - low))
        assert effect.swing_ci is None  # deterministic: one evaluation per setting
    assert result.effect("x2").swing == pytest.approx(2 * 0.8 * 6)
    assert result.evaluations == 1 + 2 * 3


def test_correlated_inputs_are_analysed_as_a_group() -> None:
    rank = 0.5
    r = 2 * math.sin(math.pi * rank / 6)  # the copula's Pearson correlation
    case = make_case(f"""\
        quantities:
          x1: {{label: "x1", distribution: {{type: normal, mean: 0, sd: 1}}, source: s}}
          x2: {{label: "x2", distribution: {{type: normal, mean: 0, sd: 1}}, source: s}}
          x3: {{label: "x3", distribution: {{type: normal, mean: 0, sd: 1}}, source: s}}
        correlations:
          - {{between: [x1, x2], rank: {rank}, assumption: "They move together."}}
        outputs:
          y: {{label: "y", expr: "x1 + x2 + x3"}}
        """)
    variance = 3 + 2 * r
    result = analyze(case, "y", samples=4096)
    assert "correlates x1–x2" in result.notes[0]
    x1, x2, x3 = (result.effect(n) for n in ("x1", "x2", "x3"))
    assert x1.group == x2.group == ("x1", "x2") and x3.group is None
    # The group's total and x3's indices are exact Sobol' indices of the correlated law.
    assert x1.total == x2.total == pytest.approx((2 + 2 * r) / variance, abs=0.03)
    assert x3.first == pytest.approx(1 / variance, abs=0.03)
    assert x3.total == pytest.approx(1 / variance, abs=0.03)
    assert x1.first == x2.first == pytest.approx((2 + 2 * r) / variance, abs=0.03)
    # A member's own full first-order index: Var(E[y | x1]) = Var((1 + r) x1) = (1 + r)^2.
    assert x1.full_first == pytest.approx((1 + r) ** 2 / variance, abs=0.04)
    assert x2.full_first == pytest.approx((1 + r) ** 2 / variance, abs=0.04)
    assert x3.full_first == pytest.approx(1 / variance, abs=0.04)
    assert x1.rank_correlation is not None and x1.rank_correlation > 0.6
    assert result.variance == pytest.approx(variance, rel=0.05)  # drawn with the copula
    assert result.ranked_by == "total" and result.names[:2] == ["x1", "x2"]


def test_tornado_moves_a_correlated_partner_to_its_conditional_median() -> None:
    case = make_case("""\
        quantities:
          x1: {label: "x1", distribution: {type: normal, mean: 0, sd: 1}, source: s}
          x2: {label: "x2", distribution: {type: normal, mean: 0, sd: 1}, source: s}
        correlations:
          - {between: [x1, x2], rank: 0.5, assumption: "They move together."}
        outputs:
          y: {label: "y", expr: "x1 + x2"}
        """)
    r = 2 * math.sin(math.pi * 0.5 / 6)
    swing = float(special.ndtri(0.9) - special.ndtri(0.1))
    result = tornado(case, "y")
    assert result.effect("x1").swing == pytest.approx((1 + r) * swing)
    assert "conditional median" in result.notes[0]


def test_chance_is_measured_and_left_out_of_the_inputs() -> None:
    # y = Poisson(rate), rate ~ U(10, 30): Var(y) = Var(rate) + E[rate] = 100/3 + 20.
    case = make_case("""\
        quantities:
          rate: {label: "Rate", unit: 1/month, source: s,
                 distribution: {type: uniform, low: 10, high: 30}}
        dynamics:
          stocks:
            count: {label: "Count", initial: 0, update: "count + poisson(rate * dt)"}
        outputs:
          count: {label: "Count"}
        """)
    variance = 100 / 3 + 20
    result = analyze(case, "count", samples=4096)
    effect = result.effect("rate")
    assert result.noise_share == pytest.approx(20 / variance, abs=0.04)
    assert effect.first == pytest.approx((100 / 3) / variance, abs=0.05)
    assert effect.total == pytest.approx((100 / 3) / variance, abs=0.08)
    # Chance is 37% of the variance: the ranking uses the given-data first-order index.
    assert result.ranked_by == "full_first" and effect.importance == effect.full_first
    assert effect.full_first == pytest.approx((100 / 3) / variance, abs=0.04)
    assert any("chance" in note for note in result.notes)
    morris = analyze(case, "count", method="morris", samples=64)
    assert any("noise floor" in note for note in morris.notes)
    bars = tornado(case, "count", samples=4000)
    bar = bars.effect("rate")
    assert bar.swing_ci is not None and bar.swing_ci[0] < bar.swing < bar.swing_ci[1]
    assert bar.swing == pytest.approx(16.0, abs=4 * (bar.swing_ci[1] - bar.swing) / 1.96)


# -- thresholds, months, scenarios ---------------------------------------------------------
THRESHOLD_CASE = """\
    quantities:
      x1: {label: "Driver", source: s, distribution: {type: uniform, low: 0, high: 1}}
      x2: {label: "Nuisance", source: s, distribution: {type: uniform, low: 0, high: 1}}
    outputs:
      y:
        label: "y"
        expr: "x1 + 0.001 * x2"
        thresholds:
          - {id: high, label: "Above one half", above: 0.5}
          - {id: low, label: "Below a quarter", below: 0.25}
          - {id: never, label: "Above ten", above: 10}
    """


def test_threshold_statistic_analyses_the_probability_of_crossing() -> None:
    case = make_case(THRESHOLD_CASE)
    high = analyze(case, "y", statistic="high", samples=2048)
    assert high.statistic == "high" and high.unit == "1"
    assert high.mean == pytest.approx(0.5, abs=0.01)
    assert high.variance == pytest.approx(0.25, abs=0.01)
    assert high.names[0] == "x1" and high.effect("x1").first > 0.95
    assert high.effect("x2").total < 0.02
    low = analyze(case, "y", statistic="low", samples=2048)
    assert low.mean == pytest.approx(0.25, abs=0.01)
    bars = tornado(case, "y", statistic="high", samples=1000)
    driver = bars.effect("x1")
    assert (driver.low_output, driver.high_output) == (0.0, 1.0)  # x1 = 0.1 → no, 0.9 → yes
    assert bars.baseline == pytest.approx(0.5, abs=0.02)


def test_a_statistic_that_never_varies_gives_zero_indices_and_says_so() -> None:
    result = analyze(make_case(THRESHOLD_CASE), "y", statistic="never", samples=256)
    assert all(e.first == 0 and e.total == 0 for e in result.effects)
    assert "0%" in result.notes[-1] and "every index is 0" in result.notes[-1]


STARTER = "tests/brief/deployment.yaml"  # the old starter: troops, pay and a surge


def test_ranking_over_months_matches_single_month_analyses() -> None:
    case = load_case(STARTER)
    months = ["2024-12", "2025-06", "2026-10"]
    rankings = ranking_over_months(case, "revenue_usd", months, samples=512, seed=1)
    assert list(rankings) == months
    for month in months:
        alone = analyze(case, "revenue_usd", month, samples=512, seed=1)
        assert [e.name for e in rankings[month]] == alone.names
        assert [e.total for e in rankings[month]] == [e.total for e in alone.effects]
    results = analyze_months(case, "revenue_usd", months, samples=512, seed=1)
    assert results["2024-12"].evaluations > 0


def test_scenario_input_and_starts_in_sobol_and_tornado() -> None:
    case = load_case(STARTER)
    result = analyze(case, "deployed", samples=512)
    assert {"scenario", "start:surge"} <= set(result.names)
    scenario = result.effect("scenario")
    assert scenario.kind == "scenario" and scenario.assumption is not None
    assert scenario.assumption.startswith("Priors steady 70%, surge 30%")
    bars = tornado(case, "deployed", samples=200)
    bar = bars.effect("scenario")
    assert bar.by_scenario is not None and set(bar.by_scenario) == {"steady", "surge"}
    assert bar.low_output == min(bar.by_scenario.values())
    assert bar.high_output == max(bar.by_scenario.values())
    assert bar.low_text in ("Steady deployment", "Surge")
    start = bars.effect("start:surge")
    assert start.note == "scenario surge forced" and start.low_text.startswith("after ")
    assert start.label.en.startswith("Start of: Surge")
    assert start.low_value == pytest.approx(case.scenario("surge").start_marginal.quantile(0.1))


def test_effects_name_each_assumption_by_label_and_source() -> None:
    case = load_case(STARTER)
    result = analyze(case, "revenue_usd", samples=256)
    loss = result.effect("loss_rate")
    assert loss.label.en == "Monthly losses per soldier" and loss.label.ko
    assert loss.sources == () and loss.assumption and "analyst" in loss.assumption
    pay = result.effect("pay_per_soldier")
    assert pay.sources == ("report",) and result.source_titles(pay) == [
        "A report that gives the numbers"]
    document = result.to_dict()
    entry = next(e for e in document["effects"] if e["name"] == "pay_per_soldier")
    assert entry["sources"][0]["title"] == "A report that gives the numbers"
    assert entry["label"] == {"en": "Payment per soldier", "ko": "병사 1인당 대가"}


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    case = load_case("ishigami")
    one = analyze(case, "y", samples=256, seed=5).to_dict()
    two = analyze(case, "y", samples=256, seed=5).to_dict()
    other = analyze(case, "y", samples=256, seed=6).to_dict()
    for document in (one, two, other):
        document.pop("elapsed_seconds")
    assert one == two
    assert one["effects"] != other["effects"]


@pytest.mark.skipif("dprk-russia-2024" not in bundled_case_names(), reason="no bundled case")
def test_bundled_case_runs_and_warns_about_its_correlations() -> None:
    case = load_case("dprk-russia-2024")
    result = analyze(case, case.outputs[0].id, samples=128)
    assert "scenario" in result.names and len(result.names) == len(case.inputs)
    if case.correlation is not None:
        assert "correlates" in result.notes[0]
        assert any(e.group for e in result.effects)
    assert all(np.isfinite(e.importance) for e in result.effects)


# -- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"output": "nope"}, 'unknown output "nope"'),
        ({"month": "2030-01"}, "outside the horizon"),
        ({"month": "2025-1"}, "month must be YYYY-MM"),
        ({"statistic": "over_9000"}, 'unknown threshold "over_9000"'),
        ({"method": "fast"}, "method must be one of"),
        ({"samples": 1}, "samples must be"),
        ({"seed": -1}, "seed must be 0 or more"),
    ],
)
def test_bad_arguments_raise_usage_errors(arguments: dict[str, object], message: str) -> None:
    call: dict[str, object] = {"output": "y", "month": "2025-01", "samples": 16, **arguments}
    with pytest.raises(UsageError, match=message):
        analyze(load_case("ishigami"), **call)  # type: ignore[arg-type]
