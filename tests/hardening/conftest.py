"""Fixtures of the hardening tests: the CLI in-process, hostile files, and both store backends.

The store fixtures (an SQLite file, or a fresh database on a PostgreSQL server the tests start)
are those of ``tests/store/conftest.py``, loaded from there so both suites run the same set-up.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

TESTS = Path(__file__).parent.parent


def _load(relative: str, name: str) -> Any:
    """A module of another test folder, by path (test folders are not importable packages)."""
    spec = importlib.util.spec_from_file_location(name, TESTS / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_store = _load("store/conftest.py", "_yubi_store_fixtures")
core_cases = _load("core/core_cases.py", "_yubi_core_cases")

postgres_admin_url = _store.postgres_admin_url
store_url = _store.store_url
engine = _store.engine
mini_case = _store.mini_case
_analyst = _store._analyst  # autouse: YUBI_ANALYST=test-analyst
MINI_CASE: Path = _store.MINI_CASE


_core = _load("core/conftest.py", "_yubi_core_fixtures")
#: ``cli("validate", path)`` runs ``yubi.cli.main`` in-process: code, stdout and stderr.
cli = _core.cli
CliResult = _core.CliResult
Cli = Callable[..., Any]


def assert_input_error(result: Any, fragment: str) -> None:
    """Exit 2, one line on stderr holding ``fragment``, no traceback."""
    assert result.code == 2, (result.code, result.err, result.out[-500:])
    assert "Traceback" not in result.err
    assert "internal error" not in result.err
    # Warnings about the case (exit 0 on their own, e.g. an unused event) are not errors.
    lines = [line for line in result.err.splitlines()
             if line.strip() and ": warning: " not in line]
    assert len(lines) == 1, result.err
    assert fragment in lines[0], lines[0]
