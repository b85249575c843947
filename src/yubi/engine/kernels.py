"""Compiled loops of the streaming summaries (numba): one call per month of a chunk.

Imported lazily, only when a run summarizes (``import yubi`` stays light). The layout of the
histogram buckets and the accuracy contract are documented in :mod:`yubi.engine.summary`;
this module only makes them fast:

* a first pass per (output, scenario) computes the sum and the extremes, which fix the
  series' window of buckets in the histogram *pool*;
* an output whose values are two whole numbers at most one apart (0/1 indicators,
  constants) stops there: the sum says how many are high, and gives the variance;
* otherwise a second pass sums squared deviations from the exact slice mean (two-pass
  variance) and counts each value's bucket (from the float's bits: no ``log``) in place;
* threshold counts pass over the values only when the threshold lies inside the slice's range.

The pool holds every series' window end to end (``first``, ``width``, ``offset`` per series),
so folding a chunk into a histogram and merging histograms never goes through Python objects
per series. Everything is compiled once and cached on disk by numba (``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np

from yubi.engine.summary import (
    BITS_OFFSET,
    BUCKETS,
    MAGNITUDE_MASK,
    SHIFT,
    SMALLEST_MAGNITUDE,
    ZERO_BUCKET,
)

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")

_MASK = np.int64(MAGNITUDE_MASK)
_SHIFT = np.int64(SHIFT)
_OFFSET = np.int64(BITS_OFFSET - ZERO_BUCKET - 1)
_ZERO: int = ZERO_BUCKET
_ONE_BITS = np.int64(0x3FF0_0000_0000_0000)
#: Bit pattern of the smallest magnitude counted apart from zero, and of 2^60 (the last bucket).
_SMALLEST_BITS = np.int64(np.float64(SMALLEST_MAGNITUDE).view(np.int64))
_LARGEST = 2.0**60
_LAST: int = BUCKETS - 1
#: Buckets the quantiles skip at a time where no rank ends (a quarter of a binade).
_BLOCK = 32


@_jit
def bucket(bits: int, negative: bool) -> int:  # pragma: no cover - compiled
    """The bucket of a float64 given its bit pattern: exponent and top mantissa bits."""
    position = int(((bits & _MASK) >> _SHIFT) - _OFFSET)
    if position < _ZERO:
        position = _ZERO
    elif position > _LAST:
        position = _LAST
    if negative:
        position = 2 * _ZERO - position
    return position


# Columns of a histogram's ``table`` (one row per series).
# Zeros (and magnitudes below the smallest) are counted apart from the window, which then
# spans only the non-zero values: an output from 0 to 20,000 would otherwise hold 4,480
# buckets, most of them the empty ones between 2^-20 and its smallest non-zero value.
FIRST, WIDTH, OFFSET, PAIR_LOW, PAIR_HIGH, LOW_COUNT, HIGH_COUNT, ZEROS = range(8)
TABLE_COLUMNS = 8
_SMALLEST = SMALLEST_MAGNITUDE


@_jit
def _reserve(pool: np.ndarray, used: np.ndarray, extra: int) -> np.ndarray:  # pragma: no cover
    """``pool`` with room for ``extra`` more counts (doubling, so appends are amortized)."""
    need = used[0] + extra
    if need <= pool.size:
        return pool
    # Not zeroed: every window is zeroed (or copied in whole) when it is placed.
    grown = np.empty(max(need, 2 * pool.size), dtype=np.int64)
    grown[: used[0]] = pool[: used[0]]
    return grown


@_jit
def _cover(
    series: int, low: int, high: int, table: np.ndarray, pool: np.ndarray, used: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Widen ``series``' window to include buckets ``low..high``; returns the pool."""
    row = table[series]
    start = row[FIRST]
    if start >= 0 and start <= low and high < start + row[WIDTH]:
        return pool
    if start < 0:
        new_low, new_high = low, high + 1
    else:
        new_low = min(start, low)
        new_high = max(start + row[WIDTH], high + 1)
    size = new_high - new_low
    pool = _reserve(pool, used, size)
    place = used[0]
    used[0] += size
    pool[place : place + size] = 0
    if start >= 0:
        shift = place + start - new_low
        pool[shift : shift + row[WIDTH]] = pool[row[OFFSET] : row[OFFSET] + row[WIDTH]]
    row[FIRST], row[WIDTH], row[OFFSET] = new_low, size, place
    return pool


