"""What every section writes from: the case's reader view and the analyses, with the few
helpers that combine them (a measure at a month, the per-scenario table layout)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from yubi.brief.analyses import Analyses
from yubi.brief.formatting import Formatter
from yubi.brief.page import Cell, Row, Table
from yubi.brief.view import CaseView
from yubi.engine.results import OVERALL, SimulationResult

__all__ = ["OVERALL", "Sheet"]


@dataclass(frozen=True)
class Sheet:
    """The case in the reader's words (:attr:`view`) and the numbers (:attr:`analyses`)."""

    view: CaseView
    analyses: Analyses

    @classmethod
    def of(cls, analyses: Analyses, formatter: Formatter) -> Sheet:
        return cls(CaseView(analyses.case, formatter), analyses)

    @property
    def f(self) -> Formatter:
        return self.view.f

    def _(self, message: str) -> str:
        return self.view.f.gettext(message)

    @property
    def result(self) -> SimulationResult:
        return self.analyses.result

    @cached_property
    def month(self) -> int:
        """Index of the month the brief reports."""
        return self.analyses.month_index

    def is_probability(self, output_id: str) -> bool:
        """An event (0/1 each month): shown as a probability, never as a median of 1."""
        return output_id in self.analyses.binary

    def measure(self, output_id: str, scenario: str, month: int | None = None,
                result: SimulationResult | None = None) -> Cell:
        """Median and 90% interval, or the probability of an event, at a month (of the
        brief's run, or of ``result``: the run under the evidence)."""
        index = self.month if month is None else month
        result = self.result if result is None else result
        if self.is_probability(output_id):
            return Cell(self.f.percent(result.statistic(output_id, "mean", scenario)[index]))
        unit = self.view.output_unit(output_id)
        p50, p05, p95 = (float(result.statistic(output_id, s, scenario)[index])
                         for s in ("p50", "p05", "p95"))
        return Cell(self.f.amount(p50, unit), self.f.interval(p05, p95, unit))

    def scenario_table(self, rows: list[Row]) -> Table:
        """Rows with a label, "all scenarios" and one column per scenario, in its colour."""
        scenarios = self.view.scenarios
        count = len(scenarios) + 1
        return Table([self._("Measure"), self._("All scenarios"), *(s.label for s in scenarios)],
                     rows, ["", "", *(s.color for s in scenarios)],
                     [25] + [75 // count] * count)

    def measure_row(self, output_id: str) -> list[Cell]:
        """An output's measure over all scenarios, then in each."""
        return [self.measure(output_id, OVERALL),
                *(self.measure(output_id, s.id) for s in self.view.scenarios)]
