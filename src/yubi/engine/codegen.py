"""Translating a compiled case's monthly dynamics into the source of one fused kernel.

The kernel advances a chunk's trajectories by one month in a single loop (two threads may
each advance alternate tiles of them at once: a trajectory's numbers depend only on its own
state and stream), covering scenario
flags, dynamic quantities and flows, event draws, stock updates and outputs, all as scalar
float64 code per trajectory, with no temporary arrays. It is generated **only from the
checked syntax trees** of :mod:`yubi.case.expressions` (whitelisted nodes, resolved names),
never from case text: names become array slots chosen here, numbers are written with
``repr(float)``, and nothing of the case file is copied into the source. UnsupportedError
constructs raise :class:`UnsupportedError` and the case runs on the NumPy closures instead.

The source depends on the case's *structure* only — which expressions, in which order,
reading which names — not on the values of constants and distributions (those arrive as rows
of the per-chunk ``static`` matrix). So a what-if that changes a quantity's value or a
scenario's prior reuses the same kernel, in memory and in the on-disk cache
(:mod:`yubi.engine.compiled`).

Semantics follow the NumPy closures exactly, with one documented difference: month-by-month
random draws (events, ``poisson()``, ``bernoulli()``) come from a per-trajectory SplitMix64
stream seeded from the chunk's generator, so they are as reproducible (a trajectory's draws
depend only on the seed, its chunk and its place in the chunk) but not the same numbers as
NumPy's generator would give.
"""

from __future__ import annotations

import ast
import hashlib
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import cast

from yubi.case.model import Case, Definition, Variable
from yubi.engine.checks import LARGEST_OUTPUT

__all__ = ["KernelPlan", "StaticRow", "UnsupportedError", "plan_kernel"]

#: Bumped whenever the generated code's meaning changes: part of every kernel's cache key.
GENERATOR_VERSION = 6
#: Trajectories per tile: two threads advancing one month take alternate tiles, so each gets
#: every scenario's share (costs differ by scenario); 256 float64 = 2 KiB, whole cache lines.
TILE = 256


class UnsupportedError(Exception):
    """The case uses something the kernel generator does not translate."""


@dataclass(frozen=True)
class StaticRow:
    """One row of the per-chunk ``static`` matrix: a value fixed for each trajectory.

    ``kind`` is ``"variable"`` (a static quantity's value), ``"definition"`` (one definition
    of a dynamic variable that is a constant or a distribution; ``scenario`` is the override's
    scenario index or -1 for the base) or ``"start"`` (a delayed scenario's start month).
    """

    kind: str
    name: str
    scenario: int = -1


@dataclass(frozen=True)
class KernelPlan:
    """The generated kernel source and how to feed it."""

    source: str
    key: str
    rows: tuple[StaticRow, ...]
    stocks: tuple[str, ...]
    events: tuple[str, ...]
    _row_index: dict[StaticRow, int] = field(default_factory=dict, repr=False, compare=False)


#: The generated module's header: the scalar helpers live in :mod:`yubi.engine.scalar`,
#: compiled and cached once for every case.
_HEADER = """\
import numpy as np

from yubi.engine.scalar import draw, fmax, fmin, jit, poisson, seed_states
"""


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
            ast.NotEq: "!="}
_UNARY_FUNCTIONS = {"abs": "abs", "floor": "np.floor", "ceil": "np.ceil", "round": "np.rint",
                    "exp": "np.exp", "log": "np.log", "log10": "np.log10", "log1p": "np.log1p",
                    "expm1": "np.expm1", "sqrt": "np.sqrt", "sin": "np.sin", "cos": "np.cos",
                    "tanh": "np.tanh"}


