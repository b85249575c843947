"""Views of a run's result for people and notebooks: short text, an HTML table, wide pandas
and xarray.

The summary arrays are indexed (month, output, scenario slot), the last slot being all
scenarios together; values are in each output's declared unit. pandas and xarray are imported
inside the functions that need them, so ``import yubi`` stays light.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from yubi.engine.results import SimulationResult

__all__ = ["month_index", "result_html", "result_repr", "short_number", "to_wide", "to_xarray"]

#: Outputs shown in a result's HTML table: enough to orient, few enough to read.
TABLE_OUTPUTS = 6


def short_number(value: float) -> str:
    """``12.3k``, ``4.5M``, ``0.31``: three significant digits; ``–`` for NaN."""
    if value != value:  # NaN: no trajectories in that scenario
        return "–"
    magnitude = abs(value)
    for size, divisor, suffix in ((1e12, 1e12, "T"), (1e9, 1e9, "B"), (1e6, 1e6, "M"),
                                  (1e4, 1e3, "k")):
        if magnitude >= size:
            return f"{value / divisor:.3g}{suffix}"
    return f"{value:.3g}" if magnitude < 100 else f"{value:,.0f}"


def result_repr(result: SimulationResult) -> str:
    """One short paragraph: case, settings, scenario shares, what the result holds."""
    case, settings = result.case, result.settings
    shares = result.scenario_share()
    scenarios = ", ".join(f"{s.id} {shares[s.id]:.1%}" for s in case.scenarios)
    changes = f"; {len(case.changes)} what-if changes" if case.changes else ""
    return (
        f"<SimulationResult {case.id}: {settings.samples:,} trajectories, seed {settings.seed}, "
        f"{settings.sampler}{changes}\n"
        f"  scenarios drawn: {scenarios}\n"
        f"  {len(case.outputs)} outputs × {len(case.months)} months "
        f"{case.months[0]}–{case.months[-1]}; .to_pandas(), .to_xarray(), .plot.fan(output)>"
    )


def result_html(result: SimulationResult, month: int = -1) -> str:
    """A small table: median [5%–95%] of the first outputs at ``month``, by scenario."""
    case = result.case
    shares = result.scenario_share()
    slots = [(s.id, f"{escape(s.label.en)}<br><small>{shares[s.id]:.1%}</small>")
             for s in case.scenarios] + [("all", "all")]
    head = "".join(f"<th>{label}</th>" for _, label in slots)
    rows = []
    for output in case.outputs[:TABLE_OUTPUTS]:
        cells = []
        for scenario_id, _ in slots:
            if output.event:  # 0/1 each month: the probability that it has happened
                p = float(result.statistic(output.id, "mean", scenario_id)[month])
                cells.append(f"<td style='text-align:right'>{p:.0%}</td>")
                continue
            p05, p50, p95 = (result.statistic(output.id, name, scenario_id)[month]
                             for name in ("p05", "p50", "p95"))
            cells.append(f"<td style='text-align:right'>{short_number(p50)} "
                         f"<small>[{short_number(p05)}–{short_number(p95)}]</small></td>")
        rows.append(f"<tr><th style='text-align:left'>{escape(output.label.en)} "
                    f"<small>({escape(output.unit_text)})</small></th>{''.join(cells)}</tr>")
    more = len(case.outputs) - TABLE_OUTPUTS
    note = f"; {more} more outputs in .to_pandas()" if more > 0 else ""
    changes = ""
    if case.changes:
        changes = "; changes: " + ", ".join(
            f"<code>{escape(c.key)}</code>={escape(str(c.value))}" for c in case.changes)
    return (
        f"<div class='yubi-result'><strong>{escape(case.file.title.en)}</strong><br>"
        f"<small>{result.settings.samples:,} trajectories, seed {result.settings.seed}, "
        f"{escape(result.settings.sampler)}; median [5%–95%] in {case.months[month]}"
        f"{note}{changes}</small>"
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
        "</table></div>"
    )


def month_index(result: SimulationResult) -> pd.PeriodIndex:
    """The simulated months as a monthly :class:`pandas.PeriodIndex` named ``month``."""
    import pandas as pd

    return pd.PeriodIndex(list(result.case.months), freq="M", name="month")


def _columns(result: SimulationResult) -> dict[tuple[str, str, str], np.ndarray]:
    """Every (output, scenario, statistic) series over the months."""
    from yubi.engine.results import OVERALL, STATISTICS

    scenarios = [s.id for s in result.case.scenarios] + [OVERALL]
    thresholds = result._thresholds()
    columns: dict[tuple[str, str, str], np.ndarray] = {}
    for output_index, output in enumerate(result.case.outputs):
        names = [*STATISTICS, *(t.id for i, t in thresholds if i == output_index)]
        for scenario in scenarios:
            for name in names:
                label = name if name in STATISTICS else f"P({name})"
                columns[(output.id, scenario, label)] = result.statistic(output.id, name,
                                                                         scenario)
    return columns


def to_wide(result: SimulationResult) -> pd.DataFrame:
    """One row per month (a monthly ``PeriodIndex``), one column per (output, scenario,
    statistic), threshold probabilities as ``P(<threshold id>)``."""
    import pandas as pd

    columns = _columns(result)
    frame = pd.DataFrame(
        np.column_stack(list(columns.values())) if columns else None,
        index=month_index(result),
        columns=pd.MultiIndex.from_tuples(list(columns), names=["output", "scenario",
                                                                "statistic"]),
    )
    return frame


def to_xarray(result: SimulationResult) -> xr.DataArray:
    """The summary as a DataArray with dims (output, scenario, month, statistic).

    ``month`` holds the first day of each month (datetime64); ``unit`` and ``label`` are
    coordinates along ``output``. Threshold probabilities are in
    :meth:`~yubi.engine.results.SimulationResult.to_pandas`.
    """
    import xarray as xr

    from yubi.engine.results import OVERALL, STATISTICS

    case, summary = result.case, result.summary
    # summary arrays are (month, output, slot[, quantile]) → (output, slot, month, statistic).
    stacked = np.concatenate(
        [summary.mean[..., None], summary.sd[..., None], summary.quantiles], axis=-1
    ).transpose(1, 2, 0, 3)
    return xr.DataArray(
        stacked,
        dims=("output", "scenario", "month", "statistic"),
        coords={
            "output": [o.id for o in case.outputs],
            "scenario": [s.id for s in case.scenarios] + [OVERALL],
            "month": month_index(result).to_timestamp().values,
            "statistic": list(STATISTICS),
            "unit": ("output", [o.unit_text for o in case.outputs]),
            "label": ("output", [o.label.en for o in case.outputs]),
        },
        name="value",
        attrs=_attributes(result),
    )


def _attributes(result: SimulationResult) -> dict[str, Any]:
    case, settings = result.case, result.settings
    return {
        "case": case.id, "case_sha256": case.sha256, "seed": settings.seed,
        "samples": settings.samples, "sampler": settings.sampler,
        "changes": "; ".join(f"{c.key}={c.value}" for c in case.changes),
    }
