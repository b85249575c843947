"""``yubi db``, ``evidence``, ``update``, ``ach``, ``forecast``, ``resolve``, ``score``,
``hindcast`` and ``export``: the evidence and forecast store on the command line.

Every command takes ``--db URL`` (else ``$YUBI_DATABASE_URL``, else the SQLite file in the
user's data directory). A fresh database is given the current schema on first use.
"""

from __future__ import annotations

import json
import math
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import Engine

from yubi.case import load_case
from yubi.case.model import Case
from yubi.cli import command_app
from yubi.cli.common import (
    CaseArgument,
    DeprecatedCaseOption,
    SeedOption,
    case_ref,
    check_store_scenarios,
    leading_case,
    scenarios_of_items,
    scenarios_of_rows,
)
from yubi.engine import simulate
from yubi.errors import UsageError
from yubi.evidence import ach as ach_analysis
from yubi.evidence.scoring import Score, plot_calibration
from yubi.evidence.updating import EvidenceUpdate, update_case
from yubi.preflight import check_output_file
from yubi.store import evidence as evidence_store
from yubi.store import export as exporting
from yubi.store import forecasts
from yubi.store.clock import parse_date
from yubi.store.database import (
    check_integrity,
    current_revision,
    head_revision,
    open_engine,
    resolve_url,
    upgrade,
)
from yubi.store.models import utc_now
from yubi.text import console, shown

app = command_app()
db_app = typer.Typer(help="The store's database: upgrade its schema, check it.",
                     no_args_is_help=True)
evidence_app = typer.Typer(help="Evidence items: add, import, list, correct, retract.",
                           no_args_is_help=True)
forecast_app = typer.Typer(help="Forecasting questions and probabilities (model and analysts).",
                           no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(evidence_app, name="evidence")
app.add_typer(forecast_app, name="forecast")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $YUBI_DATABASE_URL, else the user's "
                              "SQLite file)."),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Answer from what had been recorded by the end of DATE (UTC)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
ItemArgument = Annotated[
    str | None, typer.Argument(metavar="ITEM_ID", show_default=False, help="The item's id.")
]
QuestionArgument = Annotated[
    str | None, typer.Argument(metavar="QUESTION", show_default=False, help="The question's id.")
]
PlotOption = Annotated[
    Path | None, typer.Option("--plot", help="Write a calibration plot (.png, .pdf or .svg).")
]


# -- db --------------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Bring the database's schema to this yubi's version (Alembic migrations)."""
    engine = open_engine(db, migrate=False)
    before = current_revision(engine)
    after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    console().print(f"{shown(where)}: schema {before or '(empty)'} → {after}")


@db_app.command("check")
def db_check(db: DbOption = None) -> None:
    """Open the store, run the database's integrity check and count what it holds."""
    engine = open_engine(db)
    problems = check_integrity(engine)
    where = engine.url.render_as_string(hide_password=True)
    if problems:
        raise UsageError(f"{where}: " + "; ".join(problems))
    console().print(f"ok: {shown(where)}, schema {head_revision()}, "
                    f"{evidence_store.count_rows(engine)} evidence rows")


# -- evidence --------------------------------------------------------------------------------
@evidence_app.command("import")
def evidence_import(
    case: CaseArgument = None,
    file: Annotated[str | None, typer.Argument(
        metavar="FILE", show_default=False, help="A .csv, .json or PARC ACH .achz file (or the "
        "name of a file bundled with yubi).")] = None,
    old_case: DeprecatedCaseOption = None,
    db: DbOption = None,
) -> None:
    """Import evidence: checked whole first, written in one transaction, idempotent."""
    case, (name,) = leading_case(case, [file], ["FILE"])
    compiled = load_case(case_ref(case, old_case))
    path = _evidence_file(Path(name))
    engine = open_engine(db)
    err = console(stderr=True)
    rows = evidence_store.read_rows(path, compiled)
    check_store_scenarios(scenarios_of_rows(rows), compiled, f"the evidence in {path.name}")
    items = evidence_store.parse_rows(rows, compiled, str(path))
    if len(items) >= evidence_store.WRITE_CHUNK:
        err.print(f"checked {len(items):,} rows; writing in one transaction")

    def progress(done: int, total: int) -> None:
        if total >= evidence_store.WRITE_CHUNK:
            err.print(f"written {done:,}/{total:,} rows (not committed yet)")

    report = evidence_store.import_items(
        engine, items, compiled.id, detail={"file": path.name}, progress=progress)
    console().print(f"{shown(path.name)}: {len(report.added)} added, "
                    f"{len(report.corrected)} corrected, {len(report.unchanged)} already in the "
                    f"store (case {compiled.id})")