class _Expressions:
    """Scalar code for checked expression trees; random draws become numbered locals,
    emitted (in evaluation order) before the line that uses them."""

    def __init__(self, resolve: Callable[[str], str], scenario_flag: Callable[[str], str]) -> None:
        self.resolve = resolve
        self.scenario_flag = scenario_flag
        self.lines: list[str] = []
        self._draws = 0

    def code(self, tree: ast.expr | None) -> str:
        if tree is None:
            raise UnsupportedError("an expression without its checked tree")
        return self.visit(tree)

    def visit(self, node: ast.AST) -> str:
        """Float64 code for ``node`` (conditions read as 0.0 and 1.0)."""
        if isinstance(node, ast.Constant):
            return _number(float(cast(float, node.value)))
        if isinstance(node, ast.Name):
            return self.resolve(node.id)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            operand = self.visit(node.operand)
            return f"(-{operand})" if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Mod):
                return f"np.mod({left}, {right})"
            if isinstance(node.op, ast.Pow):
                return f"np.power({left}, {right})"
            return f"({left} {_BINARY[type(node.op)]} {right})"
        if isinstance(node, ast.IfExp):
            return self._choose(node.test, node.body, node.orelse)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "scenario":
                return f"(1.0 if {self.condition(node)} else 0.0)"
            return self.call(node.func.id, node.args)
        if isinstance(node, ast.UnaryOp | ast.Compare | ast.BoolOp):
            return f"(1.0 if {self.condition(node)} else 0.0)"
        raise UnsupportedError(type(node).__name__)

    def condition(self, node: ast.AST) -> str:
        """Boolean code for ``node`` (a number is true when it is not zero, NaN included).
        ``&`` and ``|`` rather than ``and``/``or``: no branches, and draws are hoisted."""
        if isinstance(node, ast.Compare):
            operands = [self.visit(item) for item in [node.left, *node.comparators]]
            tests = [f"({operands[i]} {_COMPARE[type(op)]} {operands[i + 1]})"
                     for i, op in enumerate(node.ops)]
            return f"({' & '.join(tests)})"
        if isinstance(node, ast.BoolOp):
            joiner = " & " if isinstance(node.op, ast.And) else " | "
            return f"({joiner.join(self.condition(value) for value in node.values)})"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"(not {self.condition(node.operand)})"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "scenario":
            argument = node.args[0]
            assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            return self.scenario_flag(argument.value)
        return f"({self.visit(node)} != 0.0)"

    def call(self, name: str, arguments: list[ast.expr]) -> str:
        if name == "where":
            return self._choose(*arguments)
        values = [self.visit(argument) for argument in arguments]
        if name in _UNARY_FUNCTIONS:
            return f"{_UNARY_FUNCTIONS[name]}({values[0]})"
        if name in ("min", "max"):
            result = values[0]
            for value in values[1:]:
                result = f"f{name}({result}, {value})"
            return result
        if name == "clip":
            return f"fmin(fmax({values[0]}, {values[1]}), {values[2]})"
        if name == "logistic":
            return f"(0.5 * (1.0 + np.tanh(0.5 * {values[0]})))"
        if name == "poisson":
            name = self._draw()
            self.lines.append(f"state, {name} = poisson(state, fmax({values[0]}, 0.0), flags)")
            return name
        if name == "bernoulli":
            name = self._draw()
            self.lines.append("state, u = draw(state)")
            self.lines.append(f"{name} = 1.0 if u < {values[0]} else 0.0")
            return name
        raise UnsupportedError(f"{name}()")

    def _choose(self, test: ast.expr, yes: ast.expr, no: ast.expr) -> str:
        # Draws in both branches happen either way (they are hoisted), as with NumPy's where().
        condition, chosen, other = self.condition(test), self.visit(yes), self.visit(no)
        return f"({chosen} if {condition} else {other})"

    def _draw(self) -> str:
        """The next draw's local (the caller emits the lines that draw it)."""
        name = f"r{self._draws}"
        self._draws += 1
        return name


def _number(value: float) -> str:
    if value != value:
        return "np.nan"
    if value in (float("inf"), float("-inf")):
        return "np.inf" if value > 0 else "(-np.inf)"
    return repr(value)


@lru_cache(maxsize=1)
def _helpers_text() -> str:
    """The helpers' source: a cached kernel is stale when they change (numba's own cache
    only watches the kernel's file)."""
    return Path(__file__).with_name("scalar.py").read_text(encoding="utf-8")


def plan_kernel(case: Case) -> KernelPlan:
    """The kernel for ``case``'s structure.

    Raises
    ------
    UnsupportedError
        If the dynamics use something the generator does not translate (``binomial()``).
    """
    return _Planner(case).plan()


