"""``/cases``: the bundled cases, one case, and what-if runs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from yubi.web.api.common import CaseName, bundled_case, changed_case, record_write
from yubi.web.auth import Reader, Writer
from yubi.web.errors import invalid

__all__ = ["ChangeValue", "RunRequest", "router"]

router = APIRouter(tags=["cases"])

ChangeKey = Annotated[str, StringConstraints(min_length=1, max_length=140)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
#: A change's value: "11000", "20000 to 60000", "off", a number, or a distribution mapping.
ChangeValue = ShortText | int | float | dict[Annotated[str, StringConstraints(max_length=40)],
                                             ShortText | int | float]
#: The largest ``samples`` the schema admits; the server's own limit (``--max-samples``,
#: default 200,000) is checked by the route.
SAMPLES_CEILING = 10_000_000


class RunRequest(BaseModel):
    """A what-if run: the case with ``changes``, simulated ``samples`` times from ``seed``."""

    model_config = ConfigDict(extra="forbid")

    samples: int = Field(10_000, ge=1, le=SAMPLES_CEILING,
                         description="Trajectories (at most the server's limit).")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Same case, seed, samples: same JSON.")
    sampler: Literal["mc", "lhs", "sobol"] = "mc"
    changes: dict[ChangeKey, ChangeValue] = Field(
        default_factory=dict, max_length=200,
        description="What-if changes, as `yubi run --set KEY=VALUE`: a quantity's value or "
                    "range (\"20000 to 60000\"), prior.<scenario>, off.<scenario>.")


@router.get("/cases")
async def list_cases(account: Reader) -> list[dict[str, Any]]:
    """The bundled cases: id, title, as-of date, scenarios and outputs."""
    from yubi import app

    return [{key: value for key, value in s.to_dict().items() if key != "path"}
            for s in await run_in_threadpool(app.list_cases)]


@router.get("/cases/{case}")
async def get_case(case: CaseName, account: Reader) -> dict[str, Any]:
    """One case: its scenarios (priors), outputs, months, and the whole case file
    (quantities with their sources, indicators, claims)."""
    compiled = await run_in_threadpool(bundled_case, case)
    return {
        "id": compiled.id,
        "title": compiled.file.title.en,
        "as_of": compiled.as_of.isoformat(),
        "months": list(compiled.months),
        "scenarios": [{"id": s.id, "label": s.label.en, "prior": s.prior}
                      for s in compiled.scenarios],
        "outputs": [{"id": o.id, "label": o.label.en, "unit": o.unit_text}
                    for o in compiled.outputs],
        "file": compiled.file.model_dump(mode="json", exclude_none=True),
    }


@router.post("/cases/{case}/runs", response_class=Response,
             responses={200: {"description": "The JSON `yubi run --json` prints.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}})
async def run_case(case: CaseName, body: RunRequest, request: Request,
                   account: Writer) -> Response:
    """Run the case with the changes; the answer is byte for byte what
    `yubi run CASE --set KEY=VALUE ... --samples N --seed S --json` prints."""
    from yubi import app

    settings = request.app.state.settings
    if body.samples > settings.max_samples:
        raise invalid(("body", "samples"),
                      f"at most {settings.max_samples:,} samples per request on this server")
    changed = await run_in_threadpool(changed_case, case, body.changes)

    def work(progress: Any) -> str:
        result = app.run(changed, samples=body.samples, seed=body.seed, sampler=body.sampler,
                         progress=progress)
        return app.run_json(result)

    key = (case, body.model_dump_json())
    text = await request.app.state.runs.call(key, work)
    await run_in_threadpool(record_write, request.app.state.engine, account, "run", "case",
                            case, body.model_dump())
    return Response(text, media_type="application/json")
