"""``/evidence``, ``/cases/{case}/update``, ``/cases/{case}/ach``, ``/forecasts``: the store.

Writes are checked exactly as the CLI checks them (an evidence item like a row of an imported
file) and recorded in the audit log under the logged-in user's name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from yubi.errors import DataError
from yubi.store import audit
from yubi.web.api import documents
from yubi.web.api.common import (
    AsOf,
    CaseField,
    CaseName,
    CaseQuery,
    bundled_case,
    finite,
)
from yubi.web.auth import Reader, Writer
from yubi.web.errors import invalid

__all__ = ["EvidenceIn", "PredictionIn", "router"]

router = APIRouter(tags=["store"])
Short = Annotated[str, StringConstraints(max_length=200)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
ScenarioKey = Annotated[str, StringConstraints(max_length=64)]
PROBLEM = re.compile(r"^row \d+, column (\S+): (.*)$", re.DOTALL)


class EvidenceIn(BaseModel):
    """One evidence item, with the columns of the evidence file format (docs/store.md)."""

    model_config = ConfigDict(extra="forbid")

    case: CaseField
    id: Id | None = None
    date: Annotated[str, StringConstraints(max_length=32)]
    text: Text
    source: Annotated[str, StringConstraints(max_length=2000)]
    reliability: Annotated[str, StringConstraints(pattern=r"^[A-Fa-f]$")] = Field(
        description="Admiralty source reliability, A (reliable) to F (cannot be judged).")
    credibility: int = Field(ge=1, le=6, description="Admiralty information credibility, 1 "
                                                     "(confirmed) to 6 (cannot be judged).")
    relevance: Literal["high", "medium", "low"] = "medium"
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    type: Short | None = None
    indicator: Short | None = None
    group: Id | None = None
    likelihood: dict[ScenarioKey, float] | None = Field(None, max_length=64)
    ratings: dict[ScenarioKey, Short] | None = Field(None, max_length=64)


class PredictionIn(BaseModel):
    """A probability for a question, by the logged-in user; a new question may come with it."""

    model_config = ConfigDict(extra="forbid")

    case: CaseField
    question: Id
    probability: float = Field(ge=0, le=1)
    made_on: dt.date | None = Field(None, description="Default: today (UTC).")
    text: Text | None = Field(None, description="Wording, to add the question if it is new.")
    close_on: dt.date | None = Field(None, description="Close date of a new question.")
    criteria: Text | None = None


@router.get("/evidence")
async def list_evidence(case: CaseQuery, account: Reader, request: Request,
                        as_of: AsOf = None) -> list[dict[str, Any]]:
    """The evidence known (as of a date), in date order."""
    from yubi.store import evidence

    compiled = await run_in_threadpool(bundled_case, case, ("query", "case"))
    items = await run_in_threadpool(evidence.items_as_of, request.app.state.engine,
                                    compiled.id, _day(as_of))
    return [finite(stored.to_dict()) for stored in items]


@router.post("/evidence", status_code=201)
async def add_evidence(body: EvidenceIn, account: Writer, request: Request) -> dict[str, Any]:
    """Add one item (or record a correction when its id exists with other content)."""
    from yubi.store import evidence

    compiled = await run_in_threadpool(bundled_case, body.case, ("body", "case"))
    row = body.model_dump(exclude={"case"})
    try:
        item = evidence.parse_rows([row], compiled, "request")[0]
    except DataError as error:
        raise _data_error(error) from None

    def write() -> Any:
        with audit.acting_as(account.name):
            return evidence.add_item(request.app.state.engine, item)

    report = await run_in_threadpool(write)
    state = "added" if report.added else "corrected" if report.corrected else "unchanged"
    return {"id": item.item_id, "state": state, "audit_id": report.audit_id}


@router.get("/cases/{case}/update")
async def case_update(case: CaseName, account: Reader, request: Request,
                      as_of: AsOf = None) -> dict[str, Any]:
    """Scenario probabilities after each evidence item in date order (as `yubi update`)."""
    from yubi.evidence.updating import update_case
    from yubi.store import evidence

    compiled = await run_in_threadpool(bundled_case, case)
    day = _day(as_of)

    def compute() -> dict[str, Any]:
        items = evidence.items_as_of(request.app.state.engine, compiled.id, day)
        return update_case(compiled, items, day).to_dict()

    return finite(await run_in_threadpool(compute))  # type: ignore[no-any-return]


@router.get("/cases/{case}/ach")
async def case_ach(case: CaseName, account: Reader, request: Request,
                   as_of: AsOf = None) -> dict[str, Any]:
    """The ACH matrix of the case's evidence, its scores and the Bayesian posterior."""
    compiled = await run_in_threadpool(bundled_case, case)
    document = await run_in_threadpool(documents.ach_document, compiled, _day(as_of),
                                       request.app.state.engine)
    return finite(document)  # type: ignore[no-any-return]


@router.get("/forecasts")
async def list_forecasts(case: CaseQuery, account: Reader, request: Request,
                         as_of: AsOf = None) -> list[dict[str, Any]]:
    """Questions with each forecaster's newest probability, the pools, and resolutions."""
    compiled = await run_in_threadpool(bundled_case, case, ("query", "case"))
    records = await run_in_threadpool(documents.forecast_records, compiled, _day(as_of),
                                      request.app.state.engine)
    return finite(records)  # type: ignore[no-any-return]


@router.post("/forecasts", status_code=201)
async def add_forecast(body: PredictionIn, account: Writer, request: Request) -> dict[str, Any]:
    """Record the logged-in user's probability (adding the question first if text is given)."""
    from yubi.store import forecasts
    from yubi.store.clock import today

    compiled = await run_in_threadpool(bundled_case, body.case, ("body", "case"))
    engine = request.app.state.engine
    if body.text is not None and body.close_on is None:
        raise invalid(("body", "close_on"), "a new question needs its close date")

    def write() -> None:
        with audit.acting_as(account.name):
            if body.text is not None and body.close_on is not None:
                spec = forecasts.QuestionSpec(body.question, body.text,
                                              body.criteria or body.text, body.close_on)
                forecasts.add_question(engine, compiled.id, spec)
            forecasts.predict(engine, compiled.id, body.question, body.probability,
                              account.name, body.made_on or today())

    await run_in_threadpool(write)
    return {"question": body.question, "analyst": account.name,
            "probability": body.probability}


def _day(as_of: str | None) -> dt.date | None:
    from yubi.errors import UsageError
    from yubi.store.clock import parse_date

    try:
        return None if as_of is None else parse_date(as_of, "as_of")
    except UsageError as error:
        raise invalid(("query", "as_of"), str(error)) from None


def _data_error(error: DataError) -> Exception:
    detail = []
    for problem in error.problems:
        match = PROBLEM.match(problem)
        loc = ["body", match.group(1)] if match else ["body"]
        detail.append({"loc": loc, "msg": match.group(2) if match else problem,
                       "type": "value_error"})
    from fastapi import HTTPException

    return HTTPException(422, detail)
