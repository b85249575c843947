"""The evidence part of the bottom line: prior and posterior side by side.

Shown when the brief was made ``--as-of`` a date (see :mod:`yubi.app.settings`): each
scenario's (each branch's) prior and posterior probability, and each key output's median and
90% interval overall under the prior and under the posterior, with the evidence date, the
items used and the effective sample size of the reweighted trajectories.
"""

from __future__ import annotations

from typing import Any

from yubi.brief.page import Cell, EvidenceView, Row, Table
from yubi.brief.sheet import OVERALL, Sheet

__all__ = ["evidence"]

def evidence(sheet: Sheet) -> EvidenceView | None:
    """Prior and posterior side by side, or ``None`` when the brief used no evidence."""
    posterior = sheet.analyses.posterior
    summary = getattr(posterior, "evidence", None) if posterior is not None else None
    if posterior is None or summary is None:
        return None
    f = sheet.f
    used = sum(1 for counted in summary.counted if counted)
    ess = summary.effective_sample_size
    text = sheet.f.ngettext(
        "Evidence recorded by {date}: {count} item counted. The run is reweighted by it: "
        "its effective sample size is {ess} of {samples} trajectories.",
        "Evidence recorded by {date}: {count} items counted. The run is reweighted by them: "
        "its effective sample size is {ess} of {samples} trajectories.", used).format(
        date=f.date(summary.as_of) if summary.as_of is not None else "—", count=used,
        ess=f.number_exact(round(ess)), samples=f.number_exact(summary.samples))
    notes = []
    if summary.warning is not None:  # the effective sample size is low
        notes.append(sheet._("Few trajectories carry the weight: the posterior figures have "
                             "a larger Monte Carlo error. A run with more samples narrows it."))
    if summary.ignored:
        notes.append(sheet.f.ngettext(
            "{count} item could not be read by the model (e.g. a month outside the horizon) "
            "and was left out.",
            "{count} items could not be read by the model (e.g. a month outside the horizon) "
            "and were left out.", len(summary.ignored)).format(count=len(summary.ignored)))
    return EvidenceView(text, _scenarios(sheet, summary), _outputs(sheet, posterior), notes)


def _scenarios(sheet: Sheet, summary: Any) -> Table:
    """Prior and posterior of each branch (each scenario, for a flat case), a crossed case's
    with its dimension below."""
    view = sheet.view
    rows = [Row(view.scenario_label(branch.id),
                [Cell(sheet.f.percent(branch.prior)), Cell(sheet.f.percent(branch.posterior)),
                 Cell(_shift(sheet, branch.prior, branch.posterior))],
                note=view.dimension_labels.get(branch.id, ""))
            for branch in summary.branches]
    return Table([sheet._("Scenario"), sheet._("Prior"), sheet._("Posterior"),
                  sheet._("Change")], rows, widths=[46, 18, 18, 18])


def _outputs(sheet: Sheet, posterior: Any) -> Table:
    """Each key output over all scenarios: prior and posterior median and 90% interval."""
    rows = [Row(sheet.view.output_label(output_id),
                [sheet.measure(output_id, OVERALL),
                 sheet.measure(output_id, OVERALL, result=posterior)])
            for output_id in sheet.analyses.key_outputs]
    return Table([sheet._("Measure"), sheet._("Before the evidence"),
                  sheet._("After the evidence")], rows, widths=[40, 30, 30])


def _shift(sheet: Sheet, prior: float, posterior: float) -> str:
    """``+12 points`` / ``−3 points`` / ``no change``: the posterior minus the prior."""
    points = round(100 * (posterior - prior))
    if points == 0:
        return sheet._("no change")
    sign = "+" if points > 0 else "−"
    return sheet.f.ngettext("{sign}{count} point", "{sign}{count} points", abs(points)).format(
        sign=sign, count=abs(points))
