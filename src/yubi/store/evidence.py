"""Evidence items: what they hold, how a file of them is checked, imported, corrected and read.

An item is an event bearing on a case's scenarios: when it was observed, what was seen, who
reported it (source, URL, Admiralty grades), and how likely it is under each scenario — given
per scenario, or inherited from one of the case's indicators. Items that report the same
underlying fact share a ``group`` so that the update counts them once (see
:mod:`yubi.evidence.updating`).

Items are identified by a stable natural key: the ``id`` a file gives, else a hash of the case
id, date, text and source. Importing the same file twice therefore adds nothing; importing an
item whose id exists with different content records a correction (a new version). An item
whose content is that of a version since corrected or retracted is left alone: re-importing an
old file does not undo corrections. A file is
checked whole before anything is written, and written in one transaction: it goes in entirely
or not at all. The column specification is in ``docs/store.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, func, insert, select, text

from yubi.case.model import Case
from yubi.case.schema import EARLIEST_DATE
from yubi.errors import DataError, UsageError
from yubi.evidence.items import (
    CONTENT_FIELDS,
    CREDIBILITY,
    RATINGS,
    RELEVANCE,
    RELIABILITY,
    EvidenceItem,
    StoredItem,
)
from yubi.evidence.observation import default_error, parse_error
from yubi.files import read_capped
from yubi.store import audit
from yubi.store.clock import end_of_day, today
from yubi.store.database import writing
from yubi.store.models import EvidenceRow, utc_now
from yubi.text import csv_restore

__all__ = [
    "CONTENT_FIELDS",
    "RATINGS",
    "RELIABILITY",
    "EvidenceItem",
    "ImportReport",
    "StoredItem",
    "add_item",
    "correct_item",
    "default_error",
    "evidence_as_of",
    "import_file",
    "import_items",
    "item_as_of",
    "items_as_of",
    "parse_rows",
    "posterior_case",
    "read_rows",
    "retract_item",
]

KNOWN_COLUMNS = frozenset({
    "id", "case", "date", "text", "source", "url", "type", "reliability", "credibility",
    "relevance", "indicator", "group", "likelihood", "ratings",
    # An observation: a reported value of an output or stock in a month, and its error.
    "output", "month", "reported", "error",
    # Written by `yubi export evidence` and ignored on import, so an export re-imports as is.
    "version", "recorded_at", "recorded_by",
})
LIKELIHOOD_PREFIX = "lik_"
RATING_PREFIX = "ach_"
MAX_LISTED_PROBLEMS = 100
#: Columns stored in bounded text fields (``models``): longer values are refused on import.
LENGTH_LIMITS = {"id": 128, "group": 128, "type": 40, "output": 64, "error": 64}
WRITE_CHUNK = 10_000
#: The largest evidence file read (a 100,000-row CSV is about 30 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Columns that hold text: a JSON number, list or object there is a mistake, not text.
TEXT_COLUMNS = ("id", "case", "date", "text", "source", "url", "type", "relevance",
                "indicator", "group", "reliability", "output", "month", "error")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportReport:
    """What an import did: ids added, corrected (new version) and already present."""

    added: tuple[str, ...]
    corrected: tuple[str, ...]
    unchanged: tuple[str, ...]
    audit_id: int | None


# -- reading files ---------------------------------------------------------------------------
def read_rows(path: Path, case: Case) -> list[dict[str, Any]]:
    """The rows of a CSV, JSON or PARC ACH ``.achz`` file, as dictionaries (not yet checked).

    An ``.achz`` project's hypotheses must match the case's scenarios (by id or label). The
    file must be a regular file of at most :data:`MAX_FILE_BYTES`; a CSV header may not name
    a column twice, and a CSV cell that an export neutralized (see :mod:`yubi.store.export`)
    reads back as it was.
    """
    suffix = path.suffix.lower()
    if suffix == ".achz":
        from yubi.evidence.ach import read_achz

        return read_achz(path).evidence_rows(case, today())
    if suffix not in (".csv", ".json"):
        raise UsageError(f"{path}: evidence files are .csv, .json or .achz, "
                         f"not {suffix or '(none)'}")
    raw = read_capped(path, MAX_FILE_BYTES, "evidence file")
    try:
        if suffix == ".csv":
            return _csv_rows(raw.decode("utf-8-sig"), str(path))
        return _json_rows(json.loads(raw.decode("utf-8")), str(path))
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as error:
        raise DataError(str(path), [f"not a readable {suffix[1:].upper()} file: {error}"]) from None
    except RecursionError:
        raise DataError(str(path), ["JSON nested too deeply"]) from None


def _csv_rows(text: str, display: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return []
    names = [name.strip().lower() for name in header]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(display, [f"header: column {name!r} appears more than once"
                                  for name in repeated])
    rows = []
    for fields in reader:
        if not fields:
            continue  # a blank line, as csv.DictReader skips it
        row: dict[Any, Any] = {key: csv_restore(value) for key, value in zip(header, fields,
                                                                            strict=False)}
        row.update({key: "" for key in header[len(fields):]})
        if len(fields) > len(header):
            row[None] = fields[len(header):]
        rows.append(row)
    return rows


def _json_rows(document: Any, display: str) -> list[dict[str, Any]]:
    if isinstance(document, dict) and isinstance(document.get("evidence"), list):
        document = document["evidence"]
    if not isinstance(document, list) or not all(isinstance(row, dict) for row in document):
        raise DataError(display, ['a JSON evidence file is a list of objects, '
                                  'or {"evidence": [...]}'])
    return [dict(row) for row in document]


# -- checking rows ---------------------------------------------------------------------------
def parse_rows(rows: Sequence[Mapping[str, Any]], case: Case, display: str) -> list[EvidenceItem]:
    """Check every row against the column spec and the case; all problems at once.

    Raises
    ------
    DataError
        Listing each bad row as ``row N, column C: reason`` (rows count from 1, the CSV
        header not included). Nothing is returned unless every row is good.
    """
    problems: list[str] = []
    items: list[EvidenceItem] = []
    first_row_of: dict[str, int] = {}
    context = _Context(case)
    for number, row in enumerate(rows, start=1):
        prefix = f"row {number}, column"
        item = _parse_row(row, context, _reporter(problems, prefix))
        if item is None:
            continue
        if item.item_id in first_row_of:
            problems.append(f"{prefix} id: same id as row {first_row_of[item.item_id]}"
                            f" ({item.item_id})")
            continue
        first_row_of[item.item_id] = number
        items.append(item)
    if problems:
        shown = problems[:MAX_LISTED_PROBLEMS]
        if len(problems) > MAX_LISTED_PROBLEMS:
            shown.append(f"and {len(problems) - MAX_LISTED_PROBLEMS} more problems")
        raise DataError(f"{display}: nothing imported", shown)
    return items


Report = Callable[[str, str], None]


def _reporter(problems: list[str], prefix: str) -> Report:
    def report(column: str, reason: str) -> None:
        problems.append(f"{prefix} {column}: {reason}")

    return report


@dataclass(frozen=True)
class _Layout:
    """What a set of column names means, worked out once per distinct header."""

    names: dict[str, str]
    likelihood_columns: tuple[tuple[str, str], ...]
    rating_columns: tuple[tuple[str, str], ...]
    problems: tuple[tuple[str, str], ...]


class _Context:
    """The case's facts every row is checked against, and the layouts seen so far."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.scenario_ids = [s.id for s in case.scenarios]
        self.indicators = {indicator.id for indicator in case.file.indicators}
        # What an observation may report: the outputs, and the stocks behind them.
        self.observables = [o.id for o in case.outputs] + [s.name for s in case.stocks]
        self.today = today()
        self._layouts: dict[tuple[str, ...], _Layout] = {}

    def layout(self, keys: tuple[str, ...]) -> _Layout:
        found = self._layouts.get(keys)
        if found is None:
            found = self._layouts[keys] = self._make_layout(keys)
        return found

    def _make_layout(self, keys: tuple[str, ...]) -> _Layout:
        names = {key: key.strip().lower() for key in keys}
        problems = []
        per_scenario: dict[str, list[tuple[str, str]]] = {LIKELIHOOD_PREFIX: [],
                                                          RATING_PREFIX: []}
        for name in names.values():
            prefix = next((p for p in per_scenario if name.startswith(p)), None)
            if prefix is None:
                if name not in KNOWN_COLUMNS:
                    problems.append((name, "not a column of the evidence format "
                                           "(see docs/store.md)"))
            elif name[len(prefix):] in self.scenario_ids:
                per_scenario[prefix].append((name, name[len(prefix):]))
            else:
                problems.append((name, f"no scenario {name[len(prefix):]!r} in the case "
                                       f"(scenarios: {', '.join(self.scenario_ids)})"))
        return _Layout(names, tuple(per_scenario[LIKELIHOOD_PREFIX]),
                       tuple(per_scenario[RATING_PREFIX]), tuple(problems))


