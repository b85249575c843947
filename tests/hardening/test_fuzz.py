"""Issue 11: random bytes and mutated rows never make ``validate`` or ``evidence import`` exit 1.

Hypothesis feeds (a) random bytes and byte-mutated copies of a valid case to ``yubi validate``
and (b) random bytes and rows with mutated fields (wrong types, NaN, huge numbers, control
characters, unknown columns) to ``yubi evidence import``, as CSV and as JSON. Each run must
exit 0 or 2 — never 1, "a bug in yubi" — within a time bound.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yubi.cli import main

from .conftest import MINI_CASE, core_cases

#: Seconds one command may take, whatever the input.
TIME_BOUND = 10.0
BASE = core_cases.BASE.encode("utf-8")
GOOD = {"date": "2025-01-15", "text": "Troops seen", "source": "Test", "reliability": "B",
        "credibility": "2", "indicator": "nk_in_combat"}
COLUMNS = [*GOOD, "id", "url", "type", "relevance", "group", "likelihood", "ratings",
           "lik_quick_kursk", "lik_protracted", "lik_russia_defeat", "ach_quick_kursk", "case"]
# Few examples per run (derandomized: the same ones each run); each evidence import compiles
# the case and opens the store, some 0.3 s.
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _run(*argv: str | Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in argv])
    elapsed = time.monotonic() - started
    assert elapsed < TIME_BOUND, f"took {elapsed:.1f} s"
    assert code in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
    return code, err.getvalue()


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    buffer = bytearray(data)
    for kind, where, chunk in edits:
        at = where % (len(buffer) + 1)
        if kind == 0:
            buffer[at:at] = chunk
        elif kind == 1:
            del buffer[at:at + len(chunk)]
        else:
            buffer[at:at + len(chunk)] = chunk
    return bytes(buffer)


EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, len(BASE)),
                           st.binary(min_size=1, max_size=8)), min_size=1, max_size=6)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.one_of(st.binary(max_size=3000), EDITS.map(lambda edits: _mutate(BASE, edits))))
def test_validate_random_bytes(data: bytes, folder: Path) -> None:
    path = folder / "case.yaml"
    path.write_bytes(data)
    _run("validate", path)


VALUES = st.one_of(
    st.text(max_size=30), st.sampled_from(["", " ", "\x00", "\ud800", "=1+1", "[/bold]",
                                           "2025-02-30", "0001-01-01", "1e999", "nan", "-0"]),
    st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["quick_kursk", "protracted", "russia_defeat", "x"]),
                    st.one_of(st.floats(), st.text(max_size=5), st.booleans()), max_size=3),
)
ROWS = st.lists(
    st.fixed_dictionaries({}, optional={name: VALUES for name in COLUMNS}).map(
        lambda changes: {**GOOD, **changes}),
    min_size=1, max_size=4,
)


@pytest.fixture(scope="module")
def store(folder: Path) -> str:
    return f"sqlite:///{folder / 'store.sqlite3'}"


@FUZZ
@given(rows=ROWS, as_json=st.booleans())
def test_evidence_import_mutated_rows(rows: list[dict[str, object]], as_json: bool,
                                      folder: Path, store: str) -> None:
    if as_json:
        path = folder / "rows.json"
        try:
            path.write_text(json.dumps(rows), encoding="utf-8", errors="surrogatepass")
        except UnicodeEncodeError:
            return
    else:
        import csv

        path = folder / "rows.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["" if row.get(name) is None else str(row[name]) for name in COLUMNS])
        path.write_bytes(buffer.getvalue().encode("utf-8", errors="surrogatepass"))
    _run("evidence", "import", MINI_CASE, path, "--db", store)


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".json", ".achz"]))
def test_evidence_import_random_bytes(data: bytes, suffix: str, folder: Path,
                                      store: str) -> None:
    path = folder / f"random{suffix}"
    path.write_bytes(data)
    _run("evidence", "import", MINI_CASE, path, "--db", store)