@evidence_app.command("add")
def evidence_add(
    date: Annotated[str, typer.Option(help="Date observed, YYYY-MM-DD.")],
    text: Annotated[str, typer.Option(help="What was observed.")],
    source: Annotated[str, typer.Option(help="Who reported it (publisher: title).")],
    reliability: Annotated[str, typer.Option(help="Admiralty source reliability A-F.")],
    credibility: Annotated[int, typer.Option(help="Admiralty information credibility 1-6.")],
    case: CaseArgument = None,
    indicator: Annotated[str | None, typer.Option(help="Indicator id of the case.")] = None,
    lik: Annotated[list[str] | None, typer.Option(
        help="Likelihood per scenario: SCENARIO=P (repeat for every scenario).")] = None,
    rating: Annotated[list[str] | None, typer.Option(
        help="ACH rating per scenario: SCENARIO=CC|C|N|I|II|NA (repeatable).")] = None,
    url: Annotated[str | None, typer.Option(help="Link to the source.")] = None,
    group: Annotated[str | None, typer.Option(help="Group of items reporting one fact.")] = None,
    relevance: Annotated[str, typer.Option(help="high, medium or low.")] = "medium",
    item_id: Annotated[str | None, typer.Option("--id", help="Stable id (default: hash).")] = None,
    kind: Annotated[str | None, typer.Option("--type", help="e.g. OSINT, HUMINT.")] = None,
    old_case: DeprecatedCaseOption = None,
    db: DbOption = None,
) -> None:
    """Add one evidence item (checked like a row of an imported file)."""
    compiled = load_case(case_ref(case, old_case))
    row: dict[str, Any] = {
        "id": item_id, "date": date, "text": text, "source": source, "url": url,
        "type": kind, "reliability": reliability, "credibility": credibility,
        "relevance": relevance, "indicator": indicator, "group": group,
        "likelihood": _pairs(lik, "--lik"), "ratings": _pairs(rating, "--rating"),
    }
    check_store_scenarios(scenarios_of_rows([row]), compiled, "the item's --lik/--rating")
    items = evidence_store.parse_rows([row], compiled, "yubi evidence add")
    report = evidence_store.add_item(open_engine(db), items[0])
    state = "added" if report.added else "corrected" if report.corrected else "already stored"
    console().print(f"{shown(items[0].item_id)}: {state}")


@evidence_app.command("list")
def evidence_list(case: CaseArgument = None, as_of: AsOfOption = None,
                  as_json: JsonOption = False, db: DbOption = None,
                  old_case: DeprecatedCaseOption = None) -> None:
    """The evidence known (as of a date), in date order."""
    compiled = load_case(case_ref(case, old_case))
    items = _stored_items(open_engine(db), compiled, _day(as_of))
    if as_json:
        _print_json([stored.to_dict() for stored in items])
        return
    table = Table("id", "date", "grade", "bears on", "group", "v", "text")
    for stored in items:
        item = stored.item
        bears = item.indicator or ("likelihoods" if item.likelihood else "ACH ratings")
        table.add_row(shown(item.item_id), str(item.observed_on),
                      f"{item.reliability}{item.credibility}", shown(bears),
                      shown(item.group_id or ""), str(stored.version), shown(item.text))
    console().print(table)


