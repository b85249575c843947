"""Scalar helpers of the generated per-case kernels (:mod:`yubi.engine.codegen`), compiled
with numba and cached once for every case. NumPy's semantics where they differ from Python's:
``min``/``max`` propagate NaN. Imported lazily, only when a run needs the compiler.

Random numbers: each trajectory owns a SplitMix64 stream (Steele, Lea & Flood 2014) seeded
from its chunk's key and its place in the chunk, so draws never depend on which thread,
process or Dask worker runs the chunk.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: The decorator of generated kernels and of these helpers.
jit = numba.njit(cache=True, nogil=True, error_model="numpy")
_jit = jit
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_POISSON_MAX = 9.223372006484771e18


@_jit
def _mix(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@_jit
def seed_states(key: np.uint64, states: np.ndarray) -> None:  # pragma: no cover - compiled
    """A SplitMix64 state per trajectory, from the chunk's ``key``."""
    for t in range(states.size):
        states[t] = _mix(key + np.uint64(t) * _GAMMA)


@_jit
def draw(state: np.uint64) -> tuple[np.uint64, float]:  # pragma: no cover - compiled
    """Advance a SplitMix64 ``state``: the new state and a uniform in [0, 1) (53 bits).

    Kernels hold a trajectory's state in a local for the whole month (loaded once, stored
    once): the compiler cannot keep it in a register through an array, which the kernel's
    other stores might alias."""
    state = state + _GAMMA
    return state, float(_mix(state) >> _S11) * (1.0 / 9007199254740992.0)


@_jit
def fmin(a: float, b: float) -> float:  # pragma: no cover - compiled
    return a if (a < b or a != a) else b


@_jit
def fmax(a: float, b: float) -> float:  # pragma: no cover - compiled
    return a if (a > b or a != a) else b


@_jit
def poisson(
    state: np.uint64, lam: float, flags: np.ndarray
) -> tuple[np.uint64, float]:  # pragma: no cover - compiled
    """A Poisson draw of mean ``lam`` (at least 0) from a SplitMix64 ``state``: the new
    state and the count; NaN, and ``flags[1]`` set, when ``lam`` is NaN or beyond what a
    64-bit count holds."""
    if not lam <= _POISSON_MAX:
        flags[1] = 1
        return state, np.nan
    if lam == 0.0:
        return state, 0.0
    if lam < 10.0:
        # Inversion: one uniform, walking up the cumulative probabilities.
        state, u = draw(state)
        k = 0.0
        term = math.exp(-lam)
        cumulative = term
        while u > cumulative and term > 0.0:
            k += 1.0
            term *= lam / k
            cumulative += term
        return state, k
    # Hörmann's PTRS (transformed rejection with squeeze), as NumPy uses for lam >= 10.
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        state, u = draw(state)
        u = u - 0.5
        state, v = draw(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return state, k
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (
            -lam + k * loglam - math.lgamma(k + 1.0)
        ):
            return state, k
