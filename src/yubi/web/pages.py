"""The workbench pages: Cases, What-if, Evidence and Brief, rendered on the server.

Jinja2 renders every page (autoescape on: text from a case, a CSV or the store is escaped);
htmx swaps the parts that change (the what-if results, the evidence panel, a brief's
progress). All JavaScript is in ``static/`` files (the Content-Security-Policy forbids inline
scripts); chart data travel as JSON in ``data-json`` attributes that ``static/workbench.js``
reads. The language is ``?lang=en|ko``, remembered in a cookie; the
fixed text goes through the brief's gettext catalogs (``yubi.brief.locale``).

The routes only parse and present: cases, runs and changes go through :mod:`yubi.app`, the
store through :mod:`yubi.store`, authentication and CSRF through :mod:`yubi.web.auth`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from yubi.store.accounts import Account
from yubi.web import views
from yubi.web.api.common import CASE_PATTERN
from yubi.web.auth import Reader, Writer, csrf_token

__all__ = ["router"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANG_COOKIE = "yubi_lang"
DEFAULT_CASE = "dprk-russia-2024"
WHATIF_SAMPLES = 10_000
WHATIF_SEED = 0
#: Largest case file accepted by the upload form (bytes).
UPLOAD_LIMIT = 512 * 1024
#: Forecast questions listed on the Evidence page (resolved ones first).
FORECAST_ROWS = 12
router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:  # noqa: N802 - gettext's marker: extracted, translated later
    return message


#: Words the templates translate from data (a question's resolution, a user's role), marked
#: for the catalog.
DATA_WORDS = (N_("yes"), N_("no"), N_("viewer"), N_("analyst"), N_("admin"))
#: A case's name in a page's URL (``/whatif/{case}``), as the REST API spells it.
CasePath = Annotated[str, PathParam(alias="case", pattern=CASE_PATTERN)]


# -- language and rendering -------------------------------------------------------------------
def _languages() -> list[str]:
    from yubi.brief.i18n import available_languages

    return available_languages()


def language(request: Request) -> str:
    """``?lang=`` if it names a catalog, else the cookie, else English."""
    known = _languages()
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in known:
            return str(candidate)
    return "en"


@functools.lru_cache(maxsize=8)
def _environment(lang: str) -> Environment:
    from importlib.metadata import version

    from yubi.brief.i18n import load_translations

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        load_translations(lang), newstyle=True)
    environment.globals.update(yubi_version=version("yubi"), static=lambda p: f"/static/{p}",
                               url=lambda p: p, tojson=_json)
    return environment


@functools.lru_cache(maxsize=8)
def _formatter(lang: str) -> Any:
    from yubi.brief.formatting import Formatter
    from yubi.brief.i18n import load_translations

    return Formatter(lang, load_translations(lang))


def _json(value: Any) -> str:
    """Compact JSON for a ``data-json`` attribute (autoescaped there); ``<``, ``>``, ``&``
    are escaped as well, so the text is safe in any HTML context."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(request: Request, template: str, account: Account | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    """A page or fragment in the request's language; remembers a ``?lang=`` choice."""
    lang = language(request)
    page = _environment(lang).get_template(template).render(
        lang=lang, user=account, csrf_token=csrf_token(request), logout_url="/logout",
        fmt=_formatter(lang), case_id=context.pop("case_id", DEFAULT_CASE), **context)
    response = HTMLResponse(page, status_code=status)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/",
                            samesite="lax", httponly=True)
    return response


# -- cases ---------------------------------------------------------------------------------------
def _case(name: str, version: int | None, request: Request) -> Any:
    """A bundled case by name, or a stored version (only names and ids: never a path)."""
    if version is None:
        from yubi.web.api.common import bundled_case

        return bundled_case(name)
    return _stored_case(request.app.state.engine, name, version)


