"""What the workbench pages show, as plain data for the templates (no FastAPI here).

Each function turns a case, a run or the store's records into dicts and lists that a template
lays out. Numbers are formatted for the page's language with the brief's
:class:`~yubi.brief.formatting.Formatter`; chart data are plain numbers that
``static/workbench.js`` draws. Text from a case or the store passes through unchanged: the
templates escape it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yubi.brief.formatting import Formatter
    from yubi.case.compiled import Case
    from yubi.case.schema import LocalText
    from yubi.engine import SimulationResult
    from yubi.evidence.updating import EvidenceUpdate

__all__ = [
    "PALETTE",
    "QuantityInput",
    "case_detail",
    "chart_months",
    "fan_charts",
    "local",
    "quantity_inputs",
    "safe_url",
    "scenario_table",
    "update_chart",
]

#: One colour per scenario, in the case's order (colour-blind safe: Okabe–Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
QUANTILES = ("p05", "p25", "p50", "p75", "p95")


def local(text: LocalText | None, language: str) -> str:
    """A case's reader-facing text in ``language``, else its English."""
    if text is None:
        return ""
    value = getattr(text, language, None)
    return str(value) if value else text.en


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) link, else ``None`` (a page links to nothing else)."""
    if url and url.split(":", 1)[0].lower() in ("http", "https") and "://" in url:
        return url
    return None


def _sources(case: Case, ids: str | Sequence[str] | None) -> list[dict[str, Any]]:
    if ids is None:
        return []
    names = [ids] if isinstance(ids, str) else list(ids)
    found = []
    for name in names:
        source = case.file.sources.get(name)
        title = name if source is None else source.title
        publisher = None if source is None else source.publisher
        url = None if source is None else safe_url(source.url)
        found.append({"id": name, "title": title, "publisher": publisher, "url": url})
    return found


# -- what-if inputs ----------------------------------------------------------------------------
@dataclass(frozen=True)
class QuantityInput:
    """One uncertain quantity as the what-if form shows it: its 5–95 % range, editable."""

    id: str
    label: str
    unit: str
    low: str
    high: str
    step: str
    description: str
    sources: tuple[str, ...]


def _plain(value: float) -> str:
    """A number as a form field holds it: 3 significant digits, no grouping, no exponent."""
    if value == 0 or not math.isfinite(value):
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    rounded = round(value, digits)
    text = f"{rounded:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _step(low: float, high: float) -> str:
    span = abs(high - low) or abs(high) or 1.0
    return _plain(10 ** math.floor(math.log10(span / 100)))


def quantity_inputs(case: Case, language: str) -> list[QuantityInput]:
    """Every uncertain quantity of the case (one with a distribution), in file order."""
    from yubi.brief.formatting import Formatter
    from yubi.brief.i18n import load_translations
    from yubi.brief.view import CaseView

    describe = CaseView(case, Formatter(language, load_translations(language))
                        ).quantity_distribution
    inputs = []
    seen = set()
    for column in case.inputs:
        quantity = case.file.quantities.get(column.name)
        if column.kind != "quantity" or column.marginal is None or quantity is None:
            continue
        if column.name in seen:
            continue
        seen.add(column.name)
        low, high = column.marginal.quantile(0.05), column.marginal.quantile(0.95)
        inputs.append(QuantityInput(
            id=column.name, label=local(quantity.label, language), unit=quantity.unit,
            low=_plain(low), high=_plain(high), step=_step(low, high),
            description=describe(column.name), sources=column.sources))
    return inputs


def form_changes(case: Case, form: Mapping[str, str]) -> dict[str, str]:
    """The what-if changes a submitted form asks for: only fields that differ from the case.

    A quantity whose low and high fields still show the case's 5–95 % range is unchanged;
    a prior still at the case's value likewise. Keys and values are those of ``yubi run --set``.
    """
    changes: dict[str, str] = {}
    for entry in quantity_inputs(case, "en"):
        low = form.get(f"q.{entry.id}.low", entry.low).strip()
        high = form.get(f"q.{entry.id}.high", entry.high).strip()
        if (low, high) != (entry.low, entry.high):
            changes[entry.id] = low if low == high else f"{low} to {high}"
    for scenario in case.scenarios:
        if form.get(f"off.{scenario.id}"):
            changes[f"off.{scenario.id}"] = "off"
            continue
        value = form.get(f"prior.{scenario.id}", "").strip()
        if value and not _same(value, scenario.prior):
            changes[f"prior.{scenario.id}"] = value
    return changes


def _same(text: str, value: float) -> bool:
    try:
        return abs(float(text) - value) < 5e-4
    except ValueError:
        return False


# -- run results ---------------------------------------------------------------------------------
def chart_months(case: Case) -> list[int]:
    """The case's months as Unix seconds (the first day, UTC), the charts' x values."""
    stamps = []
    for label in case.months:
        year, month = (int(part) for part in label.split("-"))
        stamps.append(int(dt.datetime(year, month, 1, tzinfo=dt.UTC).timestamp()))
    return stamps


def _numbers(values: Any) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values]


def fan_charts(result: SimulationResult, outputs: Sequence[str], language: str,
               baseline: SimulationResult | None = None) -> list[dict[str, Any]]:
    """Per output: its overall 5/25/50/75/95 % quantiles by month, each scenario's median,
    and the unchanged case's median (when ``baseline`` is given) for comparison."""
    case = result.case
    charts = []
    for output_id in outputs:
        output = case.output(output_id)
        chart: dict[str, Any] = {
            "id": output_id, "title": local(output.label, language), "unit": output.unit_text,
            **{q: _numbers(result.statistic(output_id, q)) for q in QUANTILES},
            "scenarios": [
                {"id": s.id, "label": local(s.label, language),
                 "color": PALETTE[s.index % len(PALETTE)],
                 "p50": _numbers(result.statistic(output_id, "p50", s.id))}
                for s in case.scenarios if s.prior > 0
            ],
        }
        if baseline is not None:
            chart["baseline"] = _numbers(baseline.statistic(output_id, "p50"))
        charts.append(chart)
    return charts


