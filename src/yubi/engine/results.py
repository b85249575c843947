"""The result of a run: summaries per output, scenario and month, as JSON, pandas or files."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from yubi.engine.summary import PROBABILITIES, MergedSummary
from yubi.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from yubi.case.model import Case
    from yubi.engine.plot import ResultPlots
    from yubi.engine.run import RunSettings

__all__ = ["OVERALL", "STATISTICS", "SimulationResult"]

#: The scenario key of statistics over all scenarios together.
OVERALL = "all"
STATISTICS = ("mean", "sd", "p05", "p25", "p50", "p75", "p95")
_SIGNIFICANT_DIGITS = 12


@dataclass(frozen=True)
class SimulationResult:
    """Summaries of one run.

    Attributes
    ----------
    case
        The case that was run.
    settings
        Samples, seed, sampler and chunk size.
    summary
        Arrays indexed (month, output, scenario), the last scenario slot being overall.
    elapsed
        Wall-clock seconds of the run.
    evidence
        For a run under evidence (``yubi run --as-of``): the
        :class:`yubi.evidence.posterior.PosteriorSummary` (``as_of``, items, prior and
        posterior per branch, effective sample size); the summaries are then posterior ones.
        ``None`` for a run of the prior.
    """

    case: Case
    settings: RunSettings
    summary: MergedSummary
    elapsed: float
    evidence: Any = None

    # -- access ----------------------------------------------------------------------------
    def statistic(self, output: str, statistic: str, scenario: str = OVERALL) -> np.ndarray:
        """One statistic of one output over the months, e.g. ``("killed", "p95")``.

        Statistics are ``mean, sd, p05, p25, p50, p75, p95``, or a threshold id for the
        probability of crossing that threshold.
        """
        output_index = self._output_index(output)
        summary, slot = self._scenario_slot(scenario)
        if statistic == "mean":
            return summary.mean[:, output_index, slot]
        if statistic == "sd":
            return summary.sd[:, output_index, slot]
        if statistic in STATISTICS:
            k = STATISTICS.index(statistic) - 2
            return summary.quantiles[:, output_index, slot, k]
        for k, (index, threshold) in enumerate(self._thresholds()):
            if index == output_index and threshold.id == statistic:
                return summary.exceed_probability[:, k, slot]
        raise UsageError(f"unknown statistic {statistic!r} for output {output!r}")

    def scenario_share(self) -> dict[str, float]:
        """Fraction of trajectories that drew each scenario."""
        counts = self.summary.count[:-1]
        total = max(int(counts.sum()), 1)
        return {s.id: int(c) / total for s, c in zip(self.case.scenarios, counts, strict=True)}

    # -- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The summary document printed by ``yubi run --json``."""
        from yubi import __version__

        case = self.case
        # "changes" appears only for a changed case, so an unchanged run's JSON is as before.
        changes = {"changes": [c.to_dict() for c in case.changes]} if case.changes else {}
        evidence = self.evidence
        # Under evidence, each scenario says its prior and posterior ("prior" stays the case's).
        posterior = ({b.id: evidence.branch_document(b.id) for b in evidence.branches}
                     if evidence is not None else {})
        return {
            "case": case.id,
            "as_of": case.as_of.isoformat(),
            "case_sha256": case.sha256,
            **changes,
            "yubi_version": __version__,
            "seed": self.settings.seed,
            "samples": self.settings.samples,
            "sampler": self.settings.sampler,
            "chunk_size": self.settings.chunk_size,
            "quantile_relative_error": 2.0**-8,
            **(evidence.to_dict() if evidence is not None else {}),
            "scenarios": [
                {"id": s.id, "label": s.label.en, "labels": _labels(s.label), "prior": s.prior,
                 **posterior.get(s.id, {}), "trajectories": int(self.summary.count[s.index])}
                for s in case.scenarios
            ],
            **(self._dimensions_document(posterior) if case.crossed else {}),
            "outputs": [self._output_document(index) for index in range(len(case.outputs))],
        }

    def _dimensions_document(self, posterior: dict[str, dict[str, float]]) -> dict[str, Any]:
        """A crossed case's dimensions, each branch with its (marginal) prior."""
        return {"dimensions": [
            {"id": d.id, "label": d.label.en, "labels": _labels(d.label), "given": d.given,
             "branches": [{"id": b.id, "label": b.label.en, "labels": _labels(b.label),
                           "prior": _clean(self.case.branch_prior(b.id)),
                           **posterior.get(b.id, {})} for b in d.branches]}
            for d in self.case.dimensions]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def _output_document(self, index: int) -> dict[str, Any]:
        output = self.case.outputs[index]
        # "kind" appears only for events, so a case without them gives the JSON it gave.
        kind = {"kind": "event"} if output.event else {}
        return {
            "id": output.id,
            **kind,
            "label": output.label.en,
            "labels": _labels(output.label),
            "unit": output.unit_text,
            "thresholds": [
                {"id": t.id, "label": t.label.en, "above": t.above, "below": t.below}
                for t in output.thresholds
            ],
            "series": self._rows(index, len(self.case.scenarios)),
            "by_scenario": {
                s.id: self._rows(index, s.index) for s in self.case.scenarios
            },
            **self._branch_document(index),
        }

    def _branch_document(self, index: int) -> dict[str, Any]:
        """``by_branch`` (each branch's marginal) for a crossed case; nothing otherwise."""
        groups = self.summary.groups
        if groups is None:
            return {}
        return {"by_branch": {branch.id: self._rows(index, slot, groups)
                              for slot, branch in enumerate(self.case.branches)}}

    def _rows(self, output_index: int, slot: int, summary: MergedSummary | None = None
              ) -> list[dict[str, Any]]:
        summary = summary if summary is not None else self.summary
        if self.case.outputs[output_index].event:
            # 0 or 1 each month: the mean is the probability that it has happened.
            p = summary.mean[:, output_index, slot].tolist()
            return [{"month": month, "p": _clean(p[month_index])}
                    for month_index, month in enumerate(self.case.months)]
        thresholds = [(k, t) for k, (o, t) in enumerate(self._thresholds()) if o == output_index]
        # Columns as Python floats first: indexing NumPy scalars one by one is ~5x slower.
        mean = summary.mean[:, output_index, slot].tolist()
        sd = summary.sd[:, output_index, slot].tolist()
        quantiles = summary.quantiles[:, output_index, slot, :].tolist()
        exceed = {t.id: summary.exceed_probability[:, k, slot].tolist() for k, t in thresholds}
        names = STATISTICS[2:]
        rows = []
        for month_index, month in enumerate(self.case.months):
            row: dict[str, Any] = {
                "month": month,
                "mean": _clean(mean[month_index]),
                "sd": _clean(sd[month_index]),
            }
            for name, value in zip(names, quantiles[month_index], strict=True):
                row[name] = _clean(value)
            if thresholds:
                row["p_threshold"] = {
                    threshold_id: _clean(values[month_index])
                    for threshold_id, values in exceed.items()
                }
            rows.append(row)
        return rows

    # -- notebooks ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        from yubi.engine.views import result_repr

        return result_repr(self)

    def _repr_html_(self) -> str:
        from yubi.engine.views import result_html

        return result_html(self)

    @property
    def plot(self) -> ResultPlots:
        """Figures: ``result.plot.fan("killed")``, ``result.plot.scenarios()``."""
        from yubi.engine.plot import ResultPlots

        return ResultPlots(self)

    def to_xarray(self) -> xr.DataArray:
        """The summary with dims (output, scenario, month, statistic); needs ``xarray``."""
        try:
            from yubi.engine.views import to_xarray
        except ImportError as error:  # pragma: no cover - an optional dependency
            raise UsageError("to_xarray needs xarray: pip install 'yubi[notebook]'") from error
        return to_xarray(self)

    # -- tables ----------------------------------------------------------------------------
    def to_pandas(self, wide: bool = False) -> pd.DataFrame:
        """A tidy table: output, scenario, month, statistic, value (one row each).

        With ``wide=True``: one row per month (a monthly ``PeriodIndex``) and one column per
        (output, scenario, statistic).
        """
        import pandas as pd

        if wide:
            from yubi.engine.views import to_wide

            return to_wide(self)

        records = []
        slots = [(s.id, s.index) for s in self.case.scenarios] + [
            (OVERALL, len(self.case.scenarios))
        ]
        thresholds = self._thresholds()
        for output_index, output in enumerate(self.case.outputs):
            for scenario_id, slot in slots:
                columns = {
                    "mean": self.summary.mean[:, output_index, slot],
                    "sd": self.summary.sd[:, output_index, slot],
                }
                for k, name in enumerate(STATISTICS[2:]):
                    columns[name] = self.summary.quantiles[:, output_index, slot, k]
                for k, (index, threshold) in enumerate(thresholds):
                    if index == output_index:
                        columns[f"P({threshold.id})"] = self.summary.exceed_probability[:, k, slot]
                for statistic, values in columns.items():
                    for month, value in zip(self.case.months, values, strict=True):
                        records.append((output.id, scenario_id, month, statistic, float(value)))
        return pd.DataFrame.from_records(
            records, columns=["output", "scenario", "month", "statistic", "value"]
        )

    def write_table(self, path: str | Path) -> Path:
        """Write :meth:`to_pandas` as Parquet (``.parquet``) or CSV (``.csv``)."""
        path = Path(path)
        frame = self.to_pandas()
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            frame.to_parquet(path, index=False)
        elif suffix == ".csv":
            frame.to_csv(path, index=False, float_format="%.12g")
        else:
            raise UsageError(f"--out must end in .parquet or .csv, got {path.name!r}")
        return path

    # -- helpers ---------------------------------------------------------------------------
    def _thresholds(self) -> list[tuple[int, Any]]:
        return [
            (index, threshold)
            for index, output in enumerate(self.case.outputs)
            for threshold in output.thresholds
        ]

    def _output_index(self, output: str) -> int:
        for index, candidate in enumerate(self.case.outputs):
            if candidate.id == output:
                return index
        known = ", ".join(o.id for o in self.case.outputs)
        raise UsageError(f"unknown output {output!r} (outputs: {known})")

    def _scenario_slot(self, scenario: str) -> tuple[MergedSummary, int]:
        """The summary that holds ``scenario`` (a combination or overall, or a branch's
        marginal) and its slot there."""
        if scenario == OVERALL:
            return self.summary, len(self.case.scenarios)
        groups = self.summary.groups
        if groups is not None and all(s.id != scenario for s in self.case.scenarios):
            ids = [branch.id for branch in self.case.branches]
            if scenario in ids:
                return groups, ids.index(scenario)
        return self.summary, self.case.scenario(scenario).index


def _labels(text: Any) -> dict[str, str]:
    return {language: text.get(language) for language in sorted(text.languages)}


def _clean(value: Any) -> float | None:
    """A float rounded to 12 significant digits, or None for NaN (JSON has no NaN)."""
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return None
    return float(f"{number:.{_SIGNIFICANT_DIGITS}g}")


assert len(PROBABILITIES) == len(STATISTICS) - 2
