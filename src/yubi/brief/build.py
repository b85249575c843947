"""Assemble what the brief's template shows, from the case and the analyses.

Every section is filled from the case file (its qualitative parts) and from the run and the
sensitivity analyses (its numbers); nothing here knows about a particular case. The template
only lays out what :func:`build_brief` returns: texts already in the reader's language and
numbers already formatted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from babel.numbers import format_decimal
from numpy.typing import NDArray

from yubi.analysis.sensitivity import SensitivityResult
from yubi.brief import charts
from yubi.brief.analyses import Analyses
from yubi.brief.formatting import ESTIMATIVE_SCALE, N_, Formatter
from yubi.case.schema import RANGE_PATTERN, V1_AUDIENCES, Indicator, LocalText
from yubi.engine.results import OVERALL
from yubi.html_safety import safe_url

FloatArray = NDArray[np.float64]

__all__ = [
    "Brief",
    "Cell",
    "Chart",
    "ImpactView",
    "IndicatorView",
    "Outlook",
    "Ref",
    "Row",
    "ScenarioView",
    "Table",
    "build_brief",
    "draw_outlook",
    "draw_tornadoes",
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


# -- the view model ------------------------------------------------------------------------
@dataclass(frozen=True)
class Ref:
    """A numbered reference to one of the case's sources."""

    number: int
    id: str
    title: str


@dataclass(frozen=True)
class Cell:
    """A table cell: a main text and an optional detail line (e.g. the 90% interval)."""

    text: str
    detail: str = ""
    css: str = ""


@dataclass(frozen=True)
class Row:
    """A table row: its label (first column) with an optional note and code name below."""

    label: str
    cells: list[Cell]
    note: str = ""
    refs: list[Ref] = field(default_factory=list)
    css: str = ""
    code: str = ""


@dataclass(frozen=True)
class Table:
    """Columns, rows, a colour per column (scenario swatches) and, optionally, fixed widths.

    ``widths`` (percentages, one per column) give the table a fixed layout: WeasyPrint's
    automatic layout can make a column narrower than its text.
    """

    columns: list[str]
    rows: list[Row]
    colors: list[str] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Chart:
    """An embedded image (``data:`` URI) with its accessible description."""

    src: str
    alt: str
    title: str = ""
    caption: str = ""


@dataclass(frozen=True)
class ScenarioView:
    id: str
    label: str
    color: str
    probability: str
    term: str
    description: str
    audiences: list[tuple[str, str]]
    implications: list[str]
    prepare: list[str]
    recommendations: list[str]
    refs: list[Ref]


@dataclass(frozen=True)
class ImpactView:
    label: str
    direction: str
    for_whom: str
    text: str
    refs: list[Ref]
    measures: Table | None


@dataclass(frozen=True)
class IndicatorView:
    label: str
    description: str
    seen: Cell
    other: str
    if_seen: str
    if_not_seen: str
    odds: str
    refs: list[Ref]


@dataclass(frozen=True)
class DriverView:
    """The sensitivity of one key output: a tornado chart and the Sobol' ranking."""

    output: str
    tornado: Chart | None
    ranking: Table | None
    measure: str
    notes: list[str]
    source_notes: list[str]


@dataclass(frozen=True)
class Brief:
    """Everything the template shows, in the reader's language."""

    language: str
    title: str
    summary: str
    as_of: str
    analyst: str
    month: str
    month_index: int
    lead: str
    scenarios: list[ScenarioView]
    key_figures: Table
    fan_charts: list[Chart]
    probability_chart: Chart | None
    context: list[tuple[str, str, list[Ref]]]
    actors: list[tuple[str, list[str]]]
    numbers: Table
    impacts: dict[str, list[ImpactView]]
    drivers: list[DriverView]
    driver_notes: list[str]
    indicators: list[tuple[ScenarioView, list[IndicatorView]]]
    weak_indicators: list[str]
    indicator_table: Table
    analogs: list[tuple[str, Table]]
    claims: Table
    general_recommendations: list[tuple[str, list[Ref]]]
    quantities: Table
    overrides: Table
    scenario_basis: Table
    dynamics: Table
    correlations: Table
    run: list[tuple[str, str]]
    reproduce: str
    sources: list[tuple[Ref, str, str | None]]
    estimative_scale: list[tuple[str, str]]
    sections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outlook:
    """The charts of one language that need the run and the tornado analyses, not Sobol':
    section 2's fan and probability charts and the tornado diagrams (by output id)."""

    fan_charts: list[Chart]
    probability_chart: Chart | None
    tornado_charts: dict[str, Chart] = field(default_factory=dict)


