"""Running chunks on a case's fused kernel: generation, the on-disk cache, and feeding it.

A case's kernel (:mod:`yubi.engine.codegen`) is keyed by its structure. The first run of a
structure writes the generated module to the kernel cache folder (``$YUBI_KERNEL_CACHE``, or
the user cache folder's ``yubi/kernels``) and numba compiles it, caching the machine code
beside it; later processes load that code instead of compiling, and a what-if that changes
values only (quantities, priors) finds the kernel already in memory. The module written
there is generated from checked syntax trees; no case text is in it.

Set ``YUBI_KERNEL=off`` to run every case on the NumPy closures instead.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from yubi.cachedir import cache_folder
from yubi.case.model import Case
from yubi.engine.codegen import KernelPlan, UnsupportedError, plan_kernel
from yubi.engine.simulate import HalfCallback, MonthCallback, Trajectories
from yubi.errors import CaseError

__all__ = [
    "Kernel", "KernelCheckError", "cache_folder", "compile_seconds", "kernel_for", "month_buffer",
    "run_compiled",
]


class KernelCheckError(Exception):
    """The kernel saw a hazard outside [0, 1] or a non-finite output in ``month``.

    The kernel only notices; :func:`yubi.engine.simulate.run_chunk` re-runs the chunk on the
    reference path, whose checks name the expression, the month and the scenario."""

    def __init__(self, month: int) -> None:
        super().__init__(month)
        self.month = month


@dataclass(frozen=True)
class Kernel:
    """A loaded kernel module and the plan that feeds it."""

    plan: KernelPlan
    module: ModuleType


_LOCK = threading.Lock()
_MODULES: dict[str, ModuleType] = {}
_PLANS: dict[int, tuple[weakref.ref[Case], Kernel | None]] = {}
#: Seconds each kernel (by key) took to compile or load from disk on its first call.
compile_seconds: dict[str, float] = {}


def kernel_for(case: Case) -> Kernel | None:
    """The compiled kernel of ``case``, or ``None`` when it runs on the NumPy closures."""
    if os.environ.get("YUBI_KERNEL", "").lower() in ("off", "0", "numpy"):
        return None
    with _LOCK:
        known = _PLANS.get(id(case))
        if known is not None and known[0]() is case:
            return known[1]
        try:
            plan = plan_kernel(case)
        except UnsupportedError:
            kernel = None
        else:
            kernel = Kernel(plan, _load(plan))
        _PLANS[id(case)] = (weakref.ref(case), kernel)
        weakref.finalize(case, _PLANS.pop, id(case), None)
        return kernel


def _load(plan: KernelPlan) -> ModuleType:
    module = _MODULES.get(plan.key)
    if module is not None:
        return module
    name = f"yubi_kernel_{plan.key[:24]}"
    path = _write(plan, name)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # numba's disk cache finds a function's module again by name.
    sys.modules[name] = module
    spec.loader.exec_module(module)  # our generated source (see the module notes)
    _MODULES[plan.key] = module
    return module


def _write(plan: KernelPlan, name: str) -> Path:
    """The kernel's file in the cache folder (written once; same key, same text)."""
    for folder in (cache_folder(), Path(tempfile.gettempdir()) / "yubi-kernels"):
        path = folder / f"{name}.py"
        try:
            if path.exists() and path.read_text(encoding="utf-8") == plan.source:
                return path
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(plan.source)
            os.replace(temporary, path)
            return path
        except OSError:
            continue
    raise OSError("no writable folder for compiled kernels; set YUBI_KERNEL_CACHE")


def run_compiled(
    kernel: Kernel, trajectories: Trajectories, on_month: MonthCallback,
    on_half: HalfCallback | None = None,
) -> None:
    """Every month of one chunk on ``kernel``; reports outputs as :func:`run_chunk` does.

    With ``on_half`` (for a chunk that leaves a core idle, such as one chunk on two cores),
    each month is split over this thread and the helper thread (:mod:`yubi.engine.helper`):
    each advances part of the trajectories, then each reports the month with
    ``on_half(month, outputs, half)`` for ``half`` 0 and 1 while the next month is computed.
    A trajectory's numbers depend only on its own state and stream, so the split changes
    none of them; ``on_month`` is then not called."""
    case = trajectories.case
    if on_half is not None:  # the helper thread is free until the months start
        trajectories.draw_marginals(split=True)
    trajectories.prepare()
    size = trajectories.size
    static = _static(kernel.plan, trajectories)
    # Trajectory-major: one trajectory's values are adjacent in memory.
    stocks = np.empty((size, len(case.stocks)))
    for k, name in enumerate(kernel.plan.stocks):
        stocks[:, k] = trajectories.env[name]
    events = np.zeros((size, len(case.events)))
    module = kernel.module
    states = np.empty(size, dtype=np.uint64)
    # Drawn after prepare(): static random draws came first from the same generator.
    module.seed_states(np.uint64(trajectories.rng.bit_generator.random_raw()), states)
    flags = np.zeros(3, dtype=np.int64)
    scenarios = np.ascontiguousarray(trajectories.env["__scenario__"])

    def step(month: int, out: np.ndarray, part: int, parts: int) -> None:
        started = time.perf_counter() if kernel.plan.key not in compile_seconds else None
        module.step(float(month), static, scenarios, stocks, events, states, out.base, flags,
                    part, parts)
        if started is not None:
            compile_seconds.setdefault(kernel.plan.key, time.perf_counter() - started)

    def check(month: int) -> None:
        if flags[1]:
            raise CaseError("poisson() got an impossible argument (not a number, or too large)")
        if flags[0] or flags[2]:
            raise KernelCheckError(month)

    months = len(case.months)
    if on_half is None or size < 2:
        out = month_buffer(len(case.outputs), size)
        for month in range(months):
            step(month, out, 0, 1)
            check(month)
            on_month(month, out)
        return
    _split_months(months, size, len(case.outputs), step, check, on_half)


