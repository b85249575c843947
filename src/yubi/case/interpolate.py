"""The compiled loop of a tabulated distribution's inverse CDF (numba; imported on first use,
so loading and validating a case never compile anything).

One pass replaces seven NumPy array passes (position, cell, fraction, two gathers, the
interpolation, the edge test) with the same arithmetic in the same order, so the numbers are
the same as NumPy's.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["interpolate"]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def interpolate(
    values: np.ndarray, u: np.ndarray, edge_cells: int, result: np.ndarray
) -> int:  # pragma: no cover - compiled
    """Linear interpolation of the table ``values`` (knots at equally spaced probabilities)
    at ``u`` into ``result``; returns how many ``u`` fall in the first or last
    ``edge_cells`` cells, which the caller computes exactly (``result`` there is a
    placeholder)."""
    cells = values.size - 1
    edges = 0
    for i in range(u.size):
        position = u[i] * cells
        cell = min(int(position), cells - 1)
        fraction = position - cell
        low = values[cell]
        result[i] = low + fraction * (values[cell + 1] - low)
        edges += (cell < edge_cells) | (cell >= cells - edge_cells)
    return edges