def _parse_row(row: Mapping[str, Any], context: _Context, report: Report) -> EvidenceItem | None:
    """One row as an item, or ``None`` after reporting each of its problems."""
    bad_columns: list[str] = []

    def note(column: str, reason: str) -> None:
        bad_columns.append(column)
        report(column, reason)

    layout = context.layout(tuple(str(key) for key in row if key is not None))
    values: dict[str, Any] = {
        layout.names[str(key)]: value.strip() if isinstance(value, str) else value
        for key, value in row.items() if key is not None}
    for column, reason in layout.problems:
        note(column, reason)
    # csv.DictReader puts the fields of a row longer than the header under the key None.
    overflow = next((value for key, value in row.items() if key is None), None) or ()
    extra = [value for value in overflow if str(value).strip()]
    if extra:
        note(f"{len(layout.names) + 1}", f"{len(extra)} more field(s) than the header's "
                                         f"{len(layout.names)} columns (an unquoted comma?)")
    mistyped = False
    for column in dict.fromkeys([*TEXT_COLUMNS, *values]):
        value = values.get(column)
        problem = _not_text(value, column) if column in TEXT_COLUMNS or isinstance(
            value, str) else None
        if problem:
            note(column, problem)
            mistyped = True
    if mistyped:  # values of the wrong type: checking them further says nothing more
        return None
    case = context.case
    case_column = values.get("case")
    if case_column and case_column != case.id:
        note("case", f"names case {case_column!r}, but the import is into {case.id!r}")
    observed_on = _date(values.get("date"), context.today, note)
    text_value = _required(values, "text", note)
    source = _required(values, "source", note)
    reliability = _reliability(values.get("reliability"), note)
    credibility = _credibility(values.get("credibility"), note)
    relevance = _relevance(values.get("relevance"), note)
    url = _url(values.get("url"), note)
    indicator = _indicator(values.get("indicator"), context, note)
    likelihood = _likelihood(values, layout.likelihood_columns, context.scenario_ids, note)
    ratings = _ratings(values, layout.rating_columns, context.scenario_ids, note)
    observation = _observation(values, context, note)
    if observation is not None and (indicator or likelihood):
        note("indicator" if indicator else "likelihood",
             "an observation bears on the trajectories through its reported value: give an "
             "indicator or likelihoods in an item of its own")
    if not (indicator or likelihood or ratings or observation or bad_columns):
        note("indicator", "give an indicator of the case, lik_<scenario> columns, ACH "
                          "ratings or an observation (output, month, reported), so the item "
                          "can bear on the case")
    for column, limit in LENGTH_LIMITS.items():
        if len(str(values.get(column) or "")) > limit:
            note(column, f"at most {limit} characters, not {len(str(values[column]))}")
    if bad_columns:
        return None
    assert observed_on is not None and reliability is not None and credibility is not None
    item_id = str(values.get("id") or natural_key(case.id, observed_on, text_value, source))
    group = values.get("group")
    return EvidenceItem(
        item_id=item_id, case_id=case.id, observed_on=observed_on, text=text_value,
        source=source, reliability=reliability, credibility=credibility, relevance=relevance,
        url=url, kind=values.get("type") or None, indicator=indicator, likelihood=likelihood,
        ratings=ratings, group_id=str(group) if group not in (None, "") else None,
        **(observation or {}),
    )


