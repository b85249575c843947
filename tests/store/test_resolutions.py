"""Resolutions files, hindcasts that score out of the box, and why a score is empty.

Every test runs on SQLite and on PostgreSQL (``store_url``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from yubi.cli import main
from yubi.store import forecasts as fc
from yubi.store.database import open_engine

MINI_CASE = Path(__file__).parent / "data" / "mini-case.yaml"
GOOD = ("question,answer,date,source,note\n"
        "killed.over_1k@2025-03,yes,2025-04-02,NIS briefing,\n"
        "deployed.over_12k@2025-06,8000,2025-07-01,JCS estimate,\"a value, compared\"\n")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_resolve_file_records_once_and_corrects(tmp_path: Path, store_url: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "res.csv"
    path.write_text(GOOD, encoding="utf-8")
    code, out, err = run(capsys, "resolve", str(MINI_CASE), "--file", str(path),
                         "--db", store_url)
    assert code == 0, err
    assert "2 resolved, 0 corrected, 0 already so" in " ".join(out.split())
    code, out, _ = run(capsys, "resolve", str(MINI_CASE), "--file", str(path), "--db", store_url)
    assert "0 resolved, 0 corrected, 2 already so" in " ".join(out.split())
    path.write_text(GOOD.replace("8000", "13000"), encoding="utf-8")
    code, out, _ = run(capsys, "resolve", str(MINI_CASE), "--file", str(path), "--db", store_url)
    assert "0 resolved, 1 corrected, 1 already so" in " ".join(out.split())
    engine = open_engine(store_url)
    try:
        resolved = fc.resolutions_as_of(engine, "mini-kursk")
    finally:
        engine.dispose()
    assert resolved["killed.over_1k@2025-03"].outcome is True
    assert resolved["deployed.over_12k@2025-06"].outcome is True  # 13,000 > 12,000
    assert resolved["deployed.over_12k@2025-06"].note == "a value, compared"


def test_a_bad_resolutions_file_names_rows_and_columns(
    tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("question,answer,date,source\n"
                    "killed.over_1k@2025-03,maybe,2025-04-02,NIS\n"
                    "killed.over_9k@2025-03,yes,2025-04-02,NIS\n"
                    "killed.over_1k@2029-03,yes,2025-04-02,NIS\n"
                    "deployed.over_12k@2025-06,no,2025-13-01,\n", encoding="utf-8")
    code, out, err = run(capsys, "resolve", str(MINI_CASE), "--file", str(path),
                         "--db", store_url)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    for expected in ("row 1, column answer: resolve with yes, no or a number",
                     "row 2, column question: no question 'killed.over_9k@2025-03'",
                     "row 3, column question", "row 4, column date: not a date",
                     "row 4, column source: missing"):
        assert expected in err, expected
    path.write_text("question,answer,when\n", encoding="utf-8")
    code, _, err = run(capsys, "resolve", str(MINI_CASE), "--file", str(path), "--db", store_url)
    assert code == 2 and "column 'date' is missing" in err and "'when' is not one of" in err
    code, _, err = run(capsys, "resolve", str(MINI_CASE), "killed.over_1k@2025-03", "yes",
                       "--file", str(path), "--db", store_url)
    assert code == 2 and "not both" in err


def test_hindcast_scores_from_the_resolutions_file_beside_the_case(
    tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case = Path(shutil.copy(MINI_CASE, tmp_path / "mini-case.yaml"))
    (tmp_path / "mini-kursk-resolutions.csv").write_text(GOOD, encoding="utf-8")
    code, out, err = run(capsys, "hindcast", str(case), "-n", "400", "--json",
                         "--db", store_url)
    assert code == 0, err
    document = json.loads(out)
    assert document["count"] == 2
    assert document["resolutions"] == "mini-kursk-resolutions.csv"
    assert "no resolution in the store" in err
    assert {q["question"] for q in document["questions"]} == {
        "killed.over_1k@2025-03", "deployed.over_12k@2025-06"}


def test_score_says_why_it_scores_nothing(store_url: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", str(MINI_CASE), "--json", "--db", store_url)
    assert code == 0 and "no forecasting question is recorded" in json.loads(out)["why_none"]
    assert "note: nothing scored: no forecasting question" in err
    question = "killed.over_1k@2025-03"
    run(capsys, "forecast", "add", str(MINI_CASE), question, "More than 1,000 killed?",
        "--close", "2025-03-31", "--db", store_url)
    code, out, err = run(capsys, "score", str(MINI_CASE), "--db", store_url)
    assert "no question is resolved" in " ".join(err.split())
    run(capsys, "forecast", "predict", str(MINI_CASE), question, "0.7", "--analyst", "kim",
        "--date", "2025-05-01", "--db", store_url)
    run(capsys, "resolve", str(MINI_CASE), question, "yes", "--date", "2025-04-02",
        "--source", "NIS", "--db", store_url)
    code, out, err = run(capsys, "score", str(MINI_CASE), "--json", "--db", store_url)
    assert code == 0 and json.loads(out)["resolved_questions"] == 0
    assert json.loads(out)["why_none"].startswith(
        "every prediction was made after its question closed")
    run(capsys, "forecast", "predict", str(MINI_CASE), question, "0.6", "--analyst", "kim",
        "--date", "2025-03-01", "--db", store_url)
    code, out, _ = run(capsys, "score", str(MINI_CASE), "--json", "--db", store_url)
    assert json.loads(out)["resolved_questions"] == 1 and "why_none" not in json.loads(out)