@evidence_app.command("correct")
def evidence_correct(
    changes: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE (repeatable); "
                                               "likelihood and ratings take JSON objects.")],
    note: Annotated[str, typer.Option(help="Why the correction is made.")],
    case: CaseArgument = None,
    item_id: ItemArgument = None,
    old_case: DeprecatedCaseOption = None,
    db: DbOption = None,
) -> None:
    """Record a corrected version of an item; the old version stays in the history."""
    case, (item_id,) = leading_case(case, [item_id], ["ITEM_ID"])
    compiled = load_case(case_ref(case, old_case))
    engine = open_engine(db)
    _stored_items(engine, compiled, None)
    current = evidence_store.history(engine, compiled.id, item_id)[-1].item
    row = exporting.evidence_records(
        [evidence_store.StoredItem(current, 0, utc_now(), "")],
        [s.id for s in compiled.scenarios], flat=False)[0]
    row.update({"id": item_id, **_field_changes(changes)})
    # A per-scenario column (lik_<id>, ach_<id>) changes one entry of the nested object; left
    # as a column it would be overridden by the object's old value.
    for prefix, key in ((evidence_store.LIKELIHOOD_PREFIX, "likelihood"),
                        (evidence_store.RATING_PREFIX, "ratings")):
        for name in [n for n in row if n.startswith(prefix)]:
            row[key] = {**(row.get(key) or {}), name[len(prefix):]: row.pop(name)}
    for bookkeeping in exporting.BOOKKEEPING:
        row.pop(bookkeeping, None)
    corrected = evidence_store.parse_rows([row], compiled, "yubi evidence correct")[0]
    fields = {name: getattr(corrected, name) for name in evidence_store.CONTENT_FIELDS
              if getattr(corrected, name) != getattr(current, name)}
    if not fields:
        raise UsageError("the correction changes nothing")
    version = evidence_store.correct_item(engine, compiled.id, item_id, fields, note)
    console().print(f"{shown(item_id)}: version {version} recorded ({', '.join(fields)})")


@evidence_app.command("retract")
def evidence_retract(
    reason: Annotated[str, typer.Option(help="Why it is withdrawn.")],
    case: CaseArgument = None,
    item_id: ItemArgument = None,
    old_case: DeprecatedCaseOption = None,
    db: DbOption = None,
) -> None:
    """Withdraw an item from updates from now on (queries as of earlier dates still see it)."""
    case, (item_id,) = leading_case(case, [item_id], ["ITEM_ID"])
    compiled = load_case(case_ref(case, old_case))
    version = evidence_store.retract_item(open_engine(db), compiled.id, item_id, reason)
    console().print(f"{shown(item_id)}: retracted (version {version})")


@evidence_app.command("history")
def evidence_history(case: CaseArgument = None, item_id: ItemArgument = None,
                     old_case: DeprecatedCaseOption = None, db: DbOption = None) -> None:
    """Every version of one item, with who recorded it when."""
    case, (item_id,) = leading_case(case, [item_id], ["ITEM_ID"])
    compiled = load_case(case_ref(case, old_case))
    _print_json([s.to_dict() for s in evidence_store.history(open_engine(db), compiled.id,
                                                              item_id)])


# -- update ----------------------------------------------------------------------------------
@app.command()
def update(case: CaseArgument = None, as_of: AsOfOption = None, as_json: JsonOption = False,
           db: DbOption = None, old_case: DeprecatedCaseOption = None) -> None:
    """Scenario probabilities after each evidence item in date order (sequential Bayes)."""
    compiled = load_case(case_ref(case, old_case))
    day = _day(as_of)
    result = update_case(compiled, _stored_items(open_engine(db), compiled, day), day)
    if as_json:
        _print_json(result.to_dict())
        return
    _print_update(result)


