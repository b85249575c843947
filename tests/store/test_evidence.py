"""The evidence store: schema, import, idempotence, rejection, corrections and "as of" reads.

Every test runs on SQLite and on PostgreSQL (the ``store_url`` fixture).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select

from yubi.case.model import Case
from yubi.errors import DataError, UsageError
from yubi.store import audit
from yubi.store import evidence as ev
from yubi.store.database import check_integrity, current_revision, head_revision, resolve_url
from yubi.store.export import evidence_records, render
from yubi.store.models import Base, EvidenceRow

HEADER = ["id", "date", "text", "source", "reliability", "credibility", "indicator", "group",
          "lik_quick_kursk", "lik_protracted", "lik_russia_defeat"]


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def good_rows() -> list[dict[str, object]]:
    return [
        {"date": "2024-11-04", "text": "First clashes with NK troops", "source": "Ukraine",
         "reliability": "B", "credibility": 2, "indicator": "nk_in_combat", "group": "combat"},
        {"date": "2024-11-12", "text": "US confirms NK troops in combat", "source": "US State",
         "reliability": "a", "credibility": "2", "indicator": "nk_in_combat", "group": "combat"},
        {"id": "kursk", "date": "2025-04-26", "text": "Russia says Kursk retaken",
         "source": "Russian MoD", "reliability": "C", "credibility": 2,
         "lik_quick_kursk": 0.9, "lik_protracted": 0.4, "lik_russia_defeat": "0.1"},
    ]


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        migrated = {column["name"] for column in inspector.get_columns(table.name)}
        assert migrated == {column.name for column in table.columns}, table.name
    assert check_integrity(engine) == []


def test_import_then_reimport_adds_nothing(engine: Engine, mini_case: Case, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", good_rows())
    first = ev.import_file(engine, path, mini_case)
    second = ev.import_file(engine, path, mini_case)
    assert len(first.added) == 3 and first.audit_id is not None
    assert second.added == () and second.corrected == () and len(second.unchanged) == 3
    assert second.audit_id is None
    assert ev.count_rows(engine, mini_case.id) == 3
    stored = {s.item.item_id: s.item for s in ev.items_as_of(engine, mini_case.id)}
    assert stored["kursk"].likelihood == {"quick_kursk": 0.9, "protracted": 0.4,
                                          "russia_defeat": 0.1}
    hashed = ev.natural_key(mini_case.id, dt.date(2024, 11, 4), "First clashes with NK troops",
                            "Ukraine")
    assert stored[hashed].indicator == "nk_in_combat" and stored[hashed].reliability == "B"


def test_json_file_gives_the_same_items_as_csv(engine: Engine, mini_case: Case,
                                               tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "events.csv", good_rows())
    json_rows = []
    for row in good_rows():
        likelihood = {k.removeprefix("lik_"): row.pop(k) for k in list(row) if k.startswith("lik_")}
        json_rows.append({**row, **({"likelihood": likelihood} if likelihood else {})})
    json_path = tmp_path / "events.json"
    json_path.write_text(json.dumps({"evidence": json_rows}), encoding="utf-8")
    ev.import_file(engine, csv_path, mini_case)
    report = ev.import_file(engine, json_path, mini_case)
    assert report.added == () and len(report.unchanged) == 3


def test_a_file_with_bad_rows_is_rejected_whole(engine: Engine, mini_case: Case,
                                                tmp_path: Path) -> None:
    rows = good_rows()
    rows[1]["credibility"] = 7
    rows.append({"date": "2025-13-01", "text": "x", "source": "y", "reliability": "B",
                 "credibility": 2, "lik_quick_kursk": 0.5, "lik_protracted": 1.5})
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(DataError) as caught:
        ev.import_file(engine, path, mini_case)
    problems = caught.value.problems
    assert "row 2, column credibility: must be an Admiralty information grade 1-6, not '7'" \
        in problems
    assert any(p.startswith("row 4, column date: not a date") for p in problems)
    assert any(p.startswith("row 4, column lik_russia_defeat: give a likelihood for every")
               for p in problems)
    assert not any(p.startswith(("row 1", "row 3")) for p in problems)
    assert ev.count_rows(engine) == 0


def test_unknown_scenario_indicator_and_column_are_reported(mini_case: Case) -> None:
    row = {"date": "2025-01-01", "text": "t", "source": "s", "reliability": "B",
           "credibility": "2", "indicator": "no_such", "lik_quick_kurks": "0.5", "colour": "red"}
    with pytest.raises(DataError) as caught:
        ev.parse_rows([row], mini_case, "inline")
    text = str(caught.value)
    assert "row 1, column colour: not a column" in text
    assert "row 1, column lik_quick_kurks: no scenario 'quick_kurks'" in text
    assert "row 1, column indicator: no indicator 'no_such'" in text


def test_corrections_keep_history_and_do_not_leak_into_the_past(
    engine: Engine, mini_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = {"now": dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC)}
    monkeypatch.setattr(ev, "utc_now", lambda: clock["now"])
    ev.import_file(engine, write_csv(tmp_path / "e.csv", good_rows()), mini_case)
    clock["now"] = dt.datetime(2025, 5, 2, 9, tzinfo=dt.UTC)
    version = ev.correct_item(engine, mini_case.id, "kursk", {"credibility": 4}, "later doubt")
    clock["now"] = dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC)
    ev.retract_item(engine, mini_case.id, "kursk", "claim withdrawn")

    def kursk(as_of: dt.date | None) -> ev.StoredItem | None:
        found = [s for s in ev.items_as_of(engine, mini_case.id, as_of)
                 if s.item.item_id == "kursk"]
        return found[0] if found else None

    assert version == 2
    assert kursk(dt.date(2025, 4, 25)) is None  # observed after that date
    assert kursk(dt.date(2025, 4, 30)) is not None
    before = kursk(dt.date(2025, 5, 1))
    assert before is not None and before.version == 1 and before.item.credibility == 2
    after = kursk(dt.date(2025, 5, 2))
    assert after is not None and after.version == 2 and after.item.credibility == 4
    assert kursk(dt.date(2025, 6, 1)) is None and kursk(None) is None  # retracted
    versions = ev.history(engine, mini_case.id, "kursk")
    assert [s.version for s in versions] == [1, 2, 3]
    assert [s.item.retracted for s in versions] == [False, False, True]
    assert versions[1].item.note == "later doubt"
    with engine.connect() as connection:
        entries = audit.history(connection, "evidence")
        rows = connection.execute(select(EvidenceRow.recorded_by)).scalars().all()
    assert [e["action"] for e in entries] == ["import", "correct", "retract"]
    assert {e["who"] for e in entries} == {"test-analyst"} and set(rows) == {"test-analyst"}
    assert entries[1]["diff"]["changes"] == {"credibility": [2, 4]}


def test_reimporting_changed_content_records_a_correction(
    engine: Engine, mini_case: Case, tmp_path: Path
) -> None:
    ev.import_file(engine, write_csv(tmp_path / "a.csv", good_rows()), mini_case)
    rows = good_rows()
    rows[2]["lik_protracted"] = 0.5
    report = ev.import_file(engine, write_csv(tmp_path / "b.csv", rows), mini_case)
    assert report.corrected == ("kursk",) and len(report.unchanged) == 2
    newest = {s.item.item_id: s for s in ev.items_as_of(engine, mini_case.id)}["kursk"]
    assert newest.version == 2 and newest.item.likelihood is not None
    assert newest.item.likelihood["protracted"] == 0.5


def test_export_reimports_as_is(engine: Engine, mini_case: Case, tmp_path: Path) -> None:
    ev.import_file(engine, write_csv(tmp_path / "a.csv", good_rows()), mini_case)
    items = ev.items_as_of(engine, mini_case.id)
    scenario_ids = [s.id for s in mini_case.scenarios]
    for fmt in ("csv", "json"):
        exported = tmp_path / f"export.{fmt}"
        exported.write_text(render(evidence_records(items, scenario_ids, flat=fmt == "csv"),
                                   fmt), encoding="utf-8")
        report = ev.import_file(engine, exported, mini_case)
        assert report.added == () and report.corrected == () and len(report.unchanged) == 3


def test_database_urls() -> None:
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(UsageError):
        resolve_url("mysql://u@h/db")


def test_reimporting_an_old_file_does_not_undo_corrections(
    engine: Engine, mini_case: Case, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "a.csv", good_rows())
    ev.import_file(engine, path, mini_case)
    ev.correct_item(engine, mini_case.id, "kursk", {"credibility": 4}, "later doubt")
    first = ev.items_as_of(engine, mini_case.id)[0].item.item_id
    ev.retract_item(engine, mini_case.id, first, "withdrawn")
    report = ev.import_file(engine, path, mini_case)
    assert report.added == () and report.corrected == () and len(report.unchanged) == 3
    current = {s.item.item_id: s for s in ev.items_as_of(engine, mini_case.id)}
    assert first not in current  # still retracted
    assert current["kursk"].version == 2 and current["kursk"].item.credibility == 4


def test_a_row_longer_than_the_header_is_rejected(
    engine: Engine, mini_case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "long.csv"
    path.write_text("date,text,source,reliability,credibility,indicator\n"
                    "2025-01-01,ok,src,B,2,nk_in_combat\n"
                    "2025-01-02,NK troops arrive, says NIS,Yonhap,B,2,nk_in_combat\n"
                    "2025-01-03,trailing comma is fine,src,B,2,nk_in_combat,\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as caught:
        ev.import_file(engine, path, mini_case)
    assert any(p.startswith("row 2, column 7: 1 more field(s) than the header's 6 columns")
               for p in caught.value.problems)
    assert not any(p.startswith(("row 1", "row 3")) for p in caught.value.problems)
    assert ev.count_rows(engine) == 0


def test_bounded_fields_and_json_numbers(mini_case: Case) -> None:
    base = {"date": "2025-01-01", "text": "t", "source": "s", "reliability": "B",
            "indicator": "nk_in_combat"}
    items = ev.parse_rows([{**base, "credibility": 2.0, "group": 7}], mini_case, "inline")
    assert items[0].credibility == 2 and items[0].group_id == "7"
    with pytest.raises(DataError) as caught:
        ev.parse_rows([{**base, "credibility": 2, "type": "x" * 41, "id": "i" * 129},
                       {**base, "credibility": 2, "likelihood": {"quick_kursk": 0.5},
                        "lik_quick_kursk": "0.4", "lik_protracted": "0.5",
                        "lik_russia_defeat": "0.5"}], mini_case, "inline")
    text = str(caught.value)
    assert "row 1, column type: at most 40 characters" in text
    assert "row 1, column id: at most 128 characters" in text
    assert "row 2, column lik_quick_kursk: '0.4' here but 0.5 in likelihood" in text
