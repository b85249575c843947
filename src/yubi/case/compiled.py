"""The compiled case: what the engine, the analyses and the brief read.

A :class:`Case` is built from a validated case file by :mod:`yubi.case.compiler` (as PySD
separates a model from its builder): names resolved, units checked, variables in dependency
order and split into those fixed for a whole trajectory (*static*) and those recomputed every
month (*dynamic*). The classes here only hold that result and answer questions about it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from yubi.case import schema
from yubi.case.distributions import Marginal
from yubi.case.expressions import CompiledExpression
from yubi.case.loader import CaseText
from yubi.case.units import Unit
from yubi.errors import CaseError

if TYPE_CHECKING:
    from yubi.case.changes import Change

__all__ = [
    "ACTIVE_KEY",
    "SCENARIO_KEY",
    "BranchSpec",
    "Case",
    "Definition",
    "DimensionSpec",
    "EventSpec",
    "IndicatorSpec",
    "InputColumn",
    "OutputSpec",
    "ScenarioSpec",
    "StockSpec",
    "Variable",
    "month_labels",
]

#: Environment key holding each trajectory's scenario index (int array).
SCENARIO_KEY = "__scenario__"
#: Environment key holding a (scenarios × trajectories) boolean array: the scenario is in effect.
ACTIVE_KEY = "__active__"


@dataclass(frozen=True)
class Definition:
    """One way a variable is defined: a constant, a distribution or an expression.

    ``constant`` is in base units; a ``marginal`` draws in the declared unit and is multiplied
    by ``scale`` to reach base units.
    """

    constant: float | None = None
    marginal: Marginal | None = None
    expression: CompiledExpression | None = None
    scale: float = 1.0
    sources: tuple[str, ...] = ()
    assumption: str | None = None


@dataclass(frozen=True)
class Variable:
    """A quantity or flow, with its base definition and per-scenario overrides."""

    name: str
    kind: Literal["quantity", "flow"]
    label: schema.LocalText
    unit_text: str
    unit: Unit
    base: Definition
    overrides: dict[int, Definition]
    column: int | None
    dynamic: bool
    reads: frozenset[str]


@dataclass(frozen=True)
class StockSpec:
    name: str
    label: schema.LocalText
    unit: Unit
    initial: CompiledExpression
    update: CompiledExpression | None
    flow: CompiledExpression | None


@dataclass(frozen=True)
class EventSpec:
    name: str
    label: schema.LocalText
    hazard: CompiledExpression


@dataclass(frozen=True)
class OutputSpec:
    id: str
    label: schema.LocalText
    unit_text: str
    unit: Unit
    expression: CompiledExpression
    thresholds: tuple[schema.Threshold, ...]
    #: ``"event"``: 0 or 1 each month, reported as a probability; else ``"quantity"``.
    kind: Literal["quantity", "event"] = "quantity"

    @property
    def event(self) -> bool:
        return self.kind == "event"


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator, compiled.

    Attributes
    ----------
    condition
        The ``when:`` condition over outputs: evaluated on a mapping from output ids to one
        month's values in base units (as every expression reads them; declared values times
        ``output.unit.scale``); ``None`` for an indicator with typed likelihoods only.
    by_month
        Month index of ``by:``, or ``None``.
    window
        ``(first, last)`` month indices, inclusive, in which the condition must hold at least
        once: ``(0, by_month)`` for ``by:``, the two months of ``within:``; ``None`` without a
        condition.
    likelihood
        Typed P(observed | scenario or branch id), or ``None``.
    """

    id: str
    index: int
    label: schema.LocalText
    condition: CompiledExpression | None
    by_month: int | None
    window: tuple[int, int] | None
    likelihood: Mapping[str, float] | None


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario as the engine draws it: in a crossed case, a combination of branches.

    ``branches`` are the ids of the branches it combines, one per dimension (a flat case's
    scenario is its own single branch); ``id`` joins them with ``+``.
    """

    id: str
    index: int
    label: schema.LocalText
    prior: float
    start_month: float | None = None
    start_marginal: Marginal | None = None
    start_column: int | None = None
    start_event: str | None = None
    branches: tuple[str, ...] = ()

    @property
    def branch_ids(self) -> tuple[str, ...]:
        return self.branches or (self.id,)

    @property
    def delayed(self) -> bool:
        return bool(self.start_month or self.start_marginal is not None or self.start_event)


@dataclass(frozen=True)
class BranchSpec:
    """One branch of a scenario dimension (a flat case's scenarios are the branches of one
    dimension, ``scenario``).

    ``prior`` is as written: a probability, or one per branch of the dimension it is
    ``given``; ``index`` is its position in the case file's scenarios.
    """

    id: str
    dimension: str
    index: int
    label: schema.LocalText
    prior: float | Mapping[str, float]


@dataclass(frozen=True)
class DimensionSpec:
    """A scenario dimension: exclusive branches, drawn by design column ``column``."""

    id: str
    label: schema.LocalText
    given: str | None
    branches: tuple[BranchSpec, ...]
    column: int


@dataclass(frozen=True)
class InputColumn:
    """One column of the uniform design: what it drives and how it is distributed."""

    name: str
    label: schema.LocalText
    marginal: Marginal | None
    kind: Literal["scenario", "quantity", "start"]
    sources: tuple[str, ...] = ()
    assumption: str | None = None


@dataclass(frozen=True)
class Case:
    """A compiled case: everything the engine, analysis and brief need.

    Attributes
    ----------
    file
        The validated case file (all reader-facing content lives here).
    path
        Where it was read from.
    sha256
        Hash of the file's bytes; runs and briefs cite it.
    months
        Labels ``YYYY-MM`` of the simulated months.
    inputs
        The design columns; column 0 chooses the scenario.
    variables
        Quantities and flows in dependency order.
    indicators
        The indicators, compiled (conditions and their windows).
    scenarios
        What the engine draws and reports: the scenarios, or in a crossed case every
        combination of one branch per dimension (``a+b``, the first dimension varying
        slowest), with its joint prior.
    dimensions
        The scenario dimensions; a flat case has one, ``scenario``, whose branches are its
        scenarios.
    correlation
        Rank-correlation target between design columns (identity when none), or ``None``.
    changes
        What-if changes applied to the file's case (:meth:`with_changes`), in order.
    text
        The file as read, kept so that a change recompiles without reading it again.
    notes
        Located warnings and deprecation notes (legal but almost surely not meant); the
        command line prints them on stderr (:func:`yubi.case.checks.print_notes`).
    """

    file: schema.CaseFile
    path: str
    sha256: str
    months: tuple[str, ...]
    inputs: tuple[InputColumn, ...]
    scenarios: tuple[ScenarioSpec, ...]
    variables: tuple[Variable, ...]
    stocks: tuple[StockSpec, ...]
    events: tuple[EventSpec, ...]
    outputs: tuple[OutputSpec, ...]
    indicators: tuple[IndicatorSpec, ...] = ()
    dimensions: tuple[DimensionSpec, ...] = ()
    correlation: NDArray[np.float64] | None = field(default=None, repr=False)
    changes: tuple[Change, ...] = ()
    text: CaseText | None = field(default=None, repr=False, compare=False)
    notes: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def __repr__(self) -> str:
        from yubi.case.display import case_repr

        return case_repr(self)

    def _repr_html_(self) -> str:
        from yubi.case.display import case_html

        return case_html(self)

    @property
    def id(self) -> str:
        return self.file.id

    @property
    def as_of(self) -> dt.date:
        return self.file.as_of

    @property
    def priors(self) -> NDArray[np.float64]:
        return np.array([s.prior for s in self.scenarios], dtype=np.float64)

    def output(self, output_id: str) -> OutputSpec:
        for output in self.outputs:
            if output.id == output_id:
                return output
        known = ", ".join(o.id for o in self.outputs)
        raise CaseError(f'no output "{output_id}" in case {self.id} (outputs: {known})')

    def scenario(self, scenario_id: str) -> ScenarioSpec:
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise CaseError(f'no scenario "{scenario_id}" in case {self.id}')

    @property
    def crossed(self) -> bool:
        """Whether the scenarios cross (more than one dimension)."""
        return len(self.dimensions) > 1

    @property
    def branches(self) -> tuple[BranchSpec, ...]:
        """Every branch of every dimension, dimension by dimension."""
        return tuple(branch for dimension in self.dimensions for branch in dimension.branches)

    def branch(self, branch_id: str) -> BranchSpec:
        for branch in self.branches:
            if branch.id == branch_id:
                return branch
        known = ", ".join(b.id for b in self.branches)
        raise CaseError(f'no scenario branch "{branch_id}" in case {self.id} (branches: '
                        f"{known})")

    def members(self, branch_id: str) -> tuple[int, ...]:
        """Indices in :attr:`scenarios` of the combinations that include ``branch_id``."""
        members = tuple(s.index for s in self.scenarios if branch_id in s.branch_ids)
        if not members:
            self.branch(branch_id)  # raises, naming the known branches
        return members

    def branch_prior(self, branch_id: str) -> float:
        """The branch's probability: the sum of its combinations' (after :meth:`with_priors`,
        e.g. a posterior, that marginal)."""
        return math.fsum(self.scenarios[i].prior for i in self.members(branch_id))

    def indicator(self, indicator_id: str) -> IndicatorSpec:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise CaseError(f'no indicator "{indicator_id}" in case {self.id}')

    def month_index(self, label: str) -> int:
        if label not in self.months:
            raise CaseError(
                f"month {label} is outside the horizon {self.months[0]} to {self.months[-1]}"
            )
        return self.months.index(label)

    def with_priors(self, priors: Sequence[float]) -> Case:
        """The same case with other scenario probabilities (e.g. posteriors from evidence)."""
        if len(priors) != len(self.scenarios):
            raise ValueError("one probability per scenario is needed")
        scenarios = tuple(
            replace(s, prior=float(p)) for s, p in zip(self.scenarios, priors, strict=True)
        )
        return replace(self, scenarios=scenarios)

    def with_changes(self, changes: Mapping[str, object]) -> Case:
        """A new case with what-if changes applied; this one is left as it is.

        ``changes`` maps a quantity id to a number, a range (``"20000 to 60000"``) or a
        distribution mapping; ``prior.<scenario>`` to a probability (the other priors rescale
        unless all are given); ``off.<scenario>`` to ``True`` (its prior goes to 0). Each is
        checked as a case line would be; see :mod:`yubi.case.changes`.

        >>> case.with_changes({"troops_cap": "20000 to 60000", "prior.russia_defeat": 0.2})
        ... # doctest: +SKIP
        """
        from yubi.case.changes import apply_changes

        return apply_changes(self, changes)


def month_labels(start: str, count: int) -> tuple[str, ...]:
    """``("2024-11", "2024-12", ...)``: ``count`` consecutive months from ``start``."""
    year, month = (int(part) for part in start.split("-"))
    labels = []
    for offset in range(count):
        total = year * 12 + (month - 1) + offset
        labels.append(f"{total // 12:04d}-{total % 12 + 1:02d}")
    return tuple(labels)