# -- building ------------------------------------------------------------------------------
def build_brief(analyses: Analyses, formatter: Formatter) -> Brief:
    """The brief of ``analyses`` in the formatter's language.

    Section 2's charts are taken from ``analyses.alongside`` when they were drawn there
    for this language (see :func:`yubi.brief.render.prepare`), else drawn now.
    """
    return _Builder(analyses, formatter).build()


def draw_outlook(analyses: Analyses, formatter: Formatter) -> Outlook:
    """Section 2's fan charts and probability chart (needs the run, not the sensitivity)."""
    builder = _Builder(analyses, formatter)
    return Outlook(builder.fan_charts(), builder.probability_chart())


def draw_tornadoes(analyses: Analyses, formatter: Formatter) -> dict[str, Chart]:
    """The tornado diagram of each key output analysed so far, by output id."""
    builder = _Builder(analyses, formatter)
    return {output: builder.tornado_chart(output) for output in analyses.key_outputs
            if output in analyses.tornado}


class _Builder:
    def __init__(self, analyses: Analyses, formatter: Formatter) -> None:
        self.a = analyses
        self.case = analyses.case
        self.file = analyses.case.file
        self.result = analyses.result
        self.f = formatter.with_units(analyses.case.file.units)
        self.lang = formatter.language
        self.m = analyses.month_index
        self.colors = {s.id: charts.PALETTE[i % len(charts.PALETTE)]
                       for i, s in enumerate(self.case.scenarios)}
        self.ref_numbers = {source_id: i + 1 for i, source_id in enumerate(self.file.sources)}

    # -- helpers ---------------------------------------------------------------------------
    def _(self, message: str) -> str:
        return self.f.gettext(message)

    def t(self, text: LocalText | None) -> str:
        return text.get(self.lang) if text is not None else ""

    def refs(self, value: str | Sequence[str] | None) -> list[Ref]:
        ids = [value] if isinstance(value, str) else list(value or [])
        return [Ref(self.ref_numbers[i], i, self.t(self.file.sources[i].title))
                for i in ids if i in self.ref_numbers]

    def output_label(self, output_id: str) -> str:
        return self.t(self.case.output(output_id).label)

    def measure(self, output_id: str, scenario: str, month: int | None = None) -> Cell:
        """Median and 90% interval, or the probability of a 0/1 output, at a month."""
        index = self.m if month is None else month
        if output_id in self.a.binary:
            return Cell(self.f.percent(self.result.statistic(output_id, "mean", scenario)[index]))
        unit = self.case.output(output_id).unit_text
        p50, p05, p95 = (float(self.result.statistic(output_id, s, scenario)[index])
                         for s in ("p50", "p05", "p95"))
        return Cell(self.f.amount(p50, unit), self.f.interval(p05, p95, unit))

    def scenario_columns(self) -> list[str]:
        return [self._("Measure"), self._("All scenarios"),
                *(self.t(s.label) for s in self.case.scenarios)]

    def scenario_colors(self) -> list[str]:
        return ["", "", *(self.colors[s.id] for s in self.case.scenarios)]

    def scenario_widths(self) -> list[int]:
        """A quarter for the label, the rest shared by "all" and each scenario."""
        count = len(self.case.scenarios) + 1
        return [25] + [75 // count] * count

    # -- sections --------------------------------------------------------------------------
    def build(self) -> Brief:
        scenarios = self.scenarios()
        drawn = self.a.alongside
        outlook = drawn.get(self.lang) if isinstance(drawn, dict) else None
        if not isinstance(outlook, Outlook):
            outlook = Outlook(self.fan_charts(), self.probability_chart())
        drivers, shared_notes = _shared_notes(self.drivers(outlook.tornado_charts))
        return Brief(
            language=self.lang,
            title=self.t(self.file.title),
            summary=self.t(self.file.summary),
            as_of=self.f.date(self.file.as_of),
            analyst=self.file.analyst or "",
            month=self.f.month_long(self.a.month),
            month_index=self.m,
            lead=self.lead(scenarios),
            scenarios=scenarios,
            key_figures=self.key_figures(),
            fan_charts=outlook.fan_charts,
            probability_chart=outlook.probability_chart,
            context=[(self.t(c.label), self.t(c.text), self.refs(c.source))
                     for c in self.file.context],
            actors=[(self.t(a.label), [self.t(i) for i in a.interests]) for a in self.file.actors],
            numbers=self.numbers(),
            impacts=self.impacts(),
            drivers=drivers,
            driver_notes=shared_notes,
            indicators=self.indicators(scenarios),
            weak_indicators=self.weak_indicators(),
            indicator_table=self.indicator_table(),
            analogs=self.analogs(),
            claims=self.claims(),
            general_recommendations=[
                (self.t(r.text), self.refs(r.source))
                for r in self.file.recommendations if not r.scenarios
            ],
            quantities=self.quantities(),
            overrides=self.overrides(),
            scenario_basis=self.scenario_basis(),
            dynamics=self.dynamics(),
            correlations=self.correlations(),
            run=self.run_facts(),
            reproduce=self.reproduce_command(),
            sources=self.sources(),
            estimative_scale=self.estimative_scale(),
            sections=self.section_titles(),
        )

    def scenarios(self) -> list[ScenarioView]:
        views = []
        for spec, scenario in zip(self.case.scenarios, self.file.scenarios, strict=True):
            recommendations = [self.t(r.text) for r in self.file.recommendations
                               if scenario.id in r.scenarios]
            views.append(ScenarioView(
                id=scenario.id,
                label=self.t(scenario.label),
                color=self.colors[scenario.id],
                probability=self.f.percent(spec.prior),
                term=self.f.likelihood(spec.prior),
                description=self.t(scenario.description),
                audiences=[(label, self.t(scenario.audience_texts().get(audience)))
                           for audience, label in self.audience_labels()],
                implications=[self.t(i) for i in scenario.implications],
                prepare=[self.t(p) for p in scenario.prepare],
                recommendations=recommendations,
                refs=self.refs(scenario.prior_source),
            ))
        return views

    def audience_labels(self) -> list[tuple[str, str]]:
        """(id, heading) of each audience: the case's, or ``yubi: 1``'s two where used."""
        if self.file.audiences:
            return [(key, self.t(a.label)) for key, a in self.file.audiences.items()]
        used = {key for s in self.file.scenarios for key in s.audience_texts()}
        return [(key, self._(V1_AUDIENCES[key][1]["en"])) for key in V1_AUDIENCES
                if key in used]

    def section_titles(self) -> dict[str, str]:
        """The frame sections' titles: the case's ``sections:``, else neutral defaults."""
        given = self.file.sections
        return {key: self.t(getattr(given, key)) if getattr(given, key) is not None
                else self._(default) for key, default in SECTION_DEFAULTS.items()}

    def lead(self, scenarios: list[ScenarioView]) -> str:
        best = max(self.case.scenarios, key=lambda s: s.prior)
        view = next(v for v in scenarios if v.id == best.id)
        if len(scenarios) == 1:
            return self._("The case has one scenario: {label}.").format(label=view.label)
        return self._("The most likely scenario is “{label}”: {probability}.").format(
            label=view.label, probability=self.f.probability(best.prior))

    def key_figures(self) -> Table:
        rows = []
        for output_id in self.a.key_outputs:
            cells = [self.measure(output_id, OVERALL)]
            cells += [self.measure(output_id, s.id) for s in self.case.scenarios]
            driver = self.a.sobol.get(output_id) or self.a.tornado.get(output_id)
            note = ""
            if driver is not None and driver.effects:
                note = self._("Most influential input: {input}").format(
                    input=self.input_label(driver.effects[0].name, driver.effects[0].label))
            rows.append(Row(self.output_label(output_id), cells, note=note))
        return Table(self.scenario_columns(), rows, self.scenario_colors(),
                     self.scenario_widths())

    def input_label(self, name: str, label: LocalText) -> str:
        if name == "scenario":
            return self._("Which scenario unfolds")
        return self.t(label)

    def fan_charts(self) -> list[Chart]:
        out = []
        for output in self.case.outputs:
            if output.id in self.a.binary:
                continue
            series = [
                charts.FanSeries(self.t(s.label), self.colors[s.id],
                                 *(self.result.statistic(output.id, q, s.id)
                                   for q in ("p05", "p25", "p50", "p75", "p95")))
                for s in self.case.scenarios
            ]
            unit = self.f.unit_name(output.unit_text)
            src = charts.fan_chart(series, self.case.months, self.f, marker=self.m)
            last = self.case.months[-1]
            alt = self._("{output} by scenario, {start} to {end}: median, 50% and 90% "
                         "intervals. At the end: {values}.").format(
                output=self.t(output.label), start=self.f.month(self.case.months[0]),
                end=self.f.month(last), values="; ".join(
                    f"{self.t(s.label)} {self.measure(output.id, s.id, -1).text}"
                    for s in self.case.scenarios))
            note = self.t(self.file.outputs[output.id].note)
            title = _with_unit(self.t(output.label), unit, self._("{output} ({unit})"))
            out.append(Chart(src, alt, title, note))
        return out

    def probability_chart(self) -> Chart | None:
        binary = [o for o in self.case.outputs if o.id in self.a.binary]
        if not binary:
            return None
        panels = [
            (self.t(o.label), [(self.t(s.label), self.colors[s.id],
                                np.asarray(self.result.statistic(o.id, "mean", s.id)))
                               for s in self.case.scenarios])
            for o in binary
        ]
        src = charts.probability_chart(panels, self.case.months, self.f, marker=self.m)
        alt = self._("Probability by month and scenario of: {outputs}.").format(
            outputs="; ".join(self.t(o.label) for o in binary))
        return Chart(src, alt)

    def numbers(self) -> Table:
        rows = []
        for variable in self.case.variables:
            quantity = self.file.quantities.get(variable.name)
            if variable.kind != "quantity" or quantity is None or not quantity.source:
                continue
            if quantity.expr is not None:
                continue
            value = self.quantity_summary(variable.name)
            rows.append(Row(self.t(quantity.label), [value], note=self.t(quantity.note),
                            refs=self.refs(quantity.source)))
        return Table([self._("Figure"), self._("Value")], rows, widths=[62, 38])

    def quantity_summary(self, name: str, override_of: int | None = None) -> Cell:
        variable = next(v for v in self.case.variables if v.name == name)
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

    def impacts(self) -> dict[str, list[ImpactView]]:
        groups: dict[str, list[ImpactView]] = {"positive": [], "negative": []}
        actors = {a.id: self.t(a.label) for a in self.file.actors}
        for impact in self.file.impacts:
            groups[impact.direction].append(ImpactView(
                label=self.t(impact.label),
                direction=impact.direction,
                for_whom=actors.get(impact.for_whom, impact.for_whom),
                text=self.t(impact.text),
                refs=self.refs(impact.source),
                measures=self.impact_measures(impact.outputs),
            ))
        return groups

    def impact_measures(self, outputs: Sequence[str]) -> Table | None:
        if not outputs:
            return None
        rows = []
        for output_id in outputs:
            cells = [self.measure(output_id, OVERALL)]
            cells += [self.measure(output_id, s.id) for s in self.case.scenarios]
            rows.append(Row(self.output_label(output_id), cells))
            if output_id in self.a.binary:
                continue
            for threshold in self.case.output(output_id).thresholds:
                probabilities = [self.result.statistic(output_id, threshold.id, scenario)[self.m]
                                 for scenario in [OVERALL, *(s.id for s in self.case.scenarios)]]
                rows.append(Row(
                    self._("P({threshold})").format(threshold=self.t(threshold.label)),
                    [Cell(self.f.percent(float(p))) for p in probabilities], css="threshold"))
        return Table(self.scenario_columns(), rows, self.scenario_colors(),
                     self.scenario_widths())

    # -- sensitivity -----------------------------------------------------------------------
    def drivers(self, drawn: dict[str, Chart]) -> list[DriverView]:
        """Each key output's sensitivity; tornado diagrams from ``drawn`` where drawn."""
        views = []
        for output_id in self.a.key_outputs:
            sobol = self.a.sobol.get(output_id)
            tornado = self.a.tornado.get(output_id)
            if sobol is None and tornado is None:
                continue
            notes, source_notes = self.sensitivity_notes(sobol, tornado)
            measure = self.ranking_measure(sobol.ranked_by) if sobol is not None else ""
            views.append(DriverView(
                output=self.output_label(output_id),
                tornado=(None if tornado is None else drawn.get(output_id)
                         or self.tornado_chart(output_id)),
                ranking=self.ranking(output_id) if sobol is not None else None,
                measure=measure,
                notes=notes,
                source_notes=source_notes,
            ))
        return views

    def ranking_measure(self, ranked_by: str) -> str:
        if ranked_by == "full_first":
            return self._("Ranked by the full first-order index: the share of the variance "
                          "that learning the input (and what moves with it) would remove.")
        return self._("Ranked by the total Sobol' index: the share of the variance the input "
                      "causes, alone or with others.")

    def ranking(self, output_id: str) -> Table:
        result = self.a.sobol[output_id]
        correlated = result.ranked_by == "full_first"
        columns = [self._("Input"), self._("Share of variance (95% CI)")]
        columns += [self._("Rank correlation")] if correlated else [self._("First-order (95% CI)")]
        columns.append(self._("Basis"))
        rows = []
        for effect in result.effects[:10]:
            value = effect.full_first if correlated else effect.total
            interval = effect.full_first_ci if correlated else effect.total_ci
            main = Cell(self.f.share(_clip(value)), self.ci(interval),
                        css=f"bar:{_bar_width(value)}")
            if correlated:
                second = Cell(_signed(effect.rank_correlation, self.f))
            else:
                second = Cell(self.f.share(_clip(effect.first)), self.ci(effect.first_ci))
            basis = Cell(self._("Assumption") if effect.assumption and not effect.sources
                         else self._("Source") if effect.sources else "")
            rows.append(Row(self.input_label(effect.name, effect.label), [main, second, basis],
                            refs=self.refs(list(effect.sources))))
        rest = len(result.effects) - 10
        if rest > 0:
            rows.append(Row(self._("{count} more inputs with smaller effects").format(count=rest),
                            [Cell(""), Cell(""), Cell("")], css="more"))
        return Table(columns, rows, widths=[46, 22, 18, 14])

    def ci(self, interval: tuple[float, float] | None) -> str:
        if interval is None or not all(math.isfinite(v) for v in interval):
            return ""
        return self.f.gettext("{low}–{high}").format(low=self.f.share(_clip(interval[0])),
                                                      high=self.f.share(_clip(interval[1])))

    def tornado_chart(self, output_id: str) -> Chart:
        result = self.a.tornado[output_id]
        unit = self.case.output(output_id).unit_text
        bars = []
        for effect in result.effects[:8]:
            if effect.low_output is None or effect.high_output is None:
                continue
            low_text, high_text = self.tornado_ends(effect.name, effect.low_value,
                                                    effect.high_value, effect.by_scenario)
            bars.append(charts.TornadoBar(self.input_label(effect.name, effect.label),
                                          effect.low_output, effect.high_output,
                                          low_text, high_text))
        baseline = result.baseline if result.baseline is not None else float("nan")
        tornado = charts.Tornado(
            title=self.output_label(output_id), unit_name=self.f.unit_name(unit),
            baseline=baseline, bars=bars,
            low_label=self._("Input at its 10th percentile (or the lowest scenario)"),
            high_label=self._("Input at its 90th percentile (or the highest scenario)"))
        src = charts.tornado_chart(tornado, self.f)
        alt = self._("Tornado diagram of {output} in {month}: baseline {baseline}; "
                     "largest swings: {inputs}.").format(
            output=self.output_label(output_id), month=self.f.month(self.a.month),
            baseline=self.f.amount(baseline, unit),
            inputs="; ".join(f"{b.label} {self.f.amount(b.low_output, unit)}–"
                             f"{self.f.amount(b.high_output, unit)}" for b in bars[:3]))
        caption = self._("Each bar moves one input from its 10th to its 90th percentile with "
                         "the others at their medians; the line is the baseline, {baseline}.")
        return Chart(src, alt, "", caption.format(baseline=self.f.amount(baseline, unit)))

    def tornado_ends(self, name: str, low: float | None, high: float | None,
                     by_scenario: dict[str, float] | None) -> tuple[str, str]:
        if name == "scenario" and by_scenario:
            ordered = sorted(by_scenario, key=lambda s: by_scenario[s])
            return (self.t(self.case.scenario(ordered[0]).label),
                    self.t(self.case.scenario(ordered[-1]).label))
        if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
            return "", ""
        if name.startswith("start:"):
            return self.month_after_start(low), self.month_after_start(high)
        variable = next((v for v in self.case.variables if v.name == name), None)
        unit = variable.unit_text if variable is not None else ""
        return self.f.amount(low, unit), self.f.amount(high, unit)

    def month_after_start(self, months: float) -> str:
        index = min(max(round(months), 0), len(self.case.months) - 1)
        return self.f.month(self.case.months[index])

    def sensitivity_notes(self, sobol: SensitivityResult | None,
                          tornado: SensitivityResult | None) -> tuple[list[str], list[str]]:
        """Caveats: the analyses' own notes in English; a translated summary otherwise.

        The sensitivity module writes its notes in English. An English brief quotes them; a
        brief in another language says the same essentials in its own words and points to
        the English notes, so it reads in one language throughout.
        """
        results = [r for r in (sobol, tornado) if r is not None]
        if self.lang == "en":
            return [], list(dict.fromkeys(note for r in results for note in r.notes))
        notes = []
        noise = next((r.noise_share for r in results if r.noise_share is not None), None)
        if noise is not None and noise > 0.01:
            notes.append(self._("Month-by-month chance (events, random draws) accounts for "
                                "about {share} of the variance; no input explains that part.")
                         .format(share=self.f.share(noise)))
        if self.file.correlations:
            pairs = "; ".join(" – ".join(self.t(self.file.quantities[n].label)
                                         for n in c.between) for c in self.file.correlations)
            notes.append(self._("Correlated inputs ({pairs}): Sobol' indices need independent "
                                "inputs, so the ranking uses indices that remain valid with "
                                "the correlations.").format(pairs=pairs))
        if any(r.notes for r in results):
            notes.append(self._("The analysis's detailed notes are in the English brief and in "
                                "the output of yubi sensitivity."))
        return notes, []

    # -- indicators ------------------------------------------------------------------------
    def indicators(self, scenarios: list[ScenarioView]) -> list[tuple[ScenarioView,
                                                                      list[IndicatorView]]]:
        priors = self.case.priors
        out = []
        for view, spec in zip(scenarios, self.case.scenarios, strict=True):
            entries = []
            for indicator in self.file.indicators:
                if indicator.likelihood is None:  # a when: condition; the model gives it
                    continue
                likelihood = np.array([indicator.likelihood[s.id] for s in self.case.scenarios])
                shift = _posterior(priors, likelihood)[spec.index] - priors[spec.index]
                if shift > 0.005:
                    entries.append((shift, self.indicator_view(indicator, spec.index, likelihood)))
            entries.sort(key=lambda pair: -pair[0])
            out.append((view, [entry for _, entry in entries]))
        return out

    def indicator_view(self, indicator: Indicator, index: int,
                       likelihood: FloatArray) -> IndicatorView:
        priors = self.case.priors
        others = np.delete(np.arange(len(priors)), index)
        weight = priors[others].sum()
        other = float((priors[others] * likelihood[others]).sum() / weight) if weight else math.nan
        seen = _posterior(priors, likelihood)[index]
        not_seen = _posterior(priors, 1 - likelihood)[index]
        ratio = likelihood[index] / other if other else math.inf
        prior = self.f.percent(priors[index])
        arrow = self._("{before} → {after}")
        return IndicatorView(
            label=self.t(indicator.label),
            description=self.t(indicator.description),
            seen=Cell(self.f.percent(float(likelihood[index]))),
            other=self.f.percent(other),
            if_seen=arrow.format(before=prior, after=self.f.percent(seen)),
            if_not_seen=arrow.format(before=prior, after=self.f.percent(not_seen)),
            odds=self._("×{ratio}").format(ratio=self.f.number(ratio)),
            refs=self.refs(indicator.source),
        )

    def weak_indicators(self) -> list[str]:
        weak = []
        priors = self.case.priors
        for indicator in self.file.indicators:
            if indicator.likelihood is None:  # a when: condition; the model gives it
                continue
            likelihood = np.array([indicator.likelihood[s.id] for s in self.case.scenarios])
            shift = np.abs(_posterior(priors, likelihood) - priors).max()
            if shift <= 0.005:
                weak.append(self.t(indicator.label))
        return weak

    def indicator_table(self) -> Table:
        priors = self.case.priors
        rows = []
        for indicator in self.file.indicators:
            if indicator.likelihood is None:  # a when: condition; the model gives it
                continue
            likelihood = np.array([indicator.likelihood[s.id] for s in self.case.scenarios])
            posterior = _posterior(priors, likelihood)
            seen = self._("if seen: {value}")
            cells = [Cell(self.f.percent(float(p)), seen.format(value=self.f.percent(float(q))))
                     for p, q in zip(likelihood, posterior, strict=True)]
            rows.append(Row(self.t(indicator.label), cells, refs=self.refs(indicator.source)))
        count = len(self.case.scenarios)
        return Table([self._("Indicator"), *(self.t(s.label) for s in self.case.scenarios)],
                     rows, ["", *(self.colors[s.id] for s in self.case.scenarios)],
                     [34] + [66 // count] * count)

    # -- analogs and claims ----------------------------------------------------------------
    def analogs(self) -> list[tuple[str, Table]]:
        out = []
        for analog in self.file.analogs:
            rows = [Row(self.t(row.dimension),
                        [Cell(self.t(row.analog)), Cell(self.t(row.current))],
                        refs=self.refs(row.source)) for row in analog.rows]
            columns = [self._("Dimension"), self.t(analog.analog_label),
                       self.t(analog.current_label)]
            out.append((self.t(analog.label), Table(columns, rows, widths=[18, 41, 41])))
        return out

    def claims(self) -> Table:
        statuses = {
            "verified": self._("verified"), "plausible": self._("plausible"),
            "unverified": self._("unverified"), "disputed": self._("disputed"),
            "false": self._("false"),
        }
        rows = []
        for claim in self.file.claims:
            rows.append(Row(self.t(claim.text), [
                Cell(self.claim_value(claim.value, claim.unit)),
                Cell(statuses[claim.status], css=f"status {claim.status}"),
                Cell(self.t(claim.note)),
            ], refs=self.refs(claim.source)))
        return Table([self._("Claim"), self._("Value"), self._("Status"), self._("Note")], rows,
                     widths=[30, 14, 11, 45])

    def claim_value(self, value: float | str | None, unit: str | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, int | float):
            return self.f.amount(float(value), unit)
        match = RANGE_PATTERN.match(value)
        if match:
            low, high = (_number(match[g]) for g in ("low", "high"))
            return self.f.interval(low, high, unit)
        return value

    # -- method ----------------------------------------------------------------------------
    def quantities(self) -> Table:
        rows = []
        for name, quantity in self.file.quantities.items():
            variable = next(v for v in self.case.variables if v.name == name)
            definition = Cell(self.definition_text(quantity, variable.unit_text),
                              css="code" if quantity.expr else "")
            summary = self.quantity_summary(name) if quantity.expr is None else Cell("")
            basis = self.t(quantity.assumption)
            rows.append(Row(self.t(quantity.label), [
                Cell(self.f.unit_name(variable.unit_text) or "—"),
                definition, summary, Cell(basis, css="assumption"),
            ], refs=self.refs(quantity.source), code=name))
        columns = [self._("Quantity"), self._("Unit"), self._("Definition"),
                   self._("Median (90% interval)"), self._("Analyst's assumption")]
        return Table(columns, rows, widths=[21, 9, 20, 17, 33])

    def definition_text(self, entry: object, unit: str) -> str:
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
        text = self.distribution_text(distribution, unit) if distribution is not None else ""
        truncate = getattr(entry, "truncate", None)
        if truncate is not None:
            low, high = truncate
            text += " " + self._("truncated to {low}…{high}").format(
                low="" if low is None else self.f.amount(low, unit),
                high="" if high is None else self.f.amount(high, unit))
        return text

    def distribution_text(self, spec: object, unit: str) -> str:
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
        # Parameters in the quantity's unit are shown as numbers: the Unit column names it.
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

    def overrides(self) -> Table:
        rows = []
        for index, scenario in enumerate(self.file.scenarios):
            for name, override in scenario.overrides.items():
                variable = next(v for v in self.case.variables if v.name == name)
                summary = (self.quantity_summary(name, index)
                           if variable.kind == "quantity" and override.expr is None else Cell(""))
                rows.append(Row(self.t(scenario.label), [
                    Cell(self.t(variable.label)),
                    Cell(self.definition_text(override, variable.unit_text),
                         css="code" if override.expr else ""),
                    summary, Cell(self.t(override.assumption), css="assumption"),
                ], refs=self.refs(override.source)))
        columns = [self._("Scenario"), self._("Changes"), self._("Definition"),
                   self._("Median (90% interval)"), self._("Analyst's assumption")]
        return Table(columns, rows, widths=[16, 17, 20, 17, 30])

    def scenario_basis(self) -> Table:
        rows = []
        for spec, scenario in zip(self.case.scenarios, self.file.scenarios, strict=True):
            start = self._("from the start")
            if scenario.starts is not None:
                if scenario.starts.event is not None:
                    event = self.file.dynamics.events[scenario.starts.event]
                    start = self._("after: {event}").format(event=self.t(event.label))
                elif spec.start_marginal is not None:
                    marginal = spec.start_marginal
                    start = self.f.gettext("{low}–{high}").format(
                        low=self.month_after_start(marginal.quantile(0.05)),
                        high=self.month_after_start(marginal.quantile(0.95)))
                elif spec.start_month is not None:
                    start = self.month_after_start(spec.start_month)
            basis = self.t(scenario.prior_assumption)
            start_basis = self.t(scenario.starts.assumption) if scenario.starts else ""
            rows.append(Row(self.t(scenario.label), [
                Cell(self.f.percent(spec.prior)),
                Cell(start),
                Cell(" ".join(part for part in (basis, start_basis) if part), css="assumption"),
            ], refs=self.refs(scenario.prior_source)))
        columns = [self._("Scenario"), self._("Probability"), self._("Takes effect (90%)"),
                   self._("Analyst's assumption")]
        return Table(columns, rows, widths=[22, 10, 18, 50])

    def dynamics(self) -> Table:
        rows = []
        dynamics = self.file.dynamics
        for name, stock in dynamics.stocks.items():
            rule = stock.update or f"+= {stock.flow}"
            rows.append(Row(self.t(stock.label), [Cell(self._("stock")),
                                                  Cell(str(rule), css="code"), Cell("")],
                            code=name))
        for name, flow in dynamics.flows.items():
            rows.append(Row(self.t(flow.label), [Cell(self._("flow")),
                                                 Cell(flow.expr, css="code"), Cell("")],
                            code=name))
        for name, event in dynamics.events.items():
            rows.append(Row(self.t(event.label), [
                Cell(self._("event")), Cell(event.hazard, css="code"),
                Cell(self.t(event.assumption), css="assumption")], refs=self.refs(event.source),
                code=name))
        columns = [self._("Variable"), self._("Kind"), self._("Monthly rule"),
                   self._("Analyst's assumption")]
        return Table(columns, rows, widths=[24, 8, 36, 32])

    def correlations(self) -> Table:
        rows = []
        for correlation in self.file.correlations:
            labels = " – ".join(self.t(self.file.quantities[n].label) for n in correlation.between)
            rows.append(Row(labels, [Cell(_signed(correlation.rank, self.f)),
                                     Cell(self.t(correlation.assumption), css="assumption")],
                            refs=self.refs(correlation.source)))
        return Table([self._("Inputs"), self._("Rank correlation"),
                      self._("Analyst's assumption")], rows, widths=[38, 12, 50])

    def run_facts(self) -> list[tuple[str, str]]:
        from yubi import __version__

        settings = self.result.settings
        facts = [
            (self._("Case"), f"{self.file.id} ({self.case.path.rsplit('/', 1)[-1]})"),
            (self._("Case file SHA-256"), self.case.sha256),
            (self._("yubi version"), __version__),
            (self._("Trajectories"), self.f.number_exact(settings.samples)),
            (self._("Seed"), str(settings.seed)),
            (self._("Sampler"), settings.sampler),
            (self._("Horizon"), self._("{start} to {end} ({count} months)").format(
                start=self.f.month(self.case.months[0]), end=self.f.month(self.case.months[-1]),
                count=len(self.case.months))),
            (self._("Month reported"), self.f.month_long(self.a.month)),
        ]
        if self.a.sobol:
            first = next(iter(self.a.sobol.values()))
            facts.append((self._("Sobol' base samples"), self.f.number_exact(first.samples)))
        if self.a.tornado:
            first = next(iter(self.a.tornado.values()))
            facts.append((self._("Tornado replicates"), self.f.number_exact(first.samples)))
        facts.append((self._("Quantile accuracy"),
                      self._("within 0.4% of the exact sample quantile")))
        return facts

    def reproduce_command(self) -> str:
        """The command that writes this brief again, run in the case file's folder: the
        settings with the month the brief reported (see :meth:`Settings.command`)."""
        settings = self.a.settings.model_copy(update={"month": self.a.month})
        return settings.command(self.case.path, language=self.lang)

    def sources(self) -> list[tuple[Ref, str, str | None]]:
        out = []
        for source_id, source in self.file.sources.items():
            details = [part for part in (
                source.publisher, self.f.date(source.date) if source.date else None,
                self.t(source.citation)) if part]
            # Validation admits only http(s) URLs; safe_url() keeps any other out of the href.
            out.append((self.refs(source_id)[0], ". ".join(d.rstrip(".") for d in details) + ".",
                        safe_url(source.url)))
        return out

    def estimative_scale(self) -> list[tuple[str, str]]:
        return [(self._(term), self.f.gettext("{low}–{high}").format(
            low=self.f.percent(max(low, 0.01)), high=self.f.percent(min(high, 0.99))))
            for low, high, term in ESTIMATIVE_SCALE]


def _shared_notes(drivers: list[DriverView]) -> tuple[list[DriverView], list[str]]:
    """Notes that every key output's analysis repeats, taken out to be said once."""
    if len(drivers) < 2:
        return drivers, []
    shared = [n for n in drivers[0].source_notes if all(n in d.source_notes for d in drivers)]
    kept = [replace(d, source_notes=[n for n in d.source_notes if n not in shared])
            for d in drivers]
    return kept, shared


def _with_unit(label: str, unit: str, template: str) -> str:
    """``Killed (cumulative, soldiers)``: the unit added once, inside a closing parenthesis."""
    if not unit:
        return label
    parenthetical = re.search(r"\(([^()]*)\)\s*$", label)
    if parenthetical is not None:
        if unit in parenthetical.group(1):
            return label
        return label[:parenthetical.end(1)] + ", " + unit + label[parenthetical.end(1):]
    return template.format(output=label, unit=unit)


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("_", ""))


def _is_money(unit: str) -> bool:
    return unit.replace(" ", "").split("/")[0] in ("KRW", "USD")


def _posterior(priors: FloatArray, likelihood: FloatArray) -> FloatArray:
    joint = priors * likelihood
    total = joint.sum()
    return joint / total if total > 0 else priors


def _clip(value: float | None) -> float:
    if value is None or not math.isfinite(value):
        return math.nan
    return min(max(value, 0.0), 1.0)


def _bar_width(value: float | None) -> int:
    clipped = _clip(value)
    return 0 if math.isnan(clipped) else round(100 * clipped)


def _signed(value: float | None, formatter: Formatter) -> str:
    """``+0.57``, ``−0.02``, ``0.00``: a correlation with its sign and two decimals."""
    if value is None or not math.isfinite(value):
        return "—"
    rounded = round(value, 2)
    text = format_decimal(abs(rounded), format="0.00", locale=formatter.locale)
    return ("+" if rounded > 0 else "−" if rounded < 0 else "") + text
