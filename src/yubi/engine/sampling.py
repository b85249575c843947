"""Uniform designs for one chunk of trajectories: Monte Carlo, Latin hypercube, Sobol.

Every random choice of a trajectory that is fixed for its whole path (the scenario, each
uncertain quantity, each uncertain scenario start) is one column of a design in [0, 1)^d;
:mod:`yubi.engine.simulate` maps columns through the inputs' inverse CDFs.

Reproducibility: chunk ``i`` of a run draws from its own streams (:mod:`yubi.engine.streams`),
so a chunk's numbers depend only on the seed and its index, never on which worker runs it or
in what order. Sobol points are one scrambled sequence for the whole run; chunk ``i``
fast-forwards to its first point.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special

from yubi.engine import streams

__all__ = ["SAMPLERS", "Sampler", "chunk_design", "dynamics_rng", "gaussian_copula"]

Sampler = Literal["mc", "lhs", "sobol"]
SAMPLERS: tuple[Sampler, ...] = ("mc", "lhs", "sobol")

# Keep uniforms strictly inside (0, 1) so inverse CDFs stay finite.
_EPSILON = 2.0**-53


def chunk_design(
    sampler: Sampler,
    seed: int,
    chunk_index: int,
    chunk_size: int,
    rows: int,
    dimensions: int,
    correlation: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """The design rows of one chunk.

    Parameters
    ----------
    sampler
        ``"mc"`` (independent uniforms), ``"lhs"`` (a Latin hypercube per chunk: stratified
        within each chunk, chunks independent), or ``"sobol"`` (one scrambled Sobol sequence
        across the run; best with a power-of-two sample count).
    seed
        The run's seed.
    chunk_index, chunk_size
        Which chunk, and the run's nominal chunk size (rows before this chunk =
        ``chunk_index * chunk_size``).
    rows
        Rows in this chunk (the last chunk may be short).
    dimensions
        Columns.
    correlation
        Target Pearson correlation of the Gaussian copula, or ``None``.

    Returns
    -------
    numpy.ndarray
        ``(rows, dimensions)`` uniforms in (0, 1).
    """
    key = (sampler, seed, chunk_index, chunk_size, rows, dimensions,
           None if correlation is None else correlation.tobytes())
    with _RECENT_LOCK:
        design = _RECENT.get(key)
        if design is not None:
            _RECENT.move_to_end(key)
            return design
    design = _new_design(sampler, seed, chunk_index, chunk_size, rows, dimensions, correlation)
    if chunk_index == 0:  # a run's first chunk: what a repeated what-if asks for again
        design.flags.writeable = False
        with _RECENT_LOCK:
            _RECENT[key] = design
            while len(_RECENT) > RECENT_DESIGNS:
                _RECENT.popitem(last=False)
    return design


#: First-chunk designs kept for the next run with the same settings (a what-if on the same
#: seed draws the same uniforms: 2 ms of a 10,000-trajectory run). Read-only arrays.
RECENT_DESIGNS = 4
_RECENT: OrderedDict[tuple[Any, ...], NDArray[np.float64]] = OrderedDict()
_RECENT_LOCK = threading.Lock()


def _new_design(
    sampler: Sampler, seed: int, chunk_index: int, chunk_size: int, rows: int,
    dimensions: int, correlation: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    rng = streams.design(seed, chunk_index)
    if sampler == "mc":
        design = rng.random((rows, dimensions))
    elif sampler == "lhs":
        from scipy.stats import qmc  # scipy.stats: 0.5 s of imports a Monte Carlo run skips

        design = qmc.LatinHypercube(dimensions, rng=rng).random(rows)
    elif sampler == "sobol":
        from scipy.stats import qmc

        engine = qmc.Sobol(dimensions, scramble=True, rng=streams.sobol_scramble(seed))
        if chunk_index:
            engine.fast_forward(chunk_index * chunk_size)
        design = engine.random(rows)
    else:
        raise ValueError(f"unknown sampler {sampler!r}; expected one of {', '.join(SAMPLERS)}")
    np.clip(design, _EPSILON, 1 - _EPSILON, out=design)
    if correlation is not None:
        design = gaussian_copula(design, correlation)
    return design


def dynamics_rng(seed: int, chunk_index: int) -> np.random.Generator:
    """The generator for a chunk's month-by-month draws (events, ``poisson()``...)."""
    return streams.dynamics(seed, chunk_index)


def gaussian_copula(
    design: NDArray[np.float64], correlation: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Impose ``correlation`` (Pearson, on normal scores) on uniform columns.

    Columns are mapped to normal scores, mixed by the Cholesky factor of ``correlation``,
    and mapped back, so each column stays uniform (the marginals are untouched) while
    rank correlations approach ``6/pi * arcsin(r/2)``.
    """
    factor = np.linalg.cholesky(correlation)
    result = design.copy()
    involved = np.flatnonzero(np.abs(correlation - np.eye(len(correlation))).sum(axis=0) > 0)
    scores = np.zeros_like(design)
    scores[:, involved] = special.ndtri(design[:, involved])
    # Column by column rather than a BLAS product: the sum order, hence every bit of the
    # result, must not depend on how many threads the BLAS library uses.
    for column in range(design.shape[1]):
        weights = factor[column, : column + 1]
        if np.count_nonzero(weights) == 1:
            continue
        mixed = np.zeros(design.shape[0])
        for source, weight in enumerate(weights):
            if weight:
                mixed += weight * scores[:, source]
        result[:, column] = special.ndtr(mixed)
    np.clip(result, _EPSILON, 1 - _EPSILON, out=result)
    return result
