"""The shell: ``yubi run --set`` and ``yubi variant`` are parse → app → present."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from pathlib import Path

import pytest
from tests.core.core_cases import write

from yubi import app
from yubi.app.variant import variant_text
from yubi.case.model import Case
from yubi.cli import main

SET = ["--set", "troops_cap=20000 to 60000", "--set", "prior.russia_defeat=0.2"]

#: A small case with comments, quoting and flow style that a variant must keep.
COMMENTED = """\
# A commented case: every line not changed must survive byte for byte.
yubi: 1
id: harbour-probe
title: {en: "Harbour probe", ko: "항만 시험"}
as_of: 2024-10-31
horizon: {start: "2024-11", months: 4}   # four months
sources:
  report: {title: "A report"}
quantities:
  ships:
    label: "Ships in port"
    unit: ship
    # the report's range, read as a 90% interval
    value: "10 to 20"
    source: report
  rate:
    label: 'Departures'
    unit: 1/month
    distribution: {type: pert, low: 0.1, mode: 0.2, high: 0.4}
    assumption: >-
      A guess from two visits.
dynamics:
  stocks:
    in_port:
      label: "In port"
      unit: ship
      initial: ships
      update: "in_port * (1 - rate * dt)"
scenarios:
  - id: calm
    label: "Calm"
    prior: 0.75
    prior_assumption: "Most months are calm."
  - id: storm
    label: "Storm"
    prior: 0.25
    prior_assumption: "One month in four."
    overrides:
      rate: {value: 0.6, assumption: "Ships leave before a storm."}
outputs:
  in_port:
    label: "Ships in port"
    unit: ship
"""


def _cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_set_prints_the_app_layer_json_with_the_changes(
    bundled: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "run", *SET, "--json", "-n", "2000", "--seed", "3")
    assert code == 0, err
    changed = bundled.with_changes(app.parse_changes([SET[1], SET[3]]))
    assert out == app.run_json(app.run(changed, samples=2000, seed=3))
    assert json.loads(out)["changes"] == [
        {"key": "troops_cap", "value": "20000 to 60000"},
        {"key": "prior.russia_defeat", "value": "0.2"},
    ]


def test_run_without_set_records_no_changes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "run", "linear", "--json", "-n", "500")
    assert code == 0 and "changes" not in json.loads(out)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("troops_cpa=5", 'error: troops_cpa: no quantity .*did you mean "troops_cap"'),
        ("prior.russia_defeat=2", "error: prior.russia_defeat: 2 is not a probability"),
        ("troops_cap", "error: --set 'troops_cap': expected KEY=VALUE"),
        ("troops_cap=5 KRW", "error: troops_cap: the value is in KRW"),
    ],
)
def test_a_bad_set_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], item: str, message: str
) -> None:
    code, out, err = _cli(capsys, "run", "dprk-russia-2024", "--set", item, "--json", "-n", "100")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert re.match(message, err), err


def test_variant_diff_is_only_the_changes(tmp_path: Path) -> None:
    case = app.open_case(write(tmp_path / "harbour.yaml", COMMENTED))
    changed = case.with_changes({"ships": "12 to 30", "rate": 0.25, "prior.storm": 0.5})
    text = variant_text(changed, by="Kim", why="a busier season", on=dt.date(2026, 12, 2))
    diff = [line for line in difflib.unified_diff(COMMENTED.splitlines(), text.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("---", "+++")]
    assert diff == [
        '-    value: "10 to 20"',
        '+    value: "12 to 30"',
        "+    assumption: >-",
        "+      What-if change by Kim on 2026-12-02: ships = 12 to 30 (was 10 to 20). Why: a busier",
        "+      season",
        "-    distribution: {type: pert, low: 0.1, mode: 0.2, high: 0.4}",
        "+    value: 0.25",
        "-      A guess from two visits.",
        "+      What-if change by Kim on 2026-12-02: rate = 0.25 (was pert(low=0.1, mode=0.2,",
        "+      high=0.4)). Why: a busier season",
        "-    prior: 0.75",
        '-    prior_assumption: "Most months are calm."',
        "+    prior: 0.5",
        "+    prior_assumption: >-",
        "+      What-if change by Kim on 2026-12-02: prior.storm changed; this prior rescaled to 0.5",
        "+      (was 0.75). Why: a busier season",
        "-    prior: 0.25",
        '-    prior_assumption: "One month in four."',
        "+    prior: 0.5",
        "+    prior_assumption: >-",
        "+      What-if change by Kim on 2026-12-02: prior.storm = 0.5 (was 0.25). Why: a busier season",
    ]


def test_variant_command_writes_a_case_that_runs_like_run_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "my-variant.yaml"
    code, _, err = _cli(capsys, "variant", "dprk-russia-2024", *SET, "--out", out,
                        "--by", "Kim Analyst", "--why", "a smaller second tranche")
    assert code == 0, err
    assert f"wrote {out}" in err
    text = out.read_text(encoding="utf-8")
    assert "What-if change by Kim Analyst on " in text and "a smaller second tranche" in text
    code, _, err = _cli(capsys, "validate", out)
    assert code == 0, err
    code, from_variant, _ = _cli(capsys, "run", out, "--json", "-n", "2000", "--seed", "7")
    code, from_set, _ = _cli(capsys, "run", *SET, "--json", "-n", "2000", "--seed", "7")
    variant, changed = json.loads(from_variant), json.loads(from_set)
    assert variant["scenarios"] == changed["scenarios"]
    assert variant["outputs"] == changed["outputs"]
    code, _, err = _cli(capsys, "variant", "dprk-russia-2024", *SET, "--out", out)
    assert code == 2 and "already exists" in err
