"""``yubi resolve``, ``score`` and ``hindcast``: questions answered, forecasts scored."""

from __future__ import annotations

from typing import Annotated

import typer

from yubi.case import load_case
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
    print_json,
    report_scores,
    store_scores,
)
from yubi.engine import simulate
from yubi.evidence.scoring import plot_calibration
from yubi.preflight import check_output_file
from yubi.store import forecasts
from yubi.store.clock import parse_date
from yubi.store.database import (
    open_engine,
)
from yubi.text import console, shown

app = command_app()


@app.command()
def resolve(
    date: Annotated[str, typer.Option(help="When it resolved, YYYY-MM-DD.")],
    source: Annotated[str, typer.Option(help="What shows the answer.")],
    case: CaseArgument = None,
    question: QuestionArgument = None,
    answer: Annotated[str | None, typer.Argument(
        metavar="ANSWER", show_default=False, help="yes, no, or the observed value.")] = None,
    old_case: DeprecatedCaseOption = None,
    db: DbOption = None,
) -> None:
    """Resolve a question; a value is compared with the question's threshold."""
    case, (question, answer) = leading_case(case, [question, answer], ["QUESTION", "ANSWER"])
    compiled = load_case(case_ref(case, old_case))
    outcome = forecasts.resolve(open_engine(db), compiled, question, answer,
                                parse_date(date, "--date"), source)
    console().print(f"{shown(question)}: resolved {'yes' if outcome else 'no'}")


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
    scores, scored = store_scores(open_engine(db), compiled, day_of(as_of))
    report_scores(scores, len(scored), plot, as_json)


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
    engine = open_engine(db)
    questions = forecasts.questions_as_of(engine, compiled.id)
    resolutions = forecasts.resolutions_as_of(engine, compiled.id)
    result = simulate(compiled, samples, seed=seed)
    result_score, scored = forecasts.hindcast(compiled, result, questions, resolutions)
    if as_json:
        print_json({"case": compiled.id, "as_of": compiled.as_of.isoformat(),
                     "samples": samples, "seed": seed, **result_score.to_dict(),
                     "questions": [{"question": s.question_id, "outcome": s.outcome,
                                    "probability": next(iter(s.probabilities.values()))}
                                   for s in scored]})
    else:
        report_scores([result_score], len(scored), None, False)
    if not scored:
        console(stderr=True).print(
            "no resolved question about this case's outputs yet: record them with "
            "`yubi forecast model`, resolve them with `yubi resolve QUESTION yes|no|VALUE "
            "--date D --source S`, then hindcast again")
    if plot is not None:
        plot_calibration([result_score], plot)
