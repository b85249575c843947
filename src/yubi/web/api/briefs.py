"""``/cases/{case}/briefs`` and ``/briefs/{id}``: briefs made in the background."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from yubi.web.api.cases import ChangeKey, ChangeValue
from yubi.web.api.common import CaseName, changed_case, record_write
from yubi.web.auth import Reader, Writer
from yubi.web.jobs import BriefJob, TooManyJobsError

__all__ = ["BriefRequest", "router"]

router = APIRouter(tags=["briefs"])
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


class BriefRequest(BaseModel):
    """A brief of the case (with what-if changes), in a language, optionally with a PDF."""

    model_config = ConfigDict(extra="forbid")

    language: Literal["en", "ko"] = "en"
    pdf: bool = False
    seed: int = Field(0, ge=0, le=2**32 - 1)
    changes: dict[ChangeKey, ChangeValue] = Field(default_factory=dict, max_length=200)


@router.post("/cases/{case}/briefs", status_code=202)
async def start_brief(case: CaseName, body: BriefRequest, request: Request, response: Response,
                      account: Writer) -> dict[str, Any]:
    """Start making a brief; poll ``GET /briefs/{id}`` until its status is ``done``."""
    # Checked now, so that a bad change is a 422 rather than a failed job.
    await run_in_threadpool(changed_case, case, body.changes)
    settings = request.app.state.settings
    brief_settings = {"samples": settings.brief_samples, "seed": body.seed,
                      "sobol_samples": settings.brief_sobol_samples,
                      "tornado_samples": settings.brief_tornado_samples}
    try:
        job = request.app.state.briefs.submit(case, body.changes, body.language, body.pdf,
                                              brief_settings, account.name)
    except TooManyJobsError:
        raise HTTPException(429, "too many briefs are being made; try again in a minute",
                            headers={"Retry-After": "60"}) from None
    await run_in_threadpool(record_write, request.app.state.engine, account, "brief", "case",
                            case, {**body.model_dump(), "job": job.id})
    response.headers["Location"] = f"/api/v1/briefs/{job.id}"
    return _status(job)


@router.get("/briefs/{job_id}")
async def brief_status(job_id: str, request: Request, account: Reader) -> dict[str, Any]:
    """Where a brief job stands: queued, running (with its step), done (with links), failed."""
    return _status(_job(request, job_id))


@router.get("/briefs/{job_id}/download", response_class=FileResponse,
            responses={200: {"description": "The brief, as an attachment.",
                             "content": {MEDIA["html"]: {}, MEDIA["pdf"]: {}}}})
async def download_brief(job_id: str, request: Request, account: Reader,
                         format: Literal["html", "pdf"] = "html") -> FileResponse:
    """The finished brief's HTML or PDF."""
    job = _job(request, job_id)
    path = job.file(format)
    if path is None:
        raise HTTPException(409 if job.status != "done" else 404,
                            f"no {format.upper()} for this brief (status: {job.status})")
    return FileResponse(path, media_type=MEDIA[format], filename=path.name)


def _job(request: Request, job_id: str) -> BriefJob:
    job: BriefJob | None = request.app.state.briefs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no brief job {job_id!r} (jobs end with the server)")
    return job


def _status(job: BriefJob) -> dict[str, Any]:
    links = {kind: f"/api/v1/briefs/{job.id}/download?format={kind}"
             for kind in ("html", "pdf") if job.file(kind) is not None}
    return {"id": job.id, "case": job.case, "language": job.language, "pdf": job.pdf,
            "status": job.status, "step": job.step(), "error": job.error,
            "requested_by": job.requested_by, "created_at": job.created_at.isoformat(),
            "downloads": links}
