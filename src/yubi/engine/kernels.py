"""Compiled loops of the streaming summaries (numba): one call per month of a chunk.

Imported lazily, only when a run summarizes (``import yubi`` stays light). The layout of the
histogram buckets and the accuracy contract are documented in :mod:`yubi.engine.summary`;
this module only makes them fast:

* one pass per (output, scenario) computes the sum, the extremes and the bucket of every
  value (from the float's bits: no ``log``), counting into a dense scratch row that is then
  copied into the series' window of the histogram *pool*;
* a second pass sums squared deviations from the exact slice mean (two-pass variance);
* threshold counts pass over the values only when the threshold lies inside the slice's range.

The pool holds every series' window end to end (``first``, ``width``, ``offset`` per series),
so folding a chunk into a histogram and merging histograms never goes through Python objects
per series. Everything is compiled once and cached on disk by numba (``cache=True``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from yubi.engine.summary import (
    BITS_OFFSET,
    BUCKETS,
    MAGNITUDE_MASK,
    SHIFT,
    ZERO_BUCKET,
)

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
#: The decorator of generated kernels (:mod:`yubi.engine.codegen`).
jit = _jit

_MASK = np.int64(MAGNITUDE_MASK)
_SHIFT = np.int64(SHIFT)
_OFFSET = np.int64(BITS_OFFSET - ZERO_BUCKET - 1)
_ZERO = np.int64(ZERO_BUCKET)
_LAST = np.int64(BUCKETS - 1)


@_jit
def bucket(bits: np.int64, negative: bool) -> np.int64:  # pragma: no cover - compiled
    """The bucket of a float64 given its bit pattern: exponent and top mantissa bits."""
    position = ((bits & _MASK) >> _SHIFT) - _OFFSET
    if position < _ZERO:
        position = _ZERO
    elif position > _LAST:
        position = _LAST
    if negative:
        position = 2 * _ZERO - position
    return position


@_jit
def _reserve(pool: np.ndarray, used: np.ndarray, extra: int) -> np.ndarray:  # pragma: no cover
    """``pool`` with room for ``extra`` more counts (doubling, so appends are amortized)."""
    need = used[0] + extra
    if need <= pool.size:
        return pool
    grown = np.zeros(max(need, 2 * pool.size), dtype=np.int64)
    grown[: used[0]] = pool[: used[0]]
    return grown


@_jit
def _cover(
    series: int, low: int, high: int, first: np.ndarray, width: np.ndarray,
    offset: np.ndarray, pool: np.ndarray, used: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Widen ``series``' window to include buckets ``low..high``; returns the pool."""
    start = first[series]
    if start >= 0 and start <= low and high < start + width[series]:
        return pool
    if start < 0:
        new_low, new_high = low, high + 1
    else:
        new_low = min(start, low)
        new_high = max(start + width[series], high + 1)
    size = new_high - new_low
    pool = _reserve(pool, used, size)
    place = used[0]
    used[0] += size
    pool[place : place + size] = 0
    if start >= 0:
        old = offset[series]
        shift = place + start - new_low
        pool[shift : shift + width[series]] = pool[old : old + width[series]]
    first[series] = new_low
    width[series] = size
    offset[series] = place
    return pool


