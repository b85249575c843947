"""Streaming summaries of outputs, per scenario and month, mergeable across chunks.

For each (month, output, scenario) the engine keeps

* the count, mean and sum of squared deviations, merged chunk by chunk with Chan et al.'s
  parallel update *in chunk order*, so sums are bit-identical whatever the workers;
* the exact minimum, maximum, and the count above or below each named threshold;
* a log-linear histogram (the HDR-histogram layout): the float's exponent and its top
  :data:`SUB_BUCKET_BITS` mantissa bits pick the bucket, so bucket widths are at most
  2^-7 of their lower edge.

Quantiles come from the histogram. **Exactness**: a reported p-quantile lies within
:data:`RELATIVE_ERROR` (2^-8 ≈ 0.39 %) of the exact linear-interpolated sample quantile
(``numpy.quantile``'s default), is clamped to the exact min and max, and is exact where an
output takes only whole-number values and the order statistics around the quantile are below
128 in magnitude (they are rounded: a bucket there is narrower than one). Magnitudes below
:data:`SMALLEST_MAGNITUDE` (2^-20 ≈ 9.5e-7) count as zero, those above 2^60 as 2^60.
Bucket counts are integers, so merging them is exact and order-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PROBABILITIES",
    "RELATIVE_ERROR",
    "SMALLEST_MAGNITUDE",
    "SUB_BUCKET_BITS",
    "ChunkMoments",
    "Histogram",
    "MergedSummary",
    "ThresholdSpec",
    "merge",
    "summarize_month",
]

SUB_BUCKET_BITS = 7
RELATIVE_ERROR = 2.0 ** -(SUB_BUCKET_BITS + 1)
_MIN_EXPONENT = -20
_MAX_EXPONENT = 60
SMALLEST_MAGNITUDE = 2.0**_MIN_EXPONENT
_SHIFT = 52 - SUB_BUCKET_BITS
_BITS_OFFSET = (1023 + _MIN_EXPONENT) << SUB_BUCKET_BITS
#: Buckets per sign; the zero bucket sits between the negative and positive halves.
_PER_SIGN = (_MAX_EXPONENT - _MIN_EXPONENT) << SUB_BUCKET_BITS
BUCKETS = 2 * _PER_SIGN + 1
_ZERO = _PER_SIGN
_MAGNITUDE_BITS = np.int64(0x7FFF_FFFF_FFFF_FFFF)
#: The probabilities reported for every series.
PROBABILITIES = (0.05, 0.25, 0.5, 0.75, 0.95)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class ThresholdSpec:
    """Count values of ``output`` (index) above (or below) ``value``, in base units."""

    output: int
    value: float
    above: bool


@dataclass
class ChunkMoments:
    """One chunk's exact statistics: arrays of shape (months, outputs, scenarios)."""

    chunk_index: int
    count: IntArray  # (scenarios,)
    mean: FloatArray
    m2: FloatArray
    minimum: FloatArray
    maximum: FloatArray
    exceed: IntArray  # (months, thresholds, scenarios)
    integer: NDArray[np.bool_]  # (outputs,)


class Histogram:
    """Bucket counts per series (month, output, scenario), each a window of buckets.

    A series only fills the buckets between its minimum and maximum, so each keeps
    ``(first bucket, counts)`` and widens the window when a chunk reaches further. Memory is
    proportional to the spread of the values, not to the number of possible buckets.
    """

    def __init__(self) -> None:
        self.windows: dict[tuple[int, int, int], tuple[int, IntArray]] = {}

    def add_counts(self, series: tuple[int, int, int], first: int, counts: IntArray) -> None:
        """Add ``counts`` of buckets ``first, first + 1, ...`` to one series."""
        current = self.windows.get(series)
        if current is None:
            self.windows[series] = (first, counts.astype(np.int64))
            return
        start, existing = current
        low = min(start, first)
        high = max(start + existing.size, first + counts.size)
        if low != start or high != start + existing.size:
            widened = np.zeros(high - low, dtype=np.int64)
            widened[start - low : start - low + existing.size] = existing
            start, existing = low, widened
            self.windows[series] = (start, existing)
        existing[first - start : first - start + counts.size] += counts

    def add(self, other: Histogram) -> None:
        for series, (first, counts) in other.windows.items():
            self.add_counts(series, first, counts)