def _split_months(
    months: int, size: int, outputs: int, step: Callable[[int, np.ndarray, int, int], None],
    check: Callable[[int], None], on_half: HalfCallback,
) -> None:
    """Months on two threads: month m's two parts of trajectories, each with half of month
    m - 1's report, then both wait (two output buffers: month m is written while m - 1 is
    read). A month is reported only after its checks passed, as on one thread."""
    from yubi.engine.helper import helper

    # Alternate tiles of trajectories each: both threads get a share of every scenario,
    # whose costs differ (a lopsided split only makes one thread wait for the other).
    buffers = [month_buffer(outputs, size) for _ in range(2)]
    previous: tuple[int, np.ndarray] | None = None
    for month in range(months + 1):
        out = buffers[month % 2]
        current = month if month < months else None

        def other(current: int | None = current, out: np.ndarray = out,
                  previous: tuple[int, np.ndarray] | None = previous) -> None:
            if current is not None:
                step(current, out, 1, 2)
            if previous is not None:
                on_half(previous[0], previous[1], 1)

        pending = helper().submit(other)
        try:
            if current is not None:
                step(current, out, 0, 2)
            if previous is not None:
                on_half(previous[0], previous[1], 0)
        finally:
            pending.result()
        if current is not None:
            check(current)
            previous = (current, out)


def month_buffer(outputs: int, size: int) -> np.ndarray:
    """An (outputs × size) month block whose rows lie an odd number of cache lines apart:
    the first ``size`` columns of a wider C-ordered buffer (its ``base``, which the kernel
    writes and the summaries read). Rows a power of two apart (32,768 float64 = 256 KiB) map
    to the same cache sets, and the kernel's one write per output and trajectory then
    evicts its own lines: about 40 % slower per trajectory, measured."""
    lines = -(-size // 8)
    if lines % 2 == 0:
        lines += 1
    return np.empty((outputs, lines * 8))[:, :size]


def _static(plan: KernelPlan, trajectories: Trajectories) -> np.ndarray:
    """The chunk's ``static`` matrix: one row per value the kernel reads as fixed.

    A run on a kept (read-only) design, a same-seed rerun or what-if, gets the last such
    run's matrix back when every column is the same again (the kernel only reads it)."""
    case = trajectories.case
    variables = {variable.name: variable for variable in case.variables}
    columns: list[Any] = []
    for row in plan.rows:
        if row.kind == "variable":
            columns.append(trajectories.env[row.name])
        elif row.kind == "definition":
            columns.append(trajectories.definition(variables[row.name], row.scenario))
        else:
            columns.append(trajectories.start_month[case.scenario(row.name).index])
    reusable = not trajectories.design.flags.writeable
    if reusable:
        with _STATICS_LOCK:
            kept = _STATICS.get(plan.key)
        if (kept is not None and kept[1].shape[0] == trajectories.size
                and all(map(_same_column, kept[0], columns))):
            return kept[1]
    static = np.empty((trajectories.size, len(plan.rows)))
    for index, value in enumerate(columns):
        static[:, index] = value
    if reusable:
        with _STATICS_LOCK:
            _STATICS[plan.key] = (columns, static)
            _STATICS.move_to_end(plan.key)
            while len(_STATICS) > KEPT_STATICS:
                _STATICS.popitem(last=False)
    return static


def _same_column(kept: Any, value: Any) -> bool:
    """Whether a static column holds what it held, bit for bit (-0.0 is not 0.0): the same
    array (kept draws), an equal one (recomputed from kept draws), or the same number."""
    if kept is value:
        return True
    if isinstance(kept, np.ndarray) and isinstance(value, np.ndarray):
        return (kept.shape == value.shape and kept.dtype == value.dtype
                and kept.tobytes() == value.tobytes())
    if isinstance(kept, float | int) and isinstance(value, float | int):
        return bool(np.float64(kept).tobytes() == np.float64(value).tobytes())
    return False


#: The last static matrix of a few kernels on kept designs, with their columns.
KEPT_STATICS = 4
_STATICS: OrderedDict[str, tuple[list[Any], np.ndarray]] = OrderedDict()
_STATICS_LOCK = threading.Lock()
