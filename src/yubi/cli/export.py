"""``yubi export``: evidence, forecasts (with resolutions) or scores as CSV or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from yubi.case import load_case
from yubi.cli import command_app
from yubi.cli.common import (
    CaseArgument,
    DeprecatedCaseOption,
    case_ref,
    leading_case,
)
from yubi.cli.storeopts import (
    AsOfOption,
    DbOption,
    day_of,
    store_scores,
    stored_items,
)
from yubi.errors import UsageError
from yubi.preflight import check_output_file
from yubi.store import export as exporting
from yubi.store import forecasts
from yubi.store.database import (
    open_engine,
)
from yubi.text import console, shown

app = command_app()


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
    day = day_of(as_of)
    flat = fmt == "csv"
    if what == "evidence":
        records = exporting.evidence_records(
            stored_items(engine, compiled, day),
            [s.id for s in compiled.scenarios], flat=flat)
    elif what == "forecasts":
        records = exporting.forecast_records(
            forecasts.questions_as_of(engine, compiled.id, day),
            forecasts.forecasts_as_of(engine, compiled.id, day),
            forecasts.resolutions_as_of(engine, compiled.id, day))
    elif what == "scores":
        records = exporting.score_records(store_scores(engine, compiled, day)[0], flat=flat)
    else:
        raise UsageError(f"export evidence, forecasts or scores, not {what!r}")
    text = exporting.render(records, fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console(stderr=True).print(f"{len(records)} records written to {shown(out)}")
