"""Forecasting questions, the probabilities given for them, their resolutions, and scoring.

Questions come from a case's outputs and thresholds — "P(North Korean troops in Russia: more
than 30,000 in 2025-06)" is ``result.statistic("deployed", "over_30k")`` at month 2025-06 — and
from analysts. Model questions have ids ``<output>.<threshold>@<YYYY-MM>``. Each probability is
a new row (a history), by an analyst or by the model (tied to the recorded run that gave it).
A question resolves yes or no, or with a value that is compared with the threshold; a later
resolution corrects an earlier one without erasing it.

A forecaster's probability for a question is the newest one made on or before the question's
close date. The pools combine the analysts' (not the model's) probabilities per question.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite

from yubi.case.model import Case
from yubi.engine.results import SimulationResult
from yubi.errors import UsageError
from yubi.evidence.pooling import linear_pool, log_pool
from yubi.evidence.scoring import Score, score
from yubi.store import audit
from yubi.store.clock import end_of_day
from yubi.store.database import writing
from yubi.store.models import CaseVersion, Prediction, Question, Resolution, Run, utc_now

__all__ = [
    "MODEL",
    "ForecastRecord",
    "QuestionSpec",
    "ResolutionRecord",
    "add_question",
    "forecasts_as_of",
    "hindcast",
    "lock_case",
    "model_questions",
    "outcome_of",
    "predict",
    "questions_as_of",
    "record_model_forecasts",
    "record_run",
    "resolutions_as_of",
    "resolve",
    "score_forecasts",
    "why_nothing_scored",
]

MODEL = "model"
POOLS = ("pool: linear", "pool: log")


@dataclass(frozen=True)
class QuestionSpec:
    """A binary question; model questions also name the output, threshold and month."""

    question_id: str
    text: str
    criteria: str
    close_on: dt.date
    output_id: str | None = None
    threshold_id: str | None = None
    month: str | None = None

    def content(self) -> tuple[Any, ...]:
        return (self.text, self.criteria, self.close_on, self.output_id, self.threshold_id,
                self.month)


@dataclass(frozen=True)
class ForecastRecord:
    """One probability given for a question."""

    question_id: str
    analyst: str
    probability: float
    made_on: dt.date
    run_id: int | None
    recorded_at: dt.datetime


@dataclass(frozen=True)
class ResolutionRecord:
    question_id: str
    outcome: bool
    value: float | None
    resolved_on: dt.date
    source: str
    recorded_at: dt.datetime
    note: str | None = None


# -- questions -------------------------------------------------------------------------------
def model_questions(case: Case, months: Sequence[str] | None = None) -> list[QuestionSpec]:
    """One question per output threshold and month (default: each quarter's last month)."""
    chosen = list(months) if months else [m for m in case.months if m.endswith(("-03", "-06",
                                                                                 "-09", "-12"))]
    for month in chosen:
        case.month_index(month)  # CaseError when outside the horizon
    specs = []
    for output in case.outputs:
        for threshold in output.thresholds:
            side, bound = (("above", threshold.above) if threshold.above is not None
                           else ("below", threshold.below))
            for month in chosen:
                specs.append(QuestionSpec(
                    question_id=f"{output.id}.{threshold.id}@{month}",
                    text=f"{output.label.en}: {threshold.label.en} in {month}?",
                    criteria=f"Yes if {output.label.en} ({output.unit_text}) is {side} {bound:g} "
                             f"in {month}, by the best public estimate then available.",
                    close_on=_month_end(month), output_id=output.id,
                    threshold_id=threshold.id, month=month,
                ))
    return specs


def add_question(engine: Engine, case_id: str, spec: QuestionSpec) -> bool:
    """Store a question (a new version if its id exists with other wording); True if written."""
    with writing(engine) as connection:
        lock_case(connection, case_id)
        return _add_questions(connection, case_id, [spec]) > 0


def lock_case(connection: Connection, case_id: str) -> None:
    """Serialize the writers of one case's questions, runs and forecasts until commit.

    SQLite's ``BEGIN IMMEDIATE`` already lets one writer in at a time. PostgreSQL's default
    isolation does not: two writers could both find question ``q`` missing (or case version
    ``sha`` unrecorded) and both insert it, and one would fail on the unique constraint. A
    transaction-scoped advisory lock per case, taken before the first read, makes the
    second wait and then see the first one's rows (each statement reads what is committed).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                           {"key": f"yubi.forecasts.{case_id}"})


def _add_questions(connection: Connection, case_id: str, specs: Sequence[QuestionSpec]) -> int:
    latest = {spec.question_id: spec for spec in _questions(connection, case_id, None)}
    versions = _question_versions(connection, case_id)
    changed = [s for s in specs if s.question_id not in latest
               or latest[s.question_id].content() != s.content()]
    if not changed:
        return 0
    audit_id = audit.record(connection, "add", "question", case_id,
                            {"questions": [s.question_id for s in changed]})
    connection.execute(insert(Question), [
        {"case_id": case_id, "question_id": s.question_id,
         "version": versions.get(s.question_id, 0) + 1, "text": s.text, "criteria": s.criteria,
         "close_on": s.close_on, "output_id": s.output_id, "threshold_id": s.threshold_id,
         "month": s.month, "recorded_at": utc_now(), "recorded_by": audit.analyst_name(),
         "audit_id": audit_id}
        for s in changed
    ])
    return len(changed)


def questions_as_of(engine: Engine, case_id: str, as_of: dt.date | None = None
                    ) -> list[QuestionSpec]:
    """The newest version of each question recorded by the end of ``as_of``."""
    with engine.connect() as connection:
        return _questions(connection, case_id, as_of)


def _questions(connection: Connection, case_id: str, as_of: dt.date | None
               ) -> list[QuestionSpec]:
    conditions = [Question.case_id == case_id]
    if as_of is not None:
        conditions.append(Question.recorded_at < end_of_day(as_of))
    newest = (select(Question.question_id, func.max(Question.version).label("v"))
              .where(*conditions).group_by(Question.question_id).subquery())
    rows = connection.execute(select(Question).join(
        newest, (Question.question_id == newest.c.question_id) & (Question.version == newest.c.v))
        .where(Question.case_id == case_id).order_by(Question.question_id)).all()
    return [QuestionSpec(r.question_id, r.text, r.criteria, r.close_on, r.output_id,
                         r.threshold_id, r.month) for r in rows]


def _question_versions(connection: Connection, case_id: str) -> dict[str, int]:
    rows = connection.execute(select(Question.question_id, func.max(Question.version))
                              .where(Question.case_id == case_id)
                              .group_by(Question.question_id)).all()
    return {question_id: int(version) for question_id, version in rows}


def _question(connection: Connection, case_id: str, question_id: str) -> QuestionSpec:
    for spec in _questions(connection, case_id, None):
        if spec.question_id == question_id:
            return spec
    raise UsageError(f"no question {question_id!r} in case {case_id} "
                     "(see `yubi forecast list`)")


# -- runs and model forecasts ----------------------------------------------------------------
def record_run(connection: Connection, case: Case, result: SimulationResult, purpose: str) -> int:
    """Store the case version (once per content hash) and the run; return the run id."""
    version_id = connection.execute(select(CaseVersion.id).where(
        CaseVersion.sha256 == case.sha256)).scalar_one_or_none()
    if version_id is None:
        # Insert-or-get: a writer that does not hold lock_case() (another case id with the
        # same bytes cannot exist, but another tool might) must not fail on the unique hash.
        values = dict(case_id=case.id, sha256=case.sha256, title=case.file.title.en,
                      as_of=case.as_of, content=_case_text(case), recorded_at=utc_now(),
                      recorded_by=audit.analyst_name())
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(CaseVersion).values(**values)
                           .on_conflict_do_nothing(index_elements=["sha256"]))
        version_id = connection.execute(select(CaseVersion.id).where(
            CaseVersion.sha256 == case.sha256)).scalar_one()
    settings = result.settings
    summary = {"scenario_share": result.scenario_share(), "thresholds": _threshold_table(result)}
    run_id = connection.execute(insert(Run).values(
        case_version_id=version_id, case_id=case.id, purpose=purpose, samples=settings.samples,
        seed=settings.seed, sampler=settings.sampler,
        priors=json.dumps({s.id: s.prior for s in case.scenarios}),
        summary=json.dumps(summary), recorded_at=utc_now(), recorded_by=audit.analyst_name(),
    )).inserted_primary_key[0]  # type: ignore[index]
    audit.record(connection, "run", "run", str(run_id), {
        "purpose": purpose, "case_sha256": case.sha256, "samples": settings.samples,
        "seed": settings.seed, "sampler": settings.sampler})
    return int(run_id)


def record_model_forecasts(
    engine: Engine, case: Case, result: SimulationResult, months: Sequence[str] | None = None,
    made_on: dt.date | None = None,
) -> tuple[int, int]:
    """Store the run, its questions and the model's probability for each; (run id, count)."""
    specs = model_questions(case, months)
    day = made_on or utc_now().date()
    with writing(engine) as connection:
        lock_case(connection, case.id)
        run_id = record_run(connection, case, result, "forecast")
        _add_questions(connection, case.id, specs)
        audit_id = audit.record(connection, "predict", "prediction", case.id,
                                {"analyst": MODEL, "run": run_id, "questions": len(specs)})
        connection.execute(insert(Prediction), [
            _prediction(case.id, s.question_id, MODEL, model_probability(result, s), day,
                        run_id, audit_id)
            for s in specs
        ])
    return run_id, len(specs)


def model_probability(result: SimulationResult, spec: QuestionSpec) -> float:
    """The run's probability that the question's output crosses its threshold that month."""
    if spec.output_id is None or spec.threshold_id is None or spec.month is None:
        raise UsageError(f"question {spec.question_id} is not about a case output")
    series = result.statistic(spec.output_id, spec.threshold_id)
    return float(series[result.case.month_index(spec.month)])


def predict(
    engine: Engine, case_id: str, question_id: str, probability: float, analyst: str,
    made_on: dt.date,
) -> None:
    """Record an analyst's probability for a question."""
    if not 0.0 <= probability <= 1.0:
        raise UsageError(f"a probability is between 0 and 1, not {probability}")
    if analyst == MODEL or analyst.startswith("pool:"):
        raise UsageError(f"{analyst!r} is reserved; give the analyst's own name")
    with writing(engine) as connection:
        lock_case(connection, case_id)
        _question(connection, case_id, question_id)
        audit_id = audit.record(connection, "predict", "prediction", f"{case_id}/{question_id}",
                                {"analyst": analyst, "probability": probability,
                                 "made_on": made_on.isoformat()})
        connection.execute(insert(Prediction), [
            _prediction(case_id, question_id, analyst, probability, made_on, None, audit_id)])


def _prediction(case_id: str, question_id: str, analyst: str, probability: float,
                made_on: dt.date, run_id: int | None, audit_id: int) -> dict[str, Any]:
    return {"case_id": case_id, "question_id": question_id, "analyst": analyst,
            "probability": probability, "made_on": made_on, "run_id": run_id,
            "recorded_at": utc_now(), "recorded_by": audit.analyst_name(), "audit_id": audit_id}


def forecasts_as_of(engine: Engine, case_id: str, as_of: dt.date | None = None
                    ) -> list[ForecastRecord]:
    """Every probability recorded by the end of ``as_of``, oldest first (the history)."""
    query = select(Prediction).where(Prediction.case_id == case_id)
    if as_of is not None:
        query = query.where(Prediction.recorded_at < end_of_day(as_of))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(Prediction.id)).all()
    return [ForecastRecord(r.question_id, r.analyst, r.probability, r.made_on, r.run_id,
                           r.recorded_at) for r in rows]


