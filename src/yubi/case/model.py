"""The compiled case and its compiler, under the name older code imports.

:mod:`yubi.case.compiled` holds the compiled :class:`Case` and its data classes (what the
engine reads); :mod:`yubi.case.compiler` builds it from a validated file. New code imports from
those two modules.
"""

from __future__ import annotations

from yubi.case.compiled import (
    ACTIVE_KEY,
    SCENARIO_KEY,
    Case,
    Definition,
    EventSpec,
    InputColumn,
    OutputSpec,
    ScenarioSpec,
    StockSpec,
    Variable,
    month_labels,
)
from yubi.case.compiler import BUILTINS, PRIOR_TOLERANCE, compile_case

__all__ = [
    "ACTIVE_KEY",
    "BUILTINS",
    "PRIOR_TOLERANCE",
    "SCENARIO_KEY",
    "Case",
    "Definition",
    "EventSpec",
    "InputColumn",
    "OutputSpec",
    "ScenarioSpec",
    "StockSpec",
    "Variable",
    "compile_case",
    "month_labels",
]
