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
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from yubi.analysis import ach as ach_analysis
from yubi.analysis.scoring import Score, plot_calibration
from yubi.analysis.updating import EvidenceUpdate, update_case
from yubi.case import load_case
from yubi.case.model import Case
from yubi.cli import command_app
from yubi.engine import simulate
from yubi.errors import UsageError
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
CaseArgument = Annotated[
    str | None,
    typer.Argument(help="A case file, or the name of a bundled case (default: dprk-russia-2024)."),
]
CaseOption = Annotated[
    str | None, typer.Option("--case", help="Case file or bundled case name (default: bundled).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Answer from what had been recorded by the end of DATE (UTC)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


# -- db --------------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Bring the database's schema to this yubi's version (Alembic migrations)."""
    engine = open_engine(db, migrate=False)
    before = current_revision(engine)
    after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    Console().print(f"{where}: schema {before or '(empty)'} → {after}")


@db_app.command("check")
def db_check(db: DbOption = None) -> None:
    """Open the store, run the database's integrity check and count what it holds."""
    engine = open_engine(db)
    problems = check_integrity(engine)
    where = engine.url.render_as_string(hide_password=True)
    if problems:
        raise UsageError(f"{where}: " + "; ".join(problems))
    Console().print(f"ok: {where}, schema {head_revision()}, "
                    f"{evidence_store.count_rows(engine)} evidence rows")


# -- evidence --------------------------------------------------------------------------------
@evidence_app.command("import")
def evidence_import(
    file: Annotated[Path, typer.Argument(help="A .csv, .json or PARC ACH .achz file (or the "
                                              "name of a file bundled with yubi).")],
    case: CaseOption = None,
    db: DbOption = None,
) -> None:
    """Import evidence: checked whole first, written in one transaction, idempotent."""
    compiled = load_case(case)
    path = _evidence_file(file)
    engine = open_engine(db)
    err = Console(stderr=True)
    rows = evidence_store.read_rows(path, compiled)
    items = evidence_store.parse_rows(rows, compiled, str(path))
    if len(items) >= evidence_store.WRITE_CHUNK:
        err.print(f"checked {len(items):,} rows; writing in one transaction")

    def progress(done: int, total: int) -> None:
        if total >= evidence_store.WRITE_CHUNK:
            err.print(f"written {done:,}/{total:,} rows (not committed yet)")

    report = evidence_store.import_items(
        engine, items, compiled.id, detail={"file": path.name}, progress=progress)
    Console().print(f"{path.name}: {len(report.added)} added, {len(report.corrected)} corrected, "
                    f"{len(report.unchanged)} already in the store (case {compiled.id})")


@evidence_app.command("add")
def evidence_add(
    date: Annotated[str, typer.Option(help="Date observed, YYYY-MM-DD.")],
    text: Annotated[str, typer.Option(help="What was observed.")],
    source: Annotated[str, typer.Option(help="Who reported it (publisher: title).")],
    reliability: Annotated[str, typer.Option(help="Admiralty source reliability A-F.")],
    credibility: Annotated[int, typer.Option(help="Admiralty information credibility 1-6.")],
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
    case: CaseOption = None,
    db: DbOption = None,
) -> None:
    """Add one evidence item (checked like a row of an imported file)."""
    compiled = load_case(case)
    row: dict[str, Any] = {
        "id": item_id, "date": date, "text": text, "source": source, "url": url,
        "type": kind, "reliability": reliability, "credibility": credibility,
        "relevance": relevance, "indicator": indicator, "group": group,
        "likelihood": _pairs(lik, "--lik"), "ratings": _pairs(rating, "--rating"),
    }
    items = evidence_store.parse_rows([row], compiled, "yubi evidence add")
    report = evidence_store.add_item(open_engine(db), items[0])
    state = "added" if report.added else "corrected" if report.corrected else "already stored"
    Console().print(f"{items[0].item_id}: {state}")


@evidence_app.command("list")
def evidence_list(case: CaseArgument = None, as_of: AsOfOption = None,
                  as_json: JsonOption = False, db: DbOption = None) -> None:
    """The evidence known (as of a date), in date order."""
    compiled = load_case(case)
    items = evidence_store.items_as_of(open_engine(db), compiled.id, _day(as_of))
    if as_json:
        _print_json([stored.to_dict() for stored in items])
        return
    table = Table("id", "date", "grade", "bears on", "group", "v", "text")
    for stored in items:
        item = stored.item
        bears = item.indicator or ("likelihoods" if item.likelihood else "ACH ratings")
        table.add_row(item.item_id, str(item.observed_on), f"{item.reliability}{item.credibility}",
                      bears, item.group_id or "", str(stored.version), item.text)
    Console().print(table)


@evidence_app.command("correct")
def evidence_correct(
    item_id: Annotated[str, typer.Argument(help="The item's id.")],
    changes: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE (repeatable); "
                                               "likelihood and ratings take JSON objects.")],
    note: Annotated[str, typer.Option(help="Why the correction is made.")],
    case: CaseOption = None,
    db: DbOption = None,
) -> None:
    """Record a corrected version of an item; the old version stays in the history."""
    compiled = load_case(case)
    engine = open_engine(db)
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
    Console().print(f"{item_id}: version {version} recorded ({', '.join(fields)})")


