"""Issue 11 §2, §3, §5 for case files: every bad input is one located line and exit 2.

One table: (the edit to a small valid case, the command, a fragment the message must hold).
Commands run in-process through :func:`yubi.cli.main`, with a small number of samples.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import Cli, assert_input_error, core_cases

BASE: str = core_cases.BASE
edit = core_cases.edit


@dataclass(frozen=True)
class Bad:
    text: str
    fragment: str
    command: str = "validate"  # or "run": `run --json -n 200`


def _event(hazard: str) -> str:
    return edit(BASE, 'hazard: "0.1"', f'hazard: "{hazard}"')


REPORT = 'report: {title: "A report"}'
TABLE = [
    pytest.param(Bad(edit(BASE, "as_of: 2024-10-31", "as_of: 2024-02-30"),
                     ":4:8: '2024-02-30' is not a valid date"), id="as_of-feb-30"),
    pytest.param(Bad(edit(BASE, "as_of: 2024-10-31", "as_of: 2024-13-01"),
                     ":4:8: '2024-13-01' is not a valid date"), id="as_of-month-13"),
    pytest.param(Bad(edit(BASE, "as_of: 2024-10-31", "as_of: 2024-10-31T25:61:00"),
                     ":4:8: '2024-10-31T25:61:00' is not a valid date"), id="as_of-hour-25"),
    pytest.param(Bad(edit(BASE, "as_of: 2024-10-31", "as_of: 2024-10-31T10:00:00"),
                     "as_of: 2024-10-31T10:00:00 is a date and time"), id="as_of-datetime"),
    pytest.param(Bad(edit(BASE, "as_of: 2024-10-31", "as_of: 0001-01-01"),
                     "as_of: 0001-01-01 is outside 1900-01-01"), id="as_of-year-1"),
    pytest.param(Bad(edit(BASE, "as_of: 2024-10-31", "as_of: 20241031"),
                     "as_of: expected a date YYYY-MM-DD"), id="as_of-number"),
    pytest.param(Bad(edit(BASE, REPORT, 'report: {title: "A report", date: 2023-02-29}'),
                     ":7:37: '2023-02-29' is not a valid date"), id="source-date-feb-29"),
    pytest.param(Bad(edit(BASE, REPORT, 'report: {title: "A report", date: "2025-W03-3"}'),
                     "expected a date YYYY-MM-DD"), id="source-date-week"),
    pytest.param(Bad(edit(BASE, 'value: "10 to 20"', 'value: "10 to 20"\n    truncate: [.nan, null]'),
                     "troops.truncate.[0]: Input should be a finite number"), id="truncate-nan"),
    pytest.param(Bad(edit(BASE, "    unit: soldier\n  revenue_usd:",
                          "    unit: soldier\n    thresholds: [{id: t, label: T, above: .nan}]\n"
                          "  revenue_usd:"),
                     "above: Input should be a finite number", "run"), id="threshold-nan-run"),
    pytest.param(Bad(edit(BASE, "unit: KRW/USD", 'unit: "0 KRW/USD"'),
                     "krw_per_usd: unit '0 KRW/USD' has scale 0"), id="unit-zero-scale"),
    pytest.param(Bad(edit(BASE, "unit: KRW/USD", 'unit: "1e999 KRW/USD"'),
                     "has scale inf"), id="unit-infinite-scale"),
    pytest.param(Bad(edit(BASE, 'value: "10 to 20"',
                          "distribution: {type: pert, low: .nan, mode: 12, high: 20}"),
                     "Input should be a finite number"), id="pert-low-nan"),
    pytest.param(Bad(edit(BASE, 'value: "10 to 20"',
                          "distribution: {type: normal, mean: 12, sd: .inf}"),
                     "Input should be a finite number"), id="normal-sd-inf"),
    pytest.param(Bad(edit(BASE, 'value: "10 to 20"',
                          "distribution: {type: categorical, values: [1, 2], weights: [1, .inf]}"),
                     "Input should be a finite number"), id="categorical-weight-inf"),
    pytest.param(Bad(edit(BASE, '    prior: 0.4\n', '    prior: 0.4\n    starts: {month: .nan}\n'),
                     "Input should be a finite number"), id="starts-month-nan"),
    pytest.param(Bad(edit(BASE, '    prior: 0.4\n', '    prior: 0.4\n    starts: {month: -3}\n'),
                     "month must be a number of months, 0 or more"), id="starts-month-negative"),
    pytest.param(Bad(edit(BASE, "months: 6", "months: true"),
                     "horizon.months: Input should be a valid integer"), id="months-true"),
    pytest.param(Bad(edit(BASE, "  rate:\n", "  exp:\n").replace("deployed * rate", "deployed * exp"),
                     ':14:3: exp: "exp" is the name of a function'), id="quantity-named-exp"),
    pytest.param(Bad(edit(BASE, 'expr: "deployed * rate * dt"', 'expr: "deployed * rate * ｄt"'),
                     "losses: character 'ｄ' (U+FF44) looks like 'd'"), id="fullwidth-dt"),
    pytest.param(Bad(edit(BASE, 'hazard: "0.1"', 'hazard: "0.1 * 𝐞𝐱𝐩(0)"'),
                     "looks like 'e'"), id="math-bold-exp"),
    pytest.param(Bad(BASE + "correlations:\n"
                     "  - {between: [troops, krw_per_usd], rank: 0.5, assumption: a}\n",
                     "is not an uncertain quantity"), id="correlation-constant"),
    pytest.param(Bad(edit(BASE, "value: 1380", 'value: "1300 to 1400"') + "correlations:\n"
                     "  - {between: [troops, krw_per_usd], rank: 0.5, assumption: a}\n"
                     "  - {between: [krw_per_usd, troops], rank: -0.5, assumption: b}\n",
                     "the correlation of krw_per_usd and troops is given twice (+0.5 and -0.5)"),
                 id="correlation-contradictory"),
    pytest.param(Bad(edit(BASE, REPORT, 'report: {title: "A", url: "javascript:alert(document.domain)"}'),
                     "sources.report.url: a URL must start with http:// or https://"),
                 id="source-url-javascript"),
    pytest.param(Bad(edit(BASE, REPORT, 'report: {title: "A", url: "data:text/html,<script>x</script>"}'),
                     "a URL must start with http:// or https://"), id="source-url-data"),
    # §3: hazards are probabilities per month, checked at run time.
    pytest.param(Bad(_event("0/0"), "ceasefire: hazard is nan", "run"), id="hazard-0/0"),
    pytest.param(Bad(_event("log(-1)"), "ceasefire: hazard is nan", "run"), id="hazard-log-neg"),
    pytest.param(Bad(_event("-5"), "ceasefire: hazard is -5", "run"), id="hazard-negative"),
    pytest.param(Bad(_event("2"), "ceasefire: hazard is 2", "run"), id="hazard-two"),
    pytest.param(Bad(_event("1e999"), "ceasefire: hazard is inf", "run"), id="hazard-inf"),
    pytest.param(Bad(_event("where(scenario('surge'), 1.5, 0.1)"),
                     ":48:16: ceasefire: hazard is 1.5 in month 2024-11, scenario surge", "run"),
                 id="hazard-in-one-scenario"),
    # §3: NaN, inf or division by zero at run time names the expression and the month.
    pytest.param(Bad(edit(BASE, 'expr: "revenue / krw_per_usd"', 'expr: "revenue / (krw_per_usd - 1380)"'),
                     ":66:12: revenue_usd: the expression gives inf in month 2024-11", "run"),
                 id="division-by-zero-in-output"),
    pytest.param(Bad(edit(BASE, 'expr: "deployed * rate * dt"', 'expr: "deployed * rate * dt * log(rate * dt - 1)"'),
                     ":44:14: losses: the expression gives nan in month 2024-11", "run"),
                 id="nan-in-flow"),
    pytest.param(Bad(edit(BASE, 'expr: "revenue / krw_per_usd"', 'expr: "revenue / krw_per_usd * 1e300"'),
                     ":66:12: revenue_usd: the expression gives 1.41e+300 (overflow) in month 2024-11", "run"),
                 id="output-1e300"),
]


@pytest.mark.parametrize("bad", TABLE)
def test_bad_case_is_one_located_line(bad: Bad, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(bad.text, encoding="utf-8")
    if bad.command == "validate":
        result = cli("validate", path)
    else:
        result = cli("run", path, "--json", "-n", "200")
    assert_input_error(result, bad.fragment)
    assert str(path) in result.err
    assert result.out == ""


def test_every_function_name_is_reserved() -> None:
    from yubi.case.expressions import FUNCTIONS
    from yubi.case.schema import RESERVED_NAMES

    assert set(FUNCTIONS) <= RESERVED_NAMES


# -- §5: unbounded reads ---------------------------------------------------------------------
def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def _list(elements: int):
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "list.yaml"
        path.write_text(BASE + "junk: [" + "1," * (elements - 1) + "1]\n", encoding="utf-8")
        return path

    return make


def _quantities(count: int):
    def make(tmp_path: Path) -> Path:
        quantities = "".join(f"  q{k}: {{label: Q, value: {k}, source: report}}\n"
                             for k in range(count))
        path = tmp_path / "many.yaml"
        path.write_text(edit(BASE, "quantities:\n", "quantities:\n" + quantities),
                        encoding="utf-8")
        return path

    return make


UNBOUNDED = [
    pytest.param(_fifo, "must be a regular file", id="named-pipe"),
    pytest.param(lambda tmp_path: Path("/dev/zero"), "must be a regular file", id="dev-zero"),
    pytest.param(lambda tmp_path: tmp_path, "must be a regular file", id="folder"),
    pytest.param(_list(2_000_000), "larger than 1,048,576 bytes", id="4MB-two-million-list"),
    pytest.param(_quantities(69_000), "larger than 1,048,576 bytes", id="69000-quantities"),
    pytest.param(_list(20_000), "more than 12000 YAML nodes", id="dense-list-node-limit"),
    pytest.param(_quantities(3_000), "more than 12000 YAML nodes", id="3000-quantities"),
]


@pytest.mark.parametrize(("make", "fragment"), UNBOUNDED)
def test_unbounded_case_reads_end_fast(make, fragment: str, tmp_path: Path, cli: Cli) -> None:
    path = make(tmp_path)
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(cli("validate", path)), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), f"validate {path} still running after 10 s"
    assert time.monotonic() - started < 10
    (result,) = outcome
    assert_input_error(result, fragment)  # type: ignore[arg-type]


def test_oversized_case_is_refused_before_parsing(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(BASE.encode() + b"#" * (1024 * 1024))
    assert_input_error(cli("validate", path), "larger than 1,048,576 bytes")
