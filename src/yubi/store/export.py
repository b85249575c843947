"""Export evidence, forecasts and scores as CSV or JSON.

CSV cells whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are
written with a leading ``'`` so that a spreadsheet shows them instead of running them as a
formula (OWASP's CSV-injection advice); importing the CSV drops that ``'`` again
(:func:`yubi.text.csv_restore`). JSON is written as stored.

Evidence exports in the import format (``lik_<scenario>`` and ``ach_<scenario>`` columns in
CSV, ``likelihood`` and ``ratings`` objects in JSON; an observation's ``output``, ``month``,
``reported`` and ``error``) plus the store's bookkeeping (version,
recorded_at, recorded_by); re-importing an export adds nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from yubi.errors import UsageError
from yubi.evidence.scoring import Score
from yubi.store.evidence import StoredItem
from yubi.store.forecasts import ForecastRecord, QuestionSpec, ResolutionRecord
from yubi.text import csv_cell

__all__ = ["evidence_records", "forecast_records", "render", "score_records"]

BOOKKEEPING = ("version", "recorded_at", "recorded_by")


def evidence_records(
    items: Sequence[StoredItem], scenario_ids: Sequence[str], *, flat: bool
) -> list[dict[str, Any]]:
    """One record per item; ``flat`` spreads likelihoods and ratings into columns (CSV)."""
    records = []
    for stored in items:
        item = stored.item
        record: dict[str, Any] = {
            "id": item.item_id, "case": item.case_id, "date": item.observed_on.isoformat(),
            "text": item.text, "source": item.source, "url": item.url or "",
            "type": item.kind or "", "reliability": item.reliability,
            "credibility": item.credibility, "relevance": item.relevance,
            "indicator": item.indicator or "", "group": item.group_id or "",
            "output": item.output or "", "month": item.month or "",
            "reported": "" if item.reported is None else item.reported,
            "error": item.error or "",
        }
        if flat:
            for sid in scenario_ids:
                record[f"lik_{sid}"] = (item.likelihood or {}).get(sid, "")
            for sid in scenario_ids:
                record[f"ach_{sid}"] = (item.ratings or {}).get(sid, "")
        else:
            record["likelihood"] = item.likelihood
            record["ratings"] = item.ratings
        record.update(version=stored.version, recorded_at=stored.recorded_at.isoformat(),
                      recorded_by=stored.recorded_by)
        records.append(record)
    return records


def forecast_records(
    questions: Sequence[QuestionSpec], forecasts: Sequence[ForecastRecord],
    resolutions: dict[str, ResolutionRecord],
) -> list[dict[str, Any]]:
    """One record per probability given, with its question and the question's resolution."""
    by_id = {q.question_id: q for q in questions}
    records = []
    for record in forecasts:
        question = by_id.get(record.question_id)
        resolution = resolutions.get(record.question_id)
        records.append({
            "question": record.question_id, "text": question.text if question else "",
            "close_on": question.close_on.isoformat() if question else "",
            "analyst": record.analyst, "probability": record.probability,
            "made_on": record.made_on.isoformat(), "run_id": record.run_id or "",
            "recorded_at": record.recorded_at.isoformat(),
            "outcome": "" if resolution is None else ("yes" if resolution.outcome else "no"),
            "resolved_on": "" if resolution is None else resolution.resolved_on.isoformat(),
        })
    return records


def score_records(scores: Sequence[Score], *, flat: bool) -> list[dict[str, Any]]:
    """One record per forecaster; JSON records carry the calibration bins too."""
    if flat:
        return [{"forecaster": s.forecaster, "count": s.count, "brier": s.brier,
                 "log_score": s.log} for s in scores]
    return [s.to_dict() for s in scores]


def render(records: Sequence[dict[str, Any]], fmt: str) -> str:
    """The records as CSV (header from the first record) or as a JSON array."""
    if fmt == "json":
        return json.dumps(list(records), indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt != "csv":
        raise UsageError(f"--format must be csv or json, not {fmt!r}")
    buffer = io.StringIO()
    if records:
        names = list(records[0])
        writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
        # The csv module quotes only the line terminator's characters: a lone CR inside a
        # cell would end the row for the reader, so such rows are written fully quoted.
        quoted = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n",
                                quoting=csv.QUOTE_ALL)
        writer.writeheader()
        for record in records:
            cells = {key: csv_cell(value) for key, value in record.items()}
            carriage = any(isinstance(value, str) and "\r" in value for value in cells.values())
            (quoted if carriage else writer).writerow(cells)
    return buffer.getvalue()
