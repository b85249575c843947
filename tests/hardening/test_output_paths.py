"""Issue 11 §2: output paths and Dask schedulers are checked before any work, exit 2 naming them.

The simulation and the brief's analyses are replaced by functions that fail the test: a path
refused *after* the work would call them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from .conftest import MINI_CASE, Cli, assert_input_error


@pytest.fixture(autouse=True)
def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import yubi.brief
    import yubi.engine

    # Modules that bind ``simulate`` or ``prepare`` when first imported must be imported
    # before the patch: imported under it, they would keep the failing stand-in for every
    # later test in this process (a hindcast test failed that way now and then).
    for name in ("yubi.cli.scores", "yubi.cli.forecast", "yubi.cli.brief",
                 "yubi.brief.analyses"):
        importlib.import_module(name)

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work started before the output path was checked")

    monkeypatch.setattr(yubi.engine, "simulate", fail)
    monkeypatch.setattr(yubi.brief, "prepare", fail)


def _read_only(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


PLACES = [
    pytest.param(lambda tmp: tmp / "missing" / "x", "folder", id="missing-folder"),
    pytest.param(lambda tmp: Path("/proc") / "x", "cannot write in /proc", id="proc"),
    pytest.param(lambda tmp: _read_only(tmp) / "x", "cannot write in", id="read-only-folder"),
]
COMMANDS = [
    pytest.param(["run", MINI_CASE, "-n", "100", "--out"], ".csv", id="run-out"),
    pytest.param(["run", MINI_CASE, "-n", "100", "--trajectories"], ".parquet",
                 id="run-trajectories"),
    pytest.param(["score", MINI_CASE, "--plot"], ".png", id="score-plot"),
    pytest.param(["hindcast", MINI_CASE, "--plot"], ".png", id="hindcast-plot"),
    pytest.param(["export", MINI_CASE, "evidence", "--out"], ".csv", id="export-out"),
    pytest.param(["brief", MINI_CASE, "--out"], "", id="brief-out"),
]


@pytest.mark.parametrize(("command", "suffix"), COMMANDS)
@pytest.mark.parametrize(("place", "fragment"), PLACES)
def test_unwritable_output(command: list[str], suffix: str, place, fragment: str,
                           tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    if "read-only" in str(place(tmp_path)) and os.geteuid() == 0 \
            and os.access(tmp_path / "read-only", os.W_OK):
        pytest.skip("root writes in read-only folders (the /proc case still holds)")
    monkeypatch.setenv("YUBI_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    path = Path(str(place(tmp_path)) + suffix)
    if command[0] == "brief" and fragment == "folder":
        pytest.skip("the brief creates its missing folder")
    result = cli(*command, path)
    assert_input_error(result, fragment)
    assert str(path) in result.err


@pytest.mark.parametrize(("option", "name", "fragment"), [
    ("--out", "table.xlsx", "--out {path}: write .parquet or .csv, not .xlsx"),
    ("--trajectories", "raw.csv", "--trajectories {path}: write .parquet, not .csv"),
    ("--out", "", "--out {path} is a folder"),
])
def test_unsupported_output_is_refused_before_the_run(option: str, name: str, fragment: str,
                                                      tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / name
    result = cli("run", MINI_CASE, "-n", "100", option, path)
    assert_input_error(result, fragment.format(path=path))


@pytest.mark.parametrize(("address", "fragment"), [
    ("tcp://127.0.0.1:1", "could not connect to a Dask scheduler there"),
    ("not a url", "is not a Dask scheduler address"),
    ("tcp://127.0.0.1", "is not a Dask scheduler address"),
    ("http://127.0.0.1:8786", "is not a Dask scheduler address"),
    ("tcp://127.0.0.1:99999", "is not a Dask scheduler address"),
])
def test_bad_scheduler(address: str, fragment: str, cli: Cli) -> None:
    started = time.monotonic()
    result = cli("run", MINI_CASE, "-n", "100", "--scheduler", address)
    assert time.monotonic() - started < 10
    assert_input_error(result, fragment)
