"""``yubi sensitivity``: a plain summary first, sources wrapped not cut, each note once."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from yubi.cli import main
from yubi.cli.analysis import _first_clause, _notes_once

SMALL_CASE = str(Path(__file__).parent / "small-case.yaml")


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
         *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", "80")
    code = main(["sensitivity", SMALL_CASE, *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_summary_first_then_table_then_notes_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(capsys, monkeypatch, "--output", "deployed", "-n", "128",
                          "-m", "2025-03", "-m", "2025-09")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("What drives Troops deployed at 2025-03 (share of its "
                               "variance): ")
    assert re.search(r"\(\d+%\)", " ".join(lines[:6]))
    assert "What drives Troops deployed at 2025-09" in out
    assert out.index("What drives") < out.index("How the ranking shifts")
    notes = [line for line in lines if line.startswith("note:")]
    assert len(notes) == len(set(notes))
    assert not any(line.count("…") and not line.rstrip().endswith("…") for line in lines)
    assert max(len(line) for line in lines) <= 80


def test_a_note_repeated_each_month_is_said_once() -> None:
    def result(month: str, share: int) -> Any:
        return SimpleNamespace(month=month, notes=[
            f"Month-by-month chance accounts for about {share}% of the variance.",
            "This case correlates a–b (Spearman +0.30).",
        ])

    notes = _notes_once([result("2025-06", 31), result("2025-12", 58)])
    assert notes == [
        "at 2025-12 (the other months alike, with their own figures): Month-by-month chance "
        "accounts for about 58% of the variance.",
        "This case correlates a–b (Spearman +0.30).",
    ]


def test_an_assumption_is_shortened_at_a_clause_never_inside_a_word() -> None:
    assert _first_clause("the average covers the whole force; units in contact fight more.") \
        == "the average covers the whole force …"
    assert _first_clause("Illustrative.") == "Illustrative."


def test_negative_index_line(monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from yubi.cli import analysis

    monkeypatch.setattr(analysis, "_negative", lambda result: True)
    code, out, _ = _run(capsys, monkeypatch, "--output", "deployed", "-n", "64")
    assert code == 0
    assert "a negative index is Monte Carlo noise around zero" in out