def bucket_index(block: FloatArray, *, has_negatives: bool = True) -> IntArray:
    """Histogram bucket of every value in ``block`` (any shape), monotone in the value."""
    position = np.bitwise_and(block.view(np.int64), _MAGNITUDE_BITS)
    np.right_shift(position, _SHIFT, out=position)
    np.subtract(position, _BITS_OFFSET - _ZERO - 1, out=position)
    # Below the smallest magnitude → the zero bucket; beyond the largest → the last bucket.
    np.clip(position, _ZERO, BUCKETS - 1, out=position)
    if has_negatives:
        negative = block < 0
        if negative.any():
            mirrored = 2 * _ZERO - position
            position = np.where(negative, mirrored, position)
    return position


def bucket_values() -> FloatArray:
    """The representative (midpoint) value of every bucket."""
    positions = np.arange(_PER_SIGN, dtype=np.int64)
    lower = ((positions + _BITS_OFFSET) << _SHIFT).view(np.float64)
    upper = ((positions + 1 + _BITS_OFFSET) << _SHIFT).view(np.float64)
    middle = (lower + upper) / 2
    return np.concatenate([-middle[::-1], [0.0], middle])


def summarize_month(
    month: int,
    block: FloatArray,
    bounds: Sequence[tuple[int, int]],
    thresholds: Sequence[ThresholdSpec],
    moments: ChunkMoments,
    histogram: Histogram,
) -> None:
    """Fold one month of one chunk into ``moments`` and ``histogram``.

    Parameters
    ----------
    block
        Output values, shape (outputs, trajectories), trajectories sorted by scenario.
    bounds
        ``(start, stop)`` columns of each scenario in ``block``.
    """
    extremes: list[tuple[FloatArray, FloatArray, FloatArray] | None] = []
    for scenario, (start, stop) in enumerate(bounds):
        if stop == start:
            extremes.append(None)
            continue
        part = block[:, start:stop]
        total = part.sum(axis=1)
        mean = total / (stop - start)
        deviation = part - mean[:, None]
        moments.mean[month, :, scenario] = mean
        moments.m2[month, :, scenario] = np.einsum("ij,ij->i", deviation, deviation)
        lowest, highest = part.min(axis=1), part.max(axis=1)
        moments.minimum[month, :, scenario] = lowest
        moments.maximum[month, :, scenario] = highest
        if thresholds:
            moments.exceed[month, :, scenario] = _exceedances(part, lowest, highest, thresholds)
        extremes.append((lowest, highest, total))
    # Once an output shows a fractional value it is not integer-valued; stop checking it.
    for output in np.flatnonzero(moments.integer):
        row = block[output]
        moments.integer[output] = bool((row == np.floor(row)).all())
    # Whole numbers at most one apart (0/1 indicators, constants) are counted from their sum;
    # the others go through the bucket index.
    indexed = np.zeros(block.shape[0], dtype=bool)
    for scenario, extreme in enumerate(extremes):
        if extreme is not None:
            lowest, highest, total = extreme
            two_valued = moments.integer & (highest - lowest <= 1)
            _count_two_valued(month, scenario, bounds[scenario], extreme, two_valued, histogram)
            indexed |= ~two_valued
    rows = np.flatnonzero(indexed)
    if rows.size == 0:
        return
    has_negatives = bool((moments.minimum[month, rows] < 0).any())
    index = bucket_index(block if rows.size == block.shape[0] else block[rows],
                         has_negatives=has_negatives)
    for scenario, (start, stop) in enumerate(bounds):
        extreme = extremes[scenario]
        if extreme is not None:
            lowest, highest, _ = extreme
            _count_buckets(index[:, start:stop], rows, lowest[rows], highest[rows], month,
                           scenario, histogram)


def _count_two_valued(
    month: int,
    scenario: int,
    bounds: tuple[int, int],
    extreme: tuple[FloatArray, FloatArray, FloatArray],
    two_valued: NDArray[np.bool_],
    histogram: Histogram,
) -> None:
    """Buckets of outputs whose values are ``lowest`` or ``lowest + 1``: the sum tells how
    many are high (exactly, for the whole numbers below 2^53 that such outputs hold)."""
    outputs = np.flatnonzero(two_valued)
    if outputs.size == 0:
        return
    lowest, highest, total = (values[outputs] for values in extreme)
    size = bounds[1] - bounds[0]
    low_buckets, high_buckets = bucket_index(lowest), bucket_index(highest)
    highs = np.round(total - size * lowest).astype(np.int64)
    for k, output in enumerate(outputs):
        low_bucket, high_bucket = int(low_buckets[k]), int(high_buckets[k])
        counts = np.zeros(high_bucket - low_bucket + 1, dtype=np.int64)
        high = int(highs[k]) if high_bucket > low_bucket else 0
        counts[0] += size - high
        counts[-1] += high
        histogram.add_counts((month, int(output), scenario), low_bucket, counts)