OBSERVATION_COLUMNS = ("output", "month", "reported", "error")


def _observation(values: Mapping[str, Any], context: _Context,
                 report: Report) -> dict[str, Any] | None:
    """The observation fields of a row, or ``None`` when it has none (problems reported)."""
    given = {column for column in OBSERVATION_COLUMNS if values.get(column) not in (None, "")}
    if not given:
        return None
    for column in ("output", "month", "reported"):
        if column not in given:
            report(column, "missing: an observation gives output, month and reported "
                           "(error is optional)")
    output = values.get("output")
    if "output" in given and output not in context.observables:
        report("output", f"no output or stock {output!r} in case {context.case.id} "
                         f"(outputs and stocks: {', '.join(context.observables)})")
    month = _observed_month(values.get("month"), context, report) if "month" in given else None
    reported = _reported(values.get("reported"), report) if "reported" in given else None
    error = values.get("error") if "error" in given else None
    if error is not None:
        try:
            parse_error(str(error))
        except ValueError as problem:
            report("error", str(problem))
    return {"output": None if output in (None, "") else str(output), "month": month,
            "reported": reported, "error": None if error is None else str(error).strip()}


def _observed_month(value: Any, context: _Context, report: Report) -> str | None:
    months = context.case.months
    text_value = str(value)
    if not _MONTH.match(text_value):
        report("month", f"not a month YYYY-MM: {value!r}")
    elif text_value not in months:
        report("month", f"{text_value} is outside the case's horizon {months[0]} to "
                        f"{months[-1]}")
    return text_value