@_jit
def summarize_block(
    block: np.ndarray, starts: np.ndarray, stops: np.ndarray, month: int,
    th_output: np.ndarray, th_value: np.ndarray, th_above: np.ndarray,
    integer: np.ndarray, mean: np.ndarray, m2: np.ndarray, minimum: np.ndarray,
    maximum: np.ndarray, exceed: np.ndarray, first: np.ndarray, width: np.ndarray,
    offset: np.ndarray, pool: np.ndarray, used: np.ndarray, scratch: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Fold one month of one chunk (``block``: outputs × trajectories, finite values, sorted
    by scenario; scenario ``s`` is ``starts[s]:stops[s]``) into moments and the pool."""
    outputs = block.shape[0]
    scenarios = starts.size
    bits = block.view(np.int64)
    for o in range(outputs):
        row = block[o]
        row_bits = bits[o]
        if integer[o]:
            for t in range(row.size):
                if row[t] != np.floor(row[t]):
                    integer[o] = False
                    break
        for s in range(scenarios):
            a, b = starts[s], stops[s]
            if b == a:
                continue
            total = 0.0
            low = np.inf
            high = -np.inf
            low_bucket = BUCKETS
            high_bucket = -1
            for t in range(a, b):
                x = row[t]
                total += x
                low = min(low, x)
                high = max(high, x)
                position = bucket(row_bits[t], x < 0)
                scratch[position] += 1
                low_bucket = min(low_bucket, position)
                high_bucket = max(high_bucket, position)
            size = b - a
            centre = total / size
            squares = 0.0
            for t in range(a, b):
                deviation = row[t] - centre
                squares += deviation * deviation
            mean[month, o, s] = centre
            m2[month, o, s] = squares
            minimum[month, o, s] = low
            maximum[month, o, s] = high
            for k in range(th_output.size):
                if th_output[k] == o:
                    exceed[month, k, s] = _beyond(row, a, b, low, high, th_value[k], th_above[k])
            series = (month * outputs + o) * scenarios + s
            pool = _cover(series, low_bucket, high_bucket, first, width, offset, pool, used)
            place = offset[series] + low_bucket - first[series]
            for position in range(low_bucket, high_bucket + 1):
                pool[place] += scratch[position]
                scratch[position] = 0
                place += 1
    return pool


@_jit
def _beyond(
    row: np.ndarray, a: int, b: int, low: float, high: float, level: float, above: bool
) -> int:  # pragma: no cover - compiled
    """How many of ``row[a:b]`` lie above (or below) ``level``; the extremes decide without a
    pass when the level is outside the range."""
    if above:
        if level < low:
            return b - a
        if level >= high:
            return 0
    else:
        if level > high:
            return b - a
        if level <= low:
            return 0
    count = 0
    for t in range(a, b):
        count += (row[t] > level) if above else (row[t] < level)
    return count


@_jit
def add_pool(
    first: np.ndarray, width: np.ndarray, offset: np.ndarray, pool: np.ndarray,
    used: np.ndarray, other_first: np.ndarray, other_width: np.ndarray,
    other_offset: np.ndarray, other_pool: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Add another histogram's windows into this one (integer counts: order-free)."""
    for series in range(other_first.size):
        start = other_first[series]
        if start < 0:
            continue
        size = other_width[series]
        pool = _cover(series, start, start + size - 1, first, width, offset, pool, used)
        place = offset[series] + start - first[series]
        source = other_offset[series]
        for i in range(size):
            pool[place + i] += other_pool[source + i]
    return pool


@_jit
def compact(
    first: np.ndarray, width: np.ndarray, offset: np.ndarray, pool: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """The live windows only, end to end (widening leaves the old copies behind);
    rewrites ``offset``."""
    total = 0
    for series in range(first.size):
        if first[series] >= 0:
            total += width[series]
    packed = np.zeros(total, dtype=np.int64)
    place = 0
    for series in range(first.size):
        if first[series] >= 0:
            size = width[series]
            packed[place : place + size] = pool[offset[series] : offset[series] + size]
            offset[series] = place
            place += size
    return packed


@_jit
def quantiles(
    first: np.ndarray, width: np.ndarray, offset: np.ndarray, pool: np.ndarray,
    count: np.ndarray, minimum: np.ndarray, maximum: np.ndarray, integer: np.ndarray,
    probabilities: np.ndarray, values: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Linear-interpolated quantiles per (month, output, slot); the last slot merges the
    scenarios' windows. ``values`` holds each bucket's representative value."""
    months, outputs, slots = minimum.shape
    scenarios = slots - 1
    result = np.full((months, outputs, slots, probabilities.size), np.nan)
    merged = np.zeros(BUCKETS, dtype=np.int64)
    for m in range(months):
        for o in range(outputs):
            low_all = BUCKETS
            high_all = -1
            for s in range(scenarios):
                series = (m * outputs + o) * scenarios + s
                start = first[series]
                if start < 0:
                    continue
                window = pool[offset[series] : offset[series] + width[series]]
                merged[start : start + window.size] += window
                low_all = min(low_all, start)
                high_all = max(high_all, start + window.size - 1)
                _fill(result[m, o, s], window, start, count[s], minimum[m, o, s],
                      maximum[m, o, s], integer[o], probabilities, values)
            if high_all >= 0:
                window = merged[low_all : high_all + 1]
                _fill(result[m, o, scenarios], window, low_all, count[scenarios],
                      minimum[m, o, scenarios], maximum[m, o, scenarios], integer[o],
                      probabilities, values)
                window[:] = 0
    return result


@_jit
def _fill(
    out: np.ndarray, window: np.ndarray, start: int, count: int, low: float, high: float,
    integer: bool, probabilities: np.ndarray, values: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Quantiles of one series into ``out``: the values at ranks ``floor`` and ``ceil`` of
    ``p (n - 1)`` are the representative values of the buckets holding those ranks, clamped
    to the exact range (and rounded for whole numbers below 128), then interpolated."""
    if count == 0:
        return
    available = float(count - 1)
    size = probabilities.size
    ranks = np.empty(2 * size)
    for k in range(size):
        ranks[2 * k] = np.floor(probabilities[k] * available)
        ranks[2 * k + 1] = np.ceil(probabilities[k] * available)
    # One walk over the window finds every rank, taken in increasing order.
    order = np.argsort(ranks, kind="mergesort")
    ends = np.empty(2 * size)
    j = 0
    seen = 0
    for i in range(window.size):
        seen += window[i]
        while j < order.size and seen > ranks[order[j]]:
            ends[order[j]] = _clamped(values[start + i], low, high, integer)
            j += 1
        if j == order.size:
            break
    while j < order.size:  # not reached when the counts add up to ``count``
        ends[order[j]] = _clamped(values[start + window.size - 1], low, high, integer)
        j += 1
    for k in range(size):
        rank = probabilities[k] * available
        out[k] = ends[2 * k] + (rank - ranks[2 * k]) * (ends[2 * k + 1] - ends[2 * k])


@_jit
def _clamped(value: float, low: float, high: float, integer: bool) -> float:  # pragma: no cover
    value = min(max(value, low), high)
    if integer and abs(value) < 128:
        value = np.rint(value)
    return value


# -- scalar helpers of the generated kernels: NumPy's semantics (min/max propagate NaN) ----
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_POISSON_MAX = 9.223372006484771e18


@_jit
def _mix(z):
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@_jit
def seed_states(key, states):
    for t in range(states.size):
        states[t] = _mix(key + np.uint64(t) * _GAMMA)


@_jit
def _uniform(states, t):
    z = states[t] + _GAMMA
    states[t] = z
    return float(_mix(z) >> _S11) * (1.0 / 9007199254740992.0)


@_jit
def _fmin(a, b):
    return a if (a < b or a != a) else b


@_jit
def _fmax(a, b):
    return a if (a > b or a != a) else b


@_jit
def _truth(a):
    return 1.0 if a != 0.0 else 0.0


@_jit
def _poisson(states, t, lam, flags):
    if not lam <= _POISSON_MAX:
        flags[1] = 1
        return np.nan
    if lam < 10.0:
        limit = math.exp(-lam)
        k = 0.0
        product = _uniform(states, t)
        while product > limit:
            k += 1.0
            product *= _uniform(states, t)
        return k
    # Hörmann's PTRS (transformed rejection with squeeze), as NumPy uses for lam >= 10.
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = _uniform(states, t) - 0.5
        v = _uniform(states, t)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (
            -lam + k * loglam - math.lgamma(k + 1.0)
        ):
            return k