@functools.lru_cache(maxsize=32)
def _stored_case_cached(engine: Any, name: str, version: int) -> Any:
    from sqlalchemy import select

    from yubi.case.compiler import compile_case
    from yubi.case.loader import parse_case_text
    from yubi.store.models import CaseVersion

    with engine.connect() as connection:
        row = connection.execute(select(CaseVersion.content).where(
            CaseVersion.id == version, CaseVersion.case_id == name)).scalar_one_or_none()
    if not row:
        raise HTTPException(404, f"no stored version {version} of case {name!r}")
    return compile_case(parse_case_text(row.encode("utf-8"), f"store:{name}@{version}"))


def _stored_case(engine: Any, name: str, version: int) -> Any:
    return _stored_case_cached(engine, name, version)


def _stored_versions(engine: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from yubi.store.models import CaseVersion

    with engine.connect() as connection:
        rows = connection.execute(select(
            CaseVersion.id, CaseVersion.case_id, CaseVersion.title, CaseVersion.as_of,
            CaseVersion.recorded_at, CaseVersion.recorded_by, CaseVersion.sha256,
        ).order_by(CaseVersion.case_id, CaseVersion.id)).all()
    return [row._asdict() for row in rows]


@router.get("/")
async def home(account: Reader) -> Response:
    return RedirectResponse("/cases", status_code=303)


@router.get("/cases", response_class=HTMLResponse)
async def cases_page(request: Request, account: Reader) -> HTMLResponse:
    from yubi import app

    lang = language(request)

    def collect() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        bundled = []
        for summary in app.list_cases():
            case = _case(summary.id, None, request)
            bundled.append({"id": case.id, "title": views.local(case.file.title, lang),
                            "as_of": case.as_of, "quantities": len(case.file.quantities),
                            "scenarios": len(case.scenarios), "outputs": len(case.outputs),
                            "months": len(case.months)})
        return bundled, _stored_versions(request.app.state.engine)

    bundled, stored = await run_in_threadpool(collect)
    return render(request, "cases.html.j2", account, page="cases", bundled=bundled,
                  stored=stored)


@router.get("/cases/{case}", response_class=HTMLResponse)
async def case_page(request: Request, name: CasePath, account: Reader,
                    version: int | None = None) -> HTMLResponse:
    lang = language(request)
    case = await run_in_threadpool(_case, name, version, request)
    detail = await run_in_threadpool(views.case_detail, case, _formatter(lang), lang)
    return render(request, "case.html.j2", account, page="cases", case_id=case.id, case=case,
                  title=views.local(case.file.title, lang),
                  summary=views.local(case.file.summary, lang), version=version, **detail)


@router.post("/cases/upload", response_class=HTMLResponse)
async def upload_case(request: Request, account: Writer, file: UploadFile) -> HTMLResponse:
    """Check an uploaded case file exactly as ``yubi validate`` does; show the first problem
    beside its line. Nothing is stored."""
    raw = await file.read(UPLOAD_LIMIT + 1)
    name = Path(file.filename or "case.yaml").name
    if len(raw) > UPLOAD_LIMIT:
        return render(request, "_upload.html.j2", account, ok=False, name=name, lines=[],
                      message=f"{name}: larger than {UPLOAD_LIMIT // 1024} KiB", bad_line=None)
    return render(request, "_upload.html.j2", account, **await run_in_threadpool(
        _validate, raw, name))


def _validate(raw: bytes, name: str) -> dict[str, Any]:
    from yubi.case.compiler import compile_case
    from yubi.case.loader import parse_case_text
    from yubi.errors import CaseError

    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()
    try:
        case = compile_case(parse_case_text(raw, name))
    except CaseError as error:
        line = error.location.line if error.location else None
        return {"ok": False, "name": name, "message": str(error), "bad_line": line,
                "lines": _excerpt(lines, line)}
    file = case.file
    assumptions = sum(1 for q in file.quantities.values() if not q.source)
    return {"ok": True, "name": name, "bad_line": None, "lines": [], "message": (
        f"ok: {name}: {len(file.quantities)} quantities "
        f"({len(file.quantities) - assumptions} sourced, {assumptions} analyst assumptions), "
        f"{len(case.scenarios)} scenarios, {len(case.outputs)} outputs, "
        f"{len(case.months)} months from {case.months[0]}")}


def _excerpt(lines: list[str], line: int | None, around: int = 8) -> list[tuple[int, str]]:
    """Numbered lines around ``line`` (the whole file, up to 400 lines, without one)."""
    if line is None:
        return list(enumerate(lines[:400], start=1))
    first = max(1, line - around)
    return [(n, lines[n - 1]) for n in range(first, min(len(lines), line + around) + 1)]


# -- what-if -----------------------------------------------------------------------------------
#: The unchanged case's run (what every what-if is compared with) and its key outputs, once
#: per case content (sha256). Runs are deterministic, so a race only computes one twice.
_BASELINES: dict[str, tuple[Any, tuple[str, ...]]] = {}


def _baseline(case: Any) -> tuple[Any, tuple[str, ...]]:
    from yubi import app
    from yubi.brief.analyses import binary_outputs, default_key_outputs

    found = _BASELINES.get(case.sha256)
    if found is None:
        result = app.run(case, samples=WHATIF_SAMPLES, seed=WHATIF_SEED)
        found = (result, default_key_outputs(case, binary_outputs(result)))
        if len(_BASELINES) >= 32:
            _BASELINES.clear()
        _BASELINES[case.sha256] = found
    return found


def _whatif_choices(case: Any, form: Mapping[str, str]) -> tuple[dict[str, str], list[str],
                                                                   str]:
    """The form's changes, the outputs to chart and the table's month (defaults: the key
    outputs and month of the brief)."""
    from yubi.brief.analyses import default_key_month

    changes = views.form_changes(case, form)
    order = {o.id: k for k, o in enumerate(case.outputs)}
    chosen = [o for o in form.get("outputs", "").split(",") if o in order]
    # In the case's order, as the form's checkboxes list them.
    outputs = sorted(chosen or _baseline(case)[1], key=order.__getitem__)
    month = form.get("month", "")
    return changes, outputs, month if month in case.months else default_key_month(case)


def _whatif_html(case: Any, changes: Mapping[str, str], outputs: list[str], month: str,
                 lang: str, progress: Any) -> tuple[str, bool]:
    """Apply ``changes``, run 10,000 trajectories and render the results fragment; or, for a
    change the case refuses, the message (and ``False``)."""
    from yubi import app
    from yubi.errors import YubiInputError

    template = _environment(lang).get_template("_whatif_results.html.j2")
    started = time.perf_counter()
    baseline = _baseline(case)[0]
    try:
        changed = app.apply_changes(case, changes) if changes else case
    except YubiInputError as error:
        return template.render(lang=lang, error=str(error), changes=changes), False
    result = baseline if not changes else app.run(
        changed, samples=WHATIF_SAMPLES, seed=WHATIF_SEED, progress=progress)
    formatter = _formatter(lang)
    return template.render(
        lang=lang, fmt=formatter, error=None, changes=changes,
        table=views.scenario_table(result, outputs, month, formatter, lang),
        charts={"months": views.chart_months(case),
                "fans": views.fan_charts(result, outputs, lang, baseline if changes else None)},
        server_ms=round((time.perf_counter() - started) * 1000)), True


async def _whatif_results(request: Request, case: Any, form: Mapping[str, str],
                          lang: str) -> tuple[tuple[str, bool], list[str], str]:
    """The results fragment for the form, from the server's run pool (which caches answers
    by key: going back to an earlier value costs nothing); with the outputs and month."""
    changes, outputs, month = await run_in_threadpool(_whatif_choices, case, form)
    key = ("whatif", case.sha256, lang, tuple(sorted(changes.items())), tuple(outputs), month)
    html = await request.app.state.runs.call(
        key, lambda progress: _whatif_html(case, changes, outputs, month, lang, progress))
    return html, outputs, month


@router.get("/whatif/{case}", response_class=HTMLResponse)
async def whatif_page(request: Request, name: CasePath, account: Reader,
                      version: int | None = None) -> HTMLResponse:
    lang = language(request)
    case = await run_in_threadpool(_case, name, version, request)
    (results, _), outputs, month = await _whatif_results(request, case, {}, lang)
    scenarios = [{"id": s.id, "label": views.local(s.label, lang), "prior": s.prior,
                  "color": views.PALETTE[s.index % len(views.PALETTE)]}
                 for s in case.scenarios]
    return render(request, "whatif.html.j2", account, page="whatif", case_id=case.id,
                  case=case, version=version, title=views.local(case.file.title, lang),
                  quantities=views.quantity_inputs(case, lang), scenarios=scenarios,
                  all_outputs=[{"id": o.id, "label": views.local(o.label, lang)}
                               for o in case.outputs],
                  months=[(m, _formatter(lang).month(m)) for m in case.months],
                  outputs=outputs, month=month, results=Markup(results),
                  samples=WHATIF_SAMPLES, seed=WHATIF_SEED)


async def _form(request: Request) -> dict[str, str]:
    """The submitted fields: the query of a GET (a what-if run reads), else the form."""
    form: Any = request.query_params if request.method == "GET" else await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    # Checkboxes of one name (the charted outputs) arrive as several fields.
    fields["outputs"] = ",".join(v for v in form.getlist("outputs") if isinstance(v, str))
    return fields


@router.get("/whatif/{case}/run", response_class=HTMLResponse)
async def whatif_run(request: Request, name: CasePath, account: Reader,
                     version: int | None = None) -> HTMLResponse:
    """Rerun with the form's changes; answers the results fragment (table and fan charts)."""
    lang = language(request)
    form = await _form(request)
    case = await run_in_threadpool(_case, name, version, request)
    results, ok = (await _whatif_results(request, case, form, lang))[0]
    if ok:
        return HTMLResponse(results)
    # A refused change (a range given high to low, say): the message goes above the results,
    # which stay as they were until the inputs make sense again.
    return HTMLResponse(results, headers={"HX-Retarget": "#whatif-error",
                                          "HX-Reswap": "innerHTML"})


@router.post("/whatif/{case}/variant", response_class=HTMLResponse)
async def whatif_variant(request: Request, name: CasePath, account: Writer,
                         version: int | None = None) -> HTMLResponse:
    """Store the changed case as a new version of the case, with its diff."""
    form = await _form(request)
    case = await run_in_threadpool(_case, name, version, request)
    changes = views.form_changes(case, form)
    if not changes:
        return render(request, "_variant.html.j2", account, case_id=case.id, saved=None)
    why = form.get("why", "").strip()[:500] or "what-if in the workbench"
    saved = await run_in_threadpool(_save_variant, request.app.state.engine, case, changes,
                                    account.name, why)
    return render(request, "_variant.html.j2", account, case_id=case.id, saved=saved)


def _save_variant(engine: Any, case: Any, changes: Mapping[str, str], who: str,
                  why: str) -> dict[str, Any]:
    """Write the variant (``yubi variant``'s text) into the store's case versions; audited.

    Returns the version id and the unified diff of the variant against the case's file.
    """
    import difflib

    from sqlalchemy import insert, select

    from yubi import app
    from yubi.app.variant import variant_text
    from yubi.case.compiler import compile_case
    from yubi.case.loader import parse_case_text
    from yubi.store import audit
    from yubi.store.database import writing
    from yubi.store.models import CaseVersion, utc_now

    text = variant_text(app.apply_changes(case, changes), by=who, why=why)
    variant = compile_case(parse_case_text(text.encode("utf-8"), f"variant of {case.id}"))
    original = case.text.raw.decode("utf-8") if case.text is not None else ""
    diff = "".join(difflib.unified_diff(original.splitlines(True), text.splitlines(True),
                                        f"{case.id}.yaml", f"{case.id}.variant.yaml"))
    with audit.acting_as(who), writing(engine) as connection:
        found = connection.execute(select(CaseVersion.id).where(
            CaseVersion.sha256 == variant.sha256)).scalar_one_or_none()
        if found is None:
            found = connection.execute(insert(CaseVersion).values(
                case_id=case.id, sha256=variant.sha256, title=variant.file.title.en,
                as_of=variant.as_of, content=text, recorded_at=utc_now(), recorded_by=who,
            )).inserted_primary_key[0]  # type: ignore[index]
            audit.record(connection, "variant", "case_version", str(found),
                         {"case": case.id, "changes": dict(changes), "why": why})
    return {"version_id": int(found), "diff": diff}


# -- evidence ------------------------------------------------------------------------------------
def _evidence_context(case: Any, engine: Any, lang: str) -> dict[str, Any]:
    from yubi.evidence.updating import update_case
    from yubi.store import evidence as evidence_store
    from yubi.store import forecasts
    from yubi.web.api import documents

    formatter = _formatter(lang)
    items = evidence_store.items_as_of(engine, case.id, None)
    update = update_case(case, items, None)
    steps = update.to_dict()["steps"]
    timeline = [{**step, "url": views.safe_url(next(
        (s.item.url for s in items if s.item.item_id == step["item"]), None)),
        "posterior": [formatter.percent(step["posterior"][s.id]) for s in case.scenarios]}
        for step in reversed(steps)]
    scenarios = [{"id": s.id, "label": views.local(s.label, lang),
                  "color": views.PALETTE[k % len(views.PALETTE)],
                  "prior": formatter.percent(update.prior[k]),
                  "now": formatter.percent(update.final[k]), "now_value": float(update.final[k]),
                  "shift": round(100 * float(update.final[k] - update.prior[k]), 1)}
                 for k, s in enumerate(case.scenarios)]
    ach = documents.ach_document(case, None, engine)
    questions = forecasts.questions_as_of(engine, case.id, None)
    scores, scored = forecasts.score_forecasts(
        questions, forecasts.forecasts_as_of(engine, case.id, None),
        forecasts.resolutions_as_of(engine, case.id, None))
    records = documents.forecast_records(case, None, engine)
    calibration = [{"forecaster": s.forecaster, "color": views.PALETTE[k % len(views.PALETTE)],
                    "bins": [[b.mean_forecast, b.observed, b.count] for b in s.bins if b.count]}
                   for k, s in enumerate(scores)]
    return {
        "scenarios": scenarios, "timeline": timeline, "count": len(items),
        "chart": views.update_chart(update, case, lang), "ach": ach,
        "forecasts": sorted(records, key=lambda r: r["resolution"] is None)[:FORECAST_ROWS],
        "forecast_count": len(records),
        "scores": [s.to_dict() for s in scores], "resolved": len(scored),
        "calibration": calibration,
        "indicators": [{"id": i.id, "label": views.local(i.label, lang)}
                       for i in case.file.indicators],
    }


@router.get("/evidence/{case}", response_class=HTMLResponse)
async def evidence_page(request: Request, name: CasePath, account: Reader) -> HTMLResponse:
    lang = language(request)
    case = await run_in_threadpool(_case, name, None, request)
    context = await run_in_threadpool(_evidence_context, case, request.app.state.engine, lang)
    return render(request, "evidence.html.j2", account, page="evidence", case_id=case.id,
                  case=case, title=views.local(case.file.title, lang),
                  today=dt.date.today().isoformat(), form_error=None, added=None, **context)


@router.post("/evidence/{case}", response_class=HTMLResponse)
async def evidence_add(request: Request, name: CasePath, account: Writer) -> HTMLResponse:
    """Add one item (checked like a row of an imported file); answer the refreshed panel."""
    from yubi.errors import DataError
    from yubi.store import audit
    from yubi.store import evidence as evidence_store

    lang = language(request)
    form = await _form(request)
    case = await run_in_threadpool(_case, name, None, request)
    row: dict[str, Any] = {key: (form.get(key) or None) for key in (
        "date", "text", "source", "url", "reliability", "credibility", "relevance",
        "indicator", "group")}
    likelihood = {s.id: form[f"lik.{s.id}"] for s in case.scenarios
                  if form.get(f"lik.{s.id}", "").strip()}
    row["likelihood"] = likelihood or None
    row["relevance"] = row["relevance"] or "medium"
    engine = request.app.state.engine

    def add() -> str:
        items = evidence_store.parse_rows([row], case, "evidence form")
        with audit.acting_as(account.name):
            evidence_store.add_item(engine, items[0])
        return items[0].item_id

    error = added = None
    try:
        added = await run_in_threadpool(add)
    except DataError as problem:
        error = "; ".join(problem.problems)
    context = await run_in_threadpool(_evidence_context, case, engine, lang)
    return render(request, "_evidence_panel.html.j2", account, case_id=case.id, case=case,
                  form_error=error, added=added, **context)


# -- brief -----------------------------------------------------------------------------------
@router.get("/brief/{case}", response_class=HTMLResponse)
async def brief_page(request: Request, name: CasePath, account: Reader) -> HTMLResponse:
    lang = language(request)
    case = await run_in_threadpool(_case, name, None, request)
    return render(request, "brief.html.j2", account, page="brief", case_id=case.id,
                  title=views.local(case.file.title, lang), job=None)


@router.post("/brief/{case}", response_class=HTMLResponse)
async def brief_start(request: Request, name: CasePath, account: Writer,
                      brief_lang: Annotated[str, Form(max_length=8)] = "en",
                      fmt: Annotated[str, Form(max_length=8)] = "html") -> HTMLResponse:
    """Start a brief with the server's brief jobs (as ``POST /api/v1/cases/{case}/briefs``
    does); answer its progress, which polls itself until the brief is done."""
    from yubi.web.api.common import record_write
    from yubi.web.jobs import TooManyJobsError

    if brief_lang not in _languages():
        brief_lang = "en"
    await run_in_threadpool(_case, name, None, request)
    settings = request.app.state.settings
    brief_settings = {"samples": settings.brief_samples, "seed": 0,
                      "sobol_samples": settings.brief_sobol_samples,
                      "tornado_samples": settings.brief_tornado_samples}
    try:
        job = request.app.state.briefs.submit(name, {}, brief_lang, fmt == "pdf",
                                              brief_settings, account.name)
    except TooManyJobsError:
        raise HTTPException(429, "too many briefs are being made; try again in a minute",
                            headers={"Retry-After": "60"}) from None
    await run_in_threadpool(record_write, request.app.state.engine, account, "brief", "case",
                            name, {"language": brief_lang, "pdf": fmt == "pdf", "job": job.id})
    return render(request, "_brief_job.html.j2", account, case_id=name, job=_job_view(job))


@router.get("/brief/jobs/{job_id}", response_class=HTMLResponse)
async def brief_progress(request: Request, job_id: str, account: Reader) -> HTMLResponse:
    job = request.app.state.briefs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such brief job (jobs end with the server)")
    return render(request, "_brief_job.html.j2", account, case_id=job.case, job=_job_view(job))


#: The steps of a brief in order, for the progress bar (as the brief's timings name them).
BRIEF_STEPS = ("load case", "simulate", "sensitivity: Sobol'", "sensitivity: tornado", "charts",
               "tables and tornado charts", "HTML", "PDF")


def _job_view(job: Any) -> dict[str, Any]:
    step = job.step() or ""
    position = next((k for k, name in enumerate(BRIEF_STEPS) if step.startswith(name)), 0)
    total = len(BRIEF_STEPS) - (0 if job.pdf else 1)
    done = job.status == "done"
    return {"id": job.id, "status": job.status, "step": step, "language": job.language,
            "pdf": job.pdf, "error": job.error, "progress": total if done else position,
            "total": total,
            # The REST API's download route serves the files (GET /api/v1/briefs/{id}/...).
            "downloads": {kind: f"/api/v1/briefs/{job.id}/download?format={kind}"
                          for kind in ("html", "pdf") if done and job.file(kind) is not None}}
