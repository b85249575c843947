"""Issue 11 §1, §2, §3 for evidence files and the store, on SQLite and on PostgreSQL.

One table of evidence files (the file, the exit code, a fragment of the message), imported
with ``yubi evidence import`` into both backends; then what the terminal shows of hostile text
that was accepted, CSV export neutralization, ``--as-of`` and ``--db`` mistakes.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import MINI_CASE, Cli, assert_input_error

GOOD = {"date": "2025-01-15", "text": "Troops seen", "source": "Test", "reliability": "B",
        "credibility": "2", "indicator": "nk_in_combat"}


def _csv(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    names = header or list(rows[0])
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(name, "") for name in names])
    return buffer.getvalue().encode("utf-8")


def _json(rows: object) -> bytes:
    return json.dumps(rows).encode("utf-8")


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content: bytes | Callable[[Path], Path]
    code: int
    fragment: str


def _achz(date: str) -> bytes:
    xml = ("<ACH><PROJECT-TITLE>p</PROJECT-TITLE><MATRIX>"
           "<HYPOTHESIS><NAME>quick_kursk</NAME></HYPOTHESIS>"
           "<HYPOTHESIS><NAME>protracted</NAME></HYPOTHESIS>"
           "<HYPOTHESIS><NAME>russia_defeat</NAME></HYPOTHESIS>"
           f"<EVIDENCE><NAME>e</NAME><DATE>{date}</DATE><CODE>E1</CODE>"
           "<CREDIBILITY>HIGH</CREDIBILITY><RELEVANCE>HIGH</RELEVANCE>"
           "<VALUES>C,I,N</VALUES></EVIDENCE></MATRIX></ACH>")
    return gzip.compress(xml.encode("utf-8"), mtime=0)


def _fifo(folder: Path) -> Path:
    import os

    path = folder / "pipe.csv"
    os.mkfifo(path)
    return path


def _dev_zero(folder: Path) -> Path:
    path = folder / "zero.csv"
    path.symlink_to("/dev/zero")
    return path


TABLE = [
    pytest.param(EvidenceFile("ok.csv", _csv([GOOD]), 0, "1 added"), id="good-csv"),
    pytest.param(EvidenceFile("date.csv", _csv([{**GOOD, "date": "20250115"}]), 2,
                              "row 1, column date: not a date YYYY-MM-DD: '20250115'"),
                 id="date-basic-format"),
    pytest.param(EvidenceFile("date.csv", _csv([{**GOOD, "date": "2025-W03-3"}]), 2,
                              "column date: not a date YYYY-MM-DD: '2025-W03-3'"), id="date-week"),
    pytest.param(EvidenceFile("date.csv", _csv([{**GOOD, "date": "0001-01-01"}]), 2,
                              "column date: 0001-01-01 is before 1900-01-01"), id="date-year-1"),
    pytest.param(EvidenceFile("date.csv", _csv([{**GOOD, "date": "2025-02-30"}]), 2,
                              "column date: not a date YYYY-MM-DD: '2025-02-30'"),
                 id="date-feb-30"),
    pytest.param(EvidenceFile("url.csv", _csv([{**GOOD, "url": "javascript:alert(1)"}]), 2,
                              "column url: must start with http:// or https://"),
                 id="url-javascript"),
    pytest.param(EvidenceFile("twice.csv", _csv([{**GOOD}], [*GOOD, "text"]), 2,
                              "header: column 'text' appears more than once"),
                 id="csv-repeated-column"),
    pytest.param(EvidenceFile("nul.csv", _csv([{**GOOD, "text": "a\x00b"}]), 2,
                              "row 1, column text: contains a NUL character"), id="csv-nul"),
    pytest.param(EvidenceFile("nul.json", _json([{**GOOD, "source": "a\x00b"}]), 2,
                              "row 1, column source: contains a NUL character"), id="json-nul"),
    pytest.param(EvidenceFile("list.json", _json([{**GOOD, "indicator": ["x"]}]), 2,
                              "row 1, column indicator: must be text, not list ['x']"),
                 id="json-indicator-list"),
    pytest.param(EvidenceFile("number.json", _json([{**GOOD, "text": 123}]), 2,
                              "row 1, column text: must be text, not int 123"),
                 id="json-text-number"),
    pytest.param(EvidenceFile("surrogate.json",
                              b'[{"date": "2025-01-15", "text": "a\\ud800b", "source": "s",'
                              b' "reliability": "B", "credibility": 2,'
                              b' "indicator": "nk_in_combat"}]', 2,
                              "row 1, column text: is not valid Unicode"),
                 id="json-lone-surrogate"),
    pytest.param(EvidenceFile("deep.json", b"[" * 100_000 + b"]" * 100_000, 2,
                              "JSON nested too deeply"), id="json-nested-100000"),
    pytest.param(EvidenceFile("true.json", _json([{**GOOD, "indicator": None, "likelihood": {
        "quick_kursk": True, "protracted": 0.5, "russia_defeat": 0.5}}]), 2,
        "column lik_quick_kursk: a likelihood is in (0, 1], not True"),
        id="json-likelihood-true"),
    pytest.param(EvidenceFile("cred.json", _json([{**GOOD, "credibility": True}]), 2,
                              "column credibility: must be an Admiralty information grade"),
                 id="json-credibility-true"),
    pytest.param(EvidenceFile("a.achz", _achz("1e30"), 2,
                              "DATE '1e30' is not milliseconds since 1970"), id="achz-date-1e30"),
    pytest.param(EvidenceFile("a.achz", _achz("inf"), 2,
                              "DATE 'inf' is not milliseconds since 1970"), id="achz-date-inf"),
    pytest.param(EvidenceFile("a.achz", _achz("-99999999999999999"), 2,
                              "is not milliseconds since 1970"), id="achz-date-negative"),
    pytest.param(EvidenceFile("bomb.achz", gzip.compress(b"<" * (65 * 1024 * 1024)), 2,
                              "ACH project larger than"), id="achz-gzip-bomb"),
    pytest.param(EvidenceFile("pipe.csv", _fifo, 2, "must be a regular file"), id="named-pipe"),
    pytest.param(EvidenceFile("zero.csv", _dev_zero, 2, "must be a regular file"),
                 id="dev-zero"),
]


@pytest.mark.parametrize("evidence", TABLE)
def test_evidence_file(evidence: EvidenceFile, tmp_path: Path, store_url: str,
                       cli: Cli) -> None:
    if callable(evidence.content):
        path = evidence.content(tmp_path)
    else:
        path = tmp_path / evidence.name
        path.write_bytes(evidence.content)
    result = cli("evidence", "import", MINI_CASE, path, "--db", store_url)
    if evidence.code == 0:
        assert result.code == 0, result.err
        assert evidence.fragment in result.out
    else:
        assert_input_error(result, evidence.fragment)


def test_analyst_name_too_long(tmp_path: Path, store_url: str, cli: Cli,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUBI_ANALYST", "x" * 201)
    path = tmp_path / "ok.csv"
    path.write_bytes(_csv([GOOD]))
    result = cli("evidence", "import", MINI_CASE, path, "--db", store_url)
    assert_input_error(result, "YUBI_ANALYST is 201 characters long; at most 200")


# -- §1: what the terminal shows of hostile text -------------------------------------------
HOSTILE = [
    "closing [/bold] tag",
    "[bold red]FAKE ALERT[/bold red]",
    "[link=https://evil.example]click[/link]",
    "title \x1b]0;pwned\x07 and \x1b[31mred",
    "right-to-left \u202e override",
    ":warning: emoji code",
]


@pytest.fixture
def hostile_store(tmp_path: Path, store_url: str, cli: Cli,
                  monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "500")  # one table row per line
    rows = [{**GOOD, "text": text, "id": f"h{k}", "group": f"[g{k}]"}
            for k, text in enumerate(HOSTILE)]
    path = tmp_path / "hostile.csv"
    path.write_bytes(_csv(rows))
    result = cli("evidence", "import", MINI_CASE, path, "--db", store_url)
    assert result.code == 0, result.err
    return store_url


SHOWN = [
    "closing [/bold] tag", "[bold red]FAKE ALERT[/bold red]",
    "[link=https://evil.example]click[/link]", "title \\x1b]0;pwned\\x07 and \\x1b[31mred",
    "right-to-left \\u202e override", ":warning: emoji code",
]


@pytest.mark.parametrize("command", [
    pytest.param(["evidence", "list", MINI_CASE], id="evidence-list"),
    pytest.param(["update", MINI_CASE], id="update"),
    pytest.param(["ach", MINI_CASE], id="ach"),
])
def test_hostile_text_is_shown_literally(command: list[str], hostile_store: str,
                                         cli: Cli) -> None:
    result = cli(*command, "--db", hostile_store)
    assert result.code == 0, result.err
    assert "\x1b" not in result.out and "\u202e" not in result.out
    limit = 40 if command[0] != "evidence" else None  # update and ach shorten long texts
    for text in SHOWN:
        assert text[:limit] in result.out, (text, result.out)


def test_csv_export_neutralizes_formulas_and_reimports_exactly(
        tmp_path: Path, store_url: str, cli: Cli) -> None:
    texts = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "a\rb", "'=quoted",
             "plain", "''=twice"]
    rows = [{**GOOD, "text": text, "id": f"f{k}"} for k, text in enumerate(texts)]
    source = tmp_path / "formulas.json"  # JSON: the texts exactly as given
    source.write_bytes(_json(rows))
    assert cli("evidence", "import", MINI_CASE, source, "--db", store_url).code == 0
    out = tmp_path / "export.csv"
    assert cli("export", MINI_CASE, "evidence", "--db", store_url,
               "--out", out).code == 0
    with out.open(newline="", encoding="utf-8") as handle:
        exported = {row["id"]: row["text"] for row in csv.DictReader(handle)}
    for k, text in enumerate(texts):
        cell = exported[f"f{k}"]
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert cell == (text if text in ("plain", "a\rb") else "'" + text)
    again = cli("evidence", "import", MINI_CASE, out, "--db", store_url)
    assert again.code == 0, again.err
    assert "0 added, 0 corrected, 8 already in the store" in again.out
    as_json = cli("export", MINI_CASE, "evidence", "--format", "json",
                  "--db", store_url)
    stored = {row["id"]: row["text"] for row in json.loads(as_json.out)}
    assert [stored[f"f{k}"] for k in range(len(texts))] == texts


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "'=", "''+"])
def test_csv_cells_round_trip(start: str) -> None:
    from yubi.text import csv_cell, csv_restore

    cell = csv_cell(start + "1")
    assert cell == "'" + start + "1"
    assert csv_restore(cell) == start + "1"
    assert csv_cell(-0.5) == -0.5 and csv_restore("'plain") == "'plain"


# -- §2: --as-of and --db --------------------------------------------------------------------
AS_OF = [
    pytest.param(["run", MINI_CASE, "-n", "100"], id="run"),
    pytest.param(["update", MINI_CASE], id="update"),
    pytest.param(["evidence", "list", MINI_CASE], id="evidence-list"),
    pytest.param(["export", MINI_CASE, "evidence"], id="export"),
    pytest.param(["score", MINI_CASE], id="score"),
    pytest.param(["ach", MINI_CASE], id="ach"),
]


@pytest.mark.parametrize("command", AS_OF)
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "20250115"])
def test_as_of_out_of_range(command: list[str], day: str, store_url: str, cli: Cli,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUBI_DATABASE_URL", store_url)
    result = cli(*command, "--as-of", day)
    fragment = ("must be a date YYYY-MM-DD" if day == "20250115" else "is outside 1900-01-01")
    assert_input_error(result, fragment)


def _not_a_database(folder: Path) -> str:
    path = folder / "notes.txt"
    path.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")
    return f"sqlite:///{path}"


DATABASES = [
    pytest.param(lambda folder: "sqlite://", "is an in-memory database", id="sqlite-memory"),
    pytest.param(lambda folder: "sqlite:///:memory:", "is an in-memory database",
                 id="sqlite-memory-named"),
    pytest.param(_not_a_database, "file is not a database", id="not-a-database"),
    pytest.param(lambda folder: "not a url", "not a database URL", id="not-a-url"),
    pytest.param(lambda folder: "mysql://u@localhost/x", "runs on SQLite or PostgreSQL",
                 id="mysql"),
    pytest.param(lambda folder: "postgresql://u@127.0.0.1:1/x", "cannot open the store",
                 id="postgres-no-server"),
    pytest.param(lambda folder: "sqlite:////proc/yubi/store.sqlite3",
                 "cannot create the store's folder", id="sqlite-in-proc"),
]


@pytest.mark.parametrize(("make", "fragment"), DATABASES)
def test_bad_database(make: Callable[[Path], str], fragment: str, tmp_path: Path,
                      cli: Cli) -> None:
    result = cli("evidence", "list", MINI_CASE, "--db", make(tmp_path))
    assert_input_error(result, fragment)
    assert "SELECT" not in result.err and "CREATE" not in result.err
