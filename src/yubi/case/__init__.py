"""What a case *is*: the file format, its loading, units, distributions and expressions."""

from __future__ import annotations

from pathlib import Path

from yubi.case.loader import bundled_case_names, read_case_file, resolve_case
from yubi.case.model import Case, compile_case

__all__ = ["Case", "bundled_case_names", "load_case"]


def load_case(case: str | Path | None = None) -> Case:
    """Load, validate and compile a case.

    Parameters
    ----------
    case
        A path to a YAML case file, or the name of a bundled case; ``None`` loads the bundled
        ``dprk-russia-2024``.

    Raises
    ------
    yubi.errors.CaseError
        With ``file:line:column`` of the first problem.
    """
    return compile_case(read_case_file(resolve_case(case)))
