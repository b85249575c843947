"""Sobol' first-order and total indices through SALib (Saltelli design, Jansen total).

SALib's :func:`SALib.sample.sobol.sample` proposes ``N (g + 2)`` points for ``g`` analysed
inputs or correlated groups (rows ``A, AB_1 … AB_g, B`` per base sample, no second-order
terms) and :func:`SALib.analyze.sobol.analyze` estimates the indices with bootstrap 95%
intervals; yubi only evaluates the points (with the case's copula applied, see
:mod:`._dependence`).

Month-by-month chance
---------------------
A case with events or ``poisson()`` gives a random output even at a fixed design point:
``Y = f(X, ω)``. yubi evaluates every point with independent noise ``ω`` and evaluates block
``A`` a second time with other noise, which measures the *noise share*

    ``η = E[Var(Y | X)] / Var(Y) = E[(f(A, ω) − f(A, ω'))²] / 2 / Var(Y)``,

the total index of chance itself. With independent noise SALib's first-order estimator
``E[f(B)(f(AB_i) − f(A))] / Var(Y)`` is unbiased for ``S_i = Var(E[Y | X_i]) / Var(Y)``,
while its total estimator ``E[(f(A) − f(AB_i))²] / 2 / Var(Y)`` equals ``T_i + η``, where
``T_i`` is the total index of ``X_i`` in the noise-averaged output ``E[Y | X]`` (as a share of
``Var(Y)``). yubi reports ``T_i`` = SALib's estimate − ``η̂``, its interval widened by the
noise estimate's (in quadrature). So ``S_i ≤ T_i``, ``Σ S_i + η ≤ 1``, and chance is not
counted against any input. (Common random numbers would instead count interactions with
chance against the inputs, and the engine cannot promise them: see :mod:`._problem`.)

Without common random numbers the noise stays in every pick-freeze difference, so the
intervals of noisy outputs are wide (at N = 2048 and η ≈ 0.3, about ±0.1 on a total index)
and inputs with small effects trade places at random. From ``η ≥ 0.05`` the ranking
therefore uses each input's full first-order index estimated from the ``2N`` base samples as
given data (``full_first``, SALib RBD-FAST), whose error is a few hundredths; the Sobol'
indices are still reported with their intervals. (For an input outside any correlated group
the full first-order index is the ordinary one.)
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from yubi.analysis.sensitivity._dependence import (
    correlation_note,
    given_data_first,
    groups_of,
    rank_correlations,
)
from yubi.analysis.sensitivity._problem import (
    FloatArray,
    Problem,
    base_effects,
    cached,
    constant_note,
    evaluate_points,
    make_result,
    noise_note,
    results_by_month,
    subseed,
)
from yubi.analysis.sensitivity._result import InputEffect, SensitivityResult

__all__ = ["base_samples", "run_sobol"]

RESAMPLES = 100
#: Noise share from which the ranking uses ``full_first`` rather than the total index.
NOISY_RANKING = 0.05
_Z = 1.959963984540054  # two-sided 95% normal quantile


@dataclass(frozen=True)
class _Runs:
    inputs: FloatArray  # the design over the analysed columns (copula applied)
    outputs: dict[str, FloatArray]  # SALib row order, (N (g + 2), months)
    check: dict[str, FloatArray] | None  # block A again, with other noise
    evaluations: int
    elapsed: float


def base_samples(samples: int) -> int:
    """``samples`` rounded up to a power of two (the Sobol' sequence's balance needs it)."""
    return 1 << max(1, int(samples - 1).bit_length())


def run_sobol(problem: Problem, samples: int, seed: int) -> dict[str, SensitivityResult]:
    """Sobol' indices at each of the problem's months from one design of ``samples`` rows."""
    case = problem.case
    base = base_samples(samples)
    groups = groups_of(problem)
    stride = len(dict.fromkeys(groups)) + 2

    def compute() -> _Runs:
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from SALib.sample import sobol as sobol_sample  # pandas: on first use

            points = sobol_sample.sample(problem.salib_problem(groups=groups), base,
                                         calc_second_order=False, scramble=True,
                                         seed=subseed(seed, "design"))
        design, outputs, check = evaluate_points(case, problem, points, seed, stride)
        rows = design.shape[0] + (base if check is not None else 0)
        return _Runs(design[:, list(problem.columns)], outputs, check, rows,
                     time.perf_counter() - started)

    key = (base, seed, problem.month_indices, problem.columns)
    runs: _Runs
    runs, hit = cached("sobol", case, key, compute)
    elapsed = 0.0 if hit else runs.elapsed
    return results_by_month(
        problem, elapsed,
        lambda position: _month_result(problem, position, runs, groups, base, seed),
    )


def _month_result(
    problem: Problem,
    position: int,
    runs: _Runs,
    groups: list[str],
    base: int,
    seed: int,
) -> SensitivityResult:
    unique = list(dict.fromkeys(groups))
    stride = len(unique) + 2
    y = problem.statistic.apply(runs.outputs[problem.output.id][:, position])
    notes: list[str] = []
    # Blocks A and B: 2N independent draws of the case's joint law (AB rows mix two draws).
    rows = np.sort(np.concatenate([np.arange(0, y.size, stride),
                                   np.arange(stride - 1, y.size, stride)]))
    mean, variance = float(y[rows].mean()), float(y[rows].var())
    effects = base_effects(problem)
    noise_share = None
    ranked_by = "total"
    if np.ptp(y) == 0 or variance == 0:
        notes.append(constant_note(problem, position, float(y[0])))
        effects = [e.with_values(first=0.0, first_ci=(0.0, 0.0), total=0.0, total_ci=(0.0, 0.0),
                                 importance=0.0) for e in effects]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from SALib.analyze import sobol as sobol_analyze

            indices = sobol_analyze.analyze(problem.salib_problem(groups=groups), y,
                                            calc_second_order=False, num_resamples=RESAMPLES,
                                            conf_level=0.95, seed=subseed(seed, "bootstrap"))
        first = np.asarray(indices["S1"], dtype=np.float64)
        first_conf = np.asarray(indices["S1_conf"], dtype=np.float64)
        total = np.asarray(indices["ST"], dtype=np.float64)
        total_conf = np.asarray(indices["ST_conf"], dtype=np.float64)
        if runs.check is not None:
            again = problem.statistic.apply(runs.check[problem.output.id][:, position])
            halves = (y[0::stride] - again) ** 2 / 2 / y[rows].var()
            noise_share = float(halves.mean())
            spread = _Z * float(halves.std(ddof=1)) / math.sqrt(halves.size)
            total = total - noise_share
            total_conf = np.sqrt(total_conf**2 + spread**2)
            if noise_share >= 0.005:
                notes.append(noise_note(noise_share))
        if noise_share is not None and noise_share >= NOISY_RANKING:
            ranked_by = "full_first"
            notes.append(
                f"With chance at {noise_share:.0%} of the variance, the total indices' "
                "intervals are wide and their order unreliable, so the ranking uses each "
                "input's full first-order index, estimated from the base samples as given "
                "data (SALib RBD-FAST), which chance barely blurs; interactions are not counted."
            )
        inputs, outputs = runs.inputs[rows], y[rows]
        given = None
        if problem.correlated or ranked_by == "full_first":
            given = given_data_first(problem, inputs, outputs, list(range(len(groups))), seed)
        effects = [
            _effect(effect, unique.index(groups[j]), j,
                    groups[j] if groups[j] != problem.names[j] else None,
                    (first, first_conf, total, total_conf), given, ranked_by)
            for j, effect in enumerate(effects)
        ]
        correlations = rank_correlations(inputs, outputs)
        effects = [e.with_values(rank_correlation=float(correlations[j]))
                   for j, e in enumerate(effects)]
    if problem.correlated:
        notes.insert(0, correlation_note(problem, "sobol"))
    if problem.statistic.is_probability and variance > 0:
        notes.append(
            f"{problem.statistic.describe(problem.output)} = {mean:.1%} in "
            f"{problem.months[position]}; the indices say which inputs decide whether the "
            "threshold is crossed."
        )
    return make_result(
        problem, position, "sobol", effects, notes,
        samples=base, evaluations=runs.evaluations, seed=seed, elapsed=0.0,
        ranked_by=ranked_by, mean=mean, variance=variance, noise_share=noise_share,
    )


def _effect(
    effect: InputEffect,
    g: int,
    j: int,
    group: str | None,
    indices: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    given: tuple[FloatArray, FloatArray] | None,
    ranked_by: str,
) -> InputEffect:
    first, first_conf, total, total_conf = indices
    values: dict[str, object] = {
        "first": float(first[g]),
        "first_ci": (float(first[g] - first_conf[g]), float(first[g] + first_conf[g])),
        "total": float(total[g]),
        "total_ci": (float(total[g] - total_conf[g]), float(total[g] + total_conf[g])),
        "importance": float(total[g]),
    }
    if group is not None:
        values["group"] = tuple(group.split("+"))
    if given is not None:
        own, own_conf = given
        values["full_first"] = float(own[j])
        values["full_first_ci"] = (float(own[j] - own_conf[j]), float(own[j] + own_conf[j]))
        if ranked_by == "full_first":
            values["importance"] = float(own[j])
    return effect.with_values(**values)
