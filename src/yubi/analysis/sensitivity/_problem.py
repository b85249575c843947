"""The analysed problem: which output, month(s) and statistic; which inputs; how to evaluate.

Every method works on the case's uniform design (one column per
:attr:`yubi.case.Case.inputs`): SALib proposes points in the unit cube and
:func:`yubi.engine.evaluate.evaluate_design` maps each column through its inverse CDF
(the scenario column by cumulative prior). Inputs that cannot matter (the scenario column
when one scenario has all the probability; the start of a scenario with prior 0) are held at
0.5 and left out of the analysis.

Month-by-month chance
---------------------
Events and random functions (``poisson()``...) draw noise that is not part of the design:
:func:`~yubi.engine.evaluate.evaluate_design` draws it chunk by chunk from its ``seed``, one
stream position per trajectory in scenario-sorted order, and ``poisson()`` consumes a varying
amount of the stream. Two evaluations of the same design point therefore share their noise
(*common random numbers*) only when they sit at the same position of calls that put the same
scenarios in the same rows and draw the same amount of randomness — which no design that
moves inputs can promise once a case uses ``poisson()``. The methods are therefore built not
to need common random numbers: Sobol' evaluates every point with independent noise and
measures the noise share (see :mod:`._sobol`); Morris states a noise floor; the tornado
averages replicates and gives intervals from paired differences. Where common random numbers
do hold (the tornado's settings, evaluated with one seed each), they only reduce noise.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from yubi.analysis.sensitivity._result import InputEffect, Method, SensitivityResult
from yubi.case.model import Case, OutputSpec
from yubi.case.schema import LocalText, Source
from yubi.engine import streams
from yubi.engine.evaluate import evaluate_design
from yubi.engine.simulate import scenario_of
from yubi.errors import UsageError

__all__ = [
    "FloatArray",
    "Problem",
    "Statistic",
    "base_effects",
    "cached",
    "constant_note",
    "evaluate_blocks",
    "has_noise",
    "input_identity",
    "make_result",
    "noise_note",
    "prepare",
    "scenario_midpoints",
    "subseed",
]

FloatArray = NDArray[np.float64]
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_EPSILON = 2.0**-53


def subseed(seed: int, purpose: str) -> int:
    """A 32-bit seed for one purpose, derived from the user's ``seed`` (never 0); the
    purposes' streams are numbered in :mod:`yubi.engine.streams` with every other stream."""
    if seed < 0:
        raise UsageError(f"seed must be 0 or more, not {seed}")
    return streams.subseed(seed, purpose)


@dataclass(frozen=True)
class Statistic:
    """What is analysed: the output's value, or the indicator of crossing a threshold.

    Attributes
    ----------
    id
        ``"value"`` or the threshold id.
    label
        The threshold's label (``None`` for the value).
    above, below
        The threshold (output's declared unit): crossing is ``value > above`` or
        ``value < below``, as in ``yubi run``.
    """

    id: str
    label: LocalText | None = None
    above: float | None = None
    below: float | None = None

    @property
    def is_probability(self) -> bool:
        return self.id != "value"

    def apply(self, values: FloatArray) -> FloatArray:
        """The statistic of each trajectory: the value, or 1.0/0.0 for crossing."""
        if self.above is not None:
            return (values > self.above).astype(np.float64)
        if self.below is not None:
            return (values < self.below).astype(np.float64)
        return values

    def describe(self, output: OutputSpec, language: str = "en") -> str:
        """E.g. ``"Troops deployed"`` or ``"P(Troops deployed > 30,000)"``."""
        name = output.label.get(language)
        if self.above is not None:
            return f"P({name} > {self.above:,.10g})"
        if self.below is not None:
            return f"P({name} < {self.below:,.10g})"
        return name


