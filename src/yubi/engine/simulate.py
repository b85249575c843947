"""The monthly loop: one chunk of trajectories, vectorized over trajectories.

A chunk's trajectories are sorted by scenario first, so each scenario's trajectories are one
contiguous slice; summaries then reduce slices instead of scattering with masks. Within a
month the order is fixed and documented in ``docs/case-format.md``: scenarios that have taken
effect → dynamic quantities and flows → events → stocks → outputs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from yubi.case.distributions import Marginal
from yubi.case.expressions import RNG_KEY, SIZE_KEY
from yubi.case.model import ACTIVE_KEY, SCENARIO_KEY, Case, Definition, Variable
from yubi.engine.checks import check_events, check_hazard, check_outputs
from yubi.errors import CaseError

__all__ = [
    "ChunkLayout", "HalfCallback", "MonthCallback", "Trajectories", "layout_of", "run_chunk",
    "scenario_of",
]

FloatArray = NDArray[np.float64]
#: Receives the month index and the outputs (outputs × trajectories, declared units).
MonthCallback = Callable[[int, FloatArray], None]
#: Receives the month index, the outputs, and which half (0 or 1) of the month's report to do.
HalfCallback = Callable[[int, FloatArray, int], None]


@dataclass(frozen=True)
class ChunkLayout:
    """How a chunk's trajectories are arranged after sorting by scenario.

    Attributes
    ----------
    order
        ``order[i]`` is the design row of sorted trajectory ``i``.
    scenario
        Scenario index of each sorted trajectory.
    bounds
        ``(start, stop)`` of each scenario's slice.
    """

    order: NDArray[np.int64]
    scenario: NDArray[np.int64]
    bounds: tuple[tuple[int, int], ...]


def scenario_of(case: Case, column: FloatArray) -> NDArray[np.int64]:
    """Scenario index drawn from uniform ``column`` by the case's probabilities."""
    cumulative = np.cumsum(case.priors)
    cumulative /= cumulative[-1]
    index = np.searchsorted(cumulative, column, side="right")
    return np.minimum(index, len(case.scenarios) - 1).astype(np.int64)


def run_chunk(
    case: Case,
    design: FloatArray,
    layout: ChunkLayout,
    rng: np.random.Generator,
    on_month: MonthCallback,
    *,
    compiled: bool = True,
    on_half: HalfCallback | None = None,
    events_checked: bool = False,
) -> None:
    """Simulate the trajectories of one design and report every month's outputs.

    Parameters
    ----------
    case
        The compiled case.
    design
        ``(trajectories, len(case.inputs))`` uniforms; column 0 picks the scenario.
    layout
        The chunk's arrangement by scenario, from :func:`layout_of`.
    rng
        The chunk's generator for month-by-month draws.
    on_month
        Called once per month with the outputs in their declared units, trajectories in
        the layout's (scenario-sorted) order.
    compiled
        Run the case's fused kernel (:mod:`yubi.engine.compiled`) when it has one; ``False``
        runs the NumPy closures, the reference the tests compare the kernel with.
    on_half
        Split each month over two threads (compiled kernels only): each computes half of
        the trajectories and makes ``on_half(month, outputs, half)`` for its ``half`` (0 or
        1) instead of ``on_month``. Without a kernel, ``on_month`` is called as usual.
    events_checked
        The callbacks check that ``kind: event`` outputs are 0 or 1 themselves (the
        summaries do, as they count them); otherwise they are checked before each call.
    """
    if not events_checked and any(output.event for output in case.outputs):
        on_month = _checking_events(case, layout, on_month)
        if on_half is not None:
            on_half = _checking_events_in_half(case, layout, on_half)
    trajectories = Trajectories(case, _sorted_design(design, layout.order), layout, rng)
    if compiled:
        from yubi.engine.compiled import KernelCheckError, kernel_for, run_compiled

        kernel = kernel_for(case)
        if kernel is not None:
            state = rng.bit_generator.state
            try:
                run_compiled(kernel, trajectories, on_month, on_half)
            except KernelCheckError as failed:
                rng.bit_generator.state = state
                _explain(case, design, layout, rng, failed.month)
            return
    trajectories.run(on_month)


def _sorted_design(design: FloatArray, order: NDArray[np.int64]) -> FloatArray:
    """``design[order]``, the same array again for a kept (read-only) design and the same
    order: a what-if on the same seed and priors then also reuses the inputs' draws
    (:meth:`Trajectories.definition`)."""
    if design.flags.writeable:
        return design[order]
    with _REUSE_LOCK:
        for kept, kept_order, rows in _SORTED:
            if kept is design and np.array_equal(kept_order, order):
                return rows
    rows = design[order]
    rows.flags.writeable = False
    with _REUSE_LOCK:
        _SORTED.append((design, order.copy(), rows))
    return rows