@_jit
def _add_counts(
    series: int, low: int, high: int, low_count: int, high_count: int, table: np.ndarray,
    pool: np.ndarray, used: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Add counts at (at most) two buckets. While a series only ever holds two buckets they
    are kept in its table row (a 0/1 output's window would span 2,561 empty buckets);
    otherwise they spill into its pool window."""
    row = table[series]
    if row[FIRST] < 0 and row[ZEROS] == 0:
        if row[PAIR_LOW] < 0:
            row[PAIR_LOW], row[PAIR_HIGH] = low, high
            row[LOW_COUNT], row[HIGH_COUNT] = low_count, high_count
            return pool
        buckets = np.array([row[PAIR_LOW], row[PAIR_HIGH], low, high])
        smallest, largest = buckets.min(), buckets.max()
        if np.all((buckets == smallest) | (buckets == largest)):
            counts = np.zeros(2, dtype=np.int64)
            for k, count in enumerate((row[LOW_COUNT], row[HIGH_COUNT], low_count, high_count)):
                counts[0 if buckets[k] == smallest else 1] += count
            row[PAIR_LOW], row[PAIR_HIGH] = smallest, largest
            row[LOW_COUNT], row[HIGH_COUNT] = counts[0], counts[1]
            return pool
        pool = _spill(series, table, pool, used)
    pool = _add_at(series, low, low_count, table, pool, used)
    return _add_at(series, high, high_count, table, pool, used)


@_jit
def _add_at(
    series: int, position: int, count: int, table: np.ndarray, pool: np.ndarray,
    used: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Add ``count`` at one bucket: the zero column, or the (widened) window."""
    if position == _ZERO:
        table[series, ZEROS] += count
        return pool
    pool = _cover(series, position, position, table, pool, used)
    pool[table[series, OFFSET] + position - table[series, FIRST]] += count
    return pool


@_jit
def _spill(
    series: int, table: np.ndarray, pool: np.ndarray, used: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """Move a series' two-bucket counts into its pool window."""
    row = table[series]
    if row[PAIR_LOW] < 0:
        return pool
    low, high = row[PAIR_LOW], row[PAIR_HIGH]
    low_count, high_count = row[LOW_COUNT], row[HIGH_COUNT]
    row[PAIR_LOW] = row[PAIR_HIGH] = -1
    row[LOW_COUNT] = row[HIGH_COUNT] = 0
    pool = _add_at(series, low, low_count, table, pool, used)
    return _add_at(series, high, high_count, table, pool, used)


@_jit
def summarize_block(
    block: np.ndarray, starts: np.ndarray, stops: np.ndarray, month: int,
    th_output: np.ndarray, th_value: np.ndarray, th_above: np.ndarray,
    integer: np.ndarray, mean: np.ndarray, m2: np.ndarray, minimum: np.ndarray,
    maximum: np.ndarray, exceed: np.ndarray, table: np.ndarray, pool: np.ndarray,
    used: np.ndarray, chosen: np.ndarray, event: np.ndarray, problem: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Fold one month of one chunk (``block``: outputs × trajectories, finite values, sorted
    by scenario; scenario ``s`` is ``starts[s]:stops[s]``) into moments and the histogram,
    for the outputs ``chosen`` (indices): two threads may fold disjoint outputs of one month
    into the shared moments, each into its own histogram.

    ``event[o]`` marks outputs declared 0 or 1; one of them holding anything else sets
    ``problem[0]`` to its index and is not folded (the caller raises the case's error)."""
    outputs = block.shape[0]
    scenarios = starts.size
    bits = block.view(np.int64)
    totals = np.zeros(scenarios)
    lows = np.zeros(scenarios)
    highs = np.zeros(scenarios)
    for o in chosen:
        row = block[o]
        whole = integer[o]
        plain = event[o]
        for s in range(scenarios):
            if plain:  # 0/1 as their exact bit patterns: a count, no float sums
                ones, plain = _count_ones(bits[o], starts[s], stops[s])
                totals[s] = ones
                lows[s] = 0.0 if ones < stops[s] - starts[s] else 1.0
                highs[s] = 1.0 if ones > 0 else 0.0
        if event[o] and not plain and not _zeros_and_ones(row):
            problem[0] = o
            continue
        if not plain:
            # Pass 1, per scenario: sum (two running sums in a fixed order: reproducible)
            # and extremes; whole numbers are checked while they last.
            for s in range(scenarios):
                totals[s], lows[s], highs[s] = _sum_and_extremes(row, starts[s], stops[s])
                whole = whole and _all_whole(row, starts[s], stops[s])
        integer[o] = whole
        for s in range(scenarios):
            a, b = starts[s], stops[s]
            if b > a:
                pool = _fold_slice(row, bits[o], a, b, month, o, s, outputs, scenarios,
                                   totals[s], lows[s], highs[s], whole, th_output, th_value,
                                   th_above, mean, m2, minimum, maximum, exceed, table, pool,
                                   used)
    return pool


@_jit
def _fold_slice(
    row: np.ndarray, bits: np.ndarray, a: int, b: int, month: int, o: int, s: int,
    outputs: int, scenarios: int, total: float, low: float, high: float, whole: bool,
    th_output: np.ndarray, th_value: np.ndarray, th_above: np.ndarray, mean: np.ndarray,
    m2: np.ndarray, minimum: np.ndarray, maximum: np.ndarray, exceed: np.ndarray,
    table: np.ndarray, pool: np.ndarray, used: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """One scenario's slice of one output, its sum and extremes known: the moments, the
    threshold counts and the bucket counts."""
    size = b - a
    centre = total / size
    mean[month, o, s] = centre
    minimum[month, o, s] = low
    maximum[month, o, s] = high
    series = (month * outputs + o) * scenarios + s
    low_bucket = _bucket_of(low)
    high_bucket = _bucket_of(high)
    if whole and high - low <= 1.0:
        # Two whole values at most: the sum tells how many are high, exactly.
        ups = 0 if high == low else int(np.rint(total - size * low))
        m2[month, o, s] = ups * (size - ups) / size
        for k in range(th_output.size):
            if th_output[k] == o:
                exceed[month, k, s] = _two_valued_beyond(
                    size, ups, low, high, th_value[k], th_above[k])
        return _add_counts(series, low_bucket, high_bucket, size - ups, ups, table, pool,
                           used)
    # Pass 2: squared deviations from the exact mean; pass 3: each value's bucket. The
    # window spans the values outside the zero bucket (from the smallest non-zero magnitude).
    pool = _spill(series, table, pool, used)
    window_low, window_high = low_bucket, high_bucket
    if -_SMALLEST < low < _SMALLEST or -_SMALLEST < high < _SMALLEST:
        floor, ceiling = _nonzero_extremes(row, a, b)
        if -_SMALLEST < low < _SMALLEST:
            window_low = _bucket_of(floor) if floor < np.inf else _ZERO + 1
        if -_SMALLEST < high < _SMALLEST:
            window_high = _bucket_of(ceiling) if ceiling > -np.inf else _ZERO - 1
    if window_low <= window_high:
        pool = _cover(series, window_low, window_high, table, pool, used)
        base = table[series, OFFSET] - table[series, FIRST]
    else:  # only zeros: no window (first > last)
        base = 0
    for k in range(th_output.size):
        if th_output[k] == o:
            exceed[month, k, s] = _beyond(row, a, b, low, high, th_value[k], th_above[k])
    m2[month, o, s] = _squares(row, a, b, centre)
    if window_low > window_high:
        table[series, ZEROS] += size
    elif low >= _SMALLEST and high < _LARGEST:
        _count_positive(bits, a, b, pool, base - _OFFSET)
    elif low > -_SMALLEST and high < _LARGEST:
        table[series, ZEROS] += _count_non_negative(bits, a, b, pool, base - _OFFSET)
    else:
        table[series, ZEROS] += _count_any(row, bits, a, b, pool, base, window_low,
                                           window_high)
    return pool


@_jit
def _bucket_of(value: float) -> int:  # pragma: no cover - compiled
    """The bucket of one float (its bits by a scalar view: no one-cell array)."""
    bits: int = np.float64(value).view(np.int64)  # type: ignore[assignment]
    return bucket(bits, value < 0)


@_jit
def _count_ones(bits: np.ndarray, a: int, b: int) -> tuple[int, bool]:  # pragma: no cover
    """How many of ``bits[a:b]`` are 1.0, and whether all the others are +0.0 (bit
    patterns: -0.0 and anything else are not plain)."""
    ones = 0
    other = 0
    for t in range(a, b):
        one = bits[t] == _ONE_BITS
        ones += one
        other |= (bits[t] != 0) & (not one)
    return ones, other == 0


@_jit
def _zeros_and_ones(row: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Whether every value is 0 or 1 (either sign of zero)."""
    for value in row:  # noqa: SIM110 - numba compiles loops, not all() of a generator
        if value != 0.0 and value != 1.0:
            return False
    return True


@_jit
def _sum_and_extremes(
    row: np.ndarray, a: int, b: int
) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """Sum (two running sums, for speed; fixed order, so reproducible), minimum and maximum:
    one pass."""
    s0 = s1 = 0.0
    low, high = np.inf, -np.inf
    t = a
    while t + 2 <= b:
        x0, x1 = row[t], row[t + 1]
        s0 += x0
        s1 += x1
        low = min(low, min(x0, x1))
        high = max(high, max(x0, x1))
        t += 2
    if t < b:
        x0 = row[t]
        s0 += x0
        low = min(low, x0)
        high = max(high, x0)
    return s0 + s1, low, high


@_jit
def _all_whole(row: np.ndarray, a: int, b: int) -> bool:  # pragma: no cover - compiled
    """Whether every value of ``row[a:b]`` is a whole number (stops at the first that is
    not: most outputs that are not whole show it at once)."""
    t = a
    while t + 4 <= b:
        if not ((row[t] == np.floor(row[t])) & (row[t + 1] == np.floor(row[t + 1]))
                & (row[t + 2] == np.floor(row[t + 2])) & (row[t + 3] == np.floor(row[t + 3]))):
            return False
        t += 4
    while t < b:
        if row[t] != np.floor(row[t]):
            return False
        t += 1
    return True


@_jit
def _nonzero_extremes(
    row: np.ndarray, a: int, b: int
) -> tuple[float, float]:  # pragma: no cover - compiled
    """The smallest value at least 2^-20 and the largest at most -2^-20 (infinite when
    there is none): where a window starts when the slice also holds zeros."""
    floor, ceiling = np.inf, -np.inf
    for t in range(a, b):
        x = row[t]
        if x >= _SMALLEST:
            floor = min(floor, x)
        elif x <= -_SMALLEST:
            ceiling = max(ceiling, x)
    return floor, ceiling


@_jit
def _squares(row: np.ndarray, a: int, b: int, centre: float) -> float:  # pragma: no cover
    """Sum of squared deviations from ``centre`` (two running sums, fixed order)."""
    s0 = s1 = 0.0
    t = a
    while t + 2 <= b:
        d0, d1 = row[t] - centre, row[t + 1] - centre
        s0 += d0 * d0
        s1 += d1 * d1
        t += 2
    if t < b:
        d0 = row[t] - centre
        s0 += d0 * d0
    return s0 + s1


@_jit
def _count_positive(bits: np.ndarray, a: int, b: int, pool: np.ndarray,
                    base: int) -> None:  # pragma: no cover - compiled
    """Count values from 2^-20 to below 2^60: the bucket is the top bits, shifted."""
    for t in range(a, b):
        pool[base + (bits[t] >> _SHIFT)] += 1


@_jit
def _count_non_negative(bits: np.ndarray, a: int, b: int, pool: np.ndarray,
                        base: int) -> int:  # pragma: no cover - compiled
    """Count values below 2^60 and above -2^-20; returns how many are zeros (below 2^-20
    in magnitude), which are not in the window."""
    zeros = 0
    for t in range(a, b):
        magnitude = bits[t] & _MASK
        if magnitude < _SMALLEST_BITS:
            zeros += 1
        else:
            pool[base + (magnitude >> _SHIFT)] += 1
    return zeros


@_jit
def _count_any(
    row: np.ndarray, bits: np.ndarray, a: int, b: int, pool: np.ndarray, base: int,
    first: int, last: int,
) -> int:  # pragma: no cover - compiled
    """Count any values in the window ``first..last`` at ``base``; returns how many are
    zeros. Without branches on the bucket (a zero is as likely as not in many outputs): a
    zero adds 0 at the window's edge, every other value 1 at its bucket."""
    counted = 0
    for t in range(a, b):
        position = bucket(bits[t], row[t] < 0)
        keep = position != _ZERO
        pool[base + min(max(position, first), last)] += keep
        counted += keep
    return b - a - counted


@_jit
def _two_valued_beyond(
    size: int, ups: int, low: float, high: float, level: float, above: bool
) -> int:  # pragma: no cover - compiled
    """Values beyond ``level`` among ``size - ups`` at ``low`` and ``ups`` at ``high``."""
    if above:
        return size if level < low else (ups if level < high else 0)
    return size if level > high else (size - ups if level > low else 0)


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
    if above:
        for t in range(a, b):
            count += row[t] > level
    else:
        for t in range(a, b):
            count += row[t] < level
    return count


@_jit
def add_histogram(
    table: np.ndarray, pool: np.ndarray, used: np.ndarray, other_table: np.ndarray,
    other_pool: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Add another histogram's counts into this one (integers: exact and order-free).

    A series this histogram has not seen takes the other's row and window as they are (the
    two halves of a split month hold disjoint outputs: merging them is then a copy)."""
    extra = 0
    for series in range(other_table.shape[0]):
        if other_table[series, FIRST] >= 0:
            extra += other_table[series, WIDTH]
    pool = _reserve(pool, used, extra)
    for series in range(other_table.shape[0]):
        other = other_table[series]
        if _empty(table[series]):
            table[series] = other
            if other[FIRST] >= 0:
                size = other[WIDTH]
                # The room reserved above can be spent already: widening a series both
                # hold places the union of their windows anew.
                pool = _reserve(pool, used, size)
                place = used[0]
                pool[place : place + size] = other_pool[other[OFFSET] : other[OFFSET] + size]
                table[series, OFFSET] = place
                used[0] += size
            continue
        if other[PAIR_LOW] >= 0:
            pool = _add_counts(series, other[PAIR_LOW], other[PAIR_HIGH], other[LOW_COUNT],
                               other[HIGH_COUNT], table, pool, used)
        if other[ZEROS] > 0:
            pool = _spill(series, table, pool, used)
            table[series, ZEROS] += other[ZEROS]
        start = other[FIRST]
        if start < 0:
            continue
        size = other[WIDTH]
        pool = _spill(series, table, pool, used)
        pool = _cover(series, start, start + size - 1, table, pool, used)
        place = table[series, OFFSET] + start - table[series, FIRST]
        source = other[OFFSET]
        for i in range(size):
            pool[place + i] += other_pool[source + i]
    return pool


@_jit
def _empty(row: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Whether a series has no counts at all: no window, no pair, no zeros."""
    return bool(row[FIRST] < 0 and row[PAIR_LOW] < 0 and row[ZEROS] == 0)


@_jit
def compact(table: np.ndarray, pool: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """The live windows only, end to end (widening leaves the old copies behind);
    rewrites the offsets in ``table``."""
    total = 0
    for series in range(table.shape[0]):
        if table[series, FIRST] >= 0:
            total += table[series, WIDTH]
    packed = np.zeros(total, dtype=np.int64)
    place = 0
    for series in range(table.shape[0]):
        if table[series, FIRST] >= 0:
            size = table[series, WIDTH]
            start = table[series, OFFSET]
            packed[place : place + size] = pool[start : start + size]
            table[series, OFFSET] = place
            place += size
    return packed


@_jit
def quantiles(
    table: np.ndarray, pool: np.ndarray, count: np.ndarray, minimum: np.ndarray,
    maximum: np.ndarray, integer: np.ndarray, probabilities: np.ndarray, values: np.ndarray,
    first_month: int, stop_month: int, month_step: int, result: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Linear-interpolated quantiles per (month, output, slot) into ``result`` (NaN-filled,
    months × outputs × slots × probabilities), for months ``first_month..stop_month-1`` by
    ``month_step`` (two threads may fill alternate months); the last slot merges the
    scenarios' counts.
    ``values`` holds each bucket's representative value.

    Each series' window is walked in place, in bucket order, and only as far as its highest
    rank (p95): windows are sparse (some 800 buckets for 3,000 values), so neither copying
    their filled buckets out nor walking their upper tails pays. All scenarios together add
    their windows into one dense span first."""
    _, outputs, slots = minimum.shape
    scenarios = slots - 1
    merged = np.zeros(BUCKETS, dtype=np.int64)
    ranks = np.empty((slots, 2 * probabilities.size))
    order = np.empty((slots, 2 * probabilities.size), dtype=np.int64)
    for slot in range(slots):
        ranks[slot], order[slot] = _ranks(count[slot], probabilities)
    ends = np.empty(2 * probabilities.size)
    pair = np.empty(2, dtype=np.int64)
    pair_counts = np.empty(2, dtype=np.int64)
    for m in range(first_month, stop_month, month_step):
        for o in range(outputs):
            seen_any = False
            zeros_all = 0
            low_all, high_all = BUCKETS, -1
            for s in range(scenarios):
                row = table[(m * outputs + o) * scenarios + s]
                low, high = minimum[m, o, s], maximum[m, o, s]
                if row[PAIR_LOW] >= 0:
                    pair[0], pair_counts[0] = row[PAIR_LOW], row[LOW_COUNT]
                    pair[1], pair_counts[1] = row[PAIR_HIGH], row[HIGH_COUNT]
                    _fill(result[m, o, s], pair, pair_counts, count[s], low, high, integer[o],
                          probabilities, values, ranks[s], order[s], ends)
                    for k in range(2):
                        if pair[k] == _ZERO:
                            zeros_all += pair_counts[k]
                        else:
                            merged[pair[k]] += pair_counts[k]
                            low_all = min(low_all, pair[k])
                            high_all = max(high_all, pair[k])
                elif row[FIRST] >= 0 or row[ZEROS] > 0:
                    width = row[WIDTH] if row[FIRST] >= 0 else 0
                    start, offset = row[FIRST], row[OFFSET]
                    _walk(result[m, o, s], pool, offset, start, width, row[ZEROS], count[s],
                          low, high, integer[o], probabilities, values, ranks[s], order[s],
                          ends)
                    zeros_all += row[ZEROS]
                    if width:
                        merged[start : start + width] += pool[offset : offset + width]
                        low_all = min(low_all, start)
                        high_all = max(high_all, start + width - 1)
                else:
                    continue
                seen_any = True
            if not seen_any:
                continue
            # All scenarios together: the dense span of the non-zero buckets (zeros apart, so
            # a 0/1 output does not walk the 2,560 buckets between them).
            width = max(high_all - low_all + 1, 0)
            _walk(result[m, o, scenarios], merged, low_all if width else 0, low_all, width,
                  zeros_all, count[scenarios], minimum[m, o, scenarios],
                  maximum[m, o, scenarios], integer[o], probabilities, values,
                  ranks[scenarios], order[scenarios], ends)
            if width:
                merged[low_all : high_all + 1] = 0


@_jit
def _walk(
    out: np.ndarray, counts: np.ndarray, offset: int, first: int, width: int, zeros: int,
    count: int, low: float, high: float, integer: bool, probabilities: np.ndarray,
    values: np.ndarray, ranks: np.ndarray, order: np.ndarray, ends: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Quantiles of one series into ``out`` from its dense window (``counts[offset + i]`` is
    bucket ``first + i``) and its zeros, which sit in order at the zero bucket: what
    :func:`_fill` computes from the filled buckets, without listing them, and stopping at
    the highest rank."""
    if count == 0:
        return
    j = 0
    seen = 0
    wanted = order.size
    had_zeros = zeros > 0
    next_rank = ranks[order[0]]
    block = 0
    while block < width and j < wanted:
        stop = min(block + _BLOCK, width)
        # A block that no rank ends in is added whole (a sum the compiler vectorizes); a
        # window is mostly such blocks, and sparse.
        if not (zeros and first + stop - 1 > _ZERO):
            total = counts[offset + block : offset + stop].sum()
            if seen + total <= next_rank:
                seen += total
                block = stop
                continue
        # Bucket by bucket, without a branch on empty ones (about half are, at random): an
        # empty bucket adds nothing, so it cannot pass the next rank.
        for i in range(block, stop):
            position = first + i
            if zeros and position > _ZERO:
                seen += zeros
                zeros = 0
                if seen > next_rank:
                    j = _reach(seen, _ZERO, j, low, high, integer, values, ranks, order, ends)
                    if j == wanted:
                        break
                    next_rank = ranks[order[j]]
            seen += counts[offset + i]
            if seen > next_rank:
                j = _reach(seen, position, j, low, high, integer, values, ranks, order, ends)
                if j == wanted:
                    break
                next_rank = ranks[order[j]]
        block = stop
    if j < wanted and zeros:
        seen += zeros
        j = _reach(seen, _ZERO, j, low, high, integer, values, ranks, order, ends)
    if j < wanted:  # not reached when the counts add up to ``count``
        last = -1  # as _fill: the last bucket listed, zeros sitting before positive ones
        for i in range(width):
            if counts[offset + i]:
                last = first + i
        if had_zeros and last < _ZERO:
            last = _ZERO
        while j < wanted:
            ends[order[j]] = _clamped(values[last], low, high, integer)
            j += 1
    _interpolate(out, count, probabilities, ranks, ends)


@_jit
def _reach(
    seen: int, position: int, j: int, low: float, high: float, integer: bool,
    values: np.ndarray, ranks: np.ndarray, order: np.ndarray, ends: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Ranks (in increasing order, from the ``j``-th) below ``seen`` fall in bucket
    ``position``; returns how many ranks are placed."""
    while j < order.size and seen > ranks[order[j]]:
        ends[order[j]] = _clamped(values[position], low, high, integer)
        j += 1
    return j


@_jit
def _interpolate(out: np.ndarray, count: int, probabilities: np.ndarray, ranks: np.ndarray,
                 ends: np.ndarray) -> None:  # pragma: no cover - compiled
    available = float(count - 1)
    for k in range(probabilities.size):
        rank = probabilities[k] * available
        out[k] = ends[2 * k] + (rank - ranks[2 * k]) * (ends[2 * k + 1] - ends[2 * k])


@_jit
def _ranks(count: int, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks ``floor`` and ``ceil`` of ``p (count - 1)`` for every p, and the order that
    visits them increasingly (they depend only on the count: computed once per slot)."""
    available = float(max(count - 1, 0))
    ranks = np.empty(2 * probabilities.size)
    for k in range(probabilities.size):
        ranks[2 * k] = np.floor(probabilities[k] * available)
        ranks[2 * k + 1] = np.ceil(probabilities[k] * available)
    return ranks, np.argsort(ranks, kind="mergesort")


@_jit
def _fill(
    out: np.ndarray, buckets: np.ndarray, counts: np.ndarray, count: int, low: float,
    high: float, integer: bool, probabilities: np.ndarray, values: np.ndarray,
    ranks: np.ndarray, order: np.ndarray, ends: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Quantiles of one series into ``out``, from its filled ``buckets`` (ascending) and
    their ``counts``: the values at ranks ``floor`` and ``ceil`` of ``p (n - 1)`` are the
    representative values of the buckets holding those ranks, clamped to the exact range
    (and rounded for whole numbers below 128), then interpolated."""
    if count == 0:
        return
    # One walk over the buckets finds every rank, taken in increasing order.
    j = 0
    seen = 0
    for i in range(buckets.size):
        seen += counts[i]
        while j < order.size and seen > ranks[order[j]]:
            ends[order[j]] = _clamped(values[buckets[i]], low, high, integer)
            j += 1
        if j == order.size:
            break
    while j < order.size:  # not reached when the counts add up to ``count``
        ends[order[j]] = _clamped(values[buckets[buckets.size - 1]], low, high, integer)
        j += 1
    _interpolate(out, count, probabilities, ranks, ends)


@_jit
def _clamped(value: float, low: float, high: float, integer: bool) -> float:  # pragma: no cover
    value = min(max(value, low), high)
    if integer and abs(value) < 128:
        value = np.rint(value)
    return value
