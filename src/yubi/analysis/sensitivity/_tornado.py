"""The tornado: one input at a time from its 10th to its 90th percentile.

For the output's value, every other input sits at its median (design value 0.5). Readers
see how far each assumption alone moves the result, in the output's own unit. Three inputs
need a rule of their own:

* **The scenario input** has no percentiles: its bar forces each scenario in turn and spans
  the lowest and the highest result (:attr:`InputEffect.by_scenario` keeps them all). The
  baseline puts the scenario column at 0.5 too: the scenario whose prior interval holds the
  median.
* **A scenario's start month** only matters in that scenario: its bar forces the scenario.
* **Correlated inputs** cannot move alone: a partner moves to its conditional median given
  the moved input (Gaussian copula: normal score ``r · z``).

For a **threshold**, "the rest at their medians" would decide the crossing for one point
only, so each end of a bar is P(crossing) with the moved input fixed and every other input
drawn from its (conditional) distribution: ``samples`` draws, the same draws for every bar.

Month-by-month chance: with events or random functions, each setting is evaluated
``samples`` times with different noise and averaged, every setting with the same seed (so
where the engine's draws line up the noise is common and cancels in the swing; see
:mod:`._problem`); ``swing_ci`` is the 95% interval of the paired differences, valid either
way. An output that chance never moves is evaluated once per setting.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
from scipy import special
from scipy.stats import qmc

from yubi.analysis.sensitivity._dependence import correlation_note
from yubi.analysis.sensitivity._problem import (
    FloatArray,
    Problem,
    base_effects,
    cached,
    evaluate_blocks,
    make_result,
    scenario_midpoints,
    subseed,
)
from yubi.analysis.sensitivity._result import InputEffect, SensitivityResult
from yubi.engine.sampling import gaussian_copula
from yubi.engine.simulate import scenario_of

__all__ = ["HIGH", "LOW", "run_tornado"]

LOW = 0.1
HIGH = 0.9
_Z = 1.959963984540054  # two-sided 95% normal quantile
_EPSILON = 2.0**-53


def run_tornado(problem: Problem, samples: int, seed: int) -> dict[str, SensitivityResult]:
    """Tornado bars at each of the problem's months."""
    case = problem.case
    probability = problem.statistic.is_probability
    replicates = max(1, samples) if (problem.noisy or probability) else 1
    plan = _plan(problem)

    # Evaluations hold every output: keep all, so another output reuses them.
    key = (replicates, seed, probability, problem.month_indices, problem.columns)

    def compute_all() -> tuple[dict[str, list[FloatArray]], int, float]:
        started = time.perf_counter()
        base = _base(problem, replicates, seed)
        blocks = [_setting(problem, base, setting) for setting in plan]
        evaluated = evaluate_blocks(case, blocks, seed=subseed(seed, "noise"),
                                    months=problem.month_indices)
        outputs = {o.id: [block[o.id] for block in evaluated] for o in case.outputs}
        return outputs, replicates * len(blocks), time.perf_counter() - started

    runs: tuple[dict[str, list[FloatArray]], int, float]
    runs, hit = cached("tornado", case, key, compute_all)
    outputs, evaluations, elapsed = runs
    elapsed = 0.0 if hit else elapsed
    values = outputs[problem.output.id]

    if replicates > 1 and not probability and all(np.ptp(block, axis=0).max() == 0
                                                  for block in values):
        # Chance never moved this output: one replicate says it all.
        values = [block[:1] for block in values]
        replicates = 1
    results = {}
    for position, month in enumerate(problem.months):
        started = time.perf_counter()
        blocks = [problem.statistic.apply(block[:, position]) for block in values]
        result = _month_result(problem, position, plan, blocks, replicates, seed, evaluations)
        results[month] = replace(result, elapsed=elapsed + time.perf_counter() - started)
        elapsed = 0.0
    return results


# -- the settings ----------------------------------------------------------------------------
# (column, design value, forced scenario index): column None is the baseline.
_Setting = tuple[int | None, float | None, int | None]


def _plan(problem: Problem) -> list[_Setting]:
    case = problem.case
    midpoints = scenario_midpoints(case)
    plan: list[_Setting] = [(None, None, None)]
    for column in problem.columns:
        kind = case.inputs[column].kind
        if kind == "scenario":
            plan.extend((column, None, index) for index in midpoints)
        elif kind == "start":
            scenario = next(s for s in case.scenarios if s.start_column == column)
            plan.extend((column, u, scenario.index) for u in (LOW, HIGH))
        else:
            plan.extend((column, u, None) for u in (LOW, HIGH))
    return plan


def _base(problem: Problem, replicates: int, seed: int) -> FloatArray:
    """Independent uniforms for the inputs held still: 0.5 (value) or draws (threshold)."""
    width = len(problem.case.inputs)
    if not problem.statistic.is_probability:
        return np.full((replicates, width), 0.5)
    engine = qmc.LatinHypercube(width, rng=np.random.default_rng(subseed(seed, "design")))
    base = np.full((replicates, width), 0.5)
    columns = list(problem.columns)
    base[:, columns] = engine.random(replicates)[:, columns]
    np.clip(base, _EPSILON, 1 - _EPSILON, out=base)
    return base


def _setting(problem: Problem, base: FloatArray, setting: _Setting) -> FloatArray:
    column, value, scenario = setting
    case = problem.case
    correlation = case.correlation
    if column is not None and value is not None and correlation is not None and np.any(
        np.abs(np.delete(correlation[column], column)) > 0
    ):
        design = _conditional(base, correlation, column, value)
    else:
        design = base.copy() if correlation is None else gaussian_copula(base, correlation)
        if column is not None and value is not None:
            design[:, column] = value
    if scenario is not None:
        design[:, 0] = scenario_midpoints(case)[scenario]
    return design


