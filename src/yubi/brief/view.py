"""The case as its reader sees it, in one language: the only part of the brief that reads the
case file.

:class:`CaseView` turns the compiled case into what a section shows: labels and texts in the
reader's language (falling back to English), numbered source references, units in words,
ranges and distributions described in words ("PERT (low 10,000; most likely 12,000; high
13,000)"), the scenarios' colours. The sections (:mod:`yubi.brief.outlook` and the others)
read this view and the run; none reaches into ``case.file``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from yubi.brief import charts
from yubi.brief.formatting import N_, Formatter
from yubi.brief.page import Cell, Ref
from yubi.case.schema import RANGE_PATTERN, V1_AUDIENCES, LocalText

if TYPE_CHECKING:
    from yubi.case.model import Case, ScenarioSpec, Variable

FloatArray = NDArray[np.float64]

__all__ = [
    "SECTION_DEFAULTS",
    "CaseView",
    "ClaimText",
    "Definition",
    "ImpactText",
    "IndicatorText",
    "OverrideText",
    "QuantityText",
    "ScenarioText",
]

#: Neutral titles of the frame sections a case may rename under ``sections:``.
SECTION_DEFAULTS: dict[str, str] = {
    "drivers": N_("The situation and its drivers"),
    "impacts": N_("Impacts"),
    "outcome_drivers": N_("What drives the outcomes"),
    "indicators": N_("Indicators to watch"),
    "analogy": N_("Historical analogy"),
    "claims": N_("The sources' claims, checked"),
    "preparation": N_("Preparation"),
}
# The v1 audiences' headings, for extraction (the brief translates V1_AUDIENCES' English).
_V1_HEADINGS = (N_("For the regime"), N_("For South Korea"))


@dataclass(frozen=True)
class ScenarioText:
    """A scenario (a branch of a dimension) in the reader's words."""

    id: str
    index: int
    label: str
    color: str
    prior: float
    description: str
    audiences: list[tuple[str, str]]
    implications: list[str]
    prepare: list[str]
    recommendations: list[str]
    refs: list[Ref]
    #: When it takes effect: "from the start", "after: <event>", or a 90 % range of months.
    start: str
    #: The analyst's reasons for its prior and for its start, as one text.
    basis: str


@dataclass(frozen=True)
class Definition:
    """How a quantity (or a scenario's override of it) is defined, in words."""

    text: str
    is_expression: bool
    #: Median and 90 % interval of a distribution, the value of a constant, or empty.
    summary: Cell


@dataclass(frozen=True)
class QuantityText:
    name: str
    label: str
    unit: str
    definition: Definition
    assumption: str
    note: str
    refs: list[Ref]
    #: Cites a source and is not an expression: one of the case's figures (section 3).
    is_sourced_figure: bool


@dataclass(frozen=True)
class OverrideText:
    scenario: str
    quantity: str
    definition: Definition
    assumption: str
    refs: list[Ref]


@dataclass(frozen=True)
class ImpactText:
    label: str
    direction: str
    for_whom: str
    text: str
    refs: list[Ref]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class IndicatorText:
    label: str
    description: str
    #: P(seen | scenario), in the case's scenario order.
    likelihood: FloatArray
    refs: list[Ref]


@dataclass(frozen=True)
class ClaimText:
    text: str
    value: str
    status: str
    note: str
    refs: list[Ref]


