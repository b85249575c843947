"""``yubi evidence``: add, import, list, show, correct and retract items; their history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from yubi.case import load_case
from yubi.cli import command_app
from yubi.cli.common import (
    CaseArgument,
    DeprecatedCaseOption,
    case_ref,
    check_store_scenarios,
    leading_case,
    scenarios_of_rows,
)
from yubi.cli.storeopts import (
    AsOfOption,
    DbOption,
    ItemArgument,
    JsonOption,
    day_of,
    evidence_file,
    print_json,
    stored_items,
)
from yubi.errors import UsageError
from yubi.store import evidence as evidence_store
from yubi.store import export as exporting
from yubi.store.database import (
    open_engine,
)
from yubi.store.models import utc_now
from yubi.text import console, shown

app = command_app()
evidence_app = typer.Typer(help="Evidence items: add, import, list, show, correct, retract.",
                           no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


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
    path = evidence_file(Path(name))
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
    output: Annotated[str | None, typer.Option(
        help="Observation: the output (or stock) of the case the source reports.")] = None,
    month: Annotated[str | None, typer.Option(
        "--month", "-m", help="Observation: the month YYYY-MM the reported value is for.")] = None,
    reported: Annotated[float | None, typer.Option(
        help="Observation: the value reported, in the output's unit.")] = None,
    error: Annotated[str | None, typer.Option(
        help='Observation: 90% range of reported ÷ true, e.g. "0.5x to 2x" (default: by '
             "credibility).")] = None,
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
        "output": output, "month": month, "reported": reported, "error": error,
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
    items = stored_items(open_engine(db), compiled, day_of(as_of))
    if as_json:
        print_json([stored.to_dict() for stored in items])
        return
    table = Table("id", "date", "grade", "bears on", "group", "v", "text")
    for stored in items:
        item = stored.item
        bears = _bears_on(item)
        table.add_row(shown(item.item_id), str(item.observed_on),
                      f"{item.reliability}{item.credibility}", shown(bears),
                      shown(item.group_id or ""), str(stored.version), shown(item.text))
    console().print(table)


@evidence_app.command("show")
def evidence_show(case: CaseArgument = None, item_id: ItemArgument = None,
                  as_of: AsOfOption = None, as_json: JsonOption = False, db: DbOption = None,
                  old_case: DeprecatedCaseOption = None) -> None:
    """One item whole: every field of its newest version (as of a date), and who recorded it."""
    case, (item_id,) = leading_case(case, [item_id], ["ITEM_ID"])
    compiled = load_case(case_ref(case, old_case))
    stored = evidence_store.item_as_of(open_engine(db), compiled.id, item_id, day_of(as_of))
    document = stored.to_dict()
    if stored.item.is_observation:
        error = stored.item.error_range()
        document["error_used"] = {"text": stored.item.error or evidence_store.default_error(
            stored.item.credibility).text(), "mu": error.mu, "sigma": error.sigma,
            "default": stored.item.error is None}
    if as_json:
        print_json(document)
        return
    table = Table("field", "value", title=f"evidence {shown(item_id)} ({compiled.id})",
                  title_justify="left", show_header=False)
    for name, value in document.items():
        if value not in (None, "", {}, []):
            table.add_row(name, shown(value if isinstance(value, str) else
                                      json.dumps(value, ensure_ascii=False, default=str)))
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
    stored_items(engine, compiled, None)
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
    print_json([s.to_dict() for s in evidence_store.history(open_engine(db), compiled.id,
                                                              item_id)])


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


def _bears_on(item: evidence_store.EvidenceItem) -> str:
    """What the item bears on, for the list: its indicator, output, likelihoods or ratings."""
    if item.is_observation:
        return f"{item.output} {item.month} = {item.reported:g}"
    return item.indicator or ("likelihoods" if item.likelihood else "ACH ratings")