@dataclass(frozen=True)
class Problem:
    """One analysis: the case, output, months, statistic and the inputs analysed.

    Attributes
    ----------
    columns
        Design columns analysed, in case order; every other column is held at 0.5.
    noisy
        Whether the case draws month-by-month noise (events or random functions).
    notes
        Caveats that do not depend on the method (e.g. inputs left out).
    """

    case: Case
    output: OutputSpec
    months: tuple[str, ...]
    month_indices: tuple[int, ...]
    statistic: Statistic
    columns: tuple[int, ...]
    noisy: bool
    notes: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [self.case.inputs[c].name for c in self.columns]

    @property
    def correlated(self) -> bool:
        """Whether the case correlates any two analysed inputs."""
        matrix = self.case.correlation
        if matrix is None:
            return False
        sub = matrix[np.ix_(self.columns, self.columns)]
        return bool(np.any(np.abs(sub - np.eye(len(self.columns))) > 0))

    def salib_problem(
        self, low: float = 0.0, high: float = 1.0, groups: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """The SALib problem: one unit-interval (or ``[low, high]``) variable per column,
        with SALib ``groups`` (one name per column) when given."""
        problem: dict[str, Any] = {
            "num_vars": len(self.columns),
            "names": self.names,
            "bounds": [[low, high]] * len(self.columns),
        }
        if groups is not None and list(groups) != self.names:
            problem["groups"] = list(groups)
        return problem

    def full_design(self, points: FloatArray) -> FloatArray:
        """Rows over the analysed columns → rows over all design columns (others 0.5)."""
        design = np.full((points.shape[0], len(self.case.inputs)), 0.5)
        design[:, list(self.columns)] = points
        np.clip(design, _EPSILON, 1 - _EPSILON, out=design)
        return design

    def responses(self, outputs: dict[str, FloatArray]) -> FloatArray:
        """The statistic, ``(rows, months)``, from :func:`evaluate_design`'s outputs."""
        return self.statistic.apply(outputs[self.output.id])

    def cited_sources(self, names: Sequence[str]) -> dict[str, Source]:
        """The case's sources behind the named inputs, by id."""
        known = self.case.file.sources
        cited: dict[str, Source] = {}
        for column in self.columns:
            if self.case.inputs[column].name in names:
                for source_id in input_sources(self.case, column):
                    if source_id in known:
                        cited[source_id] = known[source_id]
        return cited


def prepare(
    case: Case, output: str, months: Sequence[str], statistic: str = "value"
) -> Problem:
    """Check the arguments and describe the analysis.

    Raises
    ------
    yubi.errors.UsageError
        For an unknown output, a month outside the horizon, or an unknown threshold.
    """
    ids = [o.id for o in case.outputs]
    if output not in ids:
        raise UsageError(f'unknown output "{output}" in case {case.id} (outputs: {", ".join(ids)})')
    spec = next(o for o in case.outputs if o.id == output)
    if not months:
        raise UsageError("give at least one month")
    indices = []
    for month in months:
        if not isinstance(month, str) or not MONTH_PATTERN.match(month):
            raise UsageError(f"month must be YYYY-MM, not {month!r}")
        if month not in case.months:
            raise UsageError(
                f"month {month} is outside the horizon {case.months[0]} to {case.months[-1]}"
            )
        indices.append(case.months.index(month))
    chosen = _statistic(spec, statistic)
    columns, notes = _analysed_columns(case)
    return Problem(case, spec, tuple(months), tuple(indices), chosen, tuple(columns),
                   has_noise(case), tuple(notes))


def _statistic(output: OutputSpec, statistic: str) -> Statistic:
    if statistic == "value":
        return Statistic("value")
    for threshold in output.thresholds:
        if threshold.id == statistic:
            return Statistic(threshold.id, threshold.label, threshold.above, threshold.below)
    known = ", ".join(t.id for t in output.thresholds) or "none"
    raise UsageError(
        f'unknown threshold "{statistic}" of output {output.id} '
        f'(give "value" or one of its thresholds: {known})'
    )


def _analysed_columns(case: Case) -> tuple[list[int], list[str]]:
    columns: list[int] = []
    notes: list[str] = []
    possible = [s for s in case.scenarios if s.prior > 0]
    for index, column in enumerate(case.inputs):
        if column.kind == "scenario":
            if len(possible) > 1:
                columns.append(index)
        elif column.kind == "start":
            scenario = next(s for s in case.scenarios if s.start_column == index)
            if scenario.prior > 0:
                columns.append(index)
            else:
                notes.append(f"The start of scenario {scenario.id} is left out: its prior is 0.")
        else:
            columns.append(index)
    if not columns:
        raise UsageError(f"case {case.id} has no uncertain input to analyse")
    return columns, notes


def has_noise(case: Case) -> bool:
    """Whether the case draws month-by-month noise: events or random functions."""
    if case.events:
        return True
    expressions = [o.expression for o in case.outputs]
    for variable in case.variables:
        for definition in (variable.base, *variable.overrides.values()):
            if definition.expression is not None:
                expressions.append(definition.expression)
    for stock in case.stocks:
        expressions.extend(e for e in (stock.initial, stock.update, stock.flow) if e is not None)
    return any(expression.stochastic for expression in expressions)


def input_sources(case: Case, column: int) -> tuple[str, ...]:
    """Source ids behind a design column (for the scenario column: behind the priors)."""
    entry = case.inputs[column]
    if entry.kind != "scenario":
        return entry.sources
    ids: list[str] = []
    for scenario in case.file.scenarios:
        prior_source = scenario.prior_source
        for source_id in [prior_source] if isinstance(prior_source, str) else prior_source or []:
            if source_id not in ids:
                ids.append(source_id)
    return tuple(ids)


def input_identity(case: Case, column: int) -> dict[str, Any]:
    """The identity fields of an :class:`InputEffect` for a design column."""
    entry = case.inputs[column]
    label = entry.label
    assumption = entry.assumption
    if entry.kind == "start":
        label = LocalText(
            en=f"Start of: {entry.label.en}",
            ko=f"{entry.label.ko} 시작 시점" if entry.label.ko else None,
        )
    elif entry.kind == "scenario":
        priors = ", ".join(f"{s.id} {s.prior:.0%}" for s in case.scenarios)
        reasons = [f"{s.id}: {s.prior_assumption.en}" for s in case.file.scenarios
                   if s.prior_assumption]
        assumption = f"Priors {priors}" + (" — " + "; ".join(reasons) if reasons else "")
    return {
        "name": entry.name,
        "label": label,
        "kind": entry.kind,
        "sources": input_sources(case, column),
        "assumption": assumption,
    }


def scenario_midpoints(case: Case) -> dict[int, float]:
    """A design value in the middle of each possible scenario's probability interval."""
    cumulative = np.cumsum(case.priors)
    cumulative /= cumulative[-1]
    lower = np.concatenate([[0.0], cumulative[:-1]])
    points = {}
    for scenario in case.scenarios:
        if scenario.prior > 0:
            point = float((lower[scenario.index] + cumulative[scenario.index]) / 2)
            if int(scenario_of(case, np.array([point]))[0]) != scenario.index:
                raise AssertionError(f"midpoint of scenario {scenario.id} maps elsewhere")
            points[scenario.index] = point
    return points


# -- evaluation ------------------------------------------------------------------------------
def results_by_month(
    problem: Problem, elapsed: float, month_result: Callable[[int], SensitivityResult]
) -> dict[str, SensitivityResult]:
    """``month_result(position)`` for each analysed month, timed; the shared evaluations'
    ``elapsed`` seconds are counted by the first month only."""
    import time
    from dataclasses import replace

    results = {}
    for position, month in enumerate(problem.months):
        started = time.perf_counter()
        result = month_result(position)
        results[month] = replace(result, elapsed=elapsed + time.perf_counter() - started)
        elapsed = 0.0
    return results


def evaluate_points(
    case: Case, problem: Problem, points: NDArray[np.float64], seed: int, stride: int
) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]], Any]:
    """SALib's points → the full design (correlated where the case says so) → the outputs at
    the analysed months, plus, for a noisy case, a second evaluation of every ``stride``-th
    point with fresh noise (``None`` otherwise) that measures the month-by-month chance."""
    from yubi.engine.sampling import gaussian_copula

    design = problem.full_design(points)
    if problem.correlated:
        assert case.correlation is not None
        # Row by row, within groups: every point stays a draw of the joint law.
        design = gaussian_copula(design, case.correlation)
    months = problem.month_indices
    outputs = evaluate_design(case, design, seed=subseed(seed, "noise"), months=months)
    check = None
    if problem.noisy:
        check = evaluate_design(case, design[0::stride], seed=subseed(seed, "noise_check"),
                                months=months)
    return design, outputs, check