def _checking_events(case: Case, layout: ChunkLayout, on_month: MonthCallback) -> MonthCallback:
    """``on_month`` after checking that ``kind: event`` outputs are 0 or 1 (either path)."""

    def checked(month: int, outputs: FloatArray) -> None:
        check_events(case, outputs, month, layout.scenario)
        on_month(month, outputs)

    return checked


def _checking_events_in_half(case: Case, layout: ChunkLayout,
                             on_half: HalfCallback) -> HalfCallback:
    """``on_half`` after the same check, made once a month (by half 0)."""

    def checked(month: int, outputs: FloatArray, half: int) -> None:
        if half == 0:
            check_events(case, outputs, month, layout.scenario)
        on_half(month, outputs, half)

    return checked


def _explain(case: Case, design: FloatArray, layout: ChunkLayout, rng: np.random.Generator,
             month: int) -> None:
    """Re-run a chunk whose kernel failed a check on the reference path, whose checks name
    the expression, the month and the scenario; raise a plainer error if they pass."""
    Trajectories(case, design[layout.order], layout, rng).run(lambda _month, _outputs: None)
    raise CaseError(
        f"a hazard outside [0, 1] or an output that is not a finite number in month "
        f"{case.months[month]} (a division by zero, or log of a negative number?)"
    )


def layout_of(case: Case, design: FloatArray) -> ChunkLayout:
    """Sort a design's trajectories by the scenario each draws (for a kept, read-only
    design, the layout of the last run with the same priors again)."""
    if design.flags.writeable or case.crossed:
        return _layout(case, design)
    priors = tuple(float(prior) for prior in case.priors)
    with _REUSE_LOCK:
        for kept, kept_priors, layout in _LAYOUTS:
            if kept is design and kept_priors == priors:
                return layout
    layout = _layout(case, design)
    with _REUSE_LOCK:
        _LAYOUTS.append((design, priors, layout))
    return layout


def _layout(case: Case, design: FloatArray) -> ChunkLayout:
    if case.crossed:  # one design column per dimension (yubi.engine.groups)
        from yubi.engine.groups import combination_of

        scenario = combination_of(case, design)
    else:
        scenario = scenario_of(case, design[:, 0])
    order = np.argsort(scenario, kind="stable").astype(np.int64)
    scenario = scenario[order]
    edges = np.searchsorted(scenario, np.arange(len(case.scenarios) + 1))
    bounds = tuple((int(edges[i]), int(edges[i + 1])) for i in range(len(case.scenarios)))
    return ChunkLayout(order, scenario, bounds)