def _reported(value: Any, report: Report) -> float | None:
    try:
        number = float("nan") if isinstance(value, bool) else float(value)
    except (TypeError, ValueError, OverflowError):
        number = float("nan")
    if not (math.isfinite(number) and number >= 0):
        report("reported", f"a reported value is a number ≥ 0, not {value!r}")
        return None
    return number


def natural_key(case_id: str, observed_on: dt.date, text_value: str, source: str) -> str:
    """``ev-`` and 16 hex digits of SHA-256 over case id, date, text and source."""
    joined = "\x1f".join((case_id, observed_on.isoformat(), text_value, source))
    return "ev-" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def _not_text(value: Any, column: str) -> str | None:
    """Why ``value`` cannot be stored as the text of ``column``, or ``None`` if it can."""
    if value is None:
        return None
    if not isinstance(value, str):
        if column == "credibility":
            return None  # checked as a grade by _credibility
        if column in ("id", "group") and type(value) is int:
            return None  # a whole number is an exact identifier: 7 is "7"
        return f"must be text, not {type(value).__name__} {value!r}"[:200]
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate?)"
    return None


def _required(values: Mapping[str, Any], column: str, report: Report) -> str:
    value = values.get(column)
    if value in (None, ""):
        report(column, "missing")
        return ""
    return str(value)


def _date(value: Any, now: dt.date, report: Report) -> dt.date | None:
    if value in (None, ""):
        report("date", "missing")
        return None
    try:
        if not _ISO_DATE.match(str(value)):
            raise ValueError
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        report("date", f"not a date YYYY-MM-DD: {value!r}")
        return None
    if day > now:
        report("date", f"{day} is in the future")
    if day < EARLIEST_DATE:
        report("date", f"{day} is before {EARLIEST_DATE}")
    return day


def _reliability(value: Any, report: Report) -> str | None:
    grade = str(value or "").upper()
    if len(grade) != 1 or grade not in RELIABILITY:
        report("reliability", f"must be an Admiralty source grade A-F, not {value!r}")
        return None
    return grade


def _credibility(value: Any, report: Report) -> int | None:
    if isinstance(value, bool):
        report("credibility", f"must be an Admiralty information grade 1-6, not {value!r}")
        return None
    try:
        number = float(value) if isinstance(value, float) else None
        grade = int(number) if number is not None and number.is_integer() else int(str(value))
    except ValueError:
        grade = 0
    if grade not in CREDIBILITY:
        report("credibility", f"must be an Admiralty information grade 1-6, not {value!r}")
        return None
    return grade


def _relevance(value: Any, report: Report) -> str:
    if value in (None, ""):
        return "medium"
    word = {"h": "high", "m": "medium", "l": "low"}.get(str(value).lower(), str(value).lower())
    if word not in RELEVANCE:
        report("relevance", f"must be high, medium or low, not {value!r}")
    return word


