"""What the monthly loop does (docs/case-format.md §9.4 and §10), checked on tiny cases.

Scenario shares, delayed and event-triggered starts, event hazards, stocks with ``flow`` and
``update``, the order of updates within a month, unit conversion of outputs, overrides and
common random numbers. Expected values come from the documented semantics (a geometric
distribution for a constant hazard, ``1 - (1 - h)^n`` for "fired by month n", ...).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from yubi.engine import simulate
from yubi.engine.evaluate import evaluate_design

from .core_cases import BASE, compile_text, edit, minimal_case


def _mean(result: object, output: str, scenario: str = "all") -> np.ndarray:
    return result.statistic(output, "mean", scenario)


def _within(observed: float, expected: float, n: int, sigmas: float = 5.0) -> bool:
    """A proportion within ``sigmas`` binomial standard errors of ``expected``."""
    return abs(observed - expected) <= sigmas * math.sqrt(expected * (1 - expected) / n) + 1e-12


def _scenario(id_: str, prior: float, extra: str = "") -> str:
    text = f"  - id: {id_}\n    label: {id_}\n    prior: {prior}\n    prior_assumption: x\n"
    return text + "".join(f"    {line}\n" for line in extra.splitlines())


# -- scenarios -------------------------------------------------------------------------------
@pytest.mark.parametrize("sampler", ["mc", "lhs", "sobol"])
def test_scenario_shares_match_priors(sampler: str) -> None:
    priors = {"a": 0.2, "b": 0.5, "c": 0.3}
    case = compile_text(
        minimal_case(
            scenarios="".join(_scenario(k, p) for k, p in priors.items()),
            outputs="  unused: {label: U}\n",
        )
    )
    samples = 1 << 14
    result = simulate(case, samples, seed=5, sampler=sampler, threads=1)
    shares = result.scenario_share()
    for scenario, prior in priors.items():
        assert _within(shares[scenario], prior, samples), (scenario, shares)
        count = result.to_dict()["scenarios"][list(priors).index(scenario)]["trajectories"]
        assert count == round(shares[scenario] * samples)
    if sampler != "mc":  # stratified designs hit the priors almost exactly
        for scenario, prior in priors.items():
            assert abs(shares[scenario] - prior) <= 2 / samples


def test_a_zero_prior_scenario_is_never_drawn_and_reports_nothing() -> None:
    case = compile_text(
        minimal_case(
            scenarios=_scenario("a", 1.0) + _scenario("never", 0.0),
            outputs="  unused: {label: U}\n",
        )
    )
    result = simulate(case, 2000, seed=1, threads=1)
    assert result.scenario_share() == {"a": 1.0, "never": 0.0}
    assert np.isnan(result.statistic("unused", "p50", "never")).all()
    series = result.to_dict()["outputs"][0]["by_scenario"]["never"]
    assert all(row["mean"] is None and row["p50"] is None for row in series)


DELAYED = minimal_case(
    quantities=(
        "  level: {label: L, unit: soldier, value: 1, source: report}\n"
        "  noise: {label: N, distribution: {type: uniform, low: 0, high: 1}, source: report}\n"
    ),
    flows="    x:\n      label: X\n      unit: soldier\n      expr: level * 0\n",
    scenarios=_scenario("base", 0.5)
    + _scenario(
        "late",
        0.5,
        "starts: {month: 3}\noverrides:\n"
        "  x: {expr: level * 2, assumption: a}\n"
        "  level: {value: 5, assumption: a}\n",
    ),
    outputs=(
        "  x: {label: X, unit: soldier}\n"
        "  level: {label: L, unit: soldier}\n"
        "  active: {label: A, expr: 'where(scenario(\"late\"), 1, 0)'}\n"
    ),
    months=6,
)


def test_a_delayed_start_takes_effect_exactly_at_its_month_index() -> None:
    case = compile_text(DELAYED)
    result = simulate(case, 500, seed=2, threads=1)
    before, after = slice(0, 3), slice(3, 6)
    for statistic in ("mean", "p05", "p50", "p95"):
        late_x = result.statistic("x", statistic, "late")
        assert_array_equal(late_x[before], 0.0)
        assert_array_equal(late_x[after], 10.0)  # the override reads the switched quantity
        late_level = result.statistic("level", statistic, "late")
        assert_array_equal(late_level[before], 1.0)
        assert_array_equal(late_level[after], 5.0)
        assert_array_equal(result.statistic("x", statistic, "base"), 0.0)
        assert_array_equal(result.statistic("active", statistic, "late"), [0, 0, 0, 1, 1, 1])
        assert_array_equal(result.statistic("active", statistic, "base"), 0.0)


def test_an_uncertain_start_month_is_drawn_per_trajectory() -> None:
    text = edit(
        DELAYED,
        "starts: {month: 3}",
        "starts: {month: {type: uniform, low: 1.5, high: 4.5}, assumption: a}",
    )
    case = compile_text(text)
    samples = 1 << 14
    result = simulate(case, samples, seed=3, threads=1)
    active = _mean(result, "active", "late")
    # In effect from the first month index >= the drawn start: P(start <= m).
    expected = np.clip((np.arange(6) - 1.5) / 3, 0, 1)
    count = result.to_dict()["scenarios"][1]["trajectories"]
    for month in range(6):
        assert _within(active[month], expected[month], count), (month, active)


EVENT_START = minimal_case(
    events="    e:\n      label: E\n      hazard: '0.2'\n      assumption: a\n",
    scenarios=_scenario("after", 1.0, "starts: {event: e}"),
    outputs=("  e: {label: E}\n  active: {label: A, expr: 'where(scenario(\"after\"), 1, 0)'}\n"),
    months=8,
)


def test_an_event_fires_with_its_monthly_hazard_and_starts_a_scenario(tmp_path: Path) -> None:
    case = compile_text(EVENT_START)
    samples = 20000
    path = tmp_path / "t.parquet"
    result = simulate(case, samples, seed=4, threads=1, trajectories=path)
    months = np.arange(8)
    fired = _mean(result, "e")
    active = _mean(result, "active")
    for month in months:
        # Fired in months 0..m: 1 - (1 - h)^(m + 1); the scenario follows one month later.
        assert _within(fired[month], 1 - 0.8 ** (month + 1), samples)
        assert _within(active[month], 1 - 0.8**month, samples)
    # Per trajectory: the scenario is in effect exactly from the month after the event.
    frame = pd.read_parquet(path).sort_values(["trajectory", "month"])
    event = frame["e"].to_numpy().reshape(samples, 8)
    in_effect = frame["active"].to_numpy().reshape(samples, 8)
    assert_array_equal(in_effect[:, 1:], event[:, :-1])
    assert_array_equal(in_effect[:, 0], 0)
    assert np.all(np.diff(event, axis=1) >= 0)  # once fired, it stays fired
    # The month of first firing is geometric: P(k) = (1 - h)^k h, k = 0, 1, ...
    first = np.where(event.any(axis=1), event.argmax(axis=1), 8)
    observed = np.bincount(first, minlength=9)
    expected = np.append(stats.geom(0.2, loc=-1).pmf(months), 0.8**8) * samples
    assert stats.chisquare(observed, expected).pvalue > 1e-4


def test_a_hazard_can_change_with_time() -> None:
    text = edit(EVENT_START, "hazard: '0.2'", "hazard: 'where(month >= 3, 0.5, 0)'")
    result = simulate(compile_text(text), 20000, seed=6, threads=1)
    fired = _mean(result, "e")
    assert_array_equal(fired[:3], 0.0)
    for month in range(3, 8):
        assert _within(fired[month], 1 - 0.5 ** (month - 2), 20000)


# -- stocks and the order of a month -------------------------------------------------------
STOCKS = minimal_case(
    quantities="  c: {label: C, unit: soldier/month, value: 2, source: report}\n",
    stocks=(
        "    by_flow: {label: F, unit: soldier, initial: 10, flow: c}\n"
        "    by_update: {label: U, unit: soldier, initial: 10, update: by_update + c * dt}\n"
        "    doubling: {label: D, unit: soldier, initial: 1, update: doubling * 2}\n"
        "    counter: {label: K, unit: month, initial: 0, flow: '1'}\n"
    ),
    flows="    seen: {label: S, unit: month, expr: counter}\n",
    outputs=(
        "  by_flow: {label: F, unit: soldier}\n"
        "  by_update: {label: U, unit: soldier}\n"
        "  doubling: {label: D, unit: soldier}\n"
        "  counter: {label: K, unit: month}\n"
        "  seen: {label: S, unit: month}\n"
    ),
    months=5,
)


def test_stock_flow_and_update_semantics() -> None:
    result = simulate(compile_text(STOCKS), 50, seed=0, threads=1)
    months = np.arange(5)
    # Outputs are recorded after month m's update: m + 1 updates have happened.
    assert_array_equal(_mean(result, "by_flow"), 10 + 2 * (months + 1))
    assert_array_equal(_mean(result, "by_update"), 10 + 2 * (months + 1))
    assert_array_equal(_mean(result, "doubling"), 2.0 ** (months + 1))
    assert_array_equal(_mean(result, "counter"), months + 1)
    # A flow reads last month's stocks.
    assert_array_equal(_mean(result, "seen"), months)


def test_stocks_update_all_at_once_from_last_months_values() -> None:
    text = minimal_case(
        stocks=(
            "    a: {label: A, initial: 1, update: b}\n    b: {label: B, initial: 2, update: a}\n"
        ),
        outputs="  a: {label: A}\n  b: {label: B}\n",
        months=4,
    )
    result = simulate(compile_text(text), 10, seed=0, threads=1)
    assert_array_equal(_mean(result, "a"), [2, 1, 2, 1])  # swapped every month
    assert_array_equal(_mean(result, "b"), [1, 2, 1, 2])


def test_the_base_case_runs_as_documented() -> None:
    """BASE: deployed(m) = troops * 0.9^(m+1); revenue adds deployed * pay each month."""
    case = compile_text(BASE)
    design = np.array([[0.3, 0.5], [0.9, 0.05]])  # steady at the median; surge at p05
    values = evaluate_design(case, design)
    troops = np.array([math.sqrt(10 * 20), 10.0])
    months = np.arange(6)
    deployed = troops[:, None] * 0.9 ** (months + 1)
    assert_allclose(values["deployed"], deployed, rtol=1e-12)
    # Revenue adds last month's deployed times 100 KRW/soldier/month; then / 1380 KRW/USD.
    paid = np.cumsum(troops[:, None] * 0.9**months * 1200 / 12, axis=1)
    assert_allclose(values["revenue_usd"], paid / 1380, rtol=1e-12)


# -- units -----------------------------------------------------------------------------------
def test_outputs_are_converted_to_their_declared_unit() -> None:
    text = minimal_case(
        quantities=(
            "  pay: {label: P, unit: KRW/year, value: 1200, source: report}\n"
            "  share: {label: S, value: 0.186, source: report}\n"
            "  troops: {label: T, unit: soldier, value: 12000, source: report}\n"
            "  daily: {label: D, unit: soldier/day, value: 1400, source: report}\n"
        ),
        stocks="    paid: {label: Paid, unit: KRW, flow: pay}\n",
        outputs=(
            "  per_year: {label: Y, unit: KRW/year, expr: pay}\n"
            "  per_month: {label: M, unit: KRW/month, expr: pay}\n"
            "  per_day: {label: D, unit: KRW/day, expr: pay}\n"
            "  paid: {label: Paid, unit: KRW}\n"
            "  percent: {label: P, unit: '%', expr: share}\n"
            "  thousands: {label: K, unit: 1000 soldier, expr: troops}\n"
            "  daily_in_months: {label: DM, unit: soldier/month, expr: daily}\n"
        ),
        months=3,
    )
    result = simulate(compile_text(text), 20, seed=0, threads=1)
    assert_allclose(_mean(result, "per_year"), 1200, rtol=1e-12)
    assert_allclose(_mean(result, "per_month"), 100, rtol=1e-12)
    assert_allclose(_mean(result, "per_day"), 1200 / 365.25, rtol=1e-12)
    assert_allclose(_mean(result, "paid"), [100, 200, 300], rtol=1e-12)
    assert_allclose(_mean(result, "percent"), 18.6, rtol=1e-12)
    assert_allclose(_mean(result, "thousands"), 12, rtol=1e-12)
    assert_allclose(_mean(result, "daily_in_months"), 1400 * 365.25 / 12, rtol=1e-12)


def test_a_distribution_is_read_in_the_declared_unit() -> None:
    text = minimal_case(
        quantities="  pay: {label: P, unit: KRW/year, value: '1200 to 2400', source: report}\n",
        outputs="  pay: {label: P, unit: KRW/month}\n",
        months=1,
    )
    case = compile_text(text)
    design = np.array([[0.5, 0.05], [0.5, 0.5], [0.5, 0.95]])
    values = evaluate_design(case, design)["pay"][:, 0]
    assert_allclose(values, np.array([1200, math.sqrt(1200 * 2400), 2400]) / 12, rtol=1e-9)


# -- overrides --------------------------------------------------------------------------------
def test_a_distribution_override_reuses_the_base_draw() -> None:
    """Common random numbers: the same percentile of the base and of the override."""
    text = minimal_case(
        quantities=(
            "  q: {label: Q, distribution: {type: normal, mean: 0, sd: 1}, source: report}\n"
        ),
        scenarios=_scenario("a", 0.5)
        + _scenario(
            "b",
            0.5,
            "overrides:\n  q: {distribution: {type: normal, mean: 10, sd: 2}, assumption: x}",
        ),
        outputs="  q: {label: Q}\n",
        months=1,
    )
    case = compile_text(text)
    assert len(case.inputs) == 2  # one column serves both definitions
    u = np.array([0.1, 0.5, 0.8])
    rows = np.column_stack([np.r_[np.full(3, 0.25), np.full(3, 0.75)], np.r_[u, u]])
    values = evaluate_design(case, rows)["q"][:, 0]
    z = stats.norm.ppf(u)
    assert_allclose(values, np.r_[z, 10 + 2 * z], rtol=1e-12, atol=1e-12)


def test_a_flow_can_be_overridden_by_a_distribution() -> None:
    text = minimal_case(
        flows="    f: {label: F, expr: '0'}\n",
        scenarios=_scenario("a", 0.5)
        + _scenario("b", 0.5, "overrides:\n  f: {value: '1 to 2', assumption: x}"),
        outputs="  f: {label: F}\n",
        months=2,
    )
    case = compile_text(text)
    column = case.inputs[-1]
    assert column.name == "f" and column.assumption == "x"
    result = simulate(case, 4000, seed=1, threads=1)
    assert_array_equal(result.statistic("f", "p95", "a"), 0.0)
    assert_allclose(result.statistic("f", "p50", "b"), math.sqrt(2), rtol=2e-2)


def test_scenario_function_arithmetic_reads_zero_and_one() -> None:
    """scenario() is a boolean: arithmetic on it reads 1 and 0 (NumPy refuses ``True - True``)."""
    text = minimal_case(
        scenarios=_scenario("a", 0.5) + _scenario("b", 0.5),
        outputs='  d: {label: D, expr: \'scenario("a") - scenario("b")\'}\n'
        "  n: {label: N, expr: '-scenario(\"b\") + 0'}\n",
        months=1,
    )
    result = simulate(compile_text(text), 100, seed=0, threads=1)
    assert result.statistic("d", "mean", "a")[0] == 1.0
    assert result.statistic("d", "mean", "b")[0] == -1.0
    assert result.statistic("n", "mean", "b")[0] == -1.0


def test_random_functions_in_flows_draw_per_trajectory() -> None:
    text = minimal_case(
        flows="    k: {label: K, expr: 'poisson(3)'}\n",
        outputs="  k: {label: K}\n",
        months=3,
    )
    result = simulate(compile_text(text), 5000, seed=0, threads=1)
    assert_allclose(result.statistic("k", "sd"), math.sqrt(3), rtol=0.1)


def test_evaluate_design_reproduces_a_runs_trajectories(tmp_path: Path) -> None:
    """On the run's own design and seed, evaluate_design gives every trajectory, in row order."""
    from yubi.engine.run import CHUNK_SIZE
    from yubi.engine.sampling import chunk_design

    case = compile_text(DELAYED.replace("level * 0", "level * poisson(noise * 3)"))
    path = tmp_path / "t.parquet"
    simulate(case, 3000, seed=5, threads=1, trajectories=path)
    frame = pd.read_parquet(path).sort_values(["trajectory", "month"])
    design = chunk_design("mc", 5, 0, CHUNK_SIZE, 3000, len(case.inputs), case.correlation)
    values = evaluate_design(case, design, seed=5)
    for output in ("x", "level", "active"):
        assert_array_equal(values[output], frame[output].to_numpy().reshape(3000, 6))
    kept = evaluate_design(case, design[::-1], seed=5, months=[4, 1])["level"]
    assert_array_equal(kept, values["level"][::-1][:, [4, 1]])


def test_a_stock_may_start_from_a_quantity_a_delayed_scenario_overrides() -> None:
    """The initial value reads the quantity as of month 0 (the base: the scenario is later)."""
    text = DELAYED.replace(
        "  flows:\n",
        "  stocks:\n    start: {label: S, unit: soldier, initial: level, flow: '0 * level / dt'}\n"
        "  flows:\n",
    ).replace("outputs:\n", "outputs:\n  start: {label: S, unit: soldier}\n")
    result = simulate(compile_text(text), 200, seed=0, threads=1)
    assert_array_equal(result.statistic("start", "mean", "late"), 1.0)