def _exceedances(
    part: FloatArray, lowest: FloatArray, highest: FloatArray,
    thresholds: Sequence[ThresholdSpec],
) -> IntArray:
    """How many values of each threshold's output lie beyond it. A threshold outside the
    output's range in this slice is decided by the extremes, without a pass over the values."""
    size = part.shape[1]
    counts = np.zeros(len(thresholds), dtype=np.int64)
    for k, threshold in enumerate(thresholds):
        low, high, level = lowest[threshold.output], highest[threshold.output], threshold.value
        if threshold.above:
            if level < low or level >= high:
                counts[k] = size if level < low else 0
            else:
                counts[k] = np.count_nonzero(part[threshold.output] > level)
        elif level > high or level <= low:
            counts[k] = size if level > high else 0
        else:
            counts[k] = np.count_nonzero(part[threshold.output] < level)
    return counts


def _count_buckets(
    index: IntArray,
    rows: IntArray,
    lowest: FloatArray,
    highest: FloatArray,
    month: int,
    scenario: int,
    histogram: Histogram,
) -> None:
    """One bincount for the indexed outputs of a scenario: each output's buckets, shifted to
    start at its lowest bucket, laid end to end. Buckets are monotone in the value, so the
    extreme values give the extreme buckets."""
    first = bucket_index(lowest)
    widths = bucket_index(highest) - first + 1
    offsets = np.concatenate([[0], np.cumsum(widths)[:-1]])
    index += (offsets - first)[:, None]
    counts = np.bincount(index.ravel(), minlength=int(widths.sum()))
    for position, output in enumerate(rows):
        start, width = int(offsets[position]), int(widths[position])
        histogram.add_counts(
            (month, int(output), scenario), int(first[position]), counts[start : start + width]
        )


@dataclass
class MergedSummary:
    """Statistics of a whole run: (months, outputs, scenarios + 1); the last is overall."""

    count: IntArray
    mean: FloatArray
    sd: FloatArray
    minimum: FloatArray
    maximum: FloatArray
    quantiles: FloatArray  # (months, outputs, scenarios + 1, len(PROBABILITIES))
    exceed_probability: FloatArray  # (months, thresholds, scenarios + 1)
    integer: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))