def _url(value: Any, report: Report) -> str | None:
    if value in (None, ""):
        return None
    if not str(value).startswith(("http://", "https://")):
        report("url", f"must start with http:// or https://, not {value!r}")
    return str(value)


def _indicator(value: Any, context: _Context, report: Report) -> str | None:
    if value in (None, ""):
        return None
    if value not in context.indicators:
        known = ", ".join(sorted(context.indicators)) or "none"
        report("indicator", f"no indicator {value!r} in case {context.case.id} "
                            f"(indicators: {known})")
    return str(value)


def _likelihood(
    values: Mapping[str, Any], columns: Sequence[tuple[str, str]], scenario_ids: list[str],
    report: Report,
) -> dict[str, float] | None:
    given = _per_scenario(values, "likelihood", LIKELIHOOD_PREFIX, columns, scenario_ids, report)
    if not given:
        return None
    missing = [s for s in scenario_ids if s not in given]
    if missing:
        report(LIKELIHOOD_PREFIX + missing[0], "give a likelihood for every scenario or none")
        return None
    likelihood: dict[str, float] = {}
    for scenario, raw in given.items():
        try:
            number = float("nan") if isinstance(raw, bool) else float(raw)
        except (TypeError, ValueError, OverflowError):
            number = float("nan")
        if not 0 < number <= 1:
            report(LIKELIHOOD_PREFIX + scenario, f"a likelihood is in (0, 1], not {raw!r}")
        likelihood[scenario] = number
    return likelihood


def _ratings(
    values: Mapping[str, Any], columns: Sequence[tuple[str, str]], scenario_ids: list[str],
    report: Report,
) -> dict[str, str] | None:
    given = _per_scenario(values, "ratings", RATING_PREFIX, columns, scenario_ids, report)
    ratings: dict[str, str] = {}
    for scenario, raw in given.items():
        rating = str(raw).upper().replace(" ", "")
        if rating not in RATINGS:
            report(RATING_PREFIX + scenario, f"an ACH rating is one of {', '.join(RATINGS)}, "
                                             f"not {raw!r}")
        ratings[scenario] = rating
    return ratings or None


def _per_scenario(
    values: Mapping[str, Any], object_key: str, prefix: str,
    columns: Sequence[tuple[str, str]], scenario_ids: list[str], report: Report,
) -> dict[str, Any]:
    """Per-scenario values from ``prefix<id>`` columns or a JSON object; blanks dropped."""
    found = {scenario: values[column] for column, scenario in columns
             if values[column] not in (None, "")}
    nested = values.get(object_key)
    if isinstance(nested, Mapping):
        for key, value in nested.items():
            if value in (None, ""):
                continue
            if str(key) in scenario_ids:
                if str(key) in found and str(found[str(key)]) != str(value):
                    report(prefix + str(key), f"{found[str(key)]!r} here but {value!r} in "
                                              f"{object_key}: give one")
                found[str(key)] = value
            else:
                report(prefix + str(key), f"no scenario {key!r} in the case "
                                          f"(scenarios: {', '.join(scenario_ids)})")
    elif nested not in (None, ""):
        report(object_key, f"must be an object {{scenario id: value}}, not {nested!r}")
    return found


# -- writing ---------------------------------------------------------------------------------
def import_file(
    engine: Engine, path: Path, case: Case, *, progress: Progress | None = None
) -> ImportReport:
    """Check a CSV/JSON/.achz file whole, then write it in one transaction."""
    items = parse_rows(read_rows(path, case), case, str(path))
    digest = hashlib.sha256(read_capped(path, MAX_FILE_BYTES, "evidence file")).hexdigest()
    return import_items(engine, items, case.id, action="import",
                        detail={"file": path.name, "sha256": digest}, progress=progress)


