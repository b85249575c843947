"""Section 6: the indicators to watch, per scenario, and what seeing each would do."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from yubi.brief.page import Cell, IndicatorView, Row, ScenarioView, Table
from yubi.brief.sheet import Sheet
from yubi.brief.view import IndicatorText

FloatArray = NDArray[np.float64]

__all__ = ["indicator_table", "indicators", "weak_indicators"]

#: A change in a scenario's probability below this (half a point) does not discriminate.
NEGLIGIBLE_SHIFT = 0.005


def indicators(sheet: Sheet, scenarios: list[ScenarioView]
               ) -> list[tuple[ScenarioView, list[IndicatorView]]]:
    """Per scenario, the indicators whose observation would raise it, the strongest first."""
    priors = sheet.analyses.case.priors
    out = []
    for view, scenario in zip(scenarios, sheet.view.scenarios, strict=True):
        index = scenario.index
        entries = []
        for indicator in sheet.view.indicators:
            shift = _posterior(priors, indicator.likelihood)[index] - priors[index]
            if shift > NEGLIGIBLE_SHIFT:
                entries.append((shift, _indicator_view(sheet, indicator, index)))
        entries.sort(key=lambda pair: -pair[0])
        out.append((view, [entry for _, entry in entries]))
    return out


def _indicator_view(sheet: Sheet, indicator: IndicatorText, index: int) -> IndicatorView:
    f = sheet.f
    priors, likelihood = sheet.analyses.case.priors, indicator.likelihood
    others = np.delete(np.arange(len(priors)), index)
    weight = priors[others].sum()
    other = float((priors[others] * likelihood[others]).sum() / weight) if weight else math.nan
    seen = _posterior(priors, likelihood)[index]
    not_seen = _posterior(priors, 1 - likelihood)[index]
    ratio = likelihood[index] / other if other else math.inf
    prior = f.percent(priors[index])
    arrow = sheet._("{before} → {after}")
    return IndicatorView(
        label=indicator.label,
        description=indicator.description,
        seen=Cell(f.percent(float(likelihood[index]))),
        other=f.percent(other),
        if_seen=arrow.format(before=prior, after=f.percent(seen)),
        if_not_seen=arrow.format(before=prior, after=f.percent(not_seen)),
        odds=sheet._("×{ratio}").format(ratio=f.number(ratio)),
        refs=indicator.refs,
    )


def weak_indicators(sheet: Sheet) -> list[str]:
    """Indicators that would move no scenario by half a point: they cannot discriminate."""
    priors = sheet.analyses.case.priors
    return [i.label for i in sheet.view.indicators
            if np.abs(_posterior(priors, i.likelihood) - priors).max() <= NEGLIGIBLE_SHIFT]


def indicator_table(sheet: Sheet) -> Table:
    """Every indicator: P(seen | scenario) and the scenario's probability if seen."""
    f, scenarios = sheet.f, sheet.view.scenarios
    priors = sheet.analyses.case.priors
    seen = sheet._("if seen: {value}")
    rows = []
    for indicator in sheet.view.indicators:
        posterior = _posterior(priors, indicator.likelihood)
        cells = [Cell(f.percent(float(p)), seen.format(value=f.percent(float(q))))
                 for p, q in zip(indicator.likelihood, posterior, strict=True)]
        rows.append(Row(indicator.label, cells, refs=indicator.refs))
    count = len(scenarios)
    return Table([sheet._("Indicator"), *(s.label for s in scenarios)],
                 rows, ["", *(s.color for s in scenarios)], [34] + [66 // count] * count)


def _posterior(priors: FloatArray, likelihood: FloatArray) -> FloatArray:
    joint = priors * likelihood
    total = joint.sum()
    return joint / total if total > 0 else priors