class Trajectories:
    """The state of one chunk's trajectories while months advance."""

    def __init__(
        self, case: Case, design: FloatArray, layout: ChunkLayout, rng: np.random.Generator
    ) -> None:
        self.case = case
        self.design = design
        self.size = design.shape[0]
        self.rng = rng
        self.in_scenario = np.stack(
            [layout.scenario == s.index for s in case.scenarios]
        ) if case.scenarios else np.zeros((0, self.size), dtype=bool)
        self.delayed = [s for s in case.scenarios if s.delayed]
        self.start_month = {
            s.index: self._start_month(s) for s in self.delayed if s.start_event is None
        }
        self.env: dict[str, Any] = {
            "dt": 1.0,
            "month": 0.0,
            RNG_KEY: rng,
            SIZE_KEY: self.size,
            SCENARIO_KEY: layout.scenario,
        }
        self.env[ACTIVE_KEY] = self._active(0)
        self.cache: dict[tuple[str, int], Any] = {}
        self.dynamic = [v for v in case.variables if v.dynamic]

    def _start_month(self, scenario: Any) -> Any:
        if scenario.start_marginal is not None:
            return _drawn(scenario.start_marginal, 1.0, self.design, scenario.start_column)
        return scenario.start_month

    def _active(self, month: int) -> NDArray[np.bool_]:
        if not self.delayed:
            return self.in_scenario
        active = self.in_scenario.copy()
        for scenario in self.delayed:
            if scenario.start_event is not None:
                active[scenario.index] &= self.env.get(scenario.start_event, 0.0) > 0
            else:
                active[scenario.index] &= month >= self.start_month[scenario.index]
        return active

    def prepare(self) -> None:
        """Month 0's state: static values, events not yet happened, stocks' initial values."""
        env = self.env
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for variable in self.case.variables:
                # Quantities that switch with a delayed scenario too: a stock's initial
                # value may read them (as of month 0); each month recomputes them.
                if not variable.dynamic or variable.kind == "quantity":
                    env[variable.name] = self._value(variable)
            for event in self.case.events:
                env[event.name] = np.zeros(self.size)
            for stock in self.case.stocks:
                initial = stock.initial.evaluate(env)
                env[stock.name] = np.broadcast_to(np.asarray(initial, np.float64), (self.size,))

    def run(self, on_month: MonthCallback) -> None:
        """Every month with the NumPy closures (the reference semantics)."""
        self.prepare()
        env = self.env
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            outputs = np.empty((len(self.case.outputs), self.size))
            for month in range(len(self.case.months)):
                self._step(month)
                for row, output in enumerate(self.case.outputs):
                    outputs[row] = output.expression.evaluate(env)
                    if output.unit.scale != 1.0:
                        outputs[row] /= output.unit.scale
                check_outputs(self.case, outputs, month, env)
                on_month(month, outputs)

    def _step(self, month: int) -> None:
        env = self.env
        env["month"] = float(month)
        if self.delayed:
            env[ACTIVE_KEY] = self._active(month)
        for variable in self.dynamic:
            env[variable.name] = self._value(variable)
        fired_now = {}
        for event in self.case.events:
            hazard = event.hazard.evaluate(env)
            check_hazard(self.case, event, hazard, month, env)
            fired_now[event.name] = self.rng.random(self.size) < hazard
        updated = {}
        for stock in self.case.stocks:
            if stock.update is not None:
                updated[stock.name] = stock.update.evaluate(env)
            else:
                assert stock.flow is not None
                updated[stock.name] = env[stock.name] + stock.flow.evaluate(env)
        for name, value in updated.items():
            env[name] = np.broadcast_to(value, (self.size,))
        for name, happened in fired_now.items():
            env[name] = np.maximum(env[name], happened)

    def _value(self, variable: Variable) -> Any:
        """The variable's value this month; float64, as the fused kernels expect."""
        value = self._definition(variable, -1, variable.base)
        active = self.env[ACTIVE_KEY]
        for scenario, definition in variable.overrides.items():
            override = self._definition(variable, scenario, definition)
            value = np.where(active[scenario], override, value)
        if isinstance(value, np.ndarray) and value.dtype != np.float64:
            return value.astype(np.float64)
        return value

    def draw_marginals(self, split: bool = False) -> None:
        """Compute every drawn definition's values now (inverse CDFs of design columns);
        ``split``: half of them on the helper thread, at once (they are independent)."""
        keys = [(variable, key) for variable in self.case.variables
                for key, definition in ((-1, variable.base), *variable.overrides.items())
                if definition.marginal is not None and definition.expression is None]
        if not split or len(keys) < 2:
            for variable, key in keys:
                self.definition(variable, key)
            return
        from yubi.engine.helper import helper

        later = helper().submit(lambda: [self.definition(v, k) for v, k in keys[1::2]])
        try:
            for variable, key in keys[::2]:
                self.definition(variable, key)
        finally:
            later.result()

    def definition(self, variable: Variable, key: int) -> Any:
        """A constant or drawn definition (base: ``key`` -1, else the override's scenario)."""
        return self._definition(variable, key, variable.overrides.get(key, variable.base))

    def _definition(self, variable: Variable, key: int, definition: Definition) -> Any:
        if definition.expression is not None:
            return definition.expression.evaluate(self.env)
        cached = self.cache.get((variable.name, key))
        if cached is None:
            if definition.constant is not None:
                cached = definition.constant
            else:
                assert definition.marginal is not None and variable.column is not None
                cached = _drawn(definition.marginal, definition.scale, self.design,
                                variable.column)
            self.cache[(variable.name, key)] = cached
        return cached


def _drawn(marginal: Marginal, scale: float, design: FloatArray, column: int) -> FloatArray:
    """``marginal.ppf(design[:, column]) * scale``, kept for a kept (read-only) sorted design:
    the inverse CDFs are most of a small run's set-up, and a what-if that changes one input
    leaves the others' draws as they were."""
    if design.flags.writeable:
        return marginal.ppf(design[:, column]) * scale
    key = (id(marginal), column)
    with _REUSE_LOCK:
        kept = _DRAWN.get(key)
        if kept is not None and kept[0] is marginal and kept[1] is design and kept[2] == scale:
            _DRAWN.move_to_end(key)
            return kept[3]
    values = marginal.ppf(design[:, column]) * scale
    values.flags.writeable = False
    with _REUSE_LOCK:
        _DRAWN[key] = (marginal, design, scale, values)
        while len(_DRAWN) > KEPT_DRAWS:
            _DRAWN.popitem(last=False)
    return values


#: Inputs' draws kept for kept designs (a few what-if cases' worth).
KEPT_DRAWS = 128
_REUSE_LOCK = threading.Lock()
_SORTED: deque[tuple[FloatArray, NDArray[np.int64], FloatArray]] = deque(maxlen=4)
_LAYOUTS: deque[tuple[FloatArray, tuple[float, ...], ChunkLayout]] = deque(maxlen=4)
_DRAWN: OrderedDict[tuple[int, int], tuple[Marginal, FloatArray, float, FloatArray]] = (
    OrderedDict())
