"""Evidence items as likelihood terms on trajectories: what a weighted run multiplies.

Each item the model can read becomes one **term**, a log-likelihood per trajectory:

* an **observation** (``output``, ``month``, ``reported``, ``error``): the log-normal
  likelihood of the reported value given the trajectory's value of that output in that month,
  ``log L = log φ((log reported − log true − μ) / σ)`` with μ, σ from the item's 90 % error
  range (:meth:`EvidenceItem.error_range`), tempered by the source grade: ``w · log L``. A
  trajectory whose value is 0 cannot produce a positive report under a multiplicative error:
  its weight is 0.
* an **indicator condition** (the indicator has ``when``): 1 if the condition held in a month
  of its window (up to ``by``, or ``within``) in that trajectory, else 0, tempered by mixing with
  no information: ``L = w · 1[held] + (1 − w)``. A power ``1[held]^w`` would not temper at all
  (0^w is still 0); the mixture says "the report is right with probability ``w``, and when it
  is not it tells nothing", and it is the plain condition (filtering) for an A1 source.
* a **typed per-scenario likelihood** (the item's own ``likelihood``, its indicator's typed
  ``likelihood`` when the indicator has no ``when``, or its ACH ratings): ``w · log L(s)`` for
  every trajectory of scenario ``s``, exactly today's sequential update.

**Groups.** Items sharing a ``group`` report one underlying fact, and the fact counts once:
the term of the group's most reliable item (largest ``w``; ties: the earliest, then by id).
Adding a less reliable report of a fact changes nothing; a more reliable one replaces it.

Nothing here reads a database: the items come from :mod:`yubi.store` through the app layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from yubi.errors import CaseError

if TYPE_CHECKING:
    from yubi.case.model import Case

__all__ = [
    "Evidence",
    "Term",
    "case_indicators",
    "condition_names",
    "condition_terms",
    "counted_items",
    "evidence_terms",
    "indicator_window",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Kind = Literal["observation", "condition", "scenario"]


@dataclass(frozen=True)
class Term:
    """One item's likelihood over trajectories.

    Attributes
    ----------
    item_id
        The item this term comes from.
    group
        Its group (``None``: the item stands alone).
    kind
        ``observation``, ``condition`` or ``scenario``.
    weight
        The tempering ``w`` in [0, 1] from the source's Admiralty grades.
    rank
        Order of preference within a group (smaller counts first): (−w, date, id).
    output, month
        What an observation reads: output row and month index.
    first, last
        The months (indices, inclusive) in which a condition is checked.
    """

    item_id: str
    group: str | None
    kind: Kind
    weight: float
    rank: tuple[float, str, str]
    output: int = -1
    month: int = -1
    first: int = -1
    last: int = -1
    error: Any = None
    condition: Any = None
    names: tuple[tuple[str, int, float], ...] = ()
    scenario_log_likelihood: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def last_month(self) -> int:
        """The last month this term reads (−1: none)."""
        return {"observation": self.month, "condition": self.last}.get(self.kind, -1)

    def observe(self, values: FloatArray) -> FloatArray:
        """Tempered log-likelihood of the report given the output's values."""
        with np.errstate(divide="ignore", invalid="ignore"):
            log_likelihood = np.asarray(self.error.log_likelihood(values), dtype=np.float64)
        log_likelihood = np.where(np.isnan(log_likelihood), -np.inf, log_likelihood)
        return np.asarray(self.weight * log_likelihood)

    def holds(self, block: FloatArray) -> NDArray[np.bool_]:
        """Whether the condition holds this month, per trajectory."""
        env = {name: block[row] * scale for name, row, scale in self.names}
        size = block.shape[1]
        return np.broadcast_to(np.asarray(self.condition.evaluate(env), dtype=bool), (size,))

    def from_condition(self, held: NDArray[np.bool_]) -> FloatArray:
        """Tempered log-likelihood of "the indicator was observed" (see the module notes)."""
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(self.weight * held + (1.0 - self.weight)))


@dataclass(frozen=True)
class Evidence:
    """A case's evidence as terms: the :class:`yubi.engine.weighted.Weighting` of a run.

    Attributes
    ----------
    terms
        One per item the model reads, in the items' order (date, then id).
    ignored
        Items left out, each with why (e.g. a month outside the horizon).
    """

    terms: tuple[Term, ...]
    ignored: tuple[tuple[str, str], ...] = ()
    counted: tuple[bool, ...] = ()

    @property
    def last_month(self) -> int:
        return max((t.last_month for t in self.terms), default=-1)

    def chunk(self, scenario: IntArray) -> _ChunkWeigher:
        return _ChunkWeigher(self.terms, scenario)

    def total(self, log_weights: FloatArray) -> FloatArray:
        """Per trajectory: the sum of the counted terms' log-weights (groups once)."""
        counted = np.array(self.counted or [True] * len(self.terms), dtype=bool)
        if not counted.any():
            return np.zeros(log_weights.shape[1])
        return np.asarray(log_weights[counted].sum(axis=0))


class _ChunkWeigher:
    """Pass 1 for one chunk: reads the months the terms need, returns terms × trajectories."""

    def __init__(self, terms: Sequence[Term], scenario: IntArray) -> None:
        self.terms = terms
        self.values = np.zeros((len(terms), scenario.size))
        self.held = np.zeros((len(terms), scenario.size), dtype=bool)
        for k, term in enumerate(terms):
            if term.kind == "scenario":
                self.values[k] = term.scenario_log_likelihood[scenario]

    def month(self, month: int, outputs: FloatArray) -> None:
        for k, term in enumerate(self.terms):
            if term.kind == "observation" and term.month == month:
                self.values[k] = term.observe(outputs[term.output])
            elif term.kind == "condition" and term.first <= month <= term.last:
                self.held[k] |= term.holds(outputs)

    def log_weights(self) -> FloatArray:
        for k, term in enumerate(self.terms):
            if term.kind == "condition":
                self.values[k] = term.from_condition(self.held[k])
        return self.values


