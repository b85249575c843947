"""``yubi sensitivity``: the Ishigami check end to end, tables, JSON, and bad input."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from yubi.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """``cli("sensitivity", ...)`` runs ``yubi.cli.main`` in-process (wide tables)."""
    monkeypatch.setenv("COLUMNS", "240")

    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """Analytic Sobol' indices of Ishigami–Homma with x ~ U(-pi, pi) (Saltelli et al. 2008)."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    variance = v1 + v2 + v13
    return ([v1 / variance, v2 / variance, 0.0],
            [(v1 + v13) / variance, v2 / variance, v13 / variance])


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"JSON holds {constant}")

    return json.loads(text, parse_constant=refuse)


def test_ishigami_command_matches_the_analytic_indices(cli: Callable[..., Run]) -> None:
    run = cli("sensitivity", "ishigami", "--output", "y", "--month", "2025-01", "--json")
    assert run.code == 0, run.err
    document = strict_json(run.out)
    assert document["method"] == "sobol" and document["samples"] == 2048  # the default
    effects = {e["name"]: e for e in document["effects"]}
    first, total = ishigami_indices()
    for name, s1, st in zip(("x1", "x2", "x3"), first, total, strict=True):
        assert effects[name]["first"] == pytest.approx(s1, abs=0.03)
        assert effects[name]["total"] == pytest.approx(st, abs=0.03)
    assert [round(s, 3) for s in first] == [0.314, 0.442, 0.0]
    assert [round(s, 3) for s in total] == [0.558, 0.442, 0.244]


def test_table_names_each_input_by_label_and_source(cli: Callable[..., Run]) -> None:
    run = cli("sensitivity", "ishigami", "--output", "y")
    assert run.code == 0, run.err
    assert "Sobol' indices of Ishigami function" in run.out
    assert "x2 (enters through 7 sin² x2)" in run.out
    assert "An importance quantification technique" in run.out
    assert "first order [95% CI]" in run.out and "total [95% CI]" in run.out
    korean = cli("sensitivity", "ishigami", "--output", "y", "--lang", "ko", "--method", "tornado")
    assert korean.code == 0, korean.err
    assert "x3 (x1과의 상호작용으로만 작용)" in korean.out and "swing" in korean.out


def test_starter_case_table_shows_assumptions_scenarios_and_months(
    cli: Callable[..., Run],
) -> None:
    starter = "tests/brief/deployment.yaml"
    run = cli("sensitivity", starter, "--output", "revenue_usd", "-n", "256", "--method", "morris")
    assert run.code == 0, run.err
    assert "analyst:" in run.out and "No source gives a rate" in run.out
    assert "priors: steady 70%, surge 30%" in run.out
    months = cli("sensitivity", starter, "--output", "deployed", "-n", "256",
                 "-m", "2025-01", "-m", "2025-12", "-m", "2026-10")
    assert months.code == 0, months.err
    assert "How the ranking shifts" in months.out
    assert all(m in months.out for m in ("2025-01", "2025-12", "2026-10"))
    document = strict_json(cli("sensitivity", starter, "--output", "deployed", "-n", "64",
                               "-m", "2025-01", "-m", "2025-12", "--json").out)
    assert document["months"] == ["2025-01", "2025-12"]
    assert [r["month"] for r in document["results"]] == ["2025-01", "2025-12"]


def test_threshold_and_tornado_json(cli: Callable[..., Run]) -> None:
    run = cli("sensitivity", "tests/brief/deployment.yaml", "--output", "deployed", "-t", "over_12k",
              "--method", "tornado", "-n", "200", "--json")
    assert run.code == 0, run.err
    document = strict_json(run.out)
    assert document["statistic"]["id"] == "over_12k"
    assert 0 <= document["baseline"] <= 1
    scenario = next(e for e in document["effects"] if e["name"] == "scenario")
    assert set(scenario["by_scenario"]) == {"steady", "surge"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--output", "nope"], 'unknown output "nope"'),
        (["--output", "y", "-m", "2031-01"], "outside the horizon"),
        (["--output", "y", "-t", "over_9000"], 'unknown threshold "over_9000"'),
        (["--output", "y", "--method", "fast"], "--method must be one of"),
        (["--output", "y", "-n", "1"], "samples must be"),
        (["--output", "y", "--lang", "fr"], "--lang must be one of"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    cli: Callable[..., Run], argv: list[str], message: str
) -> None:
    run = cli("sensitivity", "ishigami", *argv)
    assert run.code == 2
    assert run.out == ""
    assert len(run.err.strip().splitlines()) == 1 and message in run.err


def test_unknown_case_exits_2(cli: Callable[..., Run]) -> None:
    run = cli("sensitivity", "no-such-case", "--output", "y")
    assert run.code == 2 and "no case file or bundled case" in run.err


def test_a_progress_bar_on_a_terminal_but_not_with_json(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    table = cli("sensitivity", "ishigami", "--output", "y", "-n", "64")
    assert table.code == 0 and "sobol: evaluating the design" in table.err
    document = cli("sensitivity", "ishigami", "--output", "y", "-n", "64", "--json")
    assert document.code == 0 and "evaluating" not in document.err
    json.loads(document.out)