@evidence_app.command("retract")
def evidence_retract(
    item_id: Annotated[str, typer.Argument(help="The item's id.")],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn.")],
    case: CaseOption = None,
    db: DbOption = None,
) -> None:
    """Withdraw an item from updates from now on (queries as of earlier dates still see it)."""
    compiled = load_case(case)
    version = evidence_store.retract_item(open_engine(db), compiled.id, item_id, reason)
    Console().print(f"{item_id}: retracted (version {version})")


@evidence_app.command("history")
def evidence_history(item_id: Annotated[str, typer.Argument(help="The item's id.")],
                     case: CaseOption = None, db: DbOption = None) -> None:
    """Every version of one item, with who recorded it when."""
    compiled = load_case(case)
    _print_json([s.to_dict() for s in evidence_store.history(open_engine(db), compiled.id,
                                                              item_id)])


# -- update ----------------------------------------------------------------------------------
@app.command()
def update(case: CaseArgument = None, as_of: AsOfOption = None, as_json: JsonOption = False,
           db: DbOption = None) -> None:
    """Scenario probabilities after each evidence item in date order (sequential Bayes)."""
    compiled = load_case(case)
    day = _day(as_of)
    result = update_case(compiled, evidence_store.items_as_of(open_engine(db), compiled.id, day),
                         day)
    if as_json:
        _print_json(result.to_dict())
        return
    _print_update(result)