def _print_update(result: EvidenceUpdate) -> None:
    terminal = console()
    ids = result.scenario_ids
    table = Table("date", "item", "grade", "w", *ids, title=f"{shown(result.case_id)}: scenario "
                  f"probabilities after each item" + (f" (known by {result.as_of})"
                                                      if result.as_of else ""),
                  title_justify="left")
    table.add_row("prior", "", "", "", *(f"{p:.1%}" for p in result.prior))
    groups = result.counted_once()
    later = {i for members in groups.values() for i in members[1:]}
    for k, item in enumerate(result.items):
        mark = " ≡" if item.item_id in later else ""
        table.add_row(str(item.observed_on), shown(_short(item.text, 48)) + mark,
                      f"{item.reliability}{item.credibility}", f"{result.weights[k]:.2f}",
                      *(f"{p:.1%}" for p in result.posteriors[k]))
    terminal.print(table)
    terminal.print("final: " + ", ".join(f"{s} {p:.1%}" for s, p in zip(ids, result.final,
                                                                       strict=True)))
    kl = result.kl_divergence()
    for k in result.movers():
        terminal.print(f"moved most: {result.items[k].observed_on} "
                       f"{shown(result.items[k].item_id)} (KL {kl[k]:.3f} nats) "
                       f"{shown(_short(result.items[k].text, 70))}")
    for group, members in groups.items():
        terminal.print(f"note: {len(members)} items in group {shown(repr(group))} report one "
                       f"fact and were counted once (≡): {shown(', '.join(members))}")


# -- ach -------------------------------------------------------------------------------------
@app.command()
def ach(
    case: CaseArgument = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the matrix as CSV.")] = False,
    file: Annotated[Path | None, typer.Option(
        "--file", help="Analyze a PARC ACH 2.0 project (.achz) instead of the store.")] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    old_case: DeprecatedCaseOption = None,
) -> None:
    """ACH matrix: consistency ratings, Heuer's (weighted) inconsistency scores,
    diagnosticity, the items that would change the ranking, and the Bayesian posterior."""
    if file is not None:
        project = ach_analysis.read_achz(_evidence_file(file))
        matrix, title = project.matrix, project.title
        posterior = _flat_prior_posterior(matrix)
    else:
        compiled = load_case(case_ref(case, old_case))
        day = _day(as_of)
        items = _stored_items(open_engine(db), compiled, day)
        matrix, title = ach_analysis.matrix_from_items(compiled, items), compiled.id
        posterior = update_case(compiled, items, day).final.tolist()
    document = _ach_document(matrix, title, posterior)
    if as_json:
        _print_json(document)
    elif as_csv:
        sys.stdout.write(_ach_csv(matrix, document))
    else:
        _print_ach(matrix, document)


def _flat_prior_posterior(matrix: ach_analysis.AchMatrix) -> list[float]:
    """An imported project has no priors: start from equal odds, items untempered."""
    import numpy as np

    from yubi.evidence.updating import sequential_posteriors

    count = len(matrix.hypotheses)
    start = np.full(count, 1 / count)
    if not matrix.evidence:
        return start.tolist()
    posteriors, _ = sequential_posteriors(start, np.log(matrix.likelihoods()),
                                          [None] * len(matrix.evidence))
    return [float(p) for p in posteriors[-1]]


def _ach_document(matrix: ach_analysis.AchMatrix, title: str,
                  posterior: list[float]) -> dict[str, Any]:
    hypotheses = matrix.hypotheses
    return {
        "project": title, "hypotheses": list(hypotheses),
        "inconsistency": matrix.inconsistency(),
        "weighted_inconsistency": matrix.weighted_inconsistency(),
        "ranking": matrix.ranking(),
        "posterior": dict(zip(hypotheses, posterior, strict=True)),
        "evidence": matrix.to_rows(),
        "sensitive": [{"item": s.item, "if": s.change, "top_before": list(s.top_before),
                       "top_after": list(s.top_after)} for s in matrix.sensitivity()],
        "method": "PARC ACH: I = 1, II = 2 points; credibility and relevance weights High √2, "
                  "Medium 1, Low 1/√2; lowest score most likely. Posterior: the same evidence "
                  "through its likelihoods, as `yubi update` computes it (an imported project: "
                  "from equal priors, with the likelihoods its ratings stand for).",
    }