def _conditional(
    base: FloatArray, correlation: FloatArray, column: int, value: float
) -> FloatArray:
    """Draws of the copula given ``column`` = ``value``: Cholesky with that column first."""
    order = [column, *(j for j in range(correlation.shape[0]) if j != column)]
    factor = np.linalg.cholesky(correlation[np.ix_(order, order)])
    scores = special.ndtri(base[:, order])
    scores[:, 0] = special.ndtri(value)
    mixed = np.zeros_like(scores)
    # Column by column (no BLAS product): bit-identical whatever the thread count.
    for target in range(len(order)):
        for source in range(target + 1):
            weight = factor[target, source]
            if weight:
                mixed[:, target] += weight * scores[:, source]
    design = np.empty_like(base)
    design[:, order] = special.ndtr(mixed)
    np.clip(design, _EPSILON, 1 - _EPSILON, out=design)
    return design


# -- the result ------------------------------------------------------------------------------
def _month_result(
    problem: Problem,
    position: int,
    plan: list[_Setting],
    blocks: list[FloatArray],
    replicates: int,
    seed: int,
    evaluations: int,
) -> SensitivityResult:
    case = problem.case
    baseline = float(blocks[0].mean())
    by_setting = {setting: block for setting, block in zip(plan, blocks, strict=True)}
    effects: list[InputEffect] = []
    for effect, column in zip(base_effects(problem), problem.columns, strict=True):
        entry = case.inputs[column]
        if entry.kind == "scenario":
            effects.append(_scenario_bar(problem, effect, column, by_setting, replicates))
            continue
        low = by_setting[(column, LOW, _forced(problem, column))]
        high = by_setting[(column, HIGH, _forced(problem, column))]
        assert entry.marginal is not None
        low_value, high_value = entry.marginal.quantile(LOW), entry.marginal.quantile(HIGH)
        note = None
        if entry.kind == "start":
            scenario = next(s for s in case.scenarios if s.start_column == column)
            note = f"scenario {scenario.id} forced"
            texts = (f"after {low_value:.1f} months", f"after {high_value:.1f} months")
        else:
            unit = _unit(problem, entry.name)
            texts = (_text(low_value, unit), _text(high_value, unit))
        effects.append(_bar(effect, low, high, replicates).with_values(
            low_value=low_value,
            high_value=high_value,
            low_text=texts[0],
            high_text=texts[1],
            note=note,
        ))
    notes = [_method_note(problem, replicates)]
    if problem.correlated:
        notes.insert(0, correlation_note(problem, "tornado"))
    return make_result(
        problem, position, "tornado", effects, notes,
        samples=replicates, evaluations=evaluations, seed=seed, elapsed=0.0,
        ranked_by="swing", baseline=baseline,
    )


def _forced(problem: Problem, column: int) -> int | None:
    if problem.case.inputs[column].kind != "start":
        return None
    return next(s.index for s in problem.case.scenarios if s.start_column == column)


def _bar(effect: InputEffect, low: FloatArray, high: FloatArray, replicates: int) -> InputEffect:
    low_output, high_output = float(low.mean()), float(high.mean())
    swing = high_output - low_output
    interval = None
    if replicates > 1:
        spread = float(np.std(high - low, ddof=1)) / math.sqrt(replicates)
        interval = (swing - _Z * spread, swing + _Z * spread)
    return effect.with_values(low_output=low_output, high_output=high_output, swing=swing,
                              swing_ci=interval, importance=abs(swing))


def _scenario_bar(
    problem: Problem,
    effect: InputEffect,
    column: int,
    by_setting: dict[_Setting, FloatArray],
    replicates: int,
) -> InputEffect:
    case = problem.case
    forced = {s.id: by_setting[(column, None, s.index)] for s in case.scenarios
              if (column, None, s.index) in by_setting}
    means = {scenario_id: float(block.mean()) for scenario_id, block in forced.items()}
    lowest = min(means, key=means.__getitem__)
    highest = max(means, key=means.__getitem__)
    labels = {s.id: s.label.en for s in case.scenarios}
    return _bar(effect, forced[lowest], forced[highest], replicates).with_values(
        low_value=math.nan,
        high_value=math.nan,
        low_text=labels[lowest],
        high_text=labels[highest],
        by_scenario=means,
        note="each scenario forced in turn",
    )


def _method_note(problem: Problem, replicates: int) -> str:
    case = problem.case
    if problem.statistic.is_probability:
        text = (
            f"Each bar is {problem.statistic.describe(problem.output)} with one input at its "
            f"10th and at its 90th percentile and every other input drawn from its "
            f"distribution ({replicates:,} draws, the same for every bar)."
        )
    else:
        median = case.scenarios[int(_median_scenario(problem))]
        text = (
            "Each bar moves one input from its 10th to its 90th percentile with every other "
            f"input at its median (the scenario at the median of the priors: {median.id})."
        )
        if replicates > 1:
            text += (
                f" Month-by-month chance is averaged over {replicates:,} replicates (one seed "
                "for every bar); the swing's interval comes from the paired replicates."
            )
    return text


def _median_scenario(problem: Problem) -> int:
    return int(scenario_of(problem.case, np.array([0.5]))[0])


def _unit(problem: Problem, name: str) -> str:
    quantity = problem.case.file.quantities.get(name)
    return quantity.unit if quantity is not None else "1"


def _text(value: float, unit: str) -> str:
    number = format_number(value)
    return number if unit in ("1", "") else f"{number} {unit}"


def format_number(value: float) -> str:
    """A number for readers: 4 significant digits, thousands separated."""
    if not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e7:
        return f"{float(f'{value:.4g}'):,.10g}"
    return f"{value:.3g}"
