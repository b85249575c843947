"""The store's commands end to end, through ``yubi.cli.main`` (the README's lines)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from yubi.cli import main
from yubi.store import evidence as ev
from yubi.store.database import open_engine

#: The small case of tests/store/data (named here: conftest is not importable under
#: pytest's importlib import mode).
MINI_CASE = Path(__file__).parent / "data" / "mini-case.yaml"

BUNDLED_EVENTS = "dprk-russia-2024-events.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_bundled_events_import_update_and_reimport(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "evidence", "import", BUNDLED_EVENTS, "--db", store_url)
    assert code == 0 and "18 added" in out.replace("\n", " ")
    code, out, _ = run(capsys, "update", "--json", "--db", store_url)
    document = json.loads(out)
    assert code == 0 and len(document["steps"]) == 10  # 8 observations are skipped
    for scenario in document["scenarios"]:
        assert len(scenario["posterior"]) == 10
        assert scenario["final"] == scenario["posterior"][-1]
        assert scenario["prior"] == document["prior"][scenario["id"]]
    for step in document["steps"]:
        assert sum(step["posterior"].values()) == pytest.approx(1.0, abs=1e-9)
        assert step["date"] > "2024-10-31"
    assert {g["group"] for g in document["counted_once"]} >= {"nk_combat", "nk_pows"}
    assert document["movers"]
    code, out, _ = run(capsys, "evidence", "import", BUNDLED_EVENTS, "--db", store_url)
    assert code == 0 and "0 added" in out and "18 already in the store" in out.replace("\n", " ")
    assert json.loads(run(capsys, "update", "--json", "--db", store_url)[1]) == document


def test_a_bad_file_exits_2_with_one_line(tmp_path: Path, store_url: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,text,source,reliability,credibility,indicator\n"
                   "2025-01-01,ok,src,B,2,nk_in_combat\n"
                   "2025-01-02,bad,src,Z,2,nk_in_combat\n", encoding="utf-8")
    code, out, err = run(capsys, "evidence", "import", str(MINI_CASE), str(bad),
                         "--db", store_url)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "row 2, column reliability" in err and "Traceback" not in err
    assert ev.count_rows(open_engine(store_url)) == 0


def test_ach_evidence_forecasts_and_exports(tmp_path: Path, store_url: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    case = ("--case", str(MINI_CASE))
    db = ("--db", store_url)
    assert run(capsys, "db", "upgrade", *db)[0] == 0
    assert run(capsys, "evidence", "add", "--date", "2025-04-26", "--text", "Kursk retaken",
               "--source", "MoD", "--reliability", "C", "--credibility", "2", "--indicator",
               "kursk_retaken", "--id", "kursk", *case, *db)[0] == 0
    code, out, _ = run(capsys, "ach", str(MINI_CASE), "--csv", *db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[0]["quick_kursk"] == "CC" and rows[0]["russia_defeat"] == "II"
    assert [r["id"] for r in rows[1:]] == ["inconsistency", "weighted_inconsistency",
                                           "posterior"]
    code, out, _ = run(capsys, "ach", "--file", str(Path(__file__).parents[2] / "src" / "yubi" /
                                                     "cases" / "heuer-iraq-retaliation.achz"),
                       "--json")
    assert code == 0 and list(json.loads(out)["inconsistency"].values()) == [3.0, 0.0, 2.0]

    assert run(capsys, "evidence", "correct", "kursk", "--set", "credibility=4", "--note",
               "doubt", *case, *db)[0] == 0
    assert run(capsys, "evidence", "correct", "kursk", "--set", 'likelihood={"quick_kursk": '
               '0.9, "protracted": 0.4, "russia_defeat": 0.1}', "--note", "own", *case, *db)[0] == 0
    # One scenario's likelihood changed through its column, the others kept.
    code, out, _ = run(capsys, "evidence", "correct", "kursk", "--set", "lik_protracted=0.5",
                       "--note", "rethink", *case, *db)
    assert code == 0 and "version 4" in out
    corrected = ev.items_as_of(open_engine(store_url), "mini-kursk")[0].item
    assert corrected.likelihood == {"quick_kursk": 0.9, "protracted": 0.5, "russia_defeat": 0.1}
    assert run(capsys, "forecast", "add", "talks", "Talks by June?", "--close", "2025-06-30",
               *case, *db)[0] == 0
    for analyst, p in (("kim", "0.3"), ("lee", "0.8")):
        assert run(capsys, "forecast", "predict", "talks", p, "--analyst", analyst, "--date",
                   "2025-01-01", *case, *db)[0] == 0
    assert run(capsys, "resolve", "talks", "yes", "--date", "2025-05-16", "--source",
               "Istanbul", *case, *db)[0] == 0
    plot = tmp_path / "calibration.png"
    code, out, _ = run(capsys, "score", "--json", "--plot", str(plot), *case, *db)
    scores = {s["forecaster"]: s for s in json.loads(out)["scores"]}
    assert code == 0 and plot.exists()
    assert scores["kim"]["brier"] == pytest.approx((0.3 - 1) ** 2)
    assert scores["pool: linear"]["brier"] == pytest.approx(((0.3 + 0.8) / 2 - 1) ** 2)

    exported = tmp_path / "evidence.json"
    assert run(capsys, "export", "evidence", "--format", "json", "--out", str(exported),
               *case, *db)[0] == 0
    assert json.loads(exported.read_text())[0]["credibility"] == 4
    code, out, _ = run(capsys, "evidence", "import", str(exported), *case, *db)
    assert code == 0 and "0 added, 0 corrected, 1 already" in out
    code, out, _ = run(capsys, "export", "forecasts", *case, *db)
    assert code == 0 and "talks" in out and ",yes," in out
    assert run(capsys, "db", "check", *db)[0] == 0


def test_run_as_of_uses_the_posterior(store_url: str, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("YUBI_DATABASE_URL", store_url)
    assert run(capsys, "evidence", "add", "--date", "2025-04-26", "--text", "Kursk retaken",
               "--source", "MoD", "--reliability", "A", "--credibility", "1", "--indicator",
               "kursk_retaken", "--case", str(MINI_CASE))[0] == 0
    final = json.loads(run(capsys, "update", str(MINI_CASE), "--json")[1])["final"]
    code, out, _ = run(capsys, "run", str(MINI_CASE), "--samples", "4000", "--as-of", "today",
                       "--json")
    document = json.loads(out)
    priors = {s["id"]: s["prior"] for s in document["scenarios"]}
    posteriors = {s["id"]: s["posterior"] for s in document["scenarios"]}
    assert code == 0 and priors == pytest.approx({"quick_kursk": 0.3, "protracted": 0.58,
                                                   "russia_defeat": 0.12})
    # The trajectories' reweighting, close to the closed form (their shares are a sample).
    assert posteriors == pytest.approx(final, abs=0.03)
    assert document["evidence_as_of"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert document["as_of"] == "2024-10-31"  # the case's own date, the prior's