def evaluate_blocks(
    case: Case, blocks: Sequence[FloatArray], *, seed: int, months: Sequence[int]
) -> list[dict[str, FloatArray]]:
    """Evaluate each block in its own call with the same ``seed``.

    Where two blocks put the same scenarios in the same rows and draw the same random
    numbers, row ``r`` of each sees the same month-by-month noise (common random numbers).
    See the module docstring for when that holds.
    """
    return [evaluate_design(case, block, seed=seed, months=months) for block in blocks]


# -- a small cache: several outputs, thresholds and statistics share one set of evaluations -
_CACHE: OrderedDict[tuple[Any, ...], tuple[Case, Any]] = OrderedDict()
_CACHE_SIZE = 6
#: Larger evaluations (e.g. many months of a big design) are not kept.
_CACHE_BYTES = 256 * 1024 * 1024
_LOCK = threading.Lock()


def cached(
    kind: Literal["sobol", "morris", "tornado"],
    case: Case,
    key: tuple[Any, ...],
    compute: Callable[[], Any],
) -> tuple[Any, bool]:
    """``compute()``, memoised per case object and ``key``; also says whether it was cached.

    Evaluations return every output, so analysing another output, threshold or statistic of
    the same case at the same months, samples and seed reuses them (the brief asks for many).
    """
    full_key = (kind, id(case), case.sha256, tuple(case.priors.tolist()), *key)
    with _LOCK:
        hit = _CACHE.get(full_key)
        if hit is not None and hit[0] is case:
            _CACHE.move_to_end(full_key)
            return hit[1], True
    value = compute()
    if _nbytes(value) <= _CACHE_BYTES:
        with _LOCK:
            _CACHE[full_key] = (case, value)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return value, False


