"""The ACH and forecast documents the API answers with (the same as `yubi ach --json` and
`yubi forecast list --json`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from yubi.case.compiled import Case

__all__ = ["ach_document", "forecast_records"]


def ach_document(case: Case, day: dt.date | None, engine: Engine) -> dict[str, Any]:
    """ACH matrix, Heuer's scores, ranking, sensitive items and the Bayesian posterior."""
    from yubi.evidence import ach
    from yubi.evidence.updating import update_case
    from yubi.store import evidence

    items = evidence.items_as_of(engine, case.id, day)
    matrix = ach.matrix_from_items(case, items)
    posterior = update_case(case, items, day).final.tolist()
    return {
        "project": case.id, "hypotheses": list(matrix.hypotheses),
        "inconsistency": matrix.inconsistency(),
        "weighted_inconsistency": matrix.weighted_inconsistency(),
        "ranking": matrix.ranking(),
        "posterior": dict(zip(matrix.hypotheses, posterior, strict=True)),
        "evidence": matrix.to_rows(),
        "sensitive": [{"item": s.item, "if": s.change, "top_before": list(s.top_before),
                       "top_after": list(s.top_after)} for s in matrix.sensitivity()],
    }


def forecast_records(case: Case, day: dt.date | None, engine: Engine) -> list[dict[str, Any]]:
    """Each question with every forecaster's newest probability, the pools and resolution."""
    from yubi.store import forecasts

    questions = forecasts.questions_as_of(engine, case.id, day)
    latest = forecasts.latest_probabilities(
        questions, forecasts.forecasts_as_of(engine, case.id, day), before_close=False)
    resolved = forecasts.resolutions_as_of(engine, case.id, day)
    return [{"question": q.question_id, "text": q.text, "close_on": q.close_on.isoformat(),
             "probabilities": latest.get(q.question_id, {}),
             "resolution": None if q.question_id not in resolved else
             ("yes" if resolved[q.question_id].outcome else "no")} for q in questions]
