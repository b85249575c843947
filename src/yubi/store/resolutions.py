"""Resolutions files: how forecasting questions resolved, read from CSV, checked, recorded.

A resolutions file has the columns ``question,answer,date,source`` and optionally ``note``::

    question,answer,date,source,note
    captured.any_pow@2025-01,yes,2025-01-11,"Zelensky, statement on Telegram (11 Jan 2025)",
    deployed.over_30k@2025-06,no,2025-06-30,NIS briefing (Jun 2025),

``question`` is a question of the case: one in the store, or a model question
``<output>.<threshold>@<YYYY-MM>`` (month within the case's horizon). ``answer`` is ``yes``,
``no`` or a number, compared with the question's threshold. ``date`` is when it resolved.

``yubi resolve CASE --file F.csv`` checks the file whole (problems as ``row N, column C``),
adds the model questions it names that the store lacks, and records each resolution unless the
newest one recorded for that question already says the same (so importing a file twice adds
nothing; a changed row is a correction, the old resolution stays). ``yubi hindcast`` reads the
case's ``<case id>-resolutions.csv`` (beside the case file) when the store has no resolution.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert

from yubi.case.model import Case
from yubi.errors import DataError, UsageError
from yubi.files import read_capped
from yubi.store import audit
from yubi.store.clock import today
from yubi.store.database import writing
from yubi.store.forecasts import (
    QuestionSpec,
    ResolutionRecord,
    _add_questions,
    lock_case,
    model_questions,
    outcome_of,
    questions_as_of,
    resolutions_as_of,
)
from yubi.store.models import Resolution, utc_now

__all__ = [
    "COLUMNS",
    "ResolutionRow",
    "ResolveReport",
    "case_resolutions_file",
    "parse_resolutions",
    "read_resolutions",
    "record_resolutions",
    "resolutions_from_file",
]

#: Required columns, then the optional one.
COLUMNS = ("question", "answer", "date", "source")
OPTIONAL = ("note",)
#: The largest resolutions file read.
MAX_FILE_BYTES = 16 * 1024 * 1024
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ResolutionRow:
    """One checked row: the question, its outcome (and the value given, if a number)."""

    question: QuestionSpec
    outcome: bool
    value: float | None
    resolved_on: dt.date
    source: str
    note: str | None = None

    def same_as(self, record: ResolutionRecord | None) -> bool:
        """Whether ``record`` (the newest stored resolution) already says this."""
        return record is not None and (record.outcome, record.value, record.resolved_on,
                                       record.source, record.note) == (
            self.outcome, self.value, self.resolved_on, self.source, self.note)

    def record(self) -> ResolutionRecord:
        """This row as a resolution record (for scoring without the store)."""
        return ResolutionRecord(self.question.question_id, self.outcome, self.value,
                                self.resolved_on, self.source, utc_now(), self.note)


@dataclass(frozen=True)
class ResolveReport:
    """What recording a file did: question ids resolved, corrected, already so."""

    added: tuple[str, ...]
    corrected: tuple[str, ...]
    unchanged: tuple[str, ...]


def case_resolutions_file(case: Case) -> Path | None:
    """``<case id>-resolutions.csv`` beside the case file (bundled cases: in the package)."""
    found = Path(case.path).parent / f"{case.id}-resolutions.csv"
    return found if found.is_file() else None


def read_resolutions(path: Path, case: Case,
                     known: Sequence[QuestionSpec] = ()) -> list[ResolutionRow]:
    """The checked rows of a resolutions file (see the module notes).

    Parameters
    ----------
    known
        Questions already in the store (analysts' questions can be resolved too).

    Raises
    ------
    DataError
        Listing each problem as ``row N, column C: reason`` (rows count from 1 after the
        header), or the header's problem. Nothing is returned unless every row is good.
    """
    raw = read_capped(path, MAX_FILE_BYTES, "resolutions file")
    try:
        text = raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as error:
        raise DataError(str(path), [f"not a readable CSV file: {error}"]) from None
    if not rows:
        raise DataError(str(path), [f"empty: the header is {','.join(COLUMNS)}[,note]"])
    header = [name.strip().lower() for name in rows[0]]
    _check_header(header, str(path))
    records = [dict(zip(header, (cell.strip() for cell in fields), strict=False))
               for fields in rows[1:] if any(cell.strip() for cell in fields)]
    return parse_resolutions(records, case, str(path), known)


def parse_resolutions(
    rows: Sequence[Mapping[str, str]], case: Case, display: str,
    known: Sequence[QuestionSpec] = (),
) -> list[ResolutionRow]:
    """Check rows (``question, answer, date, source[, note]``) against the case."""
    questions = {q.question_id: q for q in model_questions(case, case.months)}
    questions.update({q.question_id: q for q in known})
    problems: list[str] = []
    checked: list[ResolutionRow] = []
    first_row: dict[str, int] = {}
    now = today()
    for number, row in enumerate(rows, start=1):
        found = _parse_row(row, case, questions, now, problems, f"row {number}, column")
        if found is None:
            continue
        question_id = found.question.question_id
        if question_id in first_row:
            problems.append(f"row {number}, column question: {question_id} is resolved "
                            f"already in row {first_row[question_id]}")
            continue
        first_row[question_id] = number
        checked.append(found)
    if problems:
        raise DataError(f"{display}: nothing recorded", problems[:100])
    return checked


def record_resolutions(engine: Engine, case: Case, rows: Sequence[ResolutionRow],
                       detail: Mapping[str, str]) -> ResolveReport:
    """Record the rows in one transaction, skipping what the store already says."""
    current = resolutions_as_of(engine, case.id)
    added: list[str] = []
    corrected: list[str] = []
    unchanged: list[str] = []
    for row in rows:
        question_id = row.question.question_id
        if row.same_as(current.get(question_id)):
            unchanged.append(question_id)
        else:
            (corrected if question_id in current else added).append(question_id)
    changed = [row for row in rows if row.question.question_id not in unchanged]
    if changed:
        with writing(engine) as connection:
            lock_case(connection, case.id)
            _add_questions(connection, case.id, [row.question for row in changed])
            audit_id = audit.record(connection, "resolve", "question", case.id, {
                **detail, "added": added, "corrected": corrected})
            connection.execute(insert(Resolution), [
                {"case_id": case.id, "question_id": row.question.question_id,
                 "outcome": row.outcome, "value": row.value, "resolved_on": row.resolved_on,
                 "source": row.source, "note": row.note, "recorded_at": utc_now(),
                 "recorded_by": audit.analyst_name(), "audit_id": audit_id}
                for row in changed])
    return ResolveReport(tuple(added), tuple(corrected), tuple(unchanged))


def resolutions_from_file(engine: Engine, case: Case, path: Path) -> list[ResolutionRow]:
    """A file's rows, checked against the case and the questions the store holds."""
    return read_resolutions(path, case, questions_as_of(engine, case.id))


def _check_header(header: list[str], display: str) -> None:
    problems = [f"header: column {name!r} is missing" for name in COLUMNS if name not in header]
    problems += [f"header: column {name!r} is not one of {', '.join(COLUMNS + OPTIONAL)}"
                 for name in header if name not in COLUMNS + OPTIONAL]
    problems += [f"header: column {name!r} appears more than once"
                 for name in sorted({n for n in header if header.count(n) > 1})]
    if problems:
        raise DataError(display, problems)


def _parse_row(
    row: Mapping[str, str], case: Case, questions: Mapping[str, QuestionSpec], now: dt.date,
    problems: list[str], prefix: str,
) -> ResolutionRow | None:
    count = len(problems)

    def report(column: str, reason: str) -> None:
        problems.append(f"{prefix} {column}: {reason}")

    question_id = row.get("question") or ""
    question = questions.get(question_id)
    if not question_id:
        report("question", "missing")
    elif question is None:
        report("question", f"no question {question_id!r} in case {case.id} (model questions "
                           "are <output>.<threshold>@YYYY-MM within the horizon; see "
                           "`yubi forecast list`)")
    outcome, value = None, None
    answer = row.get("answer") or ""
    if not answer:
        report("answer", "missing: yes, no or a number")
    elif question is not None:
        try:
            outcome, value = outcome_of(case, question, answer)
        except UsageError as error:
            report("answer", str(error))
    resolved_on = _date(row.get("date") or "", now, report)
    source = row.get("source") or ""
    if not source:
        report("source", "missing: what shows the answer")
    if len(problems) > count or question is None or outcome is None or resolved_on is None:
        return None
    return ResolutionRow(question, outcome, value, resolved_on, source, row.get("note") or None)


def _date(value: str, now: dt.date, report: Callable[[str, str], None]) -> dt.date | None:
    if not value:
        report("date", "missing")
        return None
    try:
        if not _ISO_DATE.match(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        report("date", f"not a date YYYY-MM-DD: {value!r}")
        return None
    if day > now:
        report("date", f"{day} is in the future")
        return None
    return day
