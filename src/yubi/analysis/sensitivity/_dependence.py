"""Correlated inputs: analyse each correlated group as one input.

Sobol' indices and Morris effects assume independent inputs: their designs move one input
while holding the others, which a correlation forbids, and indices computed as if the inputs
were independent describe another model's uncertainty. A case's correlations (a Gaussian
copula) link a few quantities; the *groups* they connect are independent of each other. So
yubi draws the design with the copula applied and gives SALib each correlated group as one
input (SALib's ``groups``): a group's indices are then exact Sobol' indices of the case as
stated, correlations included (Jacques, Lavergne & Devictor 2006). Every input outside a
correlated group keeps its own indices.

A group cannot be split by pick-freeze designs, so each input also gets (Sobol')

* its own first-order index ``Var(E[Y | X_i]) / Var(Y)`` — the share of the variance one
  would remove by learning ``X_i`` alone, its partners' share included — estimated from the
  joint sample by SALib's RBD-FAST on given data (Plischke's EASI ordering with Tissot–Prieur
  bias correction), valid under dependence;
* Spearman's rank correlation with the statistic (SciPy), for the direction.
"""

from __future__ import annotations

import warnings

import numpy as np

from yubi.analysis.sensitivity._problem import FloatArray, Problem, subseed

__all__ = ["correlation_note", "given_data_first", "groups_of", "rank_correlations"]

#: Harmonics RBD-FAST counts as the first-order signal (SALib's default).
HARMONICS = 10
#: Bootstrap resamples of its interval (each a SciPy periodogram, ~0.5 ms a column).
RESAMPLES = 20


def groups_of(problem: Problem) -> list[str]:
    """SALib group name of each analysed column: its own name, or ``"a+b"`` for a group.

    Groups are the connected components of the case's non-zero correlations among the
    analysed columns.
    """
    columns = list(problem.columns)
    names = problem.names
    matrix = problem.case.correlation
    if matrix is None:
        return names
    linked = np.abs(matrix[np.ix_(columns, columns)]) > 0
    component = list(range(len(columns)))

    def root(i: int) -> int:
        while component[i] != i:
            component[i] = component[component[i]]
            i = component[i]
        return i

    for i in range(len(columns)):
        for j in range(i + 1, len(columns)):
            if linked[i, j]:
                component[root(j)] = root(i)
    members: dict[int, list[str]] = {}
    for i, name in enumerate(names):
        members.setdefault(root(i), []).append(name)
    return ["+".join(members[root(i)]) for i in range(len(columns))]


def given_data_first(
    problem: Problem, inputs: FloatArray, y: FloatArray, which: list[int], seed: int
) -> tuple[FloatArray, FloatArray]:
    """Full first-order indices and their 95% half-widths for analysed columns ``which``.

    ``inputs`` are rows of the analysed columns drawn from the joint distribution.
    """
    if not which:
        return np.zeros(0), np.zeros(0)
    if np.ptp(y) == 0:
        return np.zeros(len(which)), np.zeros(len(which))
    names = [problem.names[j] for j in which]
    salib_problem = {"num_vars": len(which), "names": names, "bounds": [[0.0, 1.0]] * len(which)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from SALib.analyze import rbd_fast  # SALib imports pandas: on first use only

        result = rbd_fast.analyze(salib_problem, inputs[:, which], y, M=HARMONICS,
                                  num_resamples=RESAMPLES, conf_level=0.95,
                                  seed=subseed(seed, "bootstrap"))
    return (np.asarray(result["S1"], dtype=np.float64),
            np.asarray(result["S1_conf"], dtype=np.float64))


def rank_correlations(inputs: FloatArray, y: FloatArray) -> FloatArray:
    """Spearman's rank correlation of each column of ``inputs`` with ``y`` (NaN if constant)."""
    if np.ptp(y) == 0:
        return np.full(inputs.shape[1], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from scipy import stats

        values = [stats.spearmanr(inputs[:, j], y).statistic for j in range(inputs.shape[1])]
    return np.asarray(values, dtype=np.float64)


def correlation_note(problem: Problem, method: str) -> str:
    """What the method does with the case's correlated inputs."""
    pairs = ", ".join(
        f"{c.between[0]}–{c.between[1]} (Spearman {c.rank:+.2f})"
        for c in problem.case.file.correlations
    )
    text = {
        "sobol": "Sobol' indices need independent inputs, so each correlated group is drawn "
        "jointly, with its correlations, and analysed as one input: a member's first and "
        "total indices are its group's (marked ᵍ). Each member's own share — what learning "
        "it alone would remove, its partners' share included — is its full first-order index, "
        "estimated from the joint sample (SALib RBD-FAST on given data, valid under "
        "dependence).",
        "morris": "Morris moves one input at a time, which correlated inputs do not allow, so "
        "each correlated group is drawn with its correlations and moved as one input: a "
        "member's mu* is its group's (sigma is not defined for groups).",
        "tornado": "The tornado moves one input at a time: a correlated partner moves to its "
        "conditional median (value) or is drawn from its conditional distribution "
        "(threshold) given the moved input, so each bar includes its partners' share.",
    }[method]
    return f"This case correlates {pairs}. {text}"