def _print_update(result: EvidenceUpdate) -> None:
    console = Console()
    ids = result.scenario_ids
    table = Table("date", "item", "grade", "w", *ids, title=f"{result.case_id}: scenario "
                  f"probabilities after each item" + (f" (known by {result.as_of})"
                                                      if result.as_of else ""),
                  title_justify="left")
    table.add_row("prior", "", "", "", *(f"{p:.1%}" for p in result.prior))
    groups = result.counted_once()
    later = {i for members in groups.values() for i in members[1:]}
    for k, item in enumerate(result.items):
        mark = " ≡" if item.item_id in later else ""
        table.add_row(str(item.observed_on), _short(item.text, 48) + mark,
                      f"{item.reliability}{item.credibility}", f"{result.weights[k]:.2f}",
                      *(f"{p:.1%}" for p in result.posteriors[k]))
    console.print(table)
    console.print("final: " + ", ".join(f"{s} {p:.1%}" for s, p in zip(ids, result.final,
                                                                       strict=True)))
    kl = result.kl_divergence()
    for k in result.movers():
        console.print(f"moved most: {result.items[k].observed_on} {result.items[k].item_id} "
                      f"(KL {kl[k]:.3f} nats) {_short(result.items[k].text, 70)}")
    for group, members in groups.items():
        console.print(f"note: {len(members)} items in group {group!r} report one fact and "
                      f"were counted once (≡): {', '.join(members)}")


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
) -> None:
    """ACH matrix: consistency ratings, Heuer's (weighted) inconsistency scores,
    diagnosticity, the items that would change the ranking, and the Bayesian posterior."""
    if file is not None:
        project = ach_analysis.read_achz(_evidence_file(file))
        matrix, title = project.matrix, project.title
        posterior = _flat_prior_posterior(matrix)
    else:
        compiled = load_case(case)
        day = _day(as_of)
        items = evidence_store.items_as_of(open_engine(db), compiled.id, day)
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

    from yubi.analysis.updating import sequential_posteriors

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
    console = Console()
    table = Table("item", "date", "cred", "rel", "diag", *matrix.hypotheses,
                  title=f"ACH: {document['project']}", title_justify="left")
    for row in document["evidence"]:
        table.add_row(_short(f"{row['id']} {row['text']}", 50), row["date"],
                      row["credibility"], row["relevance"], str(row["diagnosticity"]),
                      *(row[h] for h in matrix.hypotheses))
    for name, label in (("inconsistency", "inconsistency score"),
                        ("weighted_inconsistency", "weighted inconsistency"),
                        ("posterior", "posterior (Bayes)")):
        fmt = "{:.1%}" if name == "posterior" else "{:.2f}"
        table.add_row(label, "", "", "", "", *(fmt.format(document[name][h])
                                               for h in matrix.hypotheses), style="bold")
    console.print(table)
    console.print("ranking (least inconsistent first): " + " > ".join(document["ranking"]))
    for entry in document["sensitive"]:
        console.print(f"sensitive: if {entry['item']} were {entry['if']}, the top hypothesis "
                      f"would be {', '.join(entry['top_after'])} instead of "
                      f"{', '.join(entry['top_before'])}")


# -- forecasts -------------------------------------------------------------------------------
@forecast_app.command("model")
def forecast_model(
    case: CaseArgument = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Trajectories.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    month: Annotated[list[str] | None, typer.Option(
        help="Month YYYY-MM to ask about (repeatable; default: every quarter's last).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Run with the scenario posteriors from evidence known by DATE.")] = None,
    db: DbOption = None,
) -> None:
    """Run the case and record the model's probability for every threshold question."""
    compiled = load_case(case)
    engine = open_engine(db)
    if as_of is not None:
        from yubi.analysis.updating import posterior_case

        compiled = posterior_case(compiled, as_of, resolve_url(db))
    result = simulate(compiled, samples, seed=seed)
    run_id, count = forecasts.record_model_forecasts(engine, compiled, result, month)
    Console().print(f"run {run_id}: model probabilities recorded for {count} questions "
                    f"({compiled.id}, {samples:,} samples, seed {seed})")


@forecast_app.command("add")
def forecast_add(
    question: Annotated[str, typer.Argument(help="A short id, e.g. pow-returned-2025.")],
    text: Annotated[str, typer.Argument(help="The question, answerable yes or no.")],
    close: Annotated[str, typer.Option(help="Close date YYYY-MM-DD.")],
    criteria: Annotated[str, typer.Option(help="How it resolves.")] = "",
    case: CaseOption = None,
    db: DbOption = None,
) -> None:
    """Add an analyst's own question."""
    compiled = load_case(case)
    spec = forecasts.QuestionSpec(question, text, criteria or text, parse_date(close, "--close"))
    written = forecasts.add_question(open_engine(db), compiled.id, spec)
    Console().print(f"{question}: {'added' if written else 'already stored'}")


