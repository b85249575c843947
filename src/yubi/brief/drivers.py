"""Section 5: what drives the key outputs (tornado diagrams and the Sobol' ranking)."""

from __future__ import annotations

import math
from dataclasses import replace

from yubi.analysis.sensitivity import SensitivityResult
from yubi.brief import charts
from yubi.brief.analyses import Analyses
from yubi.brief.formatting import Formatter
from yubi.brief.page import Cell, Chart, DriverView, Row, Table
from yubi.brief.sheet import Sheet

__all__ = ["draw_tornadoes", "drivers", "shared_notes", "tornado_chart"]


def draw_tornadoes(analyses: Analyses, formatter: Formatter) -> dict[str, Chart]:
    """The tornado diagram of each key output analysed so far, by output id."""
    sheet = Sheet.of(analyses, formatter)
    return {output: tornado_chart(sheet, output) for output in analyses.key_outputs
            if output in analyses.tornado}


def drivers(sheet: Sheet, drawn: dict[str, Chart]) -> tuple[list[DriverView], list[str]]:
    """Each key output's sensitivity (tornado diagrams from ``drawn`` where drawn), and the
    notes every one of them would repeat, said once."""
    views = []
    for output_id in sheet.analyses.key_outputs:
        sobol = sheet.analyses.sobol.get(output_id)
        tornado = sheet.analyses.tornado.get(output_id)
        if sobol is None and tornado is None:
            continue
        notes, source_notes = _notes(sheet, sobol, tornado)
        views.append(DriverView(
            output=sheet.view.output_label(output_id),
            tornado=(None if tornado is None else drawn.get(output_id)
                     or tornado_chart(sheet, output_id)),
            ranking=_ranking(sheet, sobol) if sobol is not None else None,
            measure=_ranking_measure(sheet, sobol.ranked_by) if sobol is not None else "",
            notes=notes,
            source_notes=source_notes,
        ))
    return shared_notes(views)


def shared_notes(drivers: list[DriverView]) -> tuple[list[DriverView], list[str]]:
    """Notes that every key output's analysis repeats, taken out to be said once."""
    if len(drivers) < 2:
        return drivers, []
    shared = [n for n in drivers[0].source_notes if all(n in d.source_notes for d in drivers)]
    kept = [replace(d, source_notes=[n for n in d.source_notes if n not in shared])
            for d in drivers]
    return kept, shared


def _ranking_measure(sheet: Sheet, ranked_by: str) -> str:
    if ranked_by == "full_first":
        return sheet._("Ranked by the full first-order index: the share of the variance "
                       "that learning the input (and what moves with it) would remove.")
    return sheet._("Ranked by the total Sobol' index: the share of the variance the input "
                   "causes, alone or with others.")


def _ranking(sheet: Sheet, result: SensitivityResult) -> Table:
    f = sheet.f
    correlated = result.ranked_by == "full_first"
    columns = [sheet._("Input"), sheet._("Share of variance (95% CI)")]
    columns += ([sheet._("Rank correlation")] if correlated
                else [sheet._("First-order (95% CI)")])
    columns.append(sheet._("Basis"))
    rows = []
    for effect in result.effects[:10]:
        value = effect.full_first if correlated else effect.total
        interval = effect.full_first_ci if correlated else effect.total_ci
        main = Cell(f.share(_clip(value)), _ci(sheet, interval), css=f"bar:{_bar_width(value)}")
        if correlated:
            second = Cell(f.signed(effect.rank_correlation))
        else:
            second = Cell(f.share(_clip(effect.first)), _ci(sheet, effect.first_ci))
        basis = Cell(sheet._("Assumption") if effect.assumption and not effect.sources
                     else sheet._("Source") if effect.sources else "")
        rows.append(Row(sheet.view.input_label(effect.name, effect.label), [main, second, basis],
                        refs=sheet.view.refs(list(effect.sources))))
    rest = len(result.effects) - 10
    if rest > 0:
        rows.append(Row(sheet._("{count} more inputs with smaller effects").format(count=rest),
                        [Cell(""), Cell(""), Cell("")], css="more"))
    return Table(columns, rows, widths=[46, 22, 18, 14])


def _ci(sheet: Sheet, interval: tuple[float, float] | None) -> str:
    if interval is None or not all(math.isfinite(v) for v in interval):
        return ""
    return sheet.f.gettext("{low}–{high}").format(low=sheet.f.share(_clip(interval[0])),
                                                   high=sheet.f.share(_clip(interval[1])))


