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
(``numpy.quantile``'s default), is clamped to the exact min and max, and is exact for outputs
whose every value is an integer below 128 (they are rounded). Magnitudes below
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


@dataclass
class Histogram:
    """Bucket counts, shape (months, outputs, scenarios, :data:`BUCKETS`), int32."""

    counts: NDArray[np.int32]

    @classmethod
    def empty(cls, months: int, outputs: int, scenarios: int) -> Histogram:
        return cls(np.zeros((months, outputs, scenarios, BUCKETS), dtype=np.int32))

    def add(self, other: Histogram) -> None:
        self.counts += other.counts

    def to_sparse(self) -> tuple[tuple[int, ...], NDArray[np.int64], NDArray[np.int32]]:
        """Compact form for sending between processes: (shape, flat indices, counts)."""
        flat = self.counts.ravel()
        where = np.flatnonzero(flat)
        return self.counts.shape, where, flat[where]

    @classmethod
    def from_sparse(
        cls, shape: tuple[int, ...], where: NDArray[np.int64], counts: NDArray[np.int32]
    ) -> Histogram:
        dense = np.zeros(int(np.prod(shape)), dtype=np.int32)
        dense[where] = counts
        return cls(dense.reshape(shape))


def bucket_index(block: FloatArray) -> IntArray:
    """Histogram bucket of every value in ``block`` (any shape), monotone in the value."""
    magnitude = np.abs(block)
    position = (magnitude.view(np.int64) >> _SHIFT) - _BITS_OFFSET
    # Below the smallest magnitude → the zero bucket; beyond the largest → the last bucket.
    np.clip(position, -1, _PER_SIGN - 1, out=position)
    negative = block < 0
    index = position + (_ZERO + 1)
    if negative.any():
        index = np.where(negative, _ZERO - 1 - position, index)
        index[position < 0] = _ZERO
    return index


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
    index = bucket_index(block)
    for scenario, (start, stop) in enumerate(bounds):
        if stop == start:
            continue
        part = block[:, start:stop]
        mean = part.sum(axis=1) / (stop - start)
        moments.mean[month, :, scenario] = mean
        moments.m2[month, :, scenario] = np.square(part - mean[:, None]).sum(axis=1)
        moments.minimum[month, :, scenario] = part.min(axis=1)
        moments.maximum[month, :, scenario] = part.max(axis=1)
        for k, threshold in enumerate(thresholds):
            row = part[threshold.output]
            hits = row > threshold.value if threshold.above else row < threshold.value
            moments.exceed[month, k, scenario] = np.count_nonzero(hits)
        bucket_counts = np.bincount(
            (index[:, start:stop] + _offsets(block.shape[0])).ravel(),
            minlength=block.shape[0] * BUCKETS,
        ).reshape(block.shape[0], BUCKETS)
        histogram.counts[month, :, scenario] += bucket_counts.astype(np.int32)
    moments.integer &= (block == np.floor(block)).all(axis=1)


def _offsets(outputs: int) -> IntArray:
    return (np.arange(outputs, dtype=np.int64) * BUCKETS)[:, None]


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
    quantiles = _quantiles(histogram.counts, count_all, minimum_all, maximum_all, integer)
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
    counts: NDArray[np.int32],
    count: IntArray,
    minimum: FloatArray,
    maximum: FloatArray,
    integer: NDArray[np.bool_],
) -> FloatArray:
    """Linear-interpolated quantiles (numpy's default) from bucket counts.

    Works on the non-empty buckets only (a run fills few of the buckets of each series).
    The values at the two ranks around ``p * (n - 1)`` are bucket midpoints, clamped to the
    exact range; for integer outputs below 128 in magnitude they are rounded, which makes
    them exact (a bucket there is narrower than one unit).

    Parameters
    ----------
    counts
        (months, outputs, scenarios, buckets); the overall slot is added here.
    count, minimum, maximum
        Per slot, overall included: (scenarios + 1,) and (months, outputs, scenarios + 1).
    """
    months, outputs, scenarios, buckets = counts.shape
    slots = scenarios + 1
    flat = counts.reshape(-1)
    where = np.flatnonzero(flat)
    weight = flat[where].astype(np.int64)
    series, bucket = np.divmod(where, buckets)  # series = (month * outputs + output) * S + s
    pair, scenario = np.divmod(series, scenarios)
    rows = np.concatenate([pair * slots + scenario, pair * slots + scenarios])
    bucket = np.concatenate([bucket, bucket])
    weight = np.concatenate([weight, weight])
    order = np.lexsort((bucket, rows))
    rows, bucket, weight = rows[order], bucket[order], weight[order]
    cumulative = np.cumsum(weight)
    row_first = np.searchsorted(rows, np.arange(months * outputs * slots), side="left")
    before = np.concatenate([[0], cumulative])[row_first]
    within = cumulative - before[rows]
    stride = int(count.max()) + 1
    keys = rows * stride + within
    values = bucket_values()[bucket]
    row_ids = np.arange(months * outputs * slots).reshape(months, outputs, slots)
    available = np.maximum(count - 1, 0).astype(np.float64)
    small_integers = integer[None, :, None] & (np.abs(maximum) < 128) & (np.abs(minimum) < 128)
    result = np.full((months, outputs, slots, len(PROBABILITIES)), np.nan)
    for k, probability in enumerate(PROBABILITIES):
        rank = np.broadcast_to(probability * available, (months, outputs, slots))
        low_rank, high_rank = np.floor(rank), np.ceil(rank)
        ends = []
        for wanted in (low_rank, high_rank):
            entry = np.searchsorted(keys, row_ids * stride + wanted.astype(np.int64), side="right")
            value = values[np.minimum(entry, values.size - 1)] if values.size else minimum * 0
            value = np.clip(value, minimum, maximum)
            ends.append(np.where(small_integers, np.round(value), value))
        low, high = ends
        result[..., k] = low + (rank - low_rank) * (high - low)
    result[:, :, count == 0, :] = np.nan
    return result