def import_items(
    engine: Engine,
    items: Sequence[EvidenceItem],
    case_id: str,
    *,
    action: str = "import",
    detail: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Write checked items in one transaction; items already present unchanged are skipped.

    Parameters
    ----------
    progress
        Called with (rows written, rows to write) after each chunk, inside the transaction.
    """
    with writing(engine) as connection:
        _lock_case(connection, case_id)
        latest = _latest_versions(connection, case_id, [item.item_id for item in items])
        earlier = _earlier_contents(connection, case_id, latest)
        new, corrected, unchanged = _classify(items, latest, earlier)
        if not new and not corrected:
            return ImportReport((), (), tuple(unchanged), None)
        audit_id = audit.record(connection, action, "evidence", case_id, {
            **(detail or {}), "added": len(new), "corrected": len(corrected),
            "unchanged": len(unchanged),
            **({"items": [asdict(i) for i in new + corrected]} if len(items) == 1 else {}),
        })
        # One write, one moment and one author: every row of it has the same stamp.
        stamp = {"recorded_at": utc_now(), "recorded_by": audit.analyst_name(),
                 "audit_id": audit_id}
        rows = [_row(item, 1, stamp) for item in new]
        rows += [_row(item, latest[item.item_id][0] + 1, stamp) for item in corrected]
        _insert_rows(connection, rows, progress)
    return ImportReport(tuple(i.item_id for i in new), tuple(i.item_id for i in corrected),
                        tuple(unchanged), audit_id)


def add_item(engine: Engine, item: EvidenceItem) -> ImportReport:
    """Add (or correct, if its id exists with other content) one item."""
    return import_items(engine, [item], item.case_id, action="add")


def correct_item(
    engine: Engine, case_id: str, item_id: str, changes: Mapping[str, Any], note: str
) -> int:
    """Record a corrected version of an item; return the new version number.

    ``changes`` maps :class:`EvidenceItem` field names to new values; the old version stays.
    """
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise UsageError(f"cannot change {', '.join(sorted(unknown))} of an evidence item")
    with writing(engine) as connection:
        _lock_case(connection, case_id)
        current = _read_latest(connection, case_id, item_id)
        updated = replace(current.item, note=note, **changes)
        diff = {name: [_jsonable(getattr(current.item, name)), _jsonable(getattr(updated, name))]
                for name in changes if getattr(current.item, name) != getattr(updated, name)}
        action = "retract" if changes.get("retracted") else "correct"
        audit_id = audit.record(connection, action, "evidence", f"{case_id}/{item_id}",
                                {"version": current.version + 1, "note": note, "changes": diff})
        stamp = {"recorded_at": utc_now(), "recorded_by": audit.analyst_name(),
                 "audit_id": audit_id}
        connection.execute(insert(EvidenceRow), [_row(updated, current.version + 1, stamp)])
    return current.version + 1


def retract_item(engine: Engine, case_id: str, item_id: str, reason: str) -> int:
    """Withdraw an item from the analysis from now on (its history stays)."""
    return correct_item(engine, case_id, item_id, {"retracted": True}, reason)


def _lock_case(connection: Connection, case_id: str) -> None:
    # SQLite's BEGIN IMMEDIATE already serializes writers; PostgreSQL needs a lock so two
    # imports into one case cannot both decide an id is new (or both take version n + 1).
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                           {"key": f"yubi.evidence.{case_id}"})


def _latest_versions(
    connection: Connection, case_id: str, item_ids: Sequence[str]
) -> dict[str, tuple[int, EvidenceItem]]:
    """Newest version and content of each listed id already in the store."""
    existing = set(connection.execute(
        select(EvidenceRow.item_id).where(EvidenceRow.case_id == case_id).distinct()
    ).scalars())
    if not existing.intersection(item_ids):
        return {}
    wanted = set(item_ids)
    # One grouped query over the case beats many IN-list queries once files are large.
    return {row.item_id: (row.version, _item(row))
            for row in _newest_rows(connection, case_id, None) if row.item_id in wanted}


def _earlier_contents(
    connection: Connection, case_id: str, latest: Mapping[str, tuple[int, EvidenceItem]]
) -> dict[str, set[str]]:
    """The content of every superseded version of the listed items that have been corrected.

    A file that still holds what a later correction or retraction replaced is stale, not new:
    re-importing it must not undo the correction (nor bring a retracted item back).
    """
    corrected = [item_id for item_id, (version, _) in latest.items() if version > 1]
    found: dict[str, set[str]] = {}
    for start in range(0, len(corrected), 500):
        rows = connection.execute(select(EvidenceRow).where(
            EvidenceRow.case_id == case_id,
            EvidenceRow.item_id.in_(corrected[start:start + 500]))).all()
        for row in rows:
            if row.version < latest[row.item_id][0]:
                found.setdefault(row.item_id, set()).add(_content_key(_item(row)))
    return found


def _content_key(item: EvidenceItem) -> str:
    # content() holds dicts (unhashable); its canonical JSON stands for it in a set.
    return json.dumps(item.content(), sort_keys=True, default=str)


def _classify(
    items: Sequence[EvidenceItem], latest: Mapping[str, tuple[int, EvidenceItem]],
    earlier: Mapping[str, set[str]] | None = None,
) -> tuple[list[EvidenceItem], list[EvidenceItem], list[str]]:
    new, corrected, unchanged = [], [], []
    for item in items:
        if item.item_id not in latest:
            new.append(item)
        elif (latest[item.item_id][1].content() == item.content()
              or (item.item_id in (earlier or {})
                  and _content_key(item) in (earlier or {})[item.item_id])):
            unchanged.append(item.item_id)
        else:
            corrected.append(item)
    return new, corrected, unchanged


def _insert_rows(
    connection: Connection, rows: list[dict[str, Any]], progress: Progress | None
) -> None:
    # Core executemany in chunks: one round of the driver's executemany per chunk, all in the
    # caller's single transaction (the ORM unit of work would be ~10x slower here).
    for start in range(0, len(rows), WRITE_CHUNK):
        connection.execute(insert(EvidenceRow), rows[start:start + WRITE_CHUNK])
        if progress is not None:
            progress(min(start + WRITE_CHUNK, len(rows)), len(rows))


def _row(item: EvidenceItem, version: int, stamp: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "case_id": item.case_id, "item_id": item.item_id, "version": version,
        "observed_on": item.observed_on, "text": item.text, "source": item.source,
        "url": item.url, "kind": item.kind, "reliability": item.reliability,
        "credibility": item.credibility, "relevance": item.relevance,
        "indicator": item.indicator,
        "likelihood": None if item.likelihood is None else _json_numbers(item.likelihood),
        "ratings": None if item.ratings is None else json.dumps(item.ratings),
        "group_id": item.group_id, "retracted": item.retracted, "note": item.note,
        "output": item.output, "month": item.month, "reported": item.reported,
        "error": item.error, **stamp,
    }


def _json_numbers(mapping: Mapping[str, float]) -> str:
    # json.dumps, three times faster for this one shape: ids are identifiers and the numbers
    # were checked finite, so repr() is valid JSON (this runs once per imported row).
    return "{" + ", ".join(f'"{key}": {float(value)!r}' for key, value in mapping.items()) + "}"


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# -- reading ---------------------------------------------------------------------------------
def items_as_of(
    engine: Engine,
    case_id: str,
    as_of: dt.date | None = None,
    *,
    include_retracted: bool = False,
) -> list[StoredItem]:
    """The newest version of each item recorded by the end of ``as_of`` (all if ``None``).

    With ``as_of``, items observed after that date are left out too: the answer is what was
    known on that date about events up to that date. Sorted by date observed, then id.
    """
    with engine.connect() as connection:
        rows = _newest_rows(connection, case_id, as_of)
    stored = [StoredItem(_item(row), row.version, row.recorded_at, row.recorded_by)
              for row in rows]
    if as_of is not None:
        stored = [s for s in stored if s.item.observed_on <= as_of]
    if not include_retracted:
        stored = [s for s in stored if not s.item.retracted]
    return sorted(stored, key=lambda s: (s.item.observed_on, s.item.item_id))


def evidence_as_of(
    case_id: str, as_of: dt.date | str | None = None, url: str | None = None
) -> list[EvidenceItem]:
    """A case's evidence items as known on ``as_of``, for the maths (no store objects).

    The newest version of each item recorded by the end of ``as_of`` (UTC) and observed by
    then, retracted ones left out, in date order then id — what :func:`items_as_of` answers,
    without the bookkeeping. ``as_of`` is a date, ``YYYY-MM-DD``, ``today`` or ``None``
    (everything recorded). The store is ``url``, else the default one
    (``$YUBI_DATABASE_URL`` or the user's SQLite file). Observations are the items whose
    :attr:`~yubi.evidence.items.EvidenceItem.is_observation` is true.
    """
    from yubi.store.clock import parse_date
    from yubi.store.database import open_engine

    day = None if as_of is None else parse_date(as_of, "--as-of")
    engine = open_engine(url)
    try:
        return [stored.item for stored in items_as_of(engine, case_id, day)]
    finally:
        engine.dispose()


def item_as_of(
    engine: Engine, case_id: str, item_id: str, as_of: dt.date | None = None
) -> StoredItem:
    """The newest version of one item recorded by the end of ``as_of`` (all if ``None``)."""
    versions = [stored for stored in history(engine, case_id, item_id)
                if as_of is None or stored.recorded_at < end_of_day(as_of)]
    if not versions:
        raise UsageError(f"evidence item {item_id!r} of case {case_id} was not recorded "
                         f"by {as_of}")
    return versions[-1]


def history(engine: Engine, case_id: str, item_id: str) -> list[StoredItem]:
    """Every version of one item, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(EvidenceRow).where(EvidenceRow.case_id == case_id,
                                      EvidenceRow.item_id == item_id)
            .order_by(EvidenceRow.version)).all()
    if not rows:
        raise UsageError(f"no evidence item {item_id!r} in case {case_id}")
    return [StoredItem(_item(row), row.version, row.recorded_at, row.recorded_by) for row in rows]


def _newest_rows(connection: Connection, case_id: str, as_of: dt.date | None) -> list[Row[Any]]:
    known = [EvidenceRow.case_id == case_id]
    if as_of is not None:
        known.append(EvidenceRow.recorded_at < end_of_day(as_of))
    newest = (select(EvidenceRow.item_id, func.max(EvidenceRow.version).label("v"))
              .where(*known).group_by(EvidenceRow.item_id).subquery())
    query = select(EvidenceRow).join(newest, and_(
        EvidenceRow.item_id == newest.c.item_id, EvidenceRow.version == newest.c.v,
        EvidenceRow.case_id == case_id))
    return list(connection.execute(query).all())


def _read_latest(connection: Connection, case_id: str, item_id: str) -> StoredItem:
    row = connection.execute(
        select(EvidenceRow).where(EvidenceRow.case_id == case_id, EvidenceRow.item_id == item_id)
        .order_by(EvidenceRow.version.desc()).limit(1)).first()
    if row is None:
        raise UsageError(f"no evidence item {item_id!r} in case {case_id}")
    return StoredItem(_item(row), row.version, row.recorded_at, row.recorded_by)


def _item(row: Row[Any]) -> EvidenceItem:
    """An item from a row of the evidence table (Core rows: no ORM objects on the hot path)."""
    return EvidenceItem(
        item_id=row.item_id, case_id=row.case_id, observed_on=row.observed_on, text=row.text,
        source=row.source, reliability=row.reliability, credibility=row.credibility,
        relevance=row.relevance, url=row.url, kind=row.kind, indicator=row.indicator,
        likelihood=None if row.likelihood is None else json.loads(row.likelihood),
        ratings=None if row.ratings is None else json.loads(row.ratings),
        group_id=row.group_id, retracted=row.retracted, note=row.note, output=row.output,
        month=row.month, reported=row.reported, error=row.error,
    )


def count_rows(engine: Engine, case_id: str | None = None) -> int:
    """Evidence rows (all versions) in the store, or in one case."""
    query = select(func.count()).select_from(EvidenceRow)
    if case_id is not None:
        query = query.where(EvidenceRow.case_id == case_id)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def posterior_case(case: Case, as_of: str, url: str | None = None) -> Case:
    """The case with its priors replaced by the posterior from evidence known on ``as_of``.

    Used by ``yubi run --as-of DATE``. ``as_of`` is ``YYYY-MM-DD`` or ``today``; the store is
    the default one (``$YUBI_DATABASE_URL`` or the user's SQLite file) unless ``url`` is given.
    Observations are left out (see :func:`yubi.evidence.updating.update_case`).
    """
    from yubi.evidence.updating import update_case
    from yubi.store.clock import parse_date

    day = parse_date(as_of, "--as-of")
    return case.with_priors(update_case(case, evidence_as_of(case.id, day, url), day)
                            .final.tolist())
