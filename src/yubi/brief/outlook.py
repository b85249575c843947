"""Sections 1 and 2: the bottom line (scenarios, key figures) and the outlook charts."""

from __future__ import annotations

import re

import numpy as np

from yubi.brief import charts
from yubi.brief.analyses import Analyses
from yubi.brief.formatting import Formatter
from yubi.brief.page import Chart, Outlook, Row, ScenarioView, Table
from yubi.brief.sheet import Sheet
from yubi.brief.view import ScenarioText

__all__ = ["draw_outlook", "fan_charts", "key_figures", "lead", "probability_chart",
           "scenario_views"]


def draw_outlook(analyses: Analyses, formatter: Formatter) -> Outlook:
    """Section 2's fan charts and probability chart (needs the run, not the sensitivity)."""
    sheet = Sheet.of(analyses, formatter)
    return Outlook(fan_charts(sheet), probability_chart(sheet))


def scenario_views(sheet: Sheet) -> list[ScenarioView]:
    """Each scenario with its probability in numbers and in words, and what it means."""
    f = sheet.f
    return [ScenarioView(
        id=s.id, label=s.label, color=s.color, probability=f.percent(s.prior),
        term=f.likelihood(s.prior), description=s.description, audiences=s.audiences,
        implications=s.implications, prepare=s.prepare, recommendations=s.recommendations,
        refs=s.refs) for s in sheet.view.scenarios]


def lead(sheet: Sheet) -> str:
    """The bottom line's first sentence: the most likely scenario."""
    scenarios = sheet.view.scenarios
    dimensions = sheet.view.dimension_labels
    if dimensions:  # crossed: one most likely branch per dimension
        best_of: dict[str, ScenarioText] = {}
        for s in scenarios:
            if dimensions[s.id] not in best_of or s.prior > best_of[dimensions[s.id]].prior:
                best_of[dimensions[s.id]] = s
        return sheet._("The most likely branch of each dimension: {branches}.").format(
            branches="; ".join(f"“{s.label}”: {sheet.f.probability(s.prior)}"
                               for s in best_of.values()))
    best = max(scenarios, key=lambda s: s.prior)
    if len(scenarios) == 1:
        return sheet._("The case has one scenario: {label}.").format(label=best.label)
    return sheet._("The most likely scenario is “{label}”: {probability}.").format(
        label=best.label, probability=sheet.f.probability(best.prior))


def key_figures(sheet: Sheet) -> Table:
    """The key outputs at the reported month, each with the input that moves it most."""
    rows = []
    for output_id in sheet.analyses.key_outputs:
        driver = sheet.analyses.sobol.get(output_id) or sheet.analyses.tornado.get(output_id)
        note = ""
        if driver is not None and driver.effects:
            note = sheet._("Most influential input: {input}").format(
                input=sheet.view.input_label(driver.effects[0].name, driver.effects[0].label))
        rows.append(Row(sheet.view.output_label(output_id), sheet.measure_row(output_id),
                        note=note))
    return sheet.scenario_table(rows)


def fan_charts(sheet: Sheet) -> list[Chart]:
    """A fan chart per output that is a quantity (events are in :func:`probability_chart`)."""
    view, f, case = sheet.view, sheet.f, sheet.analyses.case
    out = []
    for output in case.outputs:
        if sheet.is_probability(output.id):
            continue
        series = [
            charts.FanSeries(s.label, s.color,
                             *(sheet.result.statistic(output.id, q, s.id)
                               for q in ("p05", "p25", "p50", "p75", "p95")))
            for s in view.scenarios
        ]
        unit = f.unit_name(output.unit_text)
        src = charts.fan_chart(series, case.months, f, marker=sheet.month)
        label = view.output_label(output.id)
        alt = sheet._("{output} by scenario, {start} to {end}: median, 50% and 90% "
                      "intervals. At the end: {values}.").format(
            output=label, start=f.month(case.months[0]), end=f.month(case.months[-1]),
            values="; ".join(f"{s.label} {sheet.measure(output.id, s.id, -1).text}"
                             for s in view.scenarios))
        title = _with_unit(label, unit, sheet._("{output} ({unit})"))
        out.append(Chart(src, alt, title, view.output_note(output.id)))
    return out


def probability_chart(sheet: Sheet) -> Chart | None:
    """The probability of each event by month and scenario, or ``None`` without events."""
    view, case = sheet.view, sheet.analyses.case
    events = [o.id for o in case.outputs if sheet.is_probability(o.id)]
    if not events:
        return None
    panels = [
        (view.output_label(o), [(s.label, s.color,
                                 np.asarray(sheet.result.statistic(o, "mean", s.id)))
                                for s in view.scenarios])
        for o in events
    ]
    src = charts.probability_chart(panels, case.months, sheet.f, marker=sheet.month)
    alt = sheet._("Probability by month and scenario of: {outputs}.").format(
        outputs="; ".join(view.output_label(o) for o in events))
    return Chart(src, alt)


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
