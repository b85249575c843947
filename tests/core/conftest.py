"""Fixtures of the core tests: running the CLI in-process, and files in a private folder.

Everything a test writes goes to its own ``tmp_path``, so the tests are safe under xdist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from yubi.case import Case, load_case
from yubi.case.loader import bundled_case_names, bundled_case_path
from yubi.cli import main

BUNDLED = "dprk-russia-2024"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """The lines of stderr other than warnings about the case (``BASE`` has one)."""
        return [line for line in self.err.splitlines() if ": warning: " not in line]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """``cli("validate", path)`` runs ``yubi.cli.main`` and returns code, stdout and stderr."""

    def run(*argv: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(arg) for arg in argv])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def bundled_path() -> Path:
    """The bundled case file; skips the test while it does not exist yet."""
    if BUNDLED not in bundled_case_names():
        pytest.skip(f"the bundled case {BUNDLED}.yaml is not written yet")
    return bundled_case_path(BUNDLED)


@pytest.fixture(scope="session")
def load_bundled() -> Callable[[str], Case]:
    """``load_bundled(name)``: a bundled case compiled once per test process.

    Compiling the large bundled case takes seconds (tabulating its beta and PERT inverses), so
    tests that are not about loading share one compiled copy. Compiled cases are immutable.
    """
    cache: dict[str, Case] = {}

    def load(name: str) -> Case:
        if name not in cache:
            cache[name] = load_case(name)
        return cache[name]

    return load


@pytest.fixture(scope="session")
def bundled_runs() -> tuple[CliResult, CliResult]:
    """``yubi run --json --samples 20000 --seed 1`` of the default bundled case, twice."""
    if BUNDLED not in bundled_case_names():
        pytest.skip(f"the bundled case {BUNDLED}.yaml is not written yet")
    import contextlib
    import io

    results = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", "--json", "--samples", "20000", "--seed", "1"])
        results.append(CliResult(code, out.getvalue(), err.getvalue()))
    return results[0], results[1]