def _nbytes(value: Any) -> int:
    """Bytes of the arrays inside ``value`` (dataclasses, mappings, sequences)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(_nbytes(item) for item in value.values())
    if isinstance(value, list | tuple):
        return sum(_nbytes(item) for item in value)
    if hasattr(value, "__dataclass_fields__"):
        return sum(_nbytes(getattr(value, name)) for name in value.__dataclass_fields__)
    return 0


# -- results -------------------------------------------------------------------------------
def base_effects(problem: Problem) -> list[InputEffect]:
    """One :class:`InputEffect` per analysed column, identity only."""
    return [InputEffect(**input_identity(problem.case, column)) for column in problem.columns]


def make_result(
    problem: Problem,
    position: int,
    method: Method,
    effects: list[InputEffect],
    notes: list[str],
    **fields: Any,
) -> SensitivityResult:
    """Rank ``effects`` by importance (missing last) and wrap them with the problem's facts."""
    def order(effect: InputEffect) -> tuple[bool, float, float]:
        # Most important first; members of a correlated group (same importance) by their
        # own first-order index; missing values last.
        known = bool(np.isfinite(effect.importance))
        own = effect.full_first if effect.full_first is not None else effect.first
        own = own if own is not None and np.isfinite(own) else 0.0
        return (not known, -effect.importance if known else 0.0, -own)

    ranked = sorted(effects, key=order)
    return SensitivityResult(
        method=method,
        output=problem.output.id,
        month=problem.months[position],
        statistic=problem.statistic.id,
        effects=ranked,
        notes=[*problem.notes, *notes],
        case_id=problem.case.id,
        output_label=problem.output.label,
        unit="1" if problem.statistic.is_probability else problem.output.unit_text,
        statistic_label=problem.statistic.label,
        sources=problem.cited_sources([e.name for e in effects]),
        **fields,
    )


def constant_note(problem: Problem, position: int, value: float) -> str:
    """Says that the statistic does not vary, so no input moves it."""
    what = problem.statistic.describe(problem.output)
    month = problem.months[position]
    if problem.statistic.is_probability:
        return (f"{what} is {value:.0%} in every trajectory of the sample in {month}: no input "
                "moves it, so every index is 0.")
    return f"{what} does not vary in {month} (always {value:.6g}): every index is 0."


def noise_note(share: float) -> str:
    """Says how much of the variance month-by-month chance leaves unexplained."""
    return (
        f"Month-by-month chance (events, random draws) accounts for about {share:.0%} of the "
        "variance; no input explains it, so the first-order indices sum to at most about "
        f"{max(0.0, 1 - share):.0%}, and the total indices leave it out."
    )
