"""The core commands: ``run``, ``validate``, ``schema``, ``cases``, ``new``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from ruamel.yaml import YAML

from yubi.case.loader import bundled_case_names, bundled_case_path
from yubi.engine.results import STATISTICS

from .core_cases import BASE, minimal_case, write

STARTER = Path(__file__).parents[2] / "src" / "yubi" / "case" / "starter.yaml"


def _plain(node: object) -> object:
    """YAML data as JSON would carry it (dates as ISO strings)."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    if isinstance(node, dt.date):
        return node.isoformat()
    return node


def test_schema_is_json_schema_that_accepts_the_starter_case(cli) -> None:
    result = cli("schema")
    assert result.code == 0, result.err
    schema = json.loads(result.out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"id", "quantities", "scenarios", "outputs"} <= set(schema["properties"])
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    starter = _plain(YAML(typ="safe").load(STARTER.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(starter)) == []
    broken = dict(starter, quantities={"x": {"label": "X", "valeu": 3, "source": "report"}})
    assert list(validator.iter_errors(broken))  # a misspelt key is caught by editors too
    for name in bundled_case_names():  # what yubi accepts, the schema accepts
        data = _plain(YAML(typ="safe").load(bundled_case_path(name).read_text(encoding="utf-8")))
        assert [error.message for error in validator.iter_errors(data)] == [], name


def test_validate_ok(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "probe.yaml", BASE)
    result = cli("validate", path)
    assert result.code == 0, result.err
    text = " ".join(result.out.split())  # rich wraps long lines
    assert text.startswith(
        f"ok: {path}: 4 quantities (3 sourced, 1 analyst assumptions), "
        "2 scenarios, 2 outputs, 6 months from 2024-11"
    )
    # BASE's event is never read: a located warning, exit 0.
    assert result.err == (f"{path}:46:5: warning: ceasefire: this event is never used "
                          "(no expression, output or scenario start reads it)\n")


@pytest.mark.parametrize("name", ["X.yaml", "budget_2025.yaml", "Border Crossings.yaml", "plain"])
def test_new_writes_a_case_that_validates_and_runs(cli, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    result = cli("new", path)
    assert result.code == 0, result.err
    written = path if path.suffix else path.with_suffix(".yaml")
    assert written.exists()
    assert cli("validate", written).code == 0
    run = cli("run", written, "--json", "--samples", "500", "--seed", "1")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["case"] == written.stem.lower().replace(" ", "-")
    assert [o["id"] for o in document["outputs"]] == ["backlog", "spent"]


def test_new_with_any_file_name_gives_a_valid_case(cli, tmp_path: Path) -> None:
    path = tmp_path / "My Case (v2).yaml"
    assert cli("new", path).code == 0
    assert cli("validate", path).code == 0


def test_new_into_a_missing_folder_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = cli("new", tmp_path / "missing" / "x.yaml")
    assert result.code == 2
    assert result.err.startswith("error:")


def test_new_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "mine.yaml", "precious")
    result = cli("new", path)
    assert result.code == 2
    assert len(result.err_lines) == 1 and "already exists" in result.err
    assert path.read_text() == "precious"


def test_cases_lists_the_bundled_cases(cli, monkeypatch: pytest.MonkeyPatch, load_bundled) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setattr("yubi.cli.core.load_case", load_bundled)  # compile each case once
    result = cli("cases")
    assert result.code == 0, result.err
    for name in bundled_case_names():
        assert name in result.out


def test_cases_names_survive_a_narrow_terminal(
    cli, monkeypatch: pytest.MonkeyPatch, load_bundled
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("yubi.cli.core.load_case", load_bundled)
    result = cli("cases")
    for name in bundled_case_names():
        assert name in result.out


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_run_out_writes_a_tidy_table(cli, tmp_path: Path, suffix: str) -> None:
    case = write(
        tmp_path / "probe.yaml",
        BASE.replace(
            "    unit: soldier\n  revenue_usd",
            "    unit: soldier\n"
            "    thresholds: [{id: many, label: Many, above: 12}]\n  revenue_usd",
        ),
    )
    out = tmp_path / f"table{suffix}"
    result = cli("run", case, "--samples", "400", "--seed", "2", "--out", out, "--json")
    assert result.code == 0, result.err
    table = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(table.columns) == ["output", "scenario", "month", "statistic", "value"]
    statistics = set(STATISTICS) | {"P(many)"}
    assert set(table["statistic"]) == statistics
    assert set(table["scenario"]) == {"steady", "surge", "all"}
    assert set(table["output"]) == {"deployed", "revenue_usd"}
    months = ["2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04"]
    assert sorted(table["month"].astype(str).unique()) == months
    # One row per (output, scenario, month, statistic); P(many) only for deployed.
    assert len(table) == (2 * 7 + 1) * 3 * 6
    assert not table.duplicated(["output", "scenario", "month", "statistic"]).any()
    document = json.loads(result.out)
    deployed = document["outputs"][0]
    row = table[
        (table.output == "deployed")
        & (table.scenario == "surge")
        & (table.month.astype(str) == "2025-01")
        & (table.statistic == "p95")
    ]
    assert row["value"].item() == pytest.approx(
        deployed["by_scenario"]["surge"][2]["p95"], rel=1e-11
    )


def test_run_prints_a_readable_summary(cli, tmp_path: Path) -> None:
    case = write(tmp_path / "probe.yaml", BASE)
    result = cli("run", case, "--samples", "300", "--seed", "1")
    assert result.code == 0, result.err
    assert "Probe case" in result.out and "steady" in result.out and "surge" in result.out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--sampler", "halton"], "--sampler must be mc, lhs or sobol"),
        (["--samples", "0"], "--samples must be at least 1, not 0"),
        (["--seed", "-1"], "--seed must be at least 0, not -1"),
        (["--out", "table.xlsx"], "write .parquet or .csv, not .xlsx"),
        (["--trajectories", "t.csv"], "write .parquet, not .csv"),
        (["--workers", "0"], "workers must be at least 1"),
    ],
)
def test_run_usage_errors(cli, tmp_path: Path, arguments: list[str], message: str) -> None:
    case = write(tmp_path / "probe.yaml", BASE)
    arguments = [str(tmp_path / a) if a.startswith(("table", "t.")) else a for a in arguments]
    result = (
        cli("run", case, "--samples", "50", *arguments)
        if "--samples" not in arguments
        else cli("run", case, *arguments)
    )
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1
    assert message in result.err
    assert "Traceback" not in result.err


def test_run_unknown_case(cli) -> None:
    result = cli("run", "no-such-case")
    assert result.code == 2
    assert "no case file or bundled case named 'no-such-case'" in result.err


def test_a_non_finite_output_is_an_input_error(cli, tmp_path: Path) -> None:
    case = write(
        tmp_path / "inf.yaml",
        minimal_case(outputs="  r: {label: R, expr: '1 / (month / dt - 2)'}\n"),
    )
    result = cli("run", case, "--samples", "50")
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1
    assert f"{case}:" in result.err
    assert "r: the expression gives inf in month 2025-01, scenario only" in result.err


@pytest.mark.parametrize(
    "expression", ["poisson(q * 1e18)", "binomial(sqrt(q - 200) * 10, 0.5)"], ids=["huge", "nan"]
)
def test_random_draws_with_impossible_arguments_are_input_errors(
    cli, tmp_path: Path, expression: str
) -> None:
    text = minimal_case(
        quantities="  q: {label: Q, value: '10 to 100', source: report}\n",
        flows=f"    k: {{label: K, expr: '{expression}'}}\n",
        outputs="  k: {label: K}\n",
    )
    result = cli("run", write(tmp_path / "draws.yaml", text), "--samples", "50")
    assert result.code == 2, result.err
