"""``yubi forecast``: forecasting questions and probabilities (the model's and analysts')."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

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
    QuestionArgument,
    day_of,
    print_json,
)
from yubi.engine import simulate
from yubi.errors import UsageError
from yubi.store import forecasts
from yubi.store.clock import parse_date
from yubi.store.database import (
    open_engine,
    resolve_url,
)
from yubi.text import console, shown

app = command_app()
forecast_app = typer.Typer(help="Forecasting questions and probabilities (model and analysts).",
                           no_args_is_help=True)
app.add_typer(forecast_app, name="forecast")


@forecast_app.command("model")
def forecast_model(
    case: CaseArgument = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Trajectories.")] = 10_000,
    seed: SeedOption = 0,
    month: Annotated[list[str] | None, typer.Option(
        "--month", "-m",
        help="Month YYYY-MM to ask about (repeatable; default: every quarter's last).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Run with the scenario posteriors from evidence known by DATE.")] = None,
    db: DbOption = None,
    old_case: DeprecatedCaseOption = None,
) -> None:
    """Run the case and record the model's probability for every threshold question."""
    compiled = load_case(case_ref(case, old_case))
    engine = open_engine(db)
    if as_of is not None:
        from yubi.store.evidence import posterior_case

        compiled = posterior_case(compiled, as_of, resolve_url(db))
    result = simulate(compiled, samples, seed=seed)
    run_id, count = forecasts.record_model_forecasts(engine, compiled, result, month)
    console().print(f"run {run_id}: model probabilities recorded for {count} questions "
                    f"({compiled.id}, {samples:,} samples, seed {seed})")


@forecast_app.command("add")
def forecast_add(
    close: Annotated[str, typer.Option(help="Close date YYYY-MM-DD.")],
    case: CaseArgument = None,
    question: Annotated[str | None, typer.Argument(
        metavar="QUESTION", show_default=False, help="A short id, e.g. pow-returned-2025.")] = None,
    text: Annotated[str | None, typer.Argument(
        metavar="TEXT", show_default=False, help="The question, answerable yes or no.")] = None,
    criteria: Annotated[str, typer.Option(help="How it resolves.")] = "",
    old_case: DeprecatedCaseOption = None,
    db: DbOption = None,
) -> None:
    """Add an analyst's own question."""
    case, (question, text) = leading_case(case, [question, text], ["QUESTION", "TEXT"])
    compiled = load_case(case_ref(case, old_case))
    spec = forecasts.QuestionSpec(question, text, criteria or text, parse_date(close, "--close"))
    written = forecasts.add_question(open_engine(db), compiled.id, spec)
    console().print(f"{shown(question)}: {'added' if written else 'already stored'}")


@forecast_app.command("predict")
def forecast_predict(
    analyst: Annotated[str, typer.Option(help="Whose probability it is.")],
    case: CaseArgument = None,
    question: QuestionArgument = None,
    given: Annotated[str | None, typer.Argument(
        metavar="PROBABILITY", show_default=False, help="P(yes), between 0 and 1.")] = None,
    date: Annotated[str, typer.Option(help="When it was made (default today).")] = "today",
    old_case: DeprecatedCaseOption = None,
    db: DbOption = None,
) -> None:
    """Record an analyst's probability for a question (the history is kept)."""
    case, (question, given) = leading_case(case, [question, given], ["QUESTION", "PROBABILITY"])
    try:
        probability = float(given)
    except ValueError:
        raise UsageError(f"PROBABILITY must be a number between 0 and 1, not {given!r}") from None
    compiled = load_case(case_ref(case, old_case))
    forecasts.predict(open_engine(db), compiled.id, question, probability, analyst,
                      parse_date(date, "--date"))
    console().print(f"{shown(question)}: {shown(analyst)} {probability:.0%}")


@forecast_app.command("list")
def forecast_list(case: CaseArgument = None, as_of: AsOfOption = None,
                  as_json: JsonOption = False, db: DbOption = None,
                  old_case: DeprecatedCaseOption = None) -> None:
    """Questions with each forecaster's current probability, the pools, and resolutions."""
    compiled = load_case(case_ref(case, old_case))
    engine = open_engine(db)
    day = day_of(as_of)
    questions = forecasts.questions_as_of(engine, compiled.id, day)
    latest = forecasts.latest_probabilities(
        questions, forecasts.forecasts_as_of(engine, compiled.id, day), before_close=False)
    resolved = forecasts.resolutions_as_of(engine, compiled.id, day)
    records: list[dict[str, Any]] = [
               {"question": q.question_id, "text": q.text, "close_on": q.close_on.isoformat(),
                "probabilities": latest.get(q.question_id, {}),
                "resolution": None if q.question_id not in resolved else
                ("yes" if resolved[q.question_id].outcome else "no")} for q in questions]
    if as_json:
        print_json(records)
        return
    table = Table("question", "close", "probabilities", "resolved")
    for record in records:
        probs = ", ".join(f"{k} {v:.0%}" for k, v in record["probabilities"].items())
        table.add_row(shown(record["question"]), record["close_on"], shown(probs),
                      record["resolution"] or "")
    console().print(table)