# -- resolutions -----------------------------------------------------------------------------
def resolve(
    engine: Engine, case: Case, question_id: str, answer: str, resolved_on: dt.date, source: str
) -> bool:
    """Resolve a question with ``yes``, ``no`` or a value; return the outcome recorded."""
    with writing(engine) as connection:
        spec = _question(connection, case.id, question_id)
        outcome, value = outcome_of(case, spec, answer)
        audit_id = audit.record(connection, "resolve", "question", f"{case.id}/{question_id}",
                                {"outcome": outcome, "value": value,
                                 "resolved_on": resolved_on.isoformat(), "source": source})
        connection.execute(insert(Resolution).values(
            case_id=case.id, question_id=question_id, outcome=outcome, value=value,
            resolved_on=resolved_on, source=source, recorded_at=utc_now(),
            recorded_by=audit.analyst_name(), audit_id=audit_id))
    return outcome


def outcome_of(case: Case, spec: QuestionSpec, answer: str) -> tuple[bool, float | None]:
    """The outcome ``answer`` (``yes``, ``no`` or a value) gives the question, and the value.

    Raises
    ------
    UsageError
        If the answer is none of these, or a value answers a question without a threshold.
    """
    word = answer.strip().lower()
    if word in ("yes", "y", "true"):
        return True, None
    if word in ("no", "n", "false"):
        return False, None
    try:
        value = float(word.replace(",", "").replace("_", ""))
    except ValueError:
        raise UsageError(f"resolve with yes, no or a number, not {answer!r}") from None
    if spec.output_id is None or spec.threshold_id is None:
        raise UsageError(f"question {spec.question_id} has no threshold: resolve it yes or no")
    threshold = next(t for t in case.output(spec.output_id).thresholds
                     if t.id == spec.threshold_id)
    if threshold.above is not None:
        return value > threshold.above, value
    assert threshold.below is not None
    return value < threshold.below, value


