"""Systematic resampling: equally weighted trajectories from weighted ones.

Given weights ``w`` (normalized) over ``N`` trajectories, systematic resampling draws one
uniform ``u ~ U[0, 1/M)`` and takes the ``M`` points ``u + j/M``; trajectory ``i`` is picked
as many times as these points fall in its share of the cumulative weights. Each trajectory is
picked ``⌊M w_i⌋`` or ``⌈M w_i⌉`` times — the least added variance of the usual schemes
(Kitagawa 1996, *J. Comput. Graph. Stat.* 5(1):1–25; Douc, Cappé & Moulines 2005).

yubi's runs summarize weighted trajectories directly (lower variance than resampling first);
this is the step for code that needs an equally weighted sample, e.g. to seed a further
simulation from the posterior.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["systematic_resample"]


def systematic_resample(
    weights: NDArray[np.float64], count: int | None = None,
    rng: np.random.Generator | None = None,
) -> NDArray[np.int64]:
    """Indices of ``count`` (default: as many as weights) trajectories, by systematic
    resampling; sorted ascending.

    Parameters
    ----------
    weights
        Non-negative weights, any scale, not all zero.
    count
        How many to draw.
    rng
        The generator of the one uniform (default: a fresh unseeded one).

    Raises
    ------
    ValueError
        If a weight is negative or not finite, or all are zero.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    size = w.size if count is None else count
    generator = rng if rng is not None else np.random.default_rng()
    points = (generator.random() + np.arange(size)) / size
    cumulative = np.cumsum(w)
    cumulative /= cumulative[-1]
    cumulative[-1] = 1.0  # no point may fall past the end by rounding
    return np.searchsorted(cumulative, points, side="right").astype(np.int64)
