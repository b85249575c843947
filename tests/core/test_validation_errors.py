"""Every validation error a user can make: where it is reported and what it says.

In the style of PySD's ``tests/pytest_pysd/pytest_errors.py``: one table of (broken case text,
where the error must point, message pattern). Each case goes through ``yubi validate FILE``
(in-process through :func:`yubi.cli.main`, two of them also as a subprocess) and must give
exit code 2, exactly one line on stderr naming ``file:line[:column]``, nothing on stdout and no
traceback.

The expected line is the line of the case text holding the ``at`` marker; the expected column,
when given, is where the ``col`` text starts on that line (1-based, as editors count).
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yubi.errors import CaseError, YubiInputError

from .core_cases import BASE, compile_text, edit, write


@dataclass(frozen=True)
class Broken:
    text: str
    at: str  # a text on the line the error must name
    message: str  # regex the message must match
    col: str | None = None  # a text on that line where the error's column must point
    col_offset: int = 0  # ... plus this many characters
    occurrence: int = 1  # which line holding ``at`` (1 = the first)

    def line(self) -> int:
        lines = self.text.splitlines()
        found = [number for number, line in enumerate(lines, 1) if self.at in line]
        assert len(found) >= self.occurrence, f"marker {self.at!r} not in the case text"
        return found[self.occurrence - 1]

    def column(self) -> int | None:
        if self.col is None:
            return None
        line = self.text.splitlines()[self.line() - 1]
        return line.index(self.col) + 1 + self.col_offset


def _q(name: str, body: str) -> str:
    """A quantity entry (indented for ``quantities:``)."""
    return f"  {name}:\n    label: {name}\n" + "".join(
        f"    {line}\n" for line in body.splitlines()
    )


_SCENARIO_TWO = (
    '  - id: surge\n    label: "Surge"\n    prior: 0.4\n    prior_assumption: "A guess."\n'
)

CASES = [
    pytest.param(
        Broken(
            edit(BASE, 'expr: "deployed * rate * dt"', 'expr: "deployed * rat * dt"'),
            at="deployed * rat",
            message=r'losses: unknown name "rat" \(did you mean "rate"\?\)',
            col="rat ",
        ),
        id="unknown-name-did-you-mean",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'expr: "deployed * rate * dt"', "expr: deployed * rat * dt"),
            at="deployed * rat",
            message=r'losses: unknown name "rat"',
            col="rat ",
        ),
        id="unknown-name-unquoted",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'expr: "deployed * rate * dt"', "expr: '  deployed * rat * dt'"),
            at="deployed * rat",
            message=r'losses: unknown name "rat"',
            col="rat ",
        ),
        id="unknown-name-single-quoted-with-leading-spaces",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'expr: "deployed * rate * dt"', 'expr: "deployed * rate * dt +"'),
            at="dt +",
            message=r"losses: syntax error",
        ),
        id="expression-syntax-error",
    ),
    pytest.param(
        Broken(
            edit(BASE, "prior: 0.6", "prior: 0.7"),
            at="prior: 0.7",
            message=r"scenario priors sum to 1\.1, not 1 \(steady 0\.7 \+ surge 0\.4\)",
            col="0.7",
        ),
        id="priors-do-not-sum-to-1",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'expr: "revenue / krw_per_usd"', 'expr: "revenue / krw_per_usd + revenue"'),
            at="krw_per_usd + revenue",
            message=r"revenue_usd: cannot add USD and KRW",
            col='"revenue',
            col_offset=1,
        ),
        id="won-plus-dollars",
    ),
    pytest.param(
        Broken(
            edit(BASE, "    unit: soldier\n    value", "    unit: soldier: x\n    value"),
            at="unit: soldier: x",
            message=r"YAML syntax error: a second \"key:\" on line \d+: .*\(mapping values are not allowed here\)",
            col=": x",
        ),
        id="yaml-syntax-error",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'hazard: "0.1"', "hazard: \"__import__('os').system('id')\""),
            at="__import__",
            message=r"ceasefire: only plain function calls .* are allowed",
            col="__import__",
        ),
        id="import-os-system",
    ),
    pytest.param(
        Broken(
            edit(
                BASE,
                'value: "10 to 20"\n    source: report',
                'value: "10 to 20"\n    source: reprot',
            ),
            at="source: reprot",
            message=r'troops: unknown source "reprot" \(did you mean "report"\?\)',
            col="reprot",
        ),
        id="unknown-source-id",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'value: "10 to 20"\n    source: report\n', 'value: "10 to 20"\n'),
            at='label: "Troops"',
            message=r'troops: name a source, or say "assumption:" and why',
            col="label",
        ),
        id="missing-source-or-assumption",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'value: "10 to 20"', "distribution: {type: weibull, shape: 2}"),
            at="weibull",
            message=r"unknown distribution type 'weibull'; expected one of .*pert",
            col="{type",
        ),
        id="unknown-distribution-type",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'value: "10 to 20"', 'value: "10 - 20"'),
            at='label: "Troops"',
            message=r"troops: value '10 - 20' is neither a number nor a range",
            col="label",
        ),
        id="bad-range-text",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'value: "10 to 20"', 'value: "20 to 10"'),
            at='"20 to 10"',
            message=r"troops: 20 must be below 10",
            col='"20 to 10"',
        ),
        id="range-reversed",
    ),
    pytest.param(
        Broken(
            edit(
                BASE,
                "    unit: soldier\n    value",
                "    unit: soldier\n    unit: person\n    value",
            ),
            at="unit: person",
            message=r'YAML syntax error: found duplicate key "unit"',
            col="unit: person",
        ),
        id="duplicate-yaml-key",
    ),
    pytest.param(
        Broken(
            edit(BASE, "    unit: 1/month", "    unitt: 1/month"),
            at="unitt",
            message=r'rate: unknown key "unitt"',
            col="unitt",
        ),
        id="unknown-key",
    ),
    pytest.param(
        Broken(
            edit(
                BASE,
                "  pay:\n",
                _q("a", 'expr: "b"\nassumption: x')
                + _q("b", 'expr: "a"\nassumption: x')
                + "  pay:\n",
            ),
            at="label: a",
            message=r"circular definition: (a → b → a|b → a → b)",
            col="label",
        ),
        id="circular-definition",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'flow: "deployed * pay"', 'flow: "deployed"'),
            at='flow: "deployed"',
            message=r"revenue: expression is in soldier but the stock's unit per month is "
            r"KRW/month",
            col='"deployed"',
        ),
        id="flow-unit-mismatch",
    ),
    pytest.param(
        Broken(
            edit(
                BASE,
                'expr: "deployed * rate * dt"',
                "expr: \"deployed * rate * dt * where(scenario('srge'), 2, 1)\"",
            ),
            at="srge",
            message=r'losses: unknown scenario "srge" \(did you mean "surge"\?\)',
            col="'srge'",
        ),
        id="unknown-scenario-in-expression",
    ),
    pytest.param(
        Broken(
            BASE.replace(
                _SCENARIO_TWO,
                _SCENARIO_TWO + "    overrides:\n      ratee: {value: 0.2, assumption: x}\n",
            ),
            at="ratee",
            message=r'surge: overrides unknown quantity or flow "ratee"',
            col="{value",
        ),
        id="override-of-unknown-name",
    ),
    pytest.param(
        Broken(
            BASE.replace("    unit: soldier\noutputs", "    unit: soldier\n").replace(
                '  deployed:\n    label: "Deployed"\n    unit: soldier\n  revenue_usd',
                '  deployed:\n    label: "Deployed"\n    unit: soldier\n    thresholds:\n'
                "      - {id: many, label: Many, above: 10, below: 2}\n  revenue_usd",
            ),
            at="id: many",
            message=r"give exactly one of above or below",
            col="{id",
        ),
        id="threshold-above-and-below",
    ),
    pytest.param(
        Broken(
            edit(BASE, "    unit: 1/month", "    unit: KRW/month"),
            at='expr: "deployed * rate',
            message=r"losses: expression is in KRW\*soldier but the unit is soldier",
            col='"deployed',
        ),
        id="flow-unit-mismatch-through-quantity",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'expr: "deployed * rate * dt"', 'expr: "deployed + month"'),
            at="deployed + month",
            message=r"losses: cannot add soldier and month",
            col='"deployed',
            col_offset=1,
        ),
        id="soldiers-plus-months",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'expr: "deployed * rate * dt"', 'expr: "maxx(deployed, 0)"'),
            at="maxx",
            message=r'unknown function "maxx" \(did you mean "max"\?\)',
            col="maxx",
        ),
        id="unknown-function",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'hazard: "0.1"', 'hazard: "deployed"'),
            at='hazard: "deployed"',
            message=r"ceasefire: expression is in soldier but the hazard \(a probability\) is 1",
            col='"deployed"',
        ),
        id="hazard-with-a-unit",
    ),
    pytest.param(
        Broken(
            edit(
                BASE,
                "    unit: KRW/USD\n    value: 1380",
                "    unit: KRW/USD\n    expr: \"1380 * where(scenario('surge'), 1, 1)\"",
            ),
            at="1380 * where",
            message=r"krw_per_usd: scenario\(\) is only available in monthly dynamics",
            col="scenario(",
        ),
        id="scenario-in-a-quantity",
    ),
    pytest.param(
        Broken(
            edit(BASE, "  rate:\n", "  month:\n"),
            at='label: "Loss rate"',
            message=r'month: "month" is a built-in name',
            col="label",
        ),
        id="built-in-name",
    ),
    *[
        pytest.param(
            Broken(
                edit(BASE, "  rate:\n", f"  {name}:\n"),
                at='label: "Loss rate"',
                message=rf'{name}: "{name}" is a reserved word',
                col="label",
            ),
            id=f"reserved-word-{name}",
        )
        # lambda cannot be referenced; scenario is a function (and a design column's name).
        for name in ("lambda", "scenario")
    ],
    pytest.param(
        Broken(
            edit(BASE, "  rate:\n", "  True:\n"),
            # YAML reads the key as a boolean, so the error can only point at the section.
            at="  troops:",
            message=r'True: "True" is a reserved word',
            col="troops",
        ),
        id="reserved-word-True",  # it would silently read as 1 in expressions
    ),
    pytest.param(
        Broken(
            edit(BASE, "    losses:\n", "    troops:\n").replace("- losses", "- troops"),
            at='label: "Losses"',
            message=r'troops: "troops" is already defined in quantities',
            col="label",
        ),
        id="name-defined-twice",
    ),
    pytest.param(
        Broken(
            edit(BASE, "    unit: 1/month", "    unit: 1//month"),
            at="1//month",
            message=r"rate: cannot read unit '1//month': a word or number is missing before "
                    r'"/"; write words and numbers joined by "\*", "/" or "per"',
            col="1//month",
        ),
        id="bad-unit-text",
    ),
    pytest.param(
        Broken(
            edit(
                BASE,
                '      update: "max(deployed - losses, 0)"',
                '      update: "max(deployed - losses, 0)"\n      flow: "losses"',
            ),
            at='label: "Deployed"',
            message=r"deployed: give exactly one of update or flow",
            col="label",
        ),
        id="stock-with-update-and-flow",
    ),
    pytest.param(
        Broken(
            edit(BASE, "horizon: {start: 2024-11, months: 6}\n", ""),
            at="yubi: 1",
            message=r'case: missing required key "horizon"',
            col="yubi",
        ),
        id="missing-required-key",
    ),
    pytest.param(
        Broken(
            edit(
                BASE, "horizon: {start: 2024-11, months: 6}", "horizon: {start: 2024-13, months: 6}"
            ),
            at="horizon:",
            message=r"horizon.start: String should match pattern",
            col="2024-13",
        ),
        id="bad-month",
    ),
    pytest.param(
        Broken(
            BASE.replace(_SCENARIO_TWO, _SCENARIO_TWO + "    starts: {event: cesefire}\n"),
            at="cesefire",
            message=r'surge: unknown event "cesefire"',
            col="cesefire",
        ),
        id="unknown-start-event",
    ),
    pytest.param(
        Broken(
            edit(
                BASE,
                'value: "10 to 20"',
                "distribution: {type: normal, mean: 0, sd: 1}\n    truncate: [40, 41]",
            ),
            at="type: normal",
            message=r"troops: truncation leaves no probability mass",
            col="{type",
        ),
        id="truncation-without-mass",
    ),
    pytest.param(
        Broken(
            BASE + "correlations:\n  - between: [troops, rate]\n    rank: 0.5\n    assumption: x\n",
            at="between: [troops, rate]",
            message=r'"rate" is not an uncertain quantity; only distributions correlate',
            col="[troops",
        ),
        id="correlation-with-a-constant",
    ),
    pytest.param(
        Broken(
            edit(BASE, "  - id: surge", "  - id: steady"),
            at="id: steady",
            message=r'scenario id "steady" is used twice',
            col="- id",
        ),
        id="duplicate-scenario-id",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'title: "Probe case"', "title: !!python/object/apply:os.system ['id']"),
            at="!!python",
            message=r"title: Input should be a valid dictionary",
            col="!!python",
        ),
        id="yaml-python-tag-is-data",
    ),
    pytest.param(
        Broken(
            "- just\n- a list\n",
            at="- just",
            message=r"a case file must be a YAML mapping",
            col="- just",
        ),
        id="not-a-mapping",
    ),
    pytest.param(
        Broken(
            edit(BASE, "    unit: soldier\n    value", "\tunit: soldier\n    value"),
            at="\tunit",
            message=r"YAML syntax error: found character '\\t'",
            col="\t",
        ),
        id="tab-indentation",
    ),
    pytest.param(
        Broken(
            edit(BASE, "  report: {title: \"A report\"}\n",
                 "  report: {title: \"A report\"}\n    other: {title: \"Another\"}\n"),
            at="other:",
            message=r"line \d+ is indented to column 5, but the keys of the mapping it "
                    r"continues \(from line \d+\) start at column 3",
            col="other",
        ),
        id="indentation-explained",
    ),
    pytest.param(
        Broken(
            BASE + "claims:\n  - id: c1\n    text: \"A claim\"\n    source: report\n"
            "    status: false\n",
            at="status: false",
            message=r'YAML reads false as a yes/no value, not as the word; quote it: '
                    r'status: "false"',
            col="false",
        ),
        id="status-false-quoted",
    ),
    pytest.param(
        Broken(
            edit(BASE, 'value: "10 to 20"',
                 "distribution: {type: pert, low: 1, mode: 400000, high: 300000}"),
            at="type: pert",
            message=r"troops: mode \(400000\) must be at most high \(300000\)",
        ),
        id="pert-mode-above-high-names-keys",
    ),
    pytest.param(
        Broken(
            edit(BASE, "    value: 1200\n", "    expr: \"deployed * 0 + 1200\"\n"),
            at="deployed * 0",
            message=r'pay: "deployed" is a stock, which changes month by month: stocks, flows '
                    r"and events cannot be used in quantities",
            col="deployed * 0",
        ),
        id="stock-in-quantity",
    ),
    pytest.param(
        Broken(
            edit(BASE, "yubi: 1", "yubi: 2\nunits:\n  vessel: {en: [vessel, vessels]}")
            .replace("    unit: soldier\n    value", "    unit: people\n    value"),
            at="unit: people",
            message=r'troops: unknown unit "people" \(did you mean "person"\?\); declare it '
                    r"under units: or use a built-in",
            col="people",
        ),
        id="unknown-unit-with-units-section",
    ),
    pytest.param(
        Broken(
            edit(BASE, "    unit: 1/month", "    unit: event/(1000*vessel"),
            at="event/(1000",
            message=r'rate: cannot read unit .*"\(" without "\)"; write words and numbers '
                    r'joined by .*"event/\(1000 vessel\)", "event per 1000 vessel"',
            col="event/",
        ),
        id="unit-unreadable-shows-forms",
    ),
    pytest.param(
        Broken(
            edit(BASE, "yubi: 1", "yubi: 2").replace(
                '    prior: 0.6\n', '    prior: 0.6\n    for_regime: "Steady income."\n'),
            at="for_regime",
            message=r"steady: for_regime is renamed implications_for.regime in yubi: 2",
            col="for_regime",
        ),
        id="v1-field-in-v2-file",
    ),
    pytest.param(
        Broken(
            edit(BASE, "yubi: 1", "yubi: 2\naudiences:\n  ports: {label: Ports}").replace(
                '    prior: 0.6\n', '    prior: 0.6\n    implications_for: {port: "Calm."}\n'),
            at="implications_for",
            message=r'steady: unknown audience "port" \(did you mean "ports"\?\)',
            col="port:",
        ),
        id="unknown-audience",
    ),
]


@pytest.mark.parametrize("broken", CASES)
def test_validate_reports_one_line_with_location(broken: Broken, tmp_path: Path, cli) -> None:
    path = write(tmp_path / "broken.yaml", broken.text)
    result = cli("validate", path)
    assert result.code == 2, result.err
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    assert "Traceback" not in result.err
    where = f"{path}:{broken.line()}"
    column = broken.column()
    if column is not None:
        where += f":{column}"
    line = result.err_lines[0]
    assert line.startswith(f"error: {where}:"), f"expected {where}, got: {line}"
    assert re.search(broken.message, line), line


def test_validate_subprocess(tmp_path: Path) -> None:
    """``yubi validate`` in its own process: exit 2, one line, and the command never runs."""
    (case,) = [param.values[0] for param in CASES if param.id == "import-os-system"]
    path = write(tmp_path / "broken.yaml", case.text)
    marker = tmp_path / "ran"
    text = case.text.replace("system('id')", f"system('touch {marker}')")
    write(path, text)
    process = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from yubi.cli import main; sys.exit(main())",
            "validate",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 2, process.stderr
    lines = process.stderr.splitlines()
    assert len(lines) == 1, process.stderr
    assert lines[0].startswith(f"error: {path}:{case.line()}:")
    assert "Traceback" not in process.stderr
    assert not marker.exists()


def test_the_error_is_a_case_error_with_location() -> None:
    """The Python API raises CaseError carrying file, line, column and subject."""
    text = edit(BASE, 'expr: "deployed * rate * dt"', 'expr: "deployed * rat * dt"')
    with pytest.raises(CaseError) as caught:
        compile_text(text, "probe.yaml")
    error = caught.value
    assert error.location is not None
    assert error.location.file == "probe.yaml"
    assert error.location.line == Broken(text, at="rat *", message="").line()
    assert error.subject == "losses"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(b"\xff\xfe not utf-8", r"not UTF-8 text", id="not-utf8"),
        pytest.param(b"", r"a case file must be a YAML mapping", id="empty-file"),
    ],
)
def test_unreadable_files(raw: bytes, message: str, tmp_path: Path, cli) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(raw)
    result = cli("validate", path)
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"error: {path}")
    assert re.search(message, result.err)


def test_missing_file(tmp_path: Path, cli) -> None:
    result = cli("validate", tmp_path / "nope.yaml")
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "nope.yaml" in result.err


def test_deeply_nested_yaml_is_an_input_error(tmp_path: Path, cli) -> None:
    """A hostile file nested thousands deep must not crash the parser (RecursionError)."""
    path = write(tmp_path / "deep.yaml", BASE + "deep: " + "[" * 600 + "]" * 600 + "\n")
    result = cli("validate", path)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"error: {path}")


def test_alias_bomb_is_refused_with_the_file_named(tmp_path: Path, cli) -> None:
    """Billion laughs: aliases expanding to over MAX_CASE_NODES nodes are refused quickly."""
    lines = ['  a: &a ["x","x","x","x","x","x","x","x","x"]']
    names = "abcdefghij"
    for previous, name in itertools.pairwise(names):
        lines.append(f"  {name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    path = write(tmp_path / "bomb.yaml", BASE + "bomb:\n" + "\n".join(lines) + "\n")
    result = cli("validate", path)
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith(f"error: {path}")
    assert "YAML nodes" in result.err


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "duplicate", "character", "swap", "indent"]),
        st.integers(0, 200),
        st.integers(0, 80),
        st.sampled_from([*":-[]{}'\"#&*!|>%@ \t0aZ_.,", "\n", "null", "~", "1e400", "-1"]),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(EDITS)
def test_any_mangled_case_is_valid_or_one_located_input_error(edits: list[tuple]) -> None:
    """Random typos in a valid case: either it still compiles, or a CaseError names the file,
    on one line. Never another exception (that would be exit code 1, "a bug in yubi")."""
    lines = BASE.splitlines(keepends=True)
    for kind, line, position, text in edits:
        line %= len(lines)
        if kind == "delete" and len(lines) > 1:
            del lines[line]
        elif kind == "duplicate":
            lines.insert(line, lines[line])
        elif kind == "character":
            where = position % max(len(lines[line]), 1)
            lines[line] = lines[line][:where] + text + lines[line][where + 1 :]
        elif kind == "swap" and line + 1 < len(lines):
            lines[line], lines[line + 1] = lines[line + 1], lines[line]
        elif kind == "indent":
            lines[line] = "  " + lines[line]
    try:
        compile_text("".join(lines), "mangled.yaml")
    except YubiInputError as error:
        assert str(error).startswith("mangled.yaml"), str(error)
        assert "\n" not in str(error), str(error)