def _clip(value: float | None) -> float:
    """A share in [0, 1] (Monte Carlo noise can put an index just outside); NaN if none."""
    if value is None or not math.isfinite(value):
        return math.nan
    return min(max(value, 0.0), 1.0)


def _bar_width(value: float | None) -> int:
    clipped = _clip(value)
    return 0 if math.isnan(clipped) else round(100 * clipped)


def tornado_chart(sheet: Sheet, output_id: str) -> Chart:
    """One key output's tornado diagram, with its accessible description."""
    f, view = sheet.f, sheet.view
    result = sheet.analyses.tornado[output_id]
    unit = view.output_unit(output_id)
    bars = []
    for effect in result.effects[:8]:
        if effect.low_output is None or effect.high_output is None:
            continue
        low_text, high_text = _ends(sheet, effect.name, effect.low_value, effect.high_value,
                                    effect.by_scenario)
        bars.append(charts.TornadoBar(view.input_label(effect.name, effect.label),
                                      effect.low_output, effect.high_output,
                                      low_text, high_text))
    baseline = result.baseline if result.baseline is not None else float("nan")
    tornado = charts.Tornado(
        title=view.output_label(output_id), unit_name=f.unit_name(unit),
        baseline=baseline, bars=bars,
        low_label=sheet._("Input at its 10th percentile (or the lowest scenario)"),
        high_label=sheet._("Input at its 90th percentile (or the highest scenario)"))
    src = charts.tornado_chart(tornado, f)
    alt = sheet._("Tornado diagram of {output} in {month}: baseline {baseline}; "
                  "largest swings: {inputs}.").format(
        output=view.output_label(output_id), month=f.month(sheet.analyses.month),
        baseline=f.amount(baseline, unit),
        inputs="; ".join(f"{b.label} {f.amount(b.low_output, unit)}–"
                         f"{f.amount(b.high_output, unit)}" for b in bars[:3]))
    caption = sheet._("Each bar moves one input from its 10th to its 90th percentile with "
                      "the others at their medians; the line is the baseline, {baseline}.")
    return Chart(src, alt, "", caption.format(baseline=f.amount(baseline, unit)))


def _ends(sheet: Sheet, name: str, low: float | None, high: float | None,
          by_scenario: dict[str, float] | None) -> tuple[str, str]:
    """What the input is at the two ends of its bar: values, months or scenarios."""
    view = sheet.view
    if name == "scenario" and by_scenario:
        ordered = sorted(by_scenario, key=lambda s: by_scenario[s])
        return view.scenario_label(ordered[0]), view.scenario_label(ordered[-1])
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "", ""
    if name.startswith("start:"):
        return view.month_after_start(low), view.month_after_start(high)
    variable = next((v for v in sheet.analyses.case.variables if v.name == name), None)
    unit = variable.unit_text if variable is not None else ""
    return sheet.f.amount(low, unit), sheet.f.amount(high, unit)


def _notes(sheet: Sheet, sobol: SensitivityResult | None,
           tornado: SensitivityResult | None) -> tuple[list[str], list[str]]:
    """Caveats: the analyses' own notes in English; a translated summary otherwise.

    The sensitivity module writes its notes in English. An English brief quotes them; a
    brief in another language says the same essentials in its own words and points to
    the English notes, so it reads in one language throughout.
    """
    results = [r for r in (sobol, tornado) if r is not None]
    if sheet.view.lang == "en":
        return [], list(dict.fromkeys(note for r in results for note in r.notes))
    notes = []
    noise = next((r.noise_share for r in results if r.noise_share is not None), None)
    if noise is not None and noise > 0.01:
        notes.append(sheet._("Month-by-month chance (events, random draws) accounts for "
                             "about {share} of the variance; no input explains that part.")
                     .format(share=sheet.f.share(noise)))
    pairs = [pair for pair, _, _, _ in sheet.view.correlations]
    if pairs:
        notes.append(sheet._("Correlated inputs ({pairs}): Sobol' indices need independent "
                             "inputs, so the ranking uses indices that remain valid with "
                             "the correlations.").format(pairs="; ".join(pairs)))
    if any(r.notes for r in results):
        notes.append(sheet._("The analysis's detailed notes are in the English brief and in "
                             "the output of yubi sensitivity."))
    return notes, []
