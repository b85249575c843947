"""Warnings for what a case may legally say but almost surely does not mean.

Each is a located line ``file:line:column: warning: subject: what`` kept in
:attr:`yubi.case.compiled.Case.notes`; commands print them on stderr and still exit 0.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from yubi.errors import Location

if TYPE_CHECKING:
    from yubi.case.compiled import Case

__all__ = ["case_notes", "print_notes"]

#: A start drawn after the horizon with at least this probability is reported.
LATE_START_PROBABILITY = 0.01


def print_notes(notes: Iterable[str]) -> None:
    """Write each note on its own line to stderr."""
    for note in notes:
        print(note, file=sys.stderr)


def case_notes(case: Case) -> list[str]:
    """The warnings of a compiled case, in file order of their sections."""
    if case.text is None:
        return []
    notes: list[str] = []

    def warn(message: str, path: Sequence[str | int], subject: str) -> None:
        assert case.text is not None
        # A whole entry is named at its key; a field at its value.
        location: Location = case.text.locate(path, value=path[-2] != "events")
        notes.append(f"{location}: warning: {subject}: {message}")

    _late_starts(case, warn)
    _unused_events(case, warn)
    _overrides_equal_to_base(case, warn)
    _flat_indicators(case, warn)
    return notes


def _late_starts(case: Case, warn: Any) -> None:
    months = len(case.months)
    for index, scenario in enumerate(case.file.scenarios):
        if scenario.starts is None:
            continue
        # A combination takes its start from its branch of the first dimension.
        spec = case.scenarios[case.members(scenario.id)[0]]
        path: list[str | int] = [*case.file.scenario_path(index), "starts", "month"]
        if spec.start_month is not None and spec.start_month >= months:
            warn(f"starts at month {spec.start_month:g}, after the horizon's last month "
                 f"{months - 1} ({case.months[-1]}): the scenario never takes effect",
                 path, scenario.id)
        elif spec.start_marginal is not None:
            late = spec.start_marginal.probability_at_least(months)
            if late >= LATE_START_PROBABILITY:
                warn(f"its start falls after the horizon's last month {months - 1} "
                     f"({case.months[-1]}) in about {late:.0%} of trajectories, where the "
                     "scenario never takes effect; truncate the start or lengthen the horizon",
                     path, scenario.id)


def _unused_events(case: Case, warn: Any) -> None:
    used: set[str] = set()
    for variable in case.variables:
        used |= variable.reads
    for stock in case.stocks:
        for expression in (stock.initial, stock.update, stock.flow):
            if expression is not None:
                used |= expression.names
    for event in case.events:
        used |= event.hazard.names - {event.name}
    for output in case.outputs:
        used |= output.expression.names
    used |= {s.start_event for s in case.scenarios if s.start_event}
    for event in case.events:
        if event.name not in used:
            warn("this event is never used (no expression, output or scenario start reads it)",
                 ["dynamics", "events", event.name], event.name)


def _overrides_equal_to_base(case: Case, warn: Any) -> None:
    keys = ("value", "distribution", "expr", "truncate")
    for index, scenario in enumerate(case.file.scenarios):
        for name, override in scenario.overrides.items():
            base: Any = case.file.quantities.get(name) or case.file.dynamics.flows.get(name)
            if base is None:
                continue
            if all(getattr(override, key, None) == getattr(base, key, None) for key in keys):
                warn(f'the override of "{name}" equals its base definition: it changes nothing',
                     [*case.file.scenario_path(index), "overrides", name], scenario.id)


def _flat_indicators(case: Case, warn: Any) -> None:
    for index, indicator in enumerate(case.file.indicators):
        # A condition (`when:`) reweights trajectories within each scenario, so it informs the
        # outputs even when every scenario gives it the same probability.
        if indicator.likelihood is None or indicator.when is not None:
            continue
        values = set(indicator.likelihood.values())
        if len(indicator.likelihood) > 1 and len(values) == 1:
            warn(f"every scenario has the same likelihood ({values.pop():g}): seeing it cannot "
                 "change any scenario's probability", ["indicators", index, "likelihood"],
                 indicator.id)
