"""``yubi resolve``, ``score`` and ``hindcast``: questions answered, forecasts scored."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from yubi.case import load_case
from yubi.case.model import Case
from yubi.cli import command_app
from yubi.cli.common import (
    CaseArgument,
    DeprecatedCaseOption,
    SeedOption,
    case_ref,
    leading_case,
)
from yubi.cli.storeopts import (
    AsOfOption,
    DbOption,
    JsonOption,
    PlotOption,
    QuestionArgument,
    day_of,
    evidence_file,
    print_json,
    report_scores,
    store_scores,
)
from yubi.engine import simulate
from yubi.errors import UsageError
from yubi.evidence.scoring import plot_calibration
from yubi.preflight import check_output_file
from yubi.store import forecasts
from yubi.store.clock import parse_date
from yubi.store.database import open_engine
from yubi.text import console, shown

app = command_app()


@app.command()
def resolve(
    case: CaseArgument = None,
    question: QuestionArgument = None,
    answer: Annotated[str | None, typer.Argument(
        metavar="ANSWER", show_default=False, help="yes, no, or the observed value.")] = None,
    date: Annotated[str | None, typer.Option(help="When it resolved, YYYY-MM-DD.")] = None,
    source: Annotated[str | None, typer.Option(help="What shows the answer.")] = None,
    file: Annotated[Path | None, typer.Option(
        "--file", help="Resolve from a CSV with columns question,answer,date,source[,note] "
        "(checked whole; importing it again adds nothing).")] = None,
    old_case: DeprecatedCaseOption = None,
    db: DbOption = None,
) -> None:
    """Resolve a question; a value is compared with the question's threshold."""
    if file is not None:
        _resolve_file(case, question, answer, file, (date, source), old_case, db)
        return
    case, (question, answer) = leading_case(case, [question, answer], ["QUESTION", "ANSWER"])
    if date is None or source is None:
        raise UsageError("resolving QUESTION needs --date and --source (or give --file)")
    compiled = load_case(case_ref(case, old_case))
    outcome = forecasts.resolve(open_engine(db), compiled, question, answer,
                                parse_date(date, "--date"), source)
    console().print(f"{shown(question)}: resolved {'yes' if outcome else 'no'}")


def _resolve_file(case: str | None, question: str | None, answer: str | None, file: Path,
                  options: tuple[str | None, str | None], old_case: str | None,
                  db: str | None) -> None:
    if question is not None or answer is not None or any(o is not None for o in options):
        raise UsageError("--file gives every question, answer, date and source: give "
                         "QUESTION ANSWER --date --source or --file, not both")
    from yubi.store import resolutions

    compiled = load_case(case_ref(case, old_case))
    path = evidence_file(file)
    engine = open_engine(db)
    rows = resolutions.resolutions_from_file(engine, compiled, path)
    report = resolutions.record_resolutions(engine, compiled, rows, {"file": path.name})
    console().print(f"{shown(path.name)}: {len(report.added)} resolved, "
                    f"{len(report.corrected)} corrected, {len(report.unchanged)} already so "
                    f"(case {compiled.id})")


@app.command()
def score(
    case: CaseArgument = None,
    as_of: AsOfOption = None,
    plot: PlotOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    old_case: DeprecatedCaseOption = None,
) -> None:
    """Brier and log scores and calibration bins of each analyst, the model and the pools."""
    if plot is not None:
        check_output_file(plot, "--plot", (".png", ".pdf", ".svg"))
    compiled = load_case(case_ref(case, old_case))
    engine = open_engine(db)
    day = day_of(as_of)
    scores, scored = store_scores(engine, compiled, day)
    why = None if scored else forecasts.why_nothing_scored(
        forecasts.questions_as_of(engine, compiled.id, day),
        forecasts.forecasts_as_of(engine, compiled.id, day),
        forecasts.resolutions_as_of(engine, compiled.id, day))
    report_scores(scores, len(scored), plot, as_json, why)
    if why is not None:
        console(stderr=True).print(f"note: nothing scored: {why}")


@app.command()
def hindcast(
    case: CaseArgument = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Trajectories.")] = 10_000,
    seed: SeedOption = 0,
    plot: PlotOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    old_case: DeprecatedCaseOption = None,
) -> None:
    """Score the case as of its own date (its priors, no later evidence) on resolved questions."""
    if plot is not None:
        check_output_file(plot, "--plot", (".png", ".pdf", ".svg"))
    compiled = load_case(case_ref(case, old_case))
    questions, resolved, origin = _hindcast_questions(open_engine(db), compiled)
    result = simulate(compiled, samples, seed=seed)
    result_score, scored = forecasts.hindcast(compiled, result, questions, resolved)
    if as_json:
        print_json({"case": compiled.id, "as_of": compiled.as_of.isoformat(),
                    "samples": samples, "seed": seed, "resolutions": origin,
                    **result_score.to_dict(),
                    "questions": [{"question": s.question_id, "outcome": s.outcome,
                                   "probability": next(iter(s.probabilities.values()))}
                                  for s in scored]})
    else:
        report_scores([result_score], len(scored), None, False)
    if not scored:
        console(stderr=True).print(
            "no resolved question about this case's outputs yet: resolve them with "
            "`yubi resolve QUESTION yes|no|VALUE --date D --source S` or "
            f"`yubi resolve --file {compiled.id}-resolutions.csv`, then hindcast again")
    if plot is not None:
        plot_calibration([result_score], plot)


def _hindcast_questions(
    engine: Engine, case: Case,
) -> tuple[list[forecasts.QuestionSpec], dict[str, forecasts.ResolutionRecord], str]:
    """The store's questions and resolutions; when it has none, the case's resolutions file.

    The third value says where they came from: ``store``, or the file's name.
    """
    resolved = forecasts.resolutions_as_of(engine, case.id)
    if resolved:
        return forecasts.questions_as_of(engine, case.id), resolved, "store"
    from yubi.store import resolutions

    path = resolutions.case_resolutions_file(case)
    if path is None:
        return [], {}, "store"
    rows = resolutions.read_resolutions(path, case)
    console(stderr=True).print(f"note: no resolution in the store: scoring against "
                               f"{shown(path.name)} ({len(rows)} questions)")
    return ([row.question for row in rows], {row.question.question_id: row.record()
                                             for row in rows}, path.name)
