"""What a case *is*: the file format, its loading, units, distributions and expressions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from yubi.case.loader import bundled_case_names, read_case_file, resolve_case

if TYPE_CHECKING:
    from yubi.case.compiled import Case

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
    # Imported here: the compiler needs SciPy's distributions, which `yubi cases` (the loader
    # alone) and `import yubi` should not pay for.
    from yubi.case.checks import print_notes
    from yubi.case.compiler import compile_case

    compiled = compile_case(read_case_file(resolve_case(case)))
    print_notes(compiled.notes)
    return compiled


def __getattr__(name: str) -> Any:
    if name == "Case":
        from yubi.case.compiled import Case

        return Case
    raise AttributeError(f"module 'yubi.case' has no attribute {name!r}")