def resolutions_as_of(engine: Engine, case_id: str, as_of: dt.date | None = None
                      ) -> dict[str, ResolutionRecord]:
    """The newest resolution of each question recorded by the end of ``as_of``."""
    query = select(Resolution).where(Resolution.case_id == case_id)
    if as_of is not None:
        query = query.where(Resolution.recorded_at < end_of_day(as_of))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(Resolution.id)).all()
    return {r.question_id: ResolutionRecord(r.question_id, r.outcome, r.value, r.resolved_on,
                                            r.source, r.recorded_at, r.note) for r in rows}


# -- scoring ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoredQuestion:
    """One resolved question with the probability each forecaster gave it."""

    question_id: str
    outcome: bool
    probabilities: dict[str, float]


def latest_probabilities(
    questions: Iterable[QuestionSpec], forecasts: Iterable[ForecastRecord], *,
    before_close: bool = True,
) -> dict[str, dict[str, float]]:
    """question → forecaster → newest probability, and the analysts' pools.

    With ``before_close`` (for scoring) only probabilities made on or before the question's
    close date count: a forecast made after the fact is not a forecast.
    """
    close = {q.question_id: q.close_on for q in questions}
    chosen: dict[str, dict[str, ForecastRecord]] = {}
    for record in forecasts:
        if record.question_id not in close or (before_close
                                               and record.made_on > close[record.question_id]):
            continue
        current = chosen.setdefault(record.question_id, {}).get(record.analyst)
        if current is None or (record.made_on, record.recorded_at) >= (current.made_on,
                                                                       current.recorded_at):
            chosen[record.question_id][record.analyst] = record
    result: dict[str, dict[str, float]] = {}
    for question_id, by_analyst in chosen.items():
        probabilities = {name: r.probability for name, r in by_analyst.items()}
        humans = [p for name, p in probabilities.items() if name != MODEL]
        if humans:
            probabilities[POOLS[0]] = linear_pool(humans)
            probabilities[POOLS[1]] = log_pool(humans)
        result[question_id] = probabilities
    return result


