"""What the store's commands share: their options (``--db``, ``--as-of``, ``--json`` …) and the
helpers that read the store for a case and print JSON.

Every store command takes ``--db URL`` (else ``$YUBI_DATABASE_URL``, else the SQLite file in the
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

from yubi.case.model import Case
from yubi.cli.common import check_store_scenarios, scenarios_of_items
from yubi.errors import UsageError
from yubi.evidence.scoring import Score, plot_calibration
from yubi.store import evidence as evidence_store
from yubi.store import forecasts
from yubi.store.clock import parse_date
from yubi.text import console, shown

__all__ = [
    "AsOfOption",
    "DbOption",
    "ItemArgument",
    "JsonOption",
    "PlotOption",
    "QuestionArgument",
    "day_of",
    "evidence_file",
    "print_json",
    "report_scores",
    "short",
    "store_scores",
    "stored_items",
]

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


def stored_items(engine: Engine, case: Case, day: Any) -> list[evidence_store.StoredItem]:
    """The store's evidence for the case, refused if it speaks of other scenarios than CASE's."""
    items = evidence_store.items_as_of(engine, case.id, day)
    check_store_scenarios(scenarios_of_items(items), case,
                          f"the store's evidence for {case.id}")
    return items


def store_scores(engine: Engine, case: Case, day: Any) -> tuple[list[Score], list[Any]]:
    """Scores of every forecaster on the case's questions resolved (as of ``day``)."""
    return forecasts.score_forecasts(
        forecasts.questions_as_of(engine, case.id, day),
        forecasts.forecasts_as_of(engine, case.id, day),
        forecasts.resolutions_as_of(engine, case.id, day))


def report_scores(scores: list[Score], resolved: int, plot: Path | None, as_json: bool,
                  why_none: str | None = None) -> None:
    """Print scores as a table or JSON; draw the calibration plot if asked.

    ``why_none`` says why nothing was scored; JSON carries it as ``why_none``.
    """
    if plot is not None:
        plot_calibration(scores, plot)
    if as_json:
        print_json({"resolved_questions": resolved, "scores": [s.to_dict() for s in scores],
                    **({"why_none": why_none} if why_none else {})})
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


def evidence_file(file: Path) -> Path:
    """``file`` if it exists, else the file of that name bundled with yubi."""
    if file.exists():
        return file
    bundled = Path(str(resources.files("yubi.cases").joinpath(file.name)))
    if bundled.exists():
        return bundled
    raise UsageError(f"no file {file}")


def day_of(as_of: str | None) -> Any:
    """The ``--as-of`` date, or ``None`` (everything recorded)."""
    return None if as_of is None else parse_date(as_of, "--as-of")


def print_json(document: Any) -> None:
    """One JSON document on stdout (NaN and infinities as ``null``)."""
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


def short(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis if cut."""
    return text if len(text) <= width else text[: width - 1] + "…"
