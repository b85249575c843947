"""Global sensitivity analysis: which assumption does a result hang on?

Every uncertain input of a case — each uncertain quantity, each uncertain scenario start,
and the choice of scenario itself — is a column of a uniform design; the methods ask how much
each column moves one *statistic* of one output at one month:

* ``"value"``: the output itself;
* a threshold id of the output: the indicator of crossing it, whose mean is P(crossing) —
  "which assumption drives P(more than 30,000 deployed)?".

Methods
-------
``"sobol"``
    First-order and total Sobol' indices with bootstrap 95% intervals, through SALib
    (Saltelli design, :mod:`._sobol`). The default; the ranking uses the total index —
    or, when month-by-month chance is 5% or more of the variance, the full first-order
    index from the base samples as given data, which chance barely blurs.
``"morris"``
    Morris screening through SALib (:mod:`._morris`): ``mu_star`` ranks, ``sigma`` flags
    interactions; cheap for many inputs.
``"tornado"``
    One input at a time from its 10th to its 90th percentile, the rest at their medians
    (:mod:`._tornado`): the swing in the output's own unit, for readers.

When the case correlates inputs, Sobol' and Morris (which need independent inputs) draw the
design with the correlations and treat each correlated group as one input, so their indices
stay valid; every input also gets its own full first-order index (partners' share included)
from the joint sample, and a note says so (:mod:`._dependence`).

Examples
--------
>>> from yubi.case import load_case
>>> from yubi.analysis.sensitivity import analyze
>>> result = analyze(load_case("ishigami"), "y", "2025-01", samples=1024)
>>> [effect.name for effect in result.effects]
['x1', 'x2', 'x3']
"""

from __future__ import annotations

from collections.abc import Sequence

from yubi.analysis.sensitivity._morris import run_morris
from yubi.analysis.sensitivity._problem import prepare
from yubi.analysis.sensitivity._result import InputEffect, Method, SensitivityResult
from yubi.analysis.sensitivity._sobol import run_sobol
from yubi.analysis.sensitivity._tornado import HIGH, LOW, format_number, run_tornado
from yubi.case.model import Case
from yubi.errors import UsageError

__all__ = [
    "DEFAULT_SAMPLES",
    "HIGH",
    "LOW",
    "METHODS",
    "InputEffect",
    "Method",
    "SensitivityResult",
    "analyze",
    "analyze_months",
    "format_number",
    "ranking_over_months",
    "tornado",
]

METHODS: tuple[Method, ...] = ("sobol", "morris", "tornado")
#: Sobol': base samples N (N (k + 2) evaluations); Morris: trajectories (r (k + 1));
#: tornado: replicates per setting when outputs are noisy or a threshold is analysed.
DEFAULT_SAMPLES: dict[str, int] = {"sobol": 2048, "morris": 256, "tornado": 2000}
#: Upper bound on rows × months × outputs held in memory (8 bytes each).
MAX_CELLS = 60_000_000


def analyze(
    case: Case,
    output: str,
    month: str | None = None,
    method: str = "sobol",
    samples: int | None = None,
    seed: int = 0,
    statistic: str = "value",
) -> SensitivityResult:
    """The sensitivity of one output's statistic at one month.

    Parameters
    ----------
    case
        The compiled case.
    output
        An output id of the case.
    month
        ``YYYY-MM`` inside the horizon (default: the last month).
    method
        ``"sobol"``, ``"morris"`` or ``"tornado"``.
    samples
        Sobol': base samples N, rounded up to a power of two (``N (k + 2)`` evaluations for
        ``k`` inputs); Morris: trajectories (``r (k + 1)`` evaluations); tornado: replicates
        per setting. Default :data:`DEFAULT_SAMPLES`.
    seed
        Same case, arguments and seed → same numbers.
    statistic
        ``"value"``, or a threshold id of ``output`` to analyse P(crossing it).

    Returns
    -------
    SensitivityResult
        Effects ranked by importance, with notes for readers.

    Raises
    ------
    yubi.errors.UsageError
        Unknown output, method or threshold; a month outside the horizon; bad ``samples``.
    """
    chosen = case.months[-1] if month is None else month
    return analyze_months(case, output, [chosen], method, samples, seed, statistic)[chosen]


def analyze_months(
    case: Case,
    output: str,
    months: Sequence[str],
    method: str = "sobol",
    samples: int | None = None,
    seed: int = 0,
    statistic: str = "value",
) -> dict[str, SensitivityResult]:
    """:func:`analyze` at several months from one set of evaluations, by month.

    The same design points serve every month, so rankings at different months differ only
    by what the months do, not by sampling.
    """
    if method not in METHODS:
        raise UsageError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    unique = list(dict.fromkeys(months))
    problem = prepare(case, output, unique, statistic)
    count = DEFAULT_SAMPLES[method] if samples is None else samples
    if isinstance(count, bool) or not isinstance(count, int) or count < 2:
        raise UsageError(f"samples must be a whole number of at least 2, not {samples!r}")
    k = len(problem.columns)
    rows = {
        "sobol": (1 << max(1, (count - 1).bit_length())) * (k + 3),
        "morris": count * (k + 2),
        "tornado": count * (2 * k + len(case.scenarios) + 1),
    }[method]
    if rows * len(unique) * len(case.outputs) > MAX_CELLS:
        raise UsageError(
            f"{method} with {count:,} samples at {len(unique)} month(s) needs about "
            f"{rows:,} evaluations of {len(case.outputs)} outputs: too many to hold; "
            "use fewer samples or months"
        )
    if method == "sobol":
        return run_sobol(problem, count, seed)
    if method == "morris":
        return run_morris(problem, count, seed)
    return run_tornado(problem, count, seed)


def tornado(
    case: Case,
    output: str,
    month: str | None = None,
    *,
    seed: int = 0,
    samples: int = DEFAULT_SAMPLES["tornado"],
    statistic: str = "value",
) -> SensitivityResult:
    """One input at a time from its 10th to its 90th percentile, the rest at their medians.

    The scenario input's bar forces each scenario in turn (lowest to highest result); a
    scenario start's bar forces its scenario; for a threshold, the other inputs are drawn
    from their distributions so each end is a probability. See :mod:`._tornado`.

    Parameters
    ----------
    samples
        Replicates per setting, used when month-by-month chance makes outputs noisy (then
        averaged, with common random numbers across bars) or a threshold is analysed.
    """
    return analyze(case, output, month, "tornado", samples, seed, statistic)


def ranking_over_months(
    case: Case,
    output: str,
    months: Sequence[str],
    method: str = "sobol",
    samples: int | None = None,
    seed: int = 0,
    statistic: str = "value",
) -> dict[str, list[InputEffect]]:
    """How the ranking shifts over the horizon: the ranked effects at each month.

    One set of evaluations serves every month (see :func:`analyze_months`).
    """
    results = analyze_months(case, output, months, method, samples, seed, statistic)
    return {month: result.effects for month, result in results.items()}