def score_forecasts(
    questions: Sequence[QuestionSpec], forecasts: Sequence[ForecastRecord],
    resolutions: dict[str, ResolutionRecord],
) -> tuple[list[Score], list[ScoredQuestion]]:
    """Scores of each forecaster (analysts, the model, the pools) on resolved questions."""
    probabilities = latest_probabilities(questions, forecasts)
    scored = [ScoredQuestion(q, resolutions[q].outcome, probabilities[q])
              for q in sorted(probabilities) if q in resolutions]
    forecasters = sorted({name for s in scored for name in s.probabilities},
                         key=lambda n: (n.startswith("pool:"), n == MODEL, n))
    scores = [score(name, [s.probabilities[name] for s in scored if name in s.probabilities],
                    [s.outcome for s in scored if name in s.probabilities])
              for name in forecasters]
    return scores, scored


def why_nothing_scored(
    questions: Sequence[QuestionSpec], forecasts: Sequence[ForecastRecord],
    resolutions: dict[str, ResolutionRecord],
) -> str:
    """Why :func:`score_forecasts` scores nothing on these questions, and what to do."""
    known = {q.question_id for q in questions}
    resolved = known & set(resolutions)
    if not known:
        return ("no forecasting question is recorded for this case: record the model's with "
                "`yubi forecast model` or add one with `yubi forecast add`")
    if not resolved:
        return ("no question is resolved: resolve them with `yubi resolve QUESTION "
                "yes|no|VALUE --date D --source S` or `yubi resolve --file resolutions.csv`")
    predicted = {f.question_id for f in forecasts} & resolved
    if not predicted:
        return (f"none of the {len(resolved)} resolved questions has a probability recorded: "
                "record them with `yubi forecast model` or `yubi forecast predict`")
    return (f"every prediction was made after its question closed ({len(predicted)} resolved "
            "questions have predictions, all later than their close dates; a forecast made "
            "after the fact is not scored)")


def hindcast(
    case: Case, result: SimulationResult, questions: Sequence[QuestionSpec],
    resolutions: dict[str, ResolutionRecord],
) -> tuple[Score, list[ScoredQuestion]]:
    """Score the case as it stood on its ``as_of`` date against every resolved question.

    Only questions about a case output (model questions) can be hindcast; the others are left
    out. ``result`` is a run of the case with its own priors.
    """
    label = f"{case.id} as of {case.as_of}"
    scored = [ScoredQuestion(q.question_id, resolutions[q.question_id].outcome,
                             {label: model_probability(result, q)})
              for q in questions if q.question_id in resolutions and q.output_id is not None
              and q.month in case.months]
    return (score(label, [s.probabilities[label] for s in scored], [s.outcome for s in scored]),
            scored)


# -- helpers ---------------------------------------------------------------------------------
def _month_end(month: str) -> dt.date:
    year, number = (int(part) for part in month.split("-"))
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def _case_text(case: Case) -> str:
    try:
        from pathlib import Path

        return Path(case.path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _threshold_table(result: SimulationResult) -> dict[str, dict[str, list[float]]]:
    return {
        output.id: {t.id: [round(float(v), 6) for v in result.statistic(output.id, t.id)]
                    for t in output.thresholds}
        for output in result.case.outputs if output.thresholds
    }
