"""Observations in the store: import, checks with row and column, round trips, the CLI.

Every test that touches a database runs on SQLite and on PostgreSQL (``store_url``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect

from yubi.case.model import Case
from yubi.cli import main
from yubi.errors import DataError
from yubi.store import evidence as ev
from yubi.store.database import current_revision, head_revision, open_engine, upgrade
from yubi.store.export import evidence_records, render

MINI_CASE = Path(__file__).parent / "data" / "mini-case.yaml"
HEADER = ["id", "date", "text", "source", "reliability", "credibility", "indicator", "group",
          "output", "month", "reported", "error"]


def write_csv(path: Path, rows: list[dict[str, object]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def observation(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "nis-killed", "date": "2025-01-13", "text": "NIS: about 300 killed",
        "source": "NIS briefing to the National Assembly", "reliability": "B",
        "credibility": 2, "group": "nk_casualties", "output": "killed", "month": "2024-12",
        "reported": 300, "error": "0.5x to 2x"}
    row.update(changes)
    return row


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_observations_import_and_read_back(engine: Engine, store_url: str, mini_case: Case,
                                           tmp_path: Path) -> None:
    rows = [observation(), observation(id="stock", output="deployed", reported=11000, error="")]
    report = ev.import_file(engine, write_csv(tmp_path / "obs.csv", rows), mini_case)
    assert len(report.added) == 2
    items = {item.item_id: item for item in ev.evidence_as_of(mini_case.id, "today", store_url)}
    killed = items["nis-killed"]
    assert (killed.output, killed.month, killed.reported, killed.error) == (
        "killed", "2024-12", 300.0, "0.5x to 2x")
    assert killed.error_range().sigma == pytest.approx(ev.default_error(3).sigma)
    assert items["stock"].error is None and items["stock"].is_observation
    again = ev.import_file(engine, tmp_path / "obs.csv", mini_case)
    assert again.added == () and len(again.unchanged) == 2


def test_bad_observations_are_located_by_row_and_column(mini_case: Case) -> None:
    rows = [observation(output="wounded"), observation(id="b", month="2026-05"),
            observation(id="c", reported=-3), observation(id="d", error="about double"),
            observation(id="e", month="Jan 2025"), observation(id="f", reported=""),
            observation(id="g", indicator="nk_in_combat")]
    with pytest.raises(DataError) as raised:
        ev.parse_rows(rows, mini_case, "obs.csv")
    problems = raised.value.problems
    expected = ["row 1, column output: no output or stock 'wounded'",
                "row 2, column month: 2026-05 is outside the case's horizon 2024-11 to 2025-10",
                "row 3, column reported: a reported value is a number ≥ 0, not -3",
                "row 4, column error: an error is a 90 % range",
                "row 5, column month: not a month YYYY-MM: 'Jan 2025'",
                "row 6, column reported: missing",
                "row 7, column indicator: an observation bears on the trajectories"]
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), (start, problems)
    assert len(problems) == len(expected)


def test_old_files_import_unchanged(engine: Engine, mini_case: Case, tmp_path: Path) -> None:
    old_header = HEADER[:8]
    row = {"id": "old", "date": "2024-11-04", "text": "First clashes", "source": "Ukraine",
           "reliability": "B", "credibility": 2, "indicator": "nk_in_combat", "group": ""}
    ev.import_file(engine, write_csv(tmp_path / "old.csv", [row], old_header), mini_case)
    (item,) = [s.item for s in ev.items_as_of(engine, mini_case.id)]
    assert not item.is_observation and item.output is None and item.reported is None


def test_an_export_reimports_as_a_no_op(engine: Engine, mini_case: Case, tmp_path: Path) -> None:
    ev.import_file(engine, write_csv(tmp_path / "obs.csv", [observation()]), mini_case)
    scenario_ids = [s.id for s in mini_case.scenarios]
    for fmt, flat in (("csv", True), ("json", False)):
        records = evidence_records(ev.items_as_of(engine, mini_case.id), scenario_ids, flat=flat)
        exported = tmp_path / f"export.{fmt}"
        exported.write_text(render(records, fmt), encoding="utf-8")
        report = ev.import_file(engine, exported, mini_case)
        assert report.added == () and report.corrected == (), fmt


def _migrate(engine: Engine, step: str, revision: str) -> None:
    from alembic import command

    from yubi.store.database import _alembic_config

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, step)(config, revision)


def test_migration_0003_adds_the_columns_to_an_old_store(store_url: str) -> None:
    old = create_engine(store_url)
    _migrate(old, "upgrade", "head")
    _migrate(old, "downgrade", "0002")
    assert current_revision(old) == "0002"
    columns = {c["name"] for c in inspect(old).get_columns("evidence")}
    assert "reported" not in columns
    assert upgrade(old) == head_revision() == "0003"
    columns = {c["name"] for c in inspect(old).get_columns("evidence")}
    assert {"output", "month", "reported", "error"} <= columns
    old.dispose()


def test_cli_add_show_list_and_update_skip_note(store_url: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "evidence", "add", str(MINI_CASE), "--date", "2025-01-13",
                         "--text", "NIS: about 300 killed", "--source", "NIS", "--reliability",
                         "B", "--credibility", "2", "--output", "killed", "--month", "2024-12",
                         "--reported", "300", "--id", "nis-killed", "--db", store_url)
    assert code == 0, err
    code, out, _ = run(capsys, "evidence", "show", str(MINI_CASE), "nis-killed", "--json",
                       "--db", store_url)
    shown = json.loads(out)
    assert code == 0 and shown["output"] == "killed" and shown["reported"] == 300.0
    assert shown["error_used"]["default"] is True and shown["version"] == 1
    assert shown["error_used"]["text"] == "0.667x to 1.5x"
    code, out, _ = run(capsys, "evidence", "list", str(MINI_CASE), "--json", "--db", store_url)
    assert code == 0 and json.loads(out)[0]["month"] == "2024-12"
    code, out, _ = run(capsys, "update", str(MINI_CASE), "--db", store_url)
    assert code == 0 and "1 observation(s) skipped" in out and "nis-killed" in out
    code, out, _ = run(capsys, "update", str(MINI_CASE), "--json", "--db", store_url)
    document = json.loads(out)
    assert document["steps"] == [] and document["skipped"][0]["item"] == "nis-killed"
    code, _, err = run(capsys, "evidence", "show", str(MINI_CASE), "nope", "--db", store_url)
    assert code == 2 and "no evidence item 'nope'" in err
    code, _, err = run(capsys, "evidence", "add", str(MINI_CASE), "--date", "2025-01-13",
                       "--text", "t", "--source", "s", "--reliability", "B", "--credibility",
                       "2", "--output", "killed", "--month", "2024-12", "--reported", "3",
                       "--error", "twice", "--db", store_url)
    assert code == 2 and "row 1, column error" in err and err.count("\n") == 1


def test_correcting_an_observation_keeps_its_fields(store_url: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--date", "2025-01-13", "--text", "NIS: about 300 killed", "--source", "NIS",
            "--reliability", "B", "--credibility", "2", "--output", "killed", "--month",
            "2024-12", "--reported", "300", "--id", "k", "--db", store_url]
    assert run(capsys, "evidence", "add", str(MINI_CASE), *args)[0] == 0
    code, _, err = run(capsys, "evidence", "correct", str(MINI_CASE), "k", "--set",
                       "reported=400", "--note", "revised", "--db", store_url)
    assert code == 0, err
    engine = open_engine(store_url)
    try:
        (item,) = [s.item for s in ev.items_as_of(engine, "mini-kursk")]
    finally:
        engine.dispose()
    assert (item.output, item.month, item.reported) == ("killed", "2024-12", 400.0)