def merge(parts: Sequence[ChunkMoments], histogram: Histogram) -> MergedSummary:
    """Merge chunk statistics in chunk order, then add the overall column."""
    ordered = sorted(parts, key=lambda part: part.chunk_index)
    first = ordered[0]
    count = np.zeros_like(first.count)
    mean = np.zeros_like(first.mean)
    m2 = np.zeros_like(first.m2)
    minimum = np.full_like(first.minimum, np.inf)
    maximum = np.full_like(first.maximum, -np.inf)
    exceed = np.zeros_like(first.exceed)
    integer = np.ones_like(first.integer)
    for part in ordered:
        mean, m2, count = _chan(count, mean, m2, part.count, part.mean, part.m2)
        present = part.count > 0
        minimum[..., present] = np.minimum(minimum[..., present], part.minimum[..., present])
        maximum[..., present] = np.maximum(maximum[..., present], part.maximum[..., present])
        exceed += part.exceed
        integer &= part.integer
    overall = _overall(count, mean, m2)
    count_all = np.append(count, count.sum())
    mean_all = np.concatenate([mean, overall[0][..., None]], axis=-1)
    m2_all = np.concatenate([m2, overall[1][..., None]], axis=-1)
    minimum_all = np.concatenate([minimum, minimum.min(axis=-1, keepdims=True)], axis=-1)
    maximum_all = np.concatenate([maximum, maximum.max(axis=-1, keepdims=True)], axis=-1)
    exceed_all = np.concatenate([exceed, exceed.sum(axis=-1, keepdims=True)], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = m2_all / np.maximum(count_all - 1, 1)
        exceed_probability = exceed_all / np.maximum(count_all, 1)
    empty = count_all == 0  # a scenario no trajectory drew: no statistics (not zeros)
    mean_all[..., empty] = variance[..., empty] = exceed_probability[..., empty] = np.nan
    with np.errstate(invalid="ignore"):  # empty scenarios compare NaN and infinite bounds
        quantiles = _quantiles(histogram, count_all, minimum_all, maximum_all, integer)
    return MergedSummary(
        count=count_all,
        mean=mean_all,
        sd=np.sqrt(variance),
        minimum=minimum_all,
        maximum=maximum_all,
        quantiles=quantiles,
        exceed_probability=exceed_probability,
        integer=integer,
    )


def _chan(
    count_a: IntArray, mean_a: FloatArray, m2_a: FloatArray,
    count_b: IntArray, mean_b: FloatArray, m2_b: FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Combine two sets of (count, mean, M2) per scenario (Chan, Golub & LeVeque 1979)."""
    total = count_a + count_b
    safe_total = np.maximum(total, 1)
    delta = mean_b - mean_a
    weight_b = count_b / safe_total
    mean = mean_a + delta * weight_b
    m2 = m2_a + m2_b + delta**2 * (count_a * count_b / safe_total)
    return mean, m2, total


def _overall(count: IntArray, mean: FloatArray, m2: FloatArray) -> tuple[FloatArray, FloatArray]:
    total_count = np.zeros((), dtype=np.int64)
    total_mean = np.zeros(mean.shape[:-1])
    total_m2 = np.zeros(mean.shape[:-1])
    for scenario in range(count.size):
        total_mean, total_m2, total_count = _chan(
            total_count, total_mean, total_m2,
            count[scenario], mean[..., scenario], m2[..., scenario],
        )
    return total_mean, total_m2


def _quantiles(
    histogram: Histogram,
    count: IntArray,
    minimum: FloatArray,
    maximum: FloatArray,
    integer: NDArray[np.bool_],
) -> FloatArray:
    """Linear-interpolated quantiles (numpy's default) from bucket counts.

    The values at the two ranks around ``p * (n - 1)`` are bucket midpoints, clamped to the
    exact range; for integer-valued outputs, values below 128 in magnitude are rounded,
    which makes them exact (a bucket there is narrower than one unit).

    Parameters
    ----------
    histogram
        Per-scenario bucket windows; the overall series is merged here.
    count, minimum, maximum
        Per slot, overall included: (scenarios + 1,) and (months, outputs, scenarios + 1).
    """
    months, outputs, slots = minimum.shape
    scenarios = slots - 1
    stride = int(count.max()) + 1
    row_ids, firsts, windows = [], [], []
    for month in range(months):
        for output in range(outputs):
            overall = Histogram()
            for scenario in range(scenarios):
                window = histogram.windows.get((month, output, scenario))
                if window is not None:
                    row_ids.append((month * outputs + output) * slots + scenario)
                    firsts.append(window[0])
                    windows.append(window[1])
                    overall.add_counts((0, 0, 0), *window)
            if overall.windows:
                first, counts = overall.windows[(0, 0, 0)]
                row_ids.append((month * outputs + output) * slots + scenarios)
                firsts.append(first)
                windows.append(counts)
    result = np.full((months, outputs, slots, len(PROBABILITIES)), np.nan)
    if not windows:
        return result
    # All windows end to end; only non-empty buckets matter for ranks, so keep just those
    # (a 0/1 output's window spans thousands of empty buckets between 0 and 1).
    lengths = np.array([window.size for window in windows])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.concatenate(windows)
    filled = np.flatnonzero(flat)
    owner = np.searchsorted(starts, filled, side="right") - 1
    totals = np.add.reduceat(flat, starts)
    before = np.concatenate([[0], np.cumsum(totals)[:-1]])
    within = np.cumsum(flat[filled]) - before[owner]
    all_keys = np.array(row_ids)[owner] * stride + within
    all_values = bucket_values()[np.array(firsts)[owner] + filled - starts[owner]]
    rows = np.arange(months * outputs * slots).reshape(months, outputs, slots)
    available = np.maximum(count - 1, 0).astype(np.float64)
    integer_series = np.broadcast_to(integer[None, :, None], minimum.shape)
    for k, probability in enumerate(PROBABILITIES):
        rank = np.broadcast_to(probability * available, (months, outputs, slots))
        low_rank, high_rank = np.floor(rank), np.ceil(rank)
        ends = []
        for wanted in (low_rank, high_rank):
            entry = np.searchsorted(all_keys, rows * stride + wanted.astype(np.int64), side="right")
            value = np.clip(all_values[np.minimum(entry, all_values.size - 1)], minimum, maximum)
            exact = integer_series & (np.abs(value) < 128)
            ends.append(np.where(exact, np.round(value), value))
        low, high = ends
        result[..., k] = low + (rank - low_rank) * (high - low)
    result[:, :, count == 0, :] = np.nan
    return result