def _ach_csv(matrix: ach_analysis.AchMatrix, document: dict[str, Any]) -> str:
    rows = matrix.to_rows()
    blank = {key: "" for key in (rows[0] if rows else {"id": ""})}
    for name in ("inconsistency", "weighted_inconsistency", "posterior"):
        rows.append({**blank, "id": name,
                     **{h: f"{document[name][h]:.6g}" for h in matrix.hypotheses}})
    return exporting.render(rows, "csv")


def _print_ach(matrix: ach_analysis.AchMatrix, document: dict[str, Any]) -> None:
    terminal = console()
    # An imported .achz names its own hypotheses and items: all of it is data.
    table = Table("item", "date", "cred", "rel", "diag", *(shown(h) for h in matrix.hypotheses),
                  title=f"ACH: {shown(document['project'])}", title_justify="left")
    for row in document["evidence"]:
        table.add_row(shown(_short(f"{row['id']} {row['text']}", 50)), shown(row["date"]),
                      shown(row["credibility"]), shown(row["relevance"]),
                      str(row["diagnosticity"]), *(shown(row[h]) for h in matrix.hypotheses))
    for name, label in (("inconsistency", "inconsistency score"),
                        ("weighted_inconsistency", "weighted inconsistency"),
                        ("posterior", "posterior (Bayes)")):
        fmt = "{:.1%}" if name == "posterior" else "{:.2f}"
        table.add_row(label, "", "", "", "", *(fmt.format(document[name][h])
                                               for h in matrix.hypotheses), style="bold")
    terminal.print(table)
    terminal.print("ranking (least inconsistent first): "
                   + shown(" > ".join(document["ranking"])))
    for entry in document["sensitive"]:
        terminal.print(f"sensitive: if {shown(entry['item'])} were {shown(entry['if'])}, the top "
                       f"hypothesis would be {shown(', '.join(entry['top_after']))} instead of "
                       f"{shown(', '.join(entry['top_before']))}")


# -- forecasts -------------------------------------------------------------------------------
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
    day = _day(as_of)
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
        _print_json(records)
        return
    table = Table("question", "close", "probabilities", "resolved")
    for record in records:
        probs = ", ".join(f"{k} {v:.0%}" for k, v in record["probabilities"].items())
        table.add_row(shown(record["question"]), record["close_on"], shown(probs),
                      record["resolution"] or "")
    console().print(table)


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
    scores, scored = _scores(open_engine(db), compiled, _day(as_of))
    _report_scores(scores, len(scored), plot, as_json)


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
        _print_json({"case": compiled.id, "as_of": compiled.as_of.isoformat(),
                     "samples": samples, "seed": seed, **result_score.to_dict(),
                     "questions": [{"question": s.question_id, "outcome": s.outcome,
                                    "probability": next(iter(s.probabilities.values()))}
                                   for s in scored]})
    else:
        _report_scores([result_score], len(scored), None, False)
    if not scored:
        console(stderr=True).print(
            "no resolved question about this case's outputs yet: record them with "
            "`yubi forecast model`, resolve them with `yubi resolve QUESTION yes|no|VALUE "
            "--date D --source S`, then hindcast again")
    if plot is not None:
        plot_calibration([result_score], plot)