def scenario_table(result: SimulationResult, outputs: Sequence[str], month: str,
                   formatter: Formatter, language: str) -> dict[str, Any]:
    """Rows per scenario (and all): prior, share drawn, median and 5–95 % range per output."""
    case = result.case
    index = case.month_index(month)
    share = result.scenario_share()
    columns = [{"id": o, "label": local(case.output(o).label, language)} for o in outputs]

    def cells(scenario: str) -> list[dict[str, str]]:
        row = []
        for output_id in outputs:
            unit = case.output(output_id).unit_text
            if case.output(output_id).event:  # 0/1: the probability that it has happened
                p = float(result.statistic(output_id, "mean", scenario)[index])
                row.append({"median": formatter.percent(p), "range": ""})
                continue
            values = {q: float(result.statistic(output_id, q, scenario)[index])
                      for q in ("p05", "p50", "p95")}
            row.append({"median": formatter.amount(values["p50"], unit),
                        "range": formatter.interval(values["p05"], values["p95"], unit)})
        return row

    rows = [{"id": s.id, "label": local(s.label, language),
             "color": PALETTE[s.index % len(PALETTE)], "prior": formatter.percent(s.prior),
             "prior_value": s.prior, "share": formatter.percent(share.get(s.id, 0.0)),
             "cells": cells(s.id) if share.get(s.id, 0.0) > 0 else []}
            for s in case.scenarios]
    return {"month": formatter.month(month), "columns": columns, "rows": rows,
            "all": cells("all")}


# -- evidence --------------------------------------------------------------------------------
def update_chart(update: EvidenceUpdate, case: Case, language: str) -> dict[str, Any]:
    """Scenario probabilities from the prior (at the case's date) through each item."""
    start = int(dt.datetime.combine(case.as_of, dt.time(), tzinfo=dt.UTC).timestamp())
    xs = [start] + [int(dt.datetime.combine(item.observed_on, dt.time(), tzinfo=dt.UTC)
                        .timestamp()) for item in update.items]
    series = []
    for k, scenario in enumerate(case.scenarios):
        values = [float(update.prior[k])] + [float(row[k]) for row in update.posteriors]
        series.append({"id": scenario.id, "label": local(scenario.label, language),
                       "color": PALETTE[k % len(PALETTE)], "values": values})
    return {"x": xs, "series": series}


def case_detail(case: Case, formatter: Formatter, language: str) -> dict[str, Any]:
    """Quantities with sources, scenarios, indicators and claims of one case."""
    from yubi.brief.view import CaseView

    file = case.file
    describe = CaseView(case, formatter).quantity_distribution
    quantities = []
    for name, quantity in file.quantities.items():
        variable = next((v for v in case.variables if v.name == name), None)
        marginal = variable.base.marginal if variable is not None else None
        if marginal is not None:
            value = describe(name)
            spread = formatter.interval(marginal.quantile(0.05), marginal.quantile(0.95),
                                        quantity.unit)
        elif isinstance(quantity.value, int | float):
            value, spread = formatter.amount(float(quantity.value), quantity.unit), ""
        else:
            value, spread = str(quantity.expr or quantity.value or ""), ""
        quantities.append({
            "id": name, "label": local(quantity.label, language), "unit": quantity.unit,
            "value": value, "spread": spread, "sources": _sources(case, quantity.source),
            "assumption": quantity.assumption, "confidence": quantity.confidence,
        })
    scenarios = [{"id": s.id, "label": local(s.label, language),
                  "prior": formatter.percent(s.prior), "prior_value": s.prior,
                  "color": PALETTE[k % len(PALETTE)],
                  "description": local(s.description, language)}
                 for k, s in enumerate(file.scenarios)]
    indicators = [{"id": i.id, "label": local(i.label, language),
                   "likelihood": [formatter.percent((i.likelihood or {}).get(s.id, math.nan))
                                  for s in file.scenarios],
                   "sources": _sources(case, i.source)} for i in file.indicators]
    claims = [{"id": c.id, "text": local(c.text, language), "status": c.status,
               "value": "" if c.value is None else (
                   formatter.amount(float(c.value), c.unit) if isinstance(c.value, int | float)
                   else str(c.value)),
               "sources": _sources(case, c.source), "note": local(c.note, language)}
              for c in file.claims]
    sources = [{"id": key, "title": s.title, "publisher": s.publisher,
                "date": formatter.date(s.date) if s.date else "", "url": safe_url(s.url)}
               for key, s in file.sources.items()]
    return {"quantities": quantities, "scenarios": scenarios, "indicators": indicators,
            "claims": claims, "sources": sources}