def counted_items(terms: Sequence[Term]) -> list[bool]:
    """Which terms count: every ungrouped one, and the most reliable of each group."""
    best: dict[str, tuple[float, str, str]] = {}
    for term in terms:
        if term.group is not None:
            known = best.get(term.group)
            best[term.group] = term.rank if known is None else min(known, term.rank)
    return [term.group is None or best[term.group] == term.rank for term in terms]


def evidence_terms(case: Case, items: Sequence[Any]) -> Evidence:
    """The terms of ``items`` (evidence items or stored items) for ``case``.

    Items are taken in date order, then by id. An observation of a month outside the case's
    horizon is left out (listed in :attr:`Evidence.ignored`): the model says nothing about it.

    Raises
    ------
    CaseError
        If an item names an output or indicator the case does not have.
    """
    plain = sorted((getattr(stored, "item", stored) for stored in items),
                   key=lambda item: (item.observed_on, item.item_id))
    terms: list[Term] = []
    ignored: list[tuple[str, str]] = []
    for item in plain:
        term = _term(case, item)
        if isinstance(term, str):
            ignored.append((item.item_id, term))
        else:
            terms.append(term)
    return Evidence(tuple(terms), tuple(ignored), tuple(counted_items(terms)))


def _term(case: Case, item: Any) -> Term | str:
    """The item's term, or why the model cannot read it."""
    from yubi.evidence.updating import evidence_weight

    weight = evidence_weight(item.reliability, item.credibility)
    common: dict[str, Any] = {
        "item_id": item.item_id, "group": item.group_id, "weight": weight,
        "rank": (-weight, item.observed_on.isoformat(), item.item_id),
    }
    output_id = getattr(item, "output", None)
    if output_id is not None:
        return _observation(case, item, output_id, common)
    indicator = _indicator(case, item.indicator) if item.indicator else None
    if item.likelihood is None and indicator is not None and _condition(indicator) is not None:
        return _condition_term(case, indicator, common)
    return Term(kind="scenario", scenario_log_likelihood=weight * _log(_typed(case, item)),
                **common)


def _observation(case: Case, item: Any, output_id: str, common: dict[str, Any]) -> Term | str:
    rows = {output.id: row for row, output in enumerate(case.outputs)}
    if output_id not in rows:
        raise CaseError(f"evidence {item.item_id} observes {output_id!r}, which is not an "
                        f"output of case {case.id} (outputs: {', '.join(rows)})")
    month = str(item.month)
    if month not in case.months:
        return (f"month {month} is outside the horizon {case.months[0]} to "
                f"{case.months[-1]}")
    return Term(kind="observation", output=rows[output_id], month=case.months.index(month),
                error=item.error_range(), **common)


def condition_terms(case: Case) -> tuple[Term, ...]:
    """One untempered term per indicator with a condition (named by the indicator's id):
    its log-weight is 0 where the condition held in its window, −inf where it did not."""
    terms = []
    for indicator in case_indicators(case):
        if _condition(indicator) is not None:
            common = {"item_id": indicator.id, "group": None, "weight": 1.0,
                      "rank": (-1.0, "", indicator.id)}
            terms.append(_condition_term(case, indicator, common))
    return tuple(terms)


def _indicator(case: Case, indicator_id: str) -> Any:
    for indicator in case_indicators(case):
        if indicator.id == indicator_id:
            return indicator
    raise CaseError(f"evidence names indicator {indicator_id!r}, which case {case.id} does "
                    "not have")


def case_indicators(case: Case) -> Sequence[Any]:
    """The compiled indicators (with conditions) where the case has them."""
    compiled = getattr(case, "indicators", None)
    return list(compiled) if compiled is not None else list(case.file.indicators)


def _condition(indicator: Any) -> Any:
    return getattr(indicator, "condition", None)


def _condition_term(case: Case, indicator: Any, common: dict[str, Any]) -> Term:
    first, last = indicator_window(indicator)
    return Term(kind="condition", condition=_condition(indicator), first=first, last=last,
                names=condition_names(case, _condition(indicator)), **common)


def indicator_window(indicator: Any) -> tuple[int, int]:
    """The months (indices, inclusive) in which an indicator's condition is checked."""
    window = getattr(indicator, "window", None)
    if window is not None:
        return int(window[0]), int(window[1])
    return 0, int(indicator.by_month)


def condition_names(case: Case, condition: Any) -> tuple[tuple[str, int, float], ...]:
    """(name, output row, scale to base units) of each output a condition reads."""
    rows = {output.id: (row, output.unit.scale) for row, output in enumerate(case.outputs)}
    names = sorted(getattr(condition, "names", frozenset()))
    unknown = [name for name in names if name not in rows]
    if unknown:
        raise CaseError(f"an indicator's condition reads {unknown[0]!r}, which is not an "
                        f"output of case {case.id}")
    return tuple((name, rows[name][0], float(rows[name][1])) for name in names)


def _typed(case: Case, item: Any) -> FloatArray:
    from yubi.evidence.updating import item_likelihood

    return item_likelihood(item, case)[0]


def _log(values: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(values, dtype=np.float64))

