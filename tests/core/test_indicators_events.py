"""Indicators as conditions on the simulation (``when`` + ``by``/``within``) and outputs
declared ``kind: event`` (issue 9 §1 and §3, design ``case-format-2.md`` §4–5).

Errors are one located line with exit 2; a typed likelihood without ``when`` and without an
``assumption:`` is a located warning (exit 0); an event output is reported as a probability.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from yubi.case.upgrade import upgrade_text
from yubi.engine import simulate
from yubi.errors import CaseError

from .core_cases import BASE, compile_text, edit, write

#: BASE has months 2024-11 … 2025-04 and outputs deployed, revenue_usd.
EVENTS = edit(BASE, "  revenue_usd:\n", (
    "  ceased:\n    label: Ceasefire\n    kind: event\n    expr: ceasefire\n"
    "  big:\n    label: Big force\n    kind: event\n    expr: 'deployed > 15'\n"
    "  revenue_usd:\n"))


def _indicator(body: str) -> str:
    return BASE + "indicators:\n  - id: probe\n    label: Probe\n" + body


def _line(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


# -- indicators --------------------------------------------------------------------------
def test_a_when_condition_compiles_with_its_window() -> None:
    case = compile_text(_indicator("    when: 'deployed >= 12'\n    by: 2025-01\n"))
    (indicator,) = case.indicators
    assert indicator.condition is not None and indicator.condition.names == {"deployed"}
    assert indicator.by_month == 2 and indicator.window == (0, 2)
    assert indicator.likelihood is None
    held = indicator.condition.evaluate({"deployed": np.array([11.0, 12.0, 30.0])})
    assert list(np.asarray(held)) == [False, True, True]


def test_within_gives_an_inclusive_window_and_no_by_month() -> None:
    case = compile_text(_indicator(
        "    when: 'deployed < 5 or revenue_usd > 100'\n    within: [2024-12, 2025-03]\n"))
    assert case.indicator("probe").window == (1, 4)
    assert case.indicator("probe").by_month is None


def test_typed_likelihoods_stay_valid_and_compile_without_condition() -> None:
    case = compile_text(_indicator(
        "    likelihood: {steady: 0.2, surge: 0.7}\n    assumption: 'Not in the model.'\n"))
    indicator = case.indicators[0]
    assert indicator.condition is None and indicator.window is None
    assert indicator.likelihood == {"steady": 0.2, "surge": 0.7}
    assert case.notes == () or all("probe" not in note for note in case.notes)


BROKEN = [
    pytest.param("    when: 'deployd >= 1'\n    by: 2025-01\n", "when:",
                 r'unknown name "deployd" \(did you mean "deployed"\?\)', id="did-you-mean"),
    pytest.param("    when: 'losses >= 1'\n    by: 2025-01\n", "when:",
                 r'"losses" is not an output: when: reads outputs', id="not-an-output"),
    pytest.param("    when: 'deployed'\n    by: 2025-01\n", "when:",
                 "when: must be a condition", id="an-amount"),
    pytest.param("    when: 'deployed >= 1'\n    by: 2026-01\n", "by:",
                 "month 2026-01 is outside the horizon 2024-11 to 2025-04", id="by-outside"),
    pytest.param("    when: 'deployed >= 1'\n    within: [2025-01, 2025-09]\n", "within:",
                 "month 2025-09 is outside the horizon", id="within-outside"),
    pytest.param("    when: 'deployed >= 1'\n", "- id: probe",
                 "exactly one of by:", id="no-window"),
    pytest.param("    when: 'deployed >= 1'\n    by: 2025-01\n    within: [2025-01, 2025-02]\n",
                 "- id: probe", r"exactly one of by: .* \(got both\)", id="two-windows"),
    pytest.param("    by: 2025-01\n    assumption: 'x'\n", "- id: probe",
                 "give when: too", id="window-without-when"),
    pytest.param("    assumption: 'x'\n", "- id: probe",
                 "give when: .* or likelihood:", id="neither"),
]


@pytest.mark.parametrize(("body", "at", "message"), BROKEN)
def test_indicator_mistakes_are_one_located_line(body: str, at: str, message: str,
                                                 tmp_path: Path, cli) -> None:
    text = _indicator(body)
    path = write(tmp_path / "case.yaml", text)
    result = cli("validate", path)
    assert result.code == 2, result.err
    (line,) = result.err_lines
    assert line.startswith(f"error: {path}:{_line(text, at)}:"), line
    assert re.search(message, line), line


def test_a_typed_likelihood_without_when_or_assumption_warns(tmp_path: Path, cli) -> None:
    text = _indicator("    likelihood: {steady: 0.2, surge: 0.7}\n    source: report\n")
    path = write(tmp_path / "case.yaml", text)
    result = cli("validate", path)
    assert result.code == 0, result.err
    (warning,) = [line for line in result.err.splitlines() if "probe:" in line]
    assert warning.startswith(f"{path}:{_line(text, 'likelihood:')}:")
    assert ": warning: probe: a typed likelihood without when: should say under assumption: why" \
        in warning


# -- events ------------------------------------------------------------------------------
def test_event_outputs_are_probabilities_in_the_run_json() -> None:
    result = simulate(compile_text(EVENTS), samples=400, seed=3)
    document = result.to_dict()
    outputs = {o["id"]: o for o in document["outputs"]}
    ceased = outputs["ceased"]
    assert ceased["kind"] == "event" and "kind" not in outputs["deployed"]
    assert [set(row) for row in ceased["series"]] == [{"month", "p"}] * 6
    p = [row["p"] for row in ceased["series"]]
    assert p == sorted(p) and 0 < p[-1] < 1  # once happened, an event stays happened
    np.testing.assert_allclose(p, result.statistic("ceased", "mean"), rtol=1e-12)
    assert set(ceased["by_scenario"]["surge"][0]) == {"month", "p"}
    assert "p50" in outputs["deployed"]["series"][0]


def test_the_run_table_prints_events_as_percentages(tmp_path: Path, cli) -> None:
    path = write(tmp_path / "case.yaml", EVENTS)
    result = cli("run", path, "--samples", "300", "--outputs", "ceased")
    assert result.code == 0, result.err
    assert "P(yes)" in result.out and "%" in result.out
    assert "[0–1]" not in result.out and "0–1" not in result.out


def test_an_event_output_that_is_not_0_or_1_is_a_located_run_error(tmp_path: Path) -> None:
    text = edit(EVENTS, "expr: ceasefire\n", "expr: 'ceasefire * 2 + 0.5'\n")
    path = write(tmp_path / "case.yaml", text)
    from yubi.case import load_case

    with pytest.raises(CaseError) as raised:
        simulate(load_case(path), samples=100, seed=1)
    message = raised.value.render()
    assert message.startswith(f"{path}:{_line(text, 'ceasefire * 2')}:"), message
    assert "an event output is 0 or 1 each month, but this one is 0.5 in month 2024-11" in message


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    kind: event\n    expr: ceasefire\n", "    kind: event\n    unit: soldier\n"
     "    expr: ceasefire\n", 'its unit is "1"'),
    ("    kind: event\n    expr: ceasefire\n", "    kind: event\n    expr: ceasefire\n"
     "    thresholds: [{id: t, label: T, above: 0.5}]\n", "thresholds apply only to quantities"),
    ("    kind: event\n    expr: ceasefire\n", "    kind: evnt\n    expr: ceasefire\n",
     "quantity"),
])
def test_event_declaration_mistakes_are_located(old: str, new: str, message: str,
                                                tmp_path: Path, cli) -> None:
    text = edit(EVENTS, old, new)
    result = cli("validate", write(tmp_path / "case.yaml", text))
    assert result.code == 2 and len(result.err_lines) == 1, result.err
    assert message in result.err_lines[0]


def test_upgrade_flags_comparisons_as_event_candidates_without_rewriting() -> None:
    text = edit(BASE, "  revenue_usd:\n", (
        "  many:\n    label: Many\n    expr: 'deployed > 15'\n"
        "  flag:\n    label: Flag\n    expr: 'where(scenario(\"surge\"), 1, 0)'\n"
        "  revenue_usd:\n"))
    upgraded = upgrade_text(text)
    assert [line.split(":")[1].split(";")[0].strip() for line in upgraded.suggestions] == [
        "output many is 0 or 1 each month (a test)", "output flag is 0 or 1 each month (a test)"]
    assert "kind" not in upgraded.text
    assert upgrade_text(EVENTS).suggestions == ()


def test_source_citation_may_be_local_text(tmp_path: Path) -> None:
    text = edit(BASE, '  report: {title: "A report"}',
                '  report: {title: "A report", citation: {en: "Report, p. 3", ko: "보고서 3쪽"}}')
    case = compile_text(text)
    assert case.file.sources["report"].citation is not None
    assert case.file.sources["report"].citation.get("ko") == "보고서 3쪽"
    json.dumps(case.file.model_dump(mode="json"))