@forecast_app.command("predict")
def forecast_predict(
    question: Annotated[str, typer.Argument(help="The question's id.")],
    probability: Annotated[float, typer.Argument(help="P(yes), between 0 and 1.")],
    analyst: Annotated[str, typer.Option(help="Whose probability it is.")],
    date: Annotated[str, typer.Option(help="When it was made (default today).")] = "today",
    case: CaseOption = None,
    db: DbOption = None,
) -> None:
    """Record an analyst's probability for a question (the history is kept)."""
    compiled = load_case(case)
    forecasts.predict(open_engine(db), compiled.id, question, probability, analyst,
                      parse_date(date, "--date"))
    Console().print(f"{question}: {analyst} {probability:.0%}")


@forecast_app.command("list")
def forecast_list(case: CaseOption = None, as_of: AsOfOption = None, as_json: JsonOption = False,
                  db: DbOption = None) -> None:
    """Questions with each forecaster's current probability, the pools, and resolutions."""
    compiled = load_case(case)
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
        table.add_row(record["question"], record["close_on"], probs, record["resolution"] or "")
    Console().print(table)


@app.command()
def resolve(
    question: Annotated[str, typer.Argument(help="The question's id.")],
    answer: Annotated[str, typer.Argument(help="yes, no, or the observed value.")],
    date: Annotated[str, typer.Option(help="When it resolved, YYYY-MM-DD.")],
    source: Annotated[str, typer.Option(help="What shows the answer.")],
    case: CaseOption = None,
    db: DbOption = None,
) -> None:
    """Resolve a question; a value is compared with the question's threshold."""
    compiled = load_case(case)
    outcome = forecasts.resolve(open_engine(db), compiled, question, answer,
                                parse_date(date, "--date"), source)
    Console().print(f"{question}: resolved {'yes' if outcome else 'no'}")


@app.command()
def score(
    case: CaseOption = None,
    as_of: AsOfOption = None,
    plot: Annotated[Path | None, typer.Option(help="Write a calibration plot (.png).")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Brier and log scores and calibration bins of each analyst, the model and the pools."""
    compiled = load_case(case)
    scores, scored = _scores(open_engine(db), compiled, _day(as_of))
    _report_scores(scores, len(scored), plot, as_json)


@app.command()
def hindcast(
    case: CaseArgument = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Trajectories.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    plot: Annotated[Path | None, typer.Option(help="Write a calibration plot (.png).")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Score the case as of its own date (its priors, no later evidence) on resolved questions."""
    compiled = load_case(case)
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
        Console(stderr=True).print(
            "no resolved question about this case's outputs yet: record them with "
            "`yubi forecast model`, resolve them with `yubi resolve QUESTION yes|no|VALUE "
            "--date D --source S`, then hindcast again")
    if plot is not None:
        plot_calibration([result_score], plot)


@app.command("export")
def export_command(
    what: Annotated[str, typer.Argument(help="evidence, forecasts or scores.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out: Annotated[Path | None, typer.Option(help="Write to FILE (default: stdout).")] = None,
    case: CaseOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Export evidence, forecasts (with resolutions) or scores as CSV or JSON."""
    compiled = load_case(case)
    engine = open_engine(db)
    day = _day(as_of)
    flat = fmt == "csv"
    if what == "evidence":
        records = exporting.evidence_records(
            evidence_store.items_as_of(engine, compiled.id, day),
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
        Console(stderr=True).print(f"{len(records)} records written to {out}")


# -- helpers ---------------------------------------------------------------------------------
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
    console = Console()
    table = Table("forecaster", "questions", "Brier (0 best)", "log score (0 best)",
                  "calibration: bin count (mean forecast → observed)",
                  title=f"{resolved} resolved questions", title_justify="left")
    for entry in scores:
        bins = "; ".join(f"{b.low:.1f}-{b.high:.1f}: {b.count} ({b.mean_forecast:.2f}→"
                         f"{b.observed:.2f})" for b in entry.bins if b.count)
        table.add_row(entry.forecaster, str(entry.count), f"{entry.brier:.4f}",
                      f"{entry.log:.4f}", bins)
    console.print(table)
    if plot is not None:
        Console(stderr=True).print(f"calibration plot written to {plot}")


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

