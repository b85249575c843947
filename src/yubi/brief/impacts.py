"""Section 4: the impacts, each with the outputs that measure it, per scenario."""

from __future__ import annotations

from collections.abc import Sequence

from yubi.brief.page import Cell, ImpactView, Row, Table
from yubi.brief.sheet import OVERALL, Sheet

__all__ = ["impacts"]


def impacts(sheet: Sheet) -> dict[str, list[ImpactView]]:
    """Positive and negative impacts, in the case's order."""
    groups: dict[str, list[ImpactView]] = {"positive": [], "negative": []}
    for impact in sheet.view.impacts:
        groups[impact.direction].append(ImpactView(
            label=impact.label, direction=impact.direction, for_whom=impact.for_whom,
            text=impact.text, refs=impact.refs, measures=_measures(sheet, impact.outputs)))
    return groups


def _measures(sheet: Sheet, outputs: Sequence[str]) -> Table | None:
    """Each output at the reported month, and the probability of each of its thresholds."""
    if not outputs:
        return None
    rows = []
    scenarios = [OVERALL, *(s.id for s in sheet.view.scenarios)]
    for output_id in outputs:
        rows.append(Row(sheet.view.output_label(output_id), sheet.measure_row(output_id)))
        if sheet.is_probability(output_id):
            continue
        for threshold, label in sheet.view.threshold_labels(output_id):
            probabilities = [sheet.result.statistic(output_id, threshold, scenario)[sheet.month]
                             for scenario in scenarios]
            rows.append(Row(sheet._("P({threshold})").format(threshold=label),
                            [Cell(sheet.f.percent(float(p))) for p in probabilities],
                            css="threshold"))
    return sheet.scenario_table(rows)