class _Planner:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.rows: list[StaticRow] = []
        self.locals: dict[str, str] = {"dt": "1.0", "month": "month_value"}
        self.stock_index = {stock.name: k for k, stock in enumerate(case.stocks)}
        self.event_index = {event.name: k for k, event in enumerate(case.events)}
        self.body: list[str] = []

    def row(self, row: StaticRow) -> str:
        if row not in self.rows:
            self.rows.append(row)
        return f"static[t, {self.rows.index(row)}]"

    def resolve(self, name: str) -> str:
        if name in self.locals:
            return self.locals[name]
        if name in self.stock_index:
            return f"s{self.stock_index[name]}"
        if name in self.event_index:
            return f"e{self.event_index[name]}"
        return self.row(StaticRow("variable", name))

    def scenario_flag(self, scenario_id: str) -> str:
        # A branch of a crossed case is in effect in every combination that includes it.
        flags = [f"a{index}" for index in self.case.members(scenario_id)]
        return flags[0] if len(flags) == 1 else f"({' | '.join(flags)})"

    def emit(self, line: str, expressions: _Expressions | None = None) -> None:
        if expressions is not None:
            self.body.extend(expressions.lines)
            expressions.lines.clear()
        self.body.append(line)

    def expressions(self) -> _Expressions:
        return _Expressions(self.resolve, self.scenario_flag)

    def plan(self) -> KernelPlan:
        case = self.case
        for scenario in case.scenarios:
            index = scenario.index
            if scenario.start_event is not None:
                column = self.event_index[scenario.start_event]
                self.emit(f"a{index} = (scenario == {index}) & (e{column} > 0.0)")
            elif scenario.delayed:
                start = self.row(StaticRow("start", scenario.id))
                self.emit(f"a{index} = (scenario == {index}) & (month_value >= {start})")
            else:
                self.emit(f"a{index} = scenario == {index}")
        for variable in case.variables:
            if variable.dynamic:
                self.dynamic(variable)
        draws = []
        for k, event in enumerate(case.events):
            expressions = self.expressions()
            hazard = expressions.code(event.hazard.tree)
            self.emit(f"h = {hazard}", expressions)
            # A hazard is a probability: the kernel only flags one that is not; the reference
            # path (yubi.engine.checks) then names the event, the month and the scenario.
            self.emit("if not (h >= 0.0 and h <= 1.0):\n            flags[2] = 1")
            self.emit("state, u = draw(state)")
            self.emit(f"f{k} = 1.0 if u < h else 0.0")
            draws.append(k)
        for k, stock in enumerate(case.stocks):
            expressions = self.expressions()
            if stock.update is not None:
                value = expressions.code(stock.update.tree)
            else:
                assert stock.flow is not None
                value = f"s{k} + {expressions.code(stock.flow.tree)}"
            self.emit(f"n{k} = {value}", expressions)
        for k in range(len(case.stocks)):
            self.emit(f"s{k} = n{k}")
            self.emit(f"stocks[t, {k}] = s{k}")
        for k in draws:
            self.emit(f"e{k} = fmax(e{k}, f{k})")
            self.emit(f"events[t, {k}] = e{k}")
        for o, output in enumerate(case.outputs):
            expressions = self.expressions()
            value = expressions.code(output.expression.tree)
            if output.unit.scale != 1.0:
                value = f"{value} / {_number(output.unit.scale)}"
            self.emit(f"v = {value}", expressions)
            self.emit(f"out[{o}, t] = v")
            # NaN, infinities and overflow (squares for the sd would be infinite) fail this
            # comparison; the reference path's checks then say where it came from.
            self.emit(f"if not (abs(v) <= {LARGEST_OUTPUT!r}):\n            flags[0] = 1")
        source = self.source()
        key = hashlib.sha256(f"{GENERATOR_VERSION}\n{_helpers_text()}\n{source}".encode())
        key_text = key.hexdigest()
        return KernelPlan(source, key_text, tuple(self.rows), tuple(s.name for s in case.stocks),
                          tuple(e.name for e in case.events))

    def dynamic(self, variable: Variable) -> None:
        local = f"d{len(self.locals)}"
        value = self.definition(variable, -1, variable.base)
        self.emit(f"{local} = {value[0]}", value[1])
        for scenario, definition in variable.overrides.items():
            override, expressions = self.definition(variable, scenario, definition)
            self.emit(f"if a{scenario}:\n            {local} = {override}", expressions)
        self.locals[variable.name] = local

    def definition(
        self, variable: Variable, scenario: int, definition: Definition
    ) -> tuple[str, _Expressions | None]:
        if definition.expression is None:
            return self.row(StaticRow("definition", variable.name, scenario)), None
        expressions = self.expressions()
        return expressions.code(definition.expression.tree), expressions

    def source(self) -> str:
        lines = [_HEADER, "", "@jit",
                 "def step(month_value, static, scenarios, stocks, events, states, out, flags,",
                 "         part, parts):",
                 "    size = scenarios.size",
                 f"    for tile in range(part, (size + {TILE - 1}) // {TILE}, parts):",
                 f"        for t in range(tile * {TILE}, min(tile * {TILE} + {TILE}, size)):",
                 "            scenario = scenarios[t]",
                 "            state = states[t]"]
        lines += [f"            s{k} = stocks[t, {k}]" for k in range(len(self.case.stocks))]
        lines += [f"            e{k} = events[t, {k}]" for k in range(len(self.case.events))]
        body = "\n".join(f"        {line}" for line in self.body)
        lines.append(textwrap.indent(body, "    "))
        lines.append("            states[t] = state")
        return "\n".join(lines) + "\n"
