"""The application layer: one function per user action, for the CLI, notebooks and the web.

Presenters (the Typer CLI, the FastAPI routes, a notebook) parse their input, call one of
these functions and present the answer; none of them holds logic of its own. Nothing here
imports Typer, FastAPI or a plotting library, and ``import yubi.app`` is cheap (pydantic and
ruamel.yaml): NumPy, SciPy, the engine and the rest are imported inside the functions that
need them.

>>> from yubi import app
>>> case = app.open_case()                                    # doctest: +SKIP
>>> changed = app.apply_changes(case, app.parse_changes(["prior.russia_defeat=0.2"]))
>>> print(app.run_json(app.run(changed, samples=10_000, seed=1)))  # doctest: +SKIP
"""

from __future__ import annotations

from yubi.app.cases import CaseSummary, list_cases, open_case
from yubi.app.runs import run, run_document, run_json
from yubi.app.settings import Settings
from yubi.app.variant import save_variant, variant_text
from yubi.case.changes import Change, ChangeError, apply_changes, parse_changes

__all__ = [
    "CaseSummary",
    "Change",
    "ChangeError",
    "Settings",
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
