"""The application layer: one function per user action, for the CLI, notebooks and the web.

Presenters (the Typer CLI, the FastAPI routes, a notebook) parse their input, call one of
these functions and present the answer; none of them holds logic of its own. Nothing here
imports Typer, FastAPI or a plotting library, and ``import yubi.app`` is cheap: each name
is imported on first use (PEP 562), and heavy libraries inside the function that needs them.

>>> from yubi import app
>>> case = app.open_case()                                    # doctest: +SKIP
>>> changed = app.apply_changes(case, app.parse_changes(["prior.russia_defeat=0.2"]))
>>> print(app.run_json(app.run(changed, samples=10_000, seed=1)))  # doctest: +SKIP
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from yubi.app.cases import CaseSummary, list_cases, open_case
    from yubi.app.runs import run, run_document, run_json
    from yubi.app.variant import save_variant, variant_text
    from yubi.case.changes import Change, ChangeError, apply_changes, parse_changes

__all__ = [
    "CaseSummary",
    "Change",
    "ChangeError",
    "apply_changes",
    "list_cases",
    "open_case",
    "parse_changes",
    "run",
    "run_document",
    "run_json",
    "save_variant",
    "variant_text",
]

#: Where each name lives.
_HOMES = {
    "CaseSummary": "yubi.app.cases",
    "list_cases": "yubi.app.cases",
    "open_case": "yubi.app.cases",
    "run": "yubi.app.runs",
    "run_document": "yubi.app.runs",
    "run_json": "yubi.app.runs",
    "save_variant": "yubi.app.variant",
    "variant_text": "yubi.app.variant",
    "Change": "yubi.case.changes",
    "ChangeError": "yubi.case.changes",
    "apply_changes": "yubi.case.changes",
    "parse_changes": "yubi.case.changes",
}


def __getattr__(name: str) -> _typing.Any:
    if name in _HOMES:
        value = getattr(_importlib.import_module(_HOMES[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'yubi.app' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
