"""The application layer's own functions: opening and listing cases, running, the JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import yubi
from yubi import app
from yubi.case.model import Case
from yubi.errors import CaseError, UsageError


def test_open_case_returns_the_same_compiled_case_for_the_same_file(bundled: Case) -> None:
    assert app.open_case() is bundled
    assert app.open_case("dprk-russia-2024") is bundled
    assert app.open_case(bundled.path) is bundled
    with pytest.raises(CaseError, match="no case file or bundled case named 'nope'"):
        app.open_case("nope")


def test_open_case_sees_a_file_that_changed(tmp_path) -> None:
    from tests.core.core_cases import BASE, edit, write

    path = write(tmp_path / "probe.yaml", BASE)
    first = app.open_case(path)
    write(path, edit(BASE, "prior: 0.6", "prior: 0.5").replace("prior: 0.4", "prior: 0.5"))
    second = app.open_case(path)
    assert second is not first
    assert second.priors.tolist() == [0.5, 0.5]


def test_list_cases_names_the_bundled_cases() -> None:
    summaries = {summary.id: summary for summary in app.list_cases()}
    assert {"dprk-russia-2024", "linear", "ishigami"} <= set(summaries)
    dprk = summaries["dprk-russia-2024"].to_dict()
    assert dprk["scenarios"] == ["quick_kursk", "protracted", "russia_defeat"]
    assert dprk["title"].startswith("North Korea")
    assert app.open_case(dprk["path"]).id == "dprk-russia-2024"


def test_run_json_is_the_document_with_a_final_newline(bundled: Case) -> None:
    result = app.run(bundled, samples=500, seed=2)
    text = app.run_json(result)
    assert text.endswith("}\n")
    assert json.loads(text) == app.run_document(result)


def test_run_checks_its_settings_and_reports_progress(bundled: Case) -> None:
    with pytest.raises(UsageError, match="sampler must be one of"):
        app.run(bundled, samples=10, sampler="grid")
    with pytest.raises(UsageError, match="samples must be between"):
        app.run(bundled, samples=0)
    done: list[int] = []
    app.run(bundled, samples=700, seed=1, progress=done.append)
    assert sum(done) == 700


def test_import_yubi_and_the_app_layer_stay_light() -> None:
    heavy = ["numpy", "scipy", "pandas", "matplotlib", "SALib", "sqlalchemy", "dask",
             "distributed", "xarray", "typer", "fastapi", "yubi.engine", "yubi.case.model"]
    code = (
        "import sys, yubi, yubi.app\n"
        "assert callable(yubi.app.run) and callable(yubi.app.parse_changes)\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
    assert callable(yubi.run) and callable(yubi.open_case)


def test_progress_true_draws_a_bar_on_stderr(bundled: Case, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    result = app.run(bundled, samples=300, seed=1, progress=True)
    assert result.settings.samples == 300
    assert capsys.readouterr().out == ""  # the bar never mixes with what a command prints
