"""Plots of a run's result as matplotlib figures: ``result.plot.fan(...)``, ``.scenarios()``.

Figures are built with :class:`matplotlib.figure.Figure` directly, never through pyplot, so
no global figure state is touched and nothing opens a window; a notebook shows the returned
figure, a script saves it with ``figure.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from yubi._jupyter import show_figures_inline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from yubi.engine.results import SimulationResult

__all__ = ["ResultPlots"]

#: One colour per scenario (colour-blind safe, Okabe–Ito), then "all" in grey.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
OVERALL_COLOUR = "#555555"
PANEL = (3.6, 2.6)  # inches per panel


class ResultPlots:
    """The plots of one result; reached as ``result.plot``."""

    def __init__(self, result: SimulationResult) -> None:
        self._result = result
        show_figures_inline()

    def fan(self, output: str, scenarios: Sequence[str] | None = None) -> Figure:
        """Fan chart of ``output``: one panel per scenario, median with 50% and 90% bands.

        Parameters
        ----------
        output
            Output id, e.g. ``"killed"``.
        scenarios
            Scenario ids (``"all"`` for all together); default every scenario of the case.
        """
        result = self._result
        spec = result.case.output(output)
        chosen = list(scenarios) if scenarios is not None else [s.id for s in result.case.scenarios]
        figure = _figure(1, len(chosen), sharey=True)
        axes_row = figure.axes
        for index, (axes, scenario) in enumerate(zip(axes_row, chosen, strict=True)):
            colour = _colour(result, scenario)
            x = self._months()
            series = {name: result.statistic(output, name, scenario)
                      for name in ("p05", "p25", "p50", "p75", "p95")}
            axes.fill_between(x, series["p05"], series["p95"], color=colour, alpha=0.18,
                              linewidth=0, label="5%–95%")
            axes.fill_between(x, series["p25"], series["p75"], color=colour, alpha=0.38,
                              linewidth=0, label="25%–75%")
            axes.plot(x, series["p50"], color=colour, linewidth=1.5, label="median")
            axes.set_title(_label(result, scenario), loc="left", color=colour, fontsize=10)
            _style(axes)
            if index == 0:
                axes.set_ylabel(spec.label.en + _unit(spec.unit_text), fontsize=9)
        figure.suptitle(spec.label.en, x=0.01, ha="left", fontsize=11)
        return figure

    def scenarios(self, outputs: Sequence[str] | None = None, statistic: str = "p50") -> Figure:
        """Compare scenarios: for each output, one line per scenario of ``statistic``
        (median by default) with its 25%–75% band.

        Parameters
        ----------
        outputs
            Output ids; default the case's first six outputs.
        statistic
            ``mean``, ``p05`` … ``p95``; the band is drawn around medians only.
        """
        result = self._result
        ids = list(outputs) if outputs is not None else [o.id for o in result.case.outputs[:6]]
        columns = min(3, max(len(ids), 1))
        rows = -(-len(ids) // columns)
        figure = _figure(rows, columns, sharey=False)
        x = self._months()
        for axes, output in zip(figure.axes, ids, strict=False):
            spec = result.case.output(output)
            for scenario in result.case.scenarios:
                colour = _colour(result, scenario.id)
                if statistic == "p50":
                    axes.fill_between(x, result.statistic(output, "p25", scenario.id),
                                      result.statistic(output, "p75", scenario.id),
                                      color=colour, alpha=0.15, linewidth=0)
                axes.plot(x, result.statistic(output, statistic, scenario.id), color=colour,
                          linewidth=1.4, label=scenario.label.en)
            axes.set_title(spec.label.en + _unit(spec.unit_text), loc="left", fontsize=9)
            _style(axes)
        for axes in figure.axes[len(ids):]:
            axes.set_visible(False)
        handles, labels = figure.axes[0].get_legend_handles_labels()
        figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False,
                      fontsize=9)
        return figure

    def _months(self) -> np.ndarray:
        from yubi.engine.views import month_index

        return month_index(self._result).to_timestamp().values


def _figure(rows: int, columns: int, *, sharey: bool) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(PANEL[0] * columns, PANEL[1] * rows + 0.6), layout="constrained")
    figure.subplots(rows, columns, sharey=sharey, squeeze=False)
    return figure


def _style(axes: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=7)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.grid(axis="y", color="#dddddd", linewidth=0.5)
    axes.set_axisbelow(True)
    axes.tick_params(labelsize=8)


def _unit(text: str) -> str:
    return "" if text.strip() in ("", "1") else f" ({text})"


def _colour(result: SimulationResult, scenario: str) -> str:
    ids = [s.id for s in result.case.scenarios]
    return COLOURS[ids.index(scenario) % len(COLOURS)] if scenario in ids else OVERALL_COLOUR


def _label(result: SimulationResult, scenario: str) -> str:
    if scenario == "all":
        return "All scenarios"
    return result.case.scenario(scenario).label.en
