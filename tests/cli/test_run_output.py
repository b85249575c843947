"""``yubi run``: readable in an 80-column terminal by default; ``--json`` byte for byte as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from yubi import __version__
from yubi.cli import main

HERE = Path(__file__).parent
SMALL_CASE = HERE / "small-case.yaml"
GOLDEN = HERE / "golden" / "small-case-run.json"


def _yubi(*argv: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    """The real command in a terminal COLUMNS wide (rich reads COLUMNS when not on a tty)."""
    environment = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-c", "from yubi.cli import run; run()", *argv],
                          capture_output=True, text=True, env=environment, check=False,
                          timeout=300)


@pytest.mark.xdist_group("bundled")
def test_bundled_run_fits_80_columns_in_60_lines_with_threshold_probabilities() -> None:
    done = _yubi("run", "dprk-russia-2024", "-n", "2000")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) <= 60
    assert max(len(line) for line in lines) <= 80
    text = done.stdout
    # The headline numbers: threshold probabilities, per scenario, median and 90 % interval.
    for column in ("P(over_30k)", "P(over_1k)", "P(over_5k)", "median", "90% interval"):
        assert column in text
    for scenario in ("quick_kursk", "protracted", "russia_defeat"):
        assert text.count(scenario) >= 3 + 1  # the scenario line and one row per table
    assert "key outputs: the first measure of each of the case's impacts" in text
    # The unit once, in words; a label that names its unit gets no second one.
    assert "Killed (cumulative) — in soldiers" in text
    assert "(cumulative, won)\n" in text and "KRW" not in text
    assert done.stderr == ""


def test_filters_and_events_as_probabilities(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(SMALL_CASE), "-n", "500", "--outputs", "deployed",
                 "--months", "2025-03,2025-06"])
    out = capsys.readouterr().out
    assert code == 0
    rows = [line.split()[0] for line in out.splitlines() if line[:4] == "2025"]
    assert rows == ["2025-03", "2025-06"]
    assert "outputs chosen with --outputs" in out


def test_all_shows_every_output(capsys: pytest.CaptureFixture[str]) -> None:
    from yubi.case import load_case

    case = load_case(SMALL_CASE)
    assert main(["run", str(SMALL_CASE), "-n", "500", "--all"]) == 0
    out = capsys.readouterr().out
    for output in case.outputs:
        assert output.label.en in out.replace("\n", " ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--outputs", "nope"], "--outputs: unknown output 'nope'"),
     (["--months", "2031-01"], "--months: '2031-01' is outside the horizon")],
)
def test_bad_filters_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = main(["run", str(SMALL_CASE), "-n", "100", *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err


def test_json_is_byte_identical_to_before(capsys: pytest.CaptureFixture[str]) -> None:
    """The golden text of the CLI; regenerated once for the compiled engine (last-digit changes)."""
    assert main(["run", str(SMALL_CASE), "--json", "-n", "3000", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    golden = GOLDEN.read_text(encoding="utf-8")
    golden = golden.replace('"yubi_version": "0.1.0"', f'"yubi_version": "{__version__}"')
    assert json.loads(out)["samples"] == 3000
    assert out == golden
