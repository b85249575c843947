"""Run-time checks of the monthly loop: hazards are probabilities, outputs are finite numbers.

The loop in :mod:`yubi.engine.simulate` calls :func:`check_hazard` on every event's hazard and
:func:`check_outputs` on every month's outputs. Both are one vectorized comparison while all is
well; only when one fails is the culprit looked for, and the :class:`~yubi.errors.CaseError`
then names the expression (``file:line:column``), the month and the scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from yubi.case.expressions import SIZE_KEY
from yubi.case.model import ACTIVE_KEY, SCENARIO_KEY, Case, EventSpec
from yubi.errors import CaseError, Location, YubiInputError

__all__ = ["LARGEST_OUTPUT", "check_events", "check_hazard", "check_outputs"]

#: Outputs larger than this are overflow, not analysis: their squares (for the standard
#: deviation) would be infinite.
LARGEST_OUTPUT = 1e150


def check_hazard(case: Case, event: EventSpec, hazard: Any, month: int, env: Mapping[str, Any]
                 ) -> None:
    """Raise :class:`CaseError` unless every trajectory's ``hazard`` is a probability in [0, 1].

    NaN and infinities fail both comparisons, so one test covers them.
    """
    values = np.asarray(hazard, dtype=np.float64)
    if bool(np.all((values >= 0.0) & (values <= 1.0))):
        return
    bad = np.broadcast_to(~((values >= 0.0) & (values <= 1.0)), (int(env[SIZE_KEY]),))
    row = int(np.argmax(bad))
    value = float(np.broadcast_to(values, bad.shape)[row])
    path: list[str | int] = ["dynamics", "events", event.name, "hazard"]
    raise CaseError(
        f"hazard is {value:g} in month {case.months[month]}, scenario "
        f"{_scenario(case, env, row)}; a hazard is a probability per month, from 0 to 1",
        _locate(case, path), event.name,
    )


def check_outputs(case: Case, outputs: NDArray[np.float64], month: int,
                  env: Mapping[str, Any]) -> None:
    """Raise :class:`CaseError` naming where a NaN, infinity or overflow first came from."""
    with np.errstate(invalid="ignore"):
        if bool(np.abs(outputs).max(initial=0.0) <= LARGEST_OUTPUT):
            return
    label = case.months[month]
    for name, path, reads in _suspects(case, env):
        value = np.asarray(env[name], dtype=np.float64)
        bad = ~(np.abs(value) <= LARGEST_OUTPUT)
        if not bool(bad.any()) or any(_bad(env.get(read)) for read in reads):
            continue
        row = int(np.argmax(np.broadcast_to(bad, (int(env[SIZE_KEY]),))))
        raise _error(case, name, _override_path(case, name, path, env, row), value, row,
                     label, env)
    for index, output in enumerate(case.outputs):
        bad = ~(np.abs(outputs[index]) <= LARGEST_OUTPUT)
        if bool(bad.any()):
            where: list[str | int] = ["outputs", output.id]
            if case.file.outputs[output.id].expr:
                where.append("expr")
            raise _error(case, output.id, where, outputs[index], int(np.argmax(bad)), label, env)


def check_events(case: Case, outputs: NDArray[np.float64], month: int,
                 scenario: NDArray[np.int64]) -> None:
    """Raise :class:`CaseError` unless every ``kind: event`` output is 0 or 1 this month.

    ``outputs`` is (outputs × trajectories) in declared units, ``scenario`` each trajectory's
    scenario index. One comparison per event output while all is well.
    """
    for index, output in enumerate(case.outputs):
        if not output.event:
            continue
        values = outputs[index]
        bad = ~((values == 0.0) | (values == 1.0))
        if not bool(bad.any()):
            continue
        row = int(np.argmax(bad))
        where: list[str | int] = ["outputs", output.id]
        if case.file.outputs[output.id].expr:
            where.append("expr")
        raise CaseError(
            f"an event output is 0 or 1 each month, but this one is {float(values[row]):g} in "
            f"month {case.months[month]}, scenario {case.scenarios[int(scenario[row])].id}; "
            'write a condition (e.g. "killed >= 1") or declare kind: quantity',
            _locate(case, where), output.id)


def _suspects(case: Case, env: Mapping[str, Any]
              ) -> list[tuple[str, list[str | int], frozenset[str]]]:
    """(name, key path, names it reads) of each value that could first have gone wrong.

    Stocks hold this month's new values, the variables read last month's: a variable's reads
    of stocks are not held against it, nor a stock's of itself.
    """
    stocks = {stock.name for stock in case.stocks}
    found: list[tuple[str, list[str | int], frozenset[str]]] = []
    for variable in case.variables:
        section: list[str | int] = (["quantities"] if variable.kind == "quantity"
                                    else ["dynamics", "flows"])
        path = [*section, variable.name]
        if variable.base.expression is not None:
            path.append("expr")
        found.append((variable.name, path, variable.reads - stocks))
    for stock in case.stocks:
        rule = stock.update if stock.update is not None else stock.flow
        rule_key = "update" if stock.update is not None else "flow"
        reads = rule.names - stocks if rule is not None else frozenset()
        found.append((stock.name, ["dynamics", "stocks", stock.name, rule_key], reads))
    return [entry for entry in found if entry[0] in env]


def _override_path(case: Case, name: str, path: list[str | int], env: Mapping[str, Any],
                   row: int) -> list[str | int]:
    """The path of the scenario override in effect for trajectory ``row``, if any."""
    variable = next((v for v in case.variables if v.name == name), None)
    if variable is None:
        return path
    for scenario, definition in variable.overrides.items():
        if bool(np.asarray(env[ACTIVE_KEY][scenario]).reshape(-1)[row]):
            key = ["expr"] if definition.expression is not None else []
            return ["scenarios", scenario, "overrides", name, *key]
    return path


def _error(case: Case, name: str, path: Sequence[str | int], values: Any, row: int, month: str,
           env: Mapping[str, Any]) -> CaseError:
    value = float(np.broadcast_to(np.asarray(values, dtype=np.float64),
                                  (int(env[SIZE_KEY]),))[row])
    what = f"{value:g}" if value != value or abs(value) == np.inf else f"{value:.3g} (overflow)"
    return CaseError(
        f"the expression gives {what} in month {month}, scenario {_scenario(case, env, row)} "
        "(a division by zero, the log of a negative number, or an overflow?)",
        _locate(case, path), name,
    )


def _bad(value: Any) -> bool:
    if value is None:
        return False
    with np.errstate(invalid="ignore"):
        return not bool(np.all(np.abs(np.asarray(value, dtype=np.float64)) <= LARGEST_OUTPUT))


def _scenario(case: Case, env: Mapping[str, Any], row: int) -> str:
    return case.scenarios[int(np.asarray(env[SCENARIO_KEY])[row])].id


def _locate(case: Case, path: Sequence[str | int]) -> Location | None:
    """Where ``path`` is in the case file; re-read, as errors are rare and the tree is not kept.

    ``None`` when the file is gone or has changed since the case was compiled.
    """
    from yubi.case.loader import read_case_file

    if not Path(case.path).is_file():
        return None
    try:
        text = read_case_file(case.path)
    except YubiInputError:
        return None
    if text.sha256 != case.sha256:
        return None
    if path and path[-1] in ("expr", "hazard", "update", "flow"):
        return text.expression_column(path, 0)
    return text.locate(path)
