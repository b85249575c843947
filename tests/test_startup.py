"""Start-up stays lazy: ``import yubi`` and ``yubi --help`` import no heavy library.

Each check runs in a fresh interpreter (this test process has imported everything already)
and reads ``sys.modules`` there. Times are measured in benchmarks/run.py, not asserted here.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

import yubi
import yubi.cli
from yubi.cli import COMMANDS, main

#: Libraries that cost 0.1–1 s each to import; only the commands that use them may.
HEAVY = ("pandas", "SALib", "sqlalchemy", "alembic", "matplotlib", "weasyprint", "dask",
         "distributed", "scipy", "pyarrow", "jinja2", "yubi.engine", "yubi.analysis",
         "yubi.evidence", "yubi.brief", "yubi.store")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                               check=True, timeout=60)
    return set(json.loads(completed.stdout.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m in HEAVY or m.startswith(tuple(f"{h}." for h in HEAVY)))


def test_import_yubi_imports_no_heavy_library() -> None:
    modules = _imported_after("import yubi")
    assert _heavy(modules) == []
    assert "numpy" not in modules


def test_help_imports_no_command_module() -> None:
    modules = _imported_after("from yubi.cli import main\nmain(['--help'])")
    assert _heavy(modules) == []
    assert {"numpy", "pydantic"}.isdisjoint(modules)
    assert sorted(m for m in modules if m.startswith("yubi.cli.")) == []


def test_cases_and_validate_import_no_analysis_or_store() -> None:
    for argv in (["cases"], ["validate", "dprk-russia-2024"]):
        modules = _imported_after(f"from yubi.cli import main\nmain({argv!r})")
        assert [m for m in _heavy(modules) if not m.startswith("scipy")] == [], argv


def test_a_monte_carlo_run_of_closed_form_inputs_imports_no_scipy_stats() -> None:
    """Normal, lognormal, uniform and triangular inputs invert in closed form
    (scipy.special); scipy.stats (0.5 s of imports) is for Latin hypercube and Sobol'
    designs and tabulated families only."""
    fermi = Path(__file__).resolve().parents[1] / "benchmarks" / "cases" / "fermi.yaml"
    code = (
        "import yubi\n"
        f"case = yubi.load_case({str(fermi)!r})\n"
        "closed = case.with_changes({'share_reached': '0.1 to 0.6'})\n"
        "yubi.simulate(closed, 2000, seed=1)"
    )
    modules = _imported_after(code)
    assert "scipy.special" in modules
    assert not any(m == "scipy.stats" or m.startswith("scipy.stats.") for m in modules)


def test_a_run_of_the_bundled_case_imports_no_scipy_stats_once_tables_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its PERT inputs are tabulated (tables kept on disk) with exact edges from
    scipy.special: a warm `yubi run` needs no scipy.stats (0.5 s of imports)."""
    monkeypatch.setenv("YUBI_KERNEL_CACHE", str(tmp_path / "cache"))
    code = "import yubi\nyubi.simulate(yubi.load_case(), 3000, seed=1)"
    first = _imported_after(code)  # computes the tables (SciPy's distributions) and keeps them
    assert "scipy.stats" in first
    assert list((tmp_path / "cache" / "tables").glob("*.npy"))
    warm = _imported_after(code)
    assert not any(m == "scipy.stats" or m.startswith("scipy.stats.") for m in warm)


def test_public_names_resolve_lazily() -> None:
    from yubi.case import Case, load_case
    from yubi.engine import RunSettings, SimulationResult, simulate

    assert (yubi.Case, yubi.load_case) == (Case, load_case)
    assert (yubi.RunSettings, yubi.SimulationResult, yubi.simulate) == (
        RunSettings, SimulationResult, simulate)
    assert yubi.__version__ and "__version__" in dir(yubi)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = yubi.nope  # type: ignore[attr-defined]


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


def test_the_command_table_matches_the_command_modules() -> None:
    found: dict[str, tuple[str, str]] = {}
    for info in pkgutil.iter_modules(yubi.cli.__path__):
        module = importlib.import_module(f"yubi.cli.{info.name}")
        if isinstance(getattr(module, "app", None), typer.Typer) and module is not yubi.cli:
            group = typer.main.get_group(module.app)
            for name, command in group.commands.items():
                found[name] = (info.name, _first_paragraph(command.help))
    assert found == COMMANDS  # every command listed, in its module, with its own help


def test_version_and_a_mistyped_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"yubi {yubi.__version__}\n"
    assert main(["evidense"]) == 2
    assert "Did you mean 'evidence'?" in capsys.readouterr().err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name, (_, text) in COMMANDS.items():
        assert f" {name} " in out and text[:40] in out
    assert "--version" in out
