"""Morris screening through SALib: elementary effects on a 4-level grid.

SALib's :func:`SALib.sample.morris.sample` builds ``r`` trajectories of ``k + 1`` points,
each step moving one input by ``Δ = p / (2 (p − 1))`` of its range on a ``p``-level grid,
and :func:`SALib.analyze.morris.analyze` returns ``mu``, ``mu_star`` (with a bootstrap
interval) and ``sigma``. yubi runs the grid on the inputs' *probability* scale, with the
levels at ``1/(p+1) … p/(p+1)`` (0.2, 0.4, 0.6, 0.8 for ``p = 4``) so no level falls on an
infinite tail; a step then moves an input by 40% of its probability range (from its 20th to
its 60th percentile, or from its 40th to its 80th). SALib divides each change by ``Δ`` on the
unit scale; yubi multiplies back, so ``mu_star`` is the mean absolute change of the statistic
(its own unit) per step.

Month-by-month chance (events, ``poisson()``) adds to every elementary effect. The
trajectories' first points are evaluated a second time with other noise: the mean absolute
change with *no* input moved is the noise floor, and an input whose ``mu_star`` is not
clearly above it cannot be told from chance (a note says so).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from yubi.analysis.sensitivity._dependence import correlation_note, groups_of
from yubi.analysis.sensitivity._problem import (
    FloatArray,
    Problem,
    base_effects,
    cached,
    constant_note,
    evaluate_points,
    make_result,
    results_by_month,
    subseed,
)
from yubi.analysis.sensitivity._result import SensitivityResult

__all__ = ["LEVELS", "run_morris"]

LEVELS = 4
RESAMPLES = 100
_LOW = 1 / (LEVELS + 1)
_HIGH = 1 - _LOW
#: SALib's step on the unit scale; times the grid's span it is the step in probability.
_DELTA = LEVELS / (2 * (LEVELS - 1))


@dataclass(frozen=True)
class _Runs:
    inputs: FloatArray  # SALib's points over the analysed columns
    outputs: dict[str, FloatArray]
    check: dict[str, FloatArray] | None  # first points again, with other noise
    evaluations: int
    elapsed: float


def run_morris(problem: Problem, samples: int, seed: int) -> dict[str, SensitivityResult]:
    """Morris screening at each of the problem's months from ``samples`` trajectories."""
    case = problem.case
    trajectories = max(2, samples)
    groups = groups_of(problem)
    stride = len(dict.fromkeys(groups)) + 1
    salib_problem = problem.salib_problem(_LOW, _HIGH, groups)

    def compute() -> _Runs:
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from SALib.sample import morris as morris_sample  # pandas: on first use

            points = morris_sample.sample(salib_problem, trajectories, num_levels=LEVELS,
                                          seed=subseed(seed, "design"))
        design, outputs, check = evaluate_points(case, problem, points, seed, stride)
        rows = design.shape[0] + (trajectories if check is not None else 0)
        return _Runs(points, outputs, check, rows, time.perf_counter() - started)

    key = (trajectories, seed, problem.month_indices, problem.columns)
    runs: _Runs
    runs, hit = cached("morris", case, key, compute)
    elapsed = 0.0 if hit else runs.elapsed
    return results_by_month(
        problem, elapsed,
        lambda position: _month_result(problem, position, runs, groups, trajectories, seed),
    )


def _month_result(
    problem: Problem,
    position: int,
    runs: _Runs,
    groups: list[str],
    trajectories: int,
    seed: int,
) -> SensitivityResult:
    y = problem.statistic.apply(runs.outputs[problem.output.id][:, position])
    notes: list[str] = []
    effects = base_effects(problem)
    if np.ptp(y) == 0:
        notes.append(constant_note(problem, position, float(y[0])))
        effects = [e.with_values(mu_star=0.0, mu_star_ci=(0.0, 0.0), mu=0.0, sigma=0.0,
                                 importance=0.0) for e in effects]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from SALib.analyze import morris as morris_analyze

            indices = morris_analyze.analyze(
                problem.salib_problem(_LOW, _HIGH, groups), runs.inputs, y,
                num_resamples=RESAMPLES, conf_level=0.95, num_levels=LEVELS,
                seed=subseed(seed, "bootstrap"),
            )
        unique = list(dict.fromkeys(groups))
        mu_star = _array(indices["mu_star"]) * _DELTA
        conf = _array(indices["mu_star_conf"]) * _DELTA
        mu = _array(indices["mu"]) * _DELTA
        sigma = _array(indices["sigma"]) * _DELTA
        updated = []
        for j, effect in enumerate(effects):
            g = unique.index(groups[j])
            grouped = groups[j] != problem.names[j]
            updated.append(effect.with_values(
                mu_star=float(mu_star[g]),
                mu_star_ci=(float(mu_star[g] - conf[g]), float(mu_star[g] + conf[g])),
                mu=float(mu[g]),
                sigma=None if grouped or not np.isfinite(sigma[g]) else float(sigma[g]),
                importance=float(mu_star[g]),
                group=tuple(groups[j].split("+")) if grouped else None,
            ))
        effects = updated
    if problem.correlated:
        notes.insert(0, correlation_note(problem, "morris"))
    if runs.check is not None:
        stride = len(dict.fromkeys(groups)) + 1
        again = problem.statistic.apply(runs.check[problem.output.id][:, position])
        floor = float(np.mean(np.abs(y[0::stride] - again)))
        if floor > 0:
            notes.append(
                "Month-by-month chance (events, random draws) moves the statistic by about "
                f"{floor:.4g} on average with no input moved (the noise floor, in the same "
                "unit as mu*); an input whose mu* is not clearly above it cannot be told from "
                "chance, and sigma includes chance."
            )
    return make_result(
        problem, position, "morris", effects, notes,
        samples=trajectories, evaluations=runs.evaluations, seed=seed, elapsed=0.0,
        ranked_by="mu_star",
    )


def _array(values: object) -> FloatArray:
    """A SALib result column (possibly masked) as floats, masked entries NaN."""
    return np.ma.filled(np.ma.asarray(values, dtype=np.float64), np.nan)