@app.command("export")
def export_command(
    case: CaseArgument = None,
    what: Annotated[str | None, typer.Argument(
        metavar="WHAT", show_default=False, help="evidence, forecasts or scores.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or json.")] = "csv",
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write to FILE (default: stdout).")] = None,
    old_case: DeprecatedCaseOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Export evidence, forecasts (with resolutions) or scores as CSV or JSON."""
    case, (what,) = leading_case(case, [what], ["WHAT"])
    if out is not None:
        check_output_file(out, "--out")
    compiled = load_case(case_ref(case, old_case))
    engine = open_engine(db)
    day = _day(as_of)
    flat = fmt == "csv"
    if what == "evidence":
        records = exporting.evidence_records(
            _stored_items(engine, compiled, day),
            [s.id for s in compiled.scenarios], flat=flat)
    elif what == "forecasts":
        records = exporting.forecast_records(
            forecasts.questions_as_of(engine, compiled.id, day),
            forecasts.forecasts_as_of(engine, compiled.id, day),
            forecasts.resolutions_as_of(engine, compiled.id, day))
    elif what == "scores":
        records = exporting.score_records(_scores(engine, compiled, day)[0], flat=flat)
    else:
        raise UsageError(f"export evidence, forecasts or scores, not {what!r}")
    text = exporting.render(records, fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console(stderr=True).print(f"{len(records)} records written to {shown(out)}")


# -- helpers ---------------------------------------------------------------------------------
def _stored_items(engine: Engine, case: Case, day: Any) -> list[evidence_store.StoredItem]:
    """The store's evidence for the case, refused if it speaks of other scenarios than CASE's."""
    items = evidence_store.items_as_of(engine, case.id, day)
    check_store_scenarios(scenarios_of_items(items), case,
                          f"the store's evidence for {case.id}")
    return items


def _scores(engine: Engine, case: Case, day: Any) -> tuple[list[Score], list[Any]]:
    return forecasts.score_forecasts(
        forecasts.questions_as_of(engine, case.id, day),
        forecasts.forecasts_as_of(engine, case.id, day),
        forecasts.resolutions_as_of(engine, case.id, day))


def _report_scores(scores: list[Score], resolved: int, plot: Path | None, as_json: bool) -> None:
    if plot is not None:
        plot_calibration(scores, plot)
    if as_json:
        _print_json({"resolved_questions": resolved, "scores": [s.to_dict() for s in scores]})
        return
    terminal = console()
    table = Table("forecaster", "questions", "Brier (0 best)", "log score (0 best)",
                  "calibration: bin count (mean forecast → observed)",
                  title=f"{resolved} resolved questions", title_justify="left")
    for entry in scores:
        bins = "; ".join(f"{b.low:.1f}-{b.high:.1f}: {b.count} ({b.mean_forecast:.2f}→"
                         f"{b.observed:.2f})" for b in entry.bins if b.count)
        table.add_row(shown(entry.forecaster), str(entry.count), f"{entry.brier:.4f}",
                      f"{entry.log:.4f}", bins)
    terminal.print(table)
    if plot is not None:
        console(stderr=True).print(f"calibration plot written to {shown(plot)}")


def _evidence_file(file: Path) -> Path:
    if file.exists():
        return file
    bundled = Path(str(resources.files("yubi.cases").joinpath(file.name)))
    if bundled.exists():
        return bundled
    raise UsageError(f"no file {file}")


def _day(as_of: str | None) -> Any:
    return None if as_of is None else parse_date(as_of, "--as-of")


def _pairs(values: list[str] | None, option: str) -> dict[str, str] | None:
    if not values:
        return None
    pairs = {}
    for value in values:
        key, sep, number = value.partition("=")
        if not sep:
            raise UsageError(f"{option} takes SCENARIO=VALUE, not {value!r}")
        pairs[key.strip()] = number.strip()
    return pairs


def _field_changes(changes: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep:
            raise UsageError(f"--set takes FIELD=VALUE, not {change!r}")
        key = key.strip()
        try:
            fields[key] = json.loads(value) if key in ("likelihood", "ratings") else value
        except json.JSONDecodeError:
            raise UsageError(f"--set {key}= takes a JSON object, not {value!r}") from None
    return fields


def _print_json(document: Any) -> None:
    text = json.dumps(_finite(document), indent=2, ensure_ascii=False, default=str,
                      allow_nan=False)
    sys.stdout.write(text + "\n")


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as ``null`` (JSON has no NaN; e.g. an empty score)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

