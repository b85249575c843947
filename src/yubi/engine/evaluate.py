"""Evaluating a case at given design points: the bridge to sensitivity analysis.

SALib (and any other design-based method) proposes points in the unit hypercube, one column
per input of :attr:`yubi.case.Case.inputs`; :func:`evaluate_design` returns every output at
the requested months for those exact points, in the caller's row order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from yubi.case.model import Case
from yubi.engine.run import CHUNK_SIZE
from yubi.engine.sampling import dynamics_rng
from yubi.engine.simulate import layout_of, run_chunk
from yubi.errors import UsageError

__all__ = ["evaluate_design"]


def evaluate_design(
    case: Case,
    design: NDArray[np.float64],
    *,
    seed: int = 0,
    months: Sequence[int] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Every output at ``months`` for each row of ``design``.

    Parameters
    ----------
    case
        The compiled case.
    design
        ``(rows, len(case.inputs))`` points in (0, 1); column 0 picks the scenario.
    seed
        Seeds the month-by-month draws (events, ``poisson()``), chunk by chunk.
    months
        Month indices to keep (default: all).

    Returns
    -------
    dict
        Output id → ``(rows, len(months))`` array in the output's declared unit.
    """
    design = np.asarray(design, dtype=np.float64)
    if design.ndim != 2 or design.shape[1] != len(case.inputs):
        raise UsageError(
            f"design must have {len(case.inputs)} columns (one per input), got {design.shape}"
        )
    wanted = list(range(len(case.months))) if months is None else list(months)
    position = {month: k for k, month in enumerate(wanted)}
    rows = design.shape[0]
    result = np.empty((len(case.outputs), rows, len(wanted)))
    clipped = np.clip(design, 2.0**-53, 1 - 2.0**-53)
    for chunk_index, start in enumerate(range(0, rows, CHUNK_SIZE)):
        part = clipped[start : start + CHUNK_SIZE]
        layout = layout_of(case, part)
        target = start + layout.order

        def keep(
            month: int, block: NDArray[np.float64], target: NDArray[np.int64] = target
        ) -> None:
            if month in position:
                result[:, target, position[month]] = block

        run_chunk(case, part, layout, dynamics_rng(seed, chunk_index), keep)
    return {output.id: result[index] for index, output in enumerate(case.outputs)}