class CaseView:
    """The compiled ``case`` in ``formatter``'s language, ready to be shown.

    Parameters
    ----------
    case
        The compiled case.
    formatter
        The reader's language; the case's own unit words (``units:``) are added to it.
    """

    def __init__(self, case: Case, formatter: Formatter) -> None:
        self.case = case
        self._file = case.file
        self.f = formatter.with_units(case.file.units)
        self.lang = formatter.language
        self.colors = {s.id: charts.PALETTE[i % len(charts.PALETTE)]
                       for i, s in enumerate(case.file.scenarios)}
        self._ref_numbers = {source_id: i + 1 for i, source_id in enumerate(self._file.sources)}

    # -- words -----------------------------------------------------------------------------
    def _(self, message: str) -> str:
        return self.f.gettext(message)

    def t(self, text: LocalText | None) -> str:
        """A case text in the reader's language (English where the case gives no other)."""
        return text.get(self.lang) if text is not None else ""

    def refs(self, value: str | Sequence[str] | None) -> list[Ref]:
        """The numbered references of one source id or several (unknown ids left out)."""
        ids = [value] if isinstance(value, str) else list(value or [])
        return [Ref(self._ref_numbers[i], i, self.t(self._file.sources[i].title))
                for i in ids if i in self._ref_numbers]

    def month_after_start(self, months: float) -> str:
        """The calendar month ``months`` after the horizon's start, clamped to the horizon."""
        index = min(max(round(months), 0), len(self.case.months) - 1)
        return self.f.month(self.case.months[index])

    # -- the case as a whole ---------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.t(self._file.title)

    @property
    def summary(self) -> str:
        return self.t(self._file.summary)

    @property
    def as_of(self) -> str:
        return self.f.date(self._file.as_of)

    @property
    def analyst(self) -> str:
        return self._file.analyst or ""

    @property
    def case_name(self) -> str:
        """``id (file name)``, as the run facts give it."""
        return f"{self._file.id} ({self.case.path.rsplit('/', 1)[-1]})"

    @cached_property
    def section_titles(self) -> dict[str, str]:
        """The frame sections' titles: the case's ``sections:``, else neutral defaults."""
        given = self._file.sections
        return {key: self.t(getattr(given, key)) if getattr(given, key) is not None
                else self._(default) for key, default in SECTION_DEFAULTS.items()}

    @cached_property
    def audiences(self) -> list[tuple[str, str]]:
        """(id, heading) of each audience: the case's, or ``yubi: 1``'s two where used."""
        if self._file.audiences:
            return [(key, self.t(a.label)) for key, a in self._file.audiences.items()]
        used = {key for s in self._file.scenarios for key in s.audience_texts()}
        return [(key, self._(V1_AUDIENCES[key][1]["en"])) for key in V1_AUDIENCES
                if key in used]

    # -- scenarios -------------------------------------------------------------------------
    @cached_property
    def scenarios(self) -> list[ScenarioText]:
        """Every scenario in the case's order; for crossed scenarios, every branch of every
        dimension (a reader weighs "how the fighting ends" and "what follows" apart, not
        each combination)."""
        return [self._scenario(index) for index in range(len(self._file.scenarios))]

    @cached_property
    def branch_labels(self) -> dict[str, str]:
        """Label of each scenario (each branch, for crossed scenarios), by id."""
        return {s.id: s.label for s in self.scenarios}

    @cached_property
    def dimension_labels(self) -> dict[str, str]:
        """For crossed scenarios, each branch's dimension label, by branch id; else empty."""
        if not self.case.crossed:
            return {}
        return {b.id: self.t(d.label) for d in self.case.dimensions for b in d.branches}

    def scenario(self, scenario_id: str) -> ScenarioText:
        return next(s for s in self.scenarios if s.id == scenario_id)

    def scenario_label(self, scenario_id: str) -> str:
        """A scenario's (a branch's) label, or a combination's (``a+b``) in a crossed case."""
        if scenario_id in self.branch_labels:
            return self.branch_labels[scenario_id]
        return " + ".join(self.branch_labels.get(b, b) for b in scenario_id.split("+"))

    def _spec(self, index: int) -> ScenarioSpec:
        """What the engine draws for the file's scenario ``index``: itself, or in a crossed
        case the first combination that includes the branch (its start and overrides)."""
        if not self.case.crossed:
            return self.case.scenarios[index]
        return self.case.scenarios[self.case.members(self._file.scenarios[index].id)[0]]

    def _scenario(self, index: int) -> ScenarioText:
        scenario = self._file.scenarios[index]
        basis = self.t(scenario.prior_assumption)
        start_basis = self.t(scenario.starts.assumption) if scenario.starts else ""
        return ScenarioText(
            id=scenario.id,
            index=index,
            label=self.t(scenario.label),
            color=self.colors[scenario.id],
            prior=(self.case.branch_prior(scenario.id) if self.case.crossed
                   else self.case.scenarios[index].prior),
            description=self.t(scenario.description),
            audiences=[(label, self.t(scenario.audience_texts().get(audience)))
                       for audience, label in self.audiences],
            implications=[self.t(i) for i in scenario.implications],
            prepare=[self.t(p) for p in scenario.prepare],
            recommendations=[self.t(r.text) for r in self._file.recommendations
                             if scenario.id in r.scenarios],
            refs=self.refs(scenario.prior_source),
            start=self._start(index),
            basis=" ".join(part for part in (basis, start_basis) if part),
        )

    def _start(self, index: int) -> str:
        spec, starts = self._spec(index), self._file.scenarios[index].starts
        if starts is None:
            return self._("from the start")
        if starts.event is not None:
            event = self._file.dynamics.events[starts.event]
            return self._("after: {event}").format(event=self.t(event.label))
        if spec.start_marginal is not None:
            marginal = spec.start_marginal
            return self.f.gettext("{low}–{high}").format(
                low=self.month_after_start(marginal.quantile(0.05)),
                high=self.month_after_start(marginal.quantile(0.95)))
        if spec.start_month is not None:
            return self.month_after_start(spec.start_month)
        return self._("from the start")

    @property
    def general_recommendations(self) -> list[tuple[str, list[Ref]]]:
        """Recommendations for every scenario (not limited to some)."""
        return [(self.t(r.text), self.refs(r.source))
                for r in self._file.recommendations if not r.scenarios]

    # -- outputs ---------------------------------------------------------------------------
    def output_label(self, output_id: str) -> str:
        return self.t(self.case.output(output_id).label)

    def output_unit(self, output_id: str) -> str:
        """The output's unit as written in the case (``soldier``, ``KRW/month``)."""
        return self.case.output(output_id).unit_text

    def output_note(self, output_id: str) -> str:
        return self.t(self._file.outputs[output_id].note)

    def threshold_labels(self, output_id: str) -> list[tuple[str, str]]:
        """(statistic id, label) of each threshold of the output."""
        return [(t.id, self.t(t.label)) for t in self.case.output(output_id).thresholds]

    def input_label(self, name: str, label: LocalText) -> str:
        """What a sensitivity input is called: the scenario draw in words, else its label."""
        if name == "scenario":
            return self._("Which scenario unfolds")
        return self.t(label)

    # -- the situation ---------------------------------------------------------------------
    @property
    def context(self) -> list[tuple[str, str, list[Ref]]]:
        return [(self.t(c.label), self.t(c.text), self.refs(c.source))
                for c in self._file.context]

    @property
    def actors(self) -> list[tuple[str, list[str]]]:
        return [(self.t(a.label), [self.t(i) for i in a.interests]) for a in self._file.actors]

    @property
    def impacts(self) -> list[ImpactText]:
        actors = {a.id: self.t(a.label) for a in self._file.actors}
        return [ImpactText(self.t(i.label), i.direction, actors.get(i.for_whom, i.for_whom),
                           self.t(i.text), self.refs(i.source), tuple(i.outputs))
                for i in self._file.impacts]

    @property
    def indicators(self) -> list[IndicatorText]:
        """The indicators with a typed P(observed | scenario) for every scenario the engine
        draws. One given as a condition (``when:``) has none: the model gives it. In a
        crossed case the typed ones name branches, not combinations, and are left out."""
        scenario_ids = [s.id for s in self.case.scenarios]
        return [IndicatorText(self.t(i.label), self.t(i.description),
                              np.array([i.likelihood[s] for s in scenario_ids]),
                              self.refs(i.source))
                for i in self._file.indicators
                if i.likelihood is not None and set(scenario_ids) <= set(i.likelihood)]

    @property
    def analogs(self) -> list[tuple[str, tuple[str, str], list[tuple[str, str, str, list[Ref]]]]]:
        """Each analogy: its label, its two column headings, and its rows."""
        return [(self.t(a.label), (self.t(a.analog_label), self.t(a.current_label)),
                 [(self.t(r.dimension), self.t(r.analog), self.t(r.current), self.refs(r.source))
                  for r in a.rows])
                for a in self._file.analogs]

    @property
    def claims(self) -> list[ClaimText]:
        return [ClaimText(self.t(c.text), self._claim_value(c.value, c.unit), c.status,
                          self.t(c.note), self.refs(c.source))
                for c in self._file.claims]

    def _claim_value(self, value: float | str | None, unit: str | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, int | float):
            return self.f.amount(float(value), unit)
        match = RANGE_PATTERN.match(value)
        if match:
            low, high = (_number(match[g]) for g in ("low", "high"))
            return self.f.interval(low, high, unit)
        return value

    @property
    def sources(self) -> list[tuple[Ref, str, str | None]]:
        """Each source: its reference, its publisher, date and citation, its URL as given."""
        out = []
        for source_id, source in self._file.sources.items():
            details = [part for part in (
                source.publisher, self.f.date(source.date) if source.date else None,
                self.t(source.citation)) if part]
            out.append((self.refs(source_id)[0], ". ".join(d.rstrip(".") for d in details) + ".",
                        source.url))
        return out

    # -- the model -------------------------------------------------------------------------
    def variable(self, name: str) -> Variable:
        return next(v for v in self.case.variables if v.name == name)

    @property
    def quantities(self) -> list[QuantityText]:
        out = []
        for name, quantity in self._file.quantities.items():
            unit = self.variable(name).unit_text
            out.append(QuantityText(
                name=name, label=self.t(quantity.label), unit=self.f.unit_name(unit) or "—",
                definition=self._definition(quantity, name),
                assumption=self.t(quantity.assumption), note=self.t(quantity.note),
                refs=self.refs(quantity.source),
                is_sourced_figure=bool(quantity.source) and quantity.expr is None))
        return out

    @property
    def sourced_figures(self) -> list[QuantityText]:
        """The quantities that cite a source and are not expressions, in model order."""
        order = {v.name: i for i, v in enumerate(self.case.variables)}
        return sorted((q for q in self.quantities if q.is_sourced_figure),
                      key=lambda q: order.get(q.name, len(order)))

    @property
    def overrides(self) -> list[OverrideText]:
        return [OverrideText(self.t(scenario.label), self.t(self.variable(name).label),
                             self._definition(override, name, self._spec(index).index),
                             self.t(override.assumption), self.refs(override.source))
                for index, scenario in enumerate(self._file.scenarios)
                for name, override in scenario.overrides.items()]

    @property
    def dynamics(self) -> list[tuple[str, str, str, str, str | None, list[Ref]]]:
        """(code name, label, kind, monthly rule, assumption, refs) of each stock, flow and
        event; only events carry an assumption (``None`` for the others)."""
        dynamics = self._file.dynamics
        rows: list[tuple[str, str, str, str, str | None, list[Ref]]] = [
            (name, self.t(s.label), self._("stock"), str(s.update or f"+= {s.flow}"), None, [])
            for name, s in dynamics.stocks.items()]
        rows += [(name, self.t(f.label), self._("flow"), f.expr, None, [])
                 for name, f in dynamics.flows.items()]
        rows += [(name, self.t(e.label), self._("event"), e.hazard, self.t(e.assumption),
                  self.refs(e.source)) for name, e in dynamics.events.items()]
        return rows

    @property
    def correlations(self) -> list[tuple[str, float, str, list[Ref]]]:
        """(the two inputs' labels, rank correlation, assumption, refs) of each correlation."""
        return [(self.correlated_pair(c.between), c.rank, self.t(c.assumption),
                 self.refs(c.source)) for c in self._file.correlations]

    def correlated_pair(self, names: Sequence[str]) -> str:
        return " – ".join(self.t(self._file.quantities[n].label) for n in names)

    def _definition(self, entry: object, name: str, override_of: int | None = None
                    ) -> Definition:
        variable = self.variable(name)
        expr = getattr(entry, "expr", None)
        summary = (self._summary(variable, override_of) if expr is None
                   and variable.kind == "quantity" else Cell(""))
        return Definition(self._definition_text(entry, variable.unit_text), bool(expr), summary)

    def _summary(self, variable: Variable, override_of: int | None) -> Cell:
        definition = variable.base if override_of is None else variable.overrides[override_of]
        unit = variable.unit_text
        if definition.marginal is not None:
            marginal = definition.marginal
            median, low, high = (marginal.quantile(p) for p in (0.5, 0.05, 0.95))
            return Cell(self.f.amount(median, unit),
                        self._("90%: {interval}").format(interval=self.f.interval(low, high, unit)))
        if definition.constant is not None:
            scale = variable.unit.scale or 1.0
            return Cell(self.f.amount(definition.constant / scale, unit))
        return Cell(self._("derived"))

    def _definition_text(self, entry: object, unit: str) -> str:
        expr = getattr(entry, "expr", None)
        if expr:
            return str(expr)
        value = getattr(entry, "value", None)
        if isinstance(value, int | float):
            return self._("constant: {value}").format(value=self.f.amount(float(value), unit))
        if isinstance(value, str):
            match = RANGE_PATTERN.match(value)
            if match is not None:
                low, high = (_number(match[g]) for g in ("low", "high"))
                value = self.f.gettext("{low}–{high}").format(
                    low=self.f.number(low, currency=_is_money(unit)),
                    high=self.f.number(high, currency=_is_money(unit)))
            return self._("90% interval {range}").format(range=value)
        distribution = getattr(entry, "distribution", None)
        text = self.describe_distribution(distribution, unit) if distribution is not None else ""
        truncate = getattr(entry, "truncate", None)
        if truncate is not None:
            low, high = truncate
            text += " " + self._("truncated to {low}…{high}").format(
                low="" if low is None else self.f.amount(low, unit),
                high="" if high is None else self.f.amount(high, unit))
        return text

    def describe_distribution(self, spec: object, unit: str) -> str:
        """``PERT (low 10,000; most likely 12,000; high 13,000)`` in the reader's words.

        Parameters in the quantity's unit are shown as numbers (money with its sign): the
        table's unit column names the unit.
        """
        kind = str(getattr(spec, "type", ""))
        families = {
            "normal": self._("normal"), "lognormal": self._("lognormal"),
            "uniform": self._("uniform"), "triangular": self._("triangular"),
            "pert": self._("PERT"), "beta": self._("beta"), "gamma": self._("gamma"),
            "poisson": self._("Poisson"), "bernoulli": self._("Bernoulli"),
            "categorical": self._("categorical"), "range": self._("range"),
        }
        names = {
            "low": self._("low"), "mode": self._("most likely"), "high": self._("high"),
            "mean": self._("mean"), "sd": self._("sd"), "median": self._("median"),
            "sigma": "σ", "alpha": "α", "beta": "β", "shape": self._("shape"),
            "scale": self._("scale"), "lam": "λ", "p": "p", "confidence": self._("confidence"),
            "values": self._("values"), "weights": self._("weights"),
        }
        unitless = {"sigma", "alpha", "beta", "shape", "p", "confidence", "weights", "lam"}
        parts = []
        given = spec.model_dump(exclude={"type"}, exclude_defaults=True)  # type: ignore[attr-defined]
        for key, value in given.items():
            if isinstance(value, list):
                shown = ", ".join(self.f.number(float(v)) for v in value)
            else:
                money = key not in unitless and _is_money(unit)
                shown = self.f.number(float(value), currency=money)
            parts.append(f"{names.get(key, key)} {shown}")
        return f"{families.get(kind, kind)} ({'; '.join(parts)})"

    def quantity_distribution(self, name: str) -> str:
        """How the case defines quantity ``name``, in words (for the web's lists too)."""
        return self._definition_text(self._file.quantities[name], self.variable(name).unit_text)


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("_", ""))


def _is_money(unit: str) -> bool:
    return unit.replace(" ", "").split("/")[0] in ("KRW", "USD")
