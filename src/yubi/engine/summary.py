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
from functools import lru_cache

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
    "MomentsMerger",
    "MonthFolder",
    "ThresholdArrays",
    "ThresholdSpec",
    "merge",
]

SUB_BUCKET_BITS = 7
RELATIVE_ERROR = 2.0 ** -(SUB_BUCKET_BITS + 1)
_MIN_EXPONENT = -20
_MAX_EXPONENT = 60
SMALLEST_MAGNITUDE = 2.0**_MIN_EXPONENT
SHIFT = 52 - SUB_BUCKET_BITS
BITS_OFFSET = (1023 + _MIN_EXPONENT) << SUB_BUCKET_BITS
#: Buckets per sign; the zero bucket sits between the negative and positive halves.
_PER_SIGN = (_MAX_EXPONENT - _MIN_EXPONENT) << SUB_BUCKET_BITS
BUCKETS = 2 * _PER_SIGN + 1
ZERO_BUCKET = _PER_SIGN
MAGNITUDE_MASK = 0x7FFF_FFFF_FFFF_FFFF
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


#: Initial room in a histogram's pool per series, in counts, up to :data:`POOL_CAP` counts
#: in all (a case of many months, outputs and scenarios grows its pool as it needs).
POOL_PER_SERIES = 640
POOL_CAP = 1 << 22


class Histogram:
    """Bucket counts per series (month, output, scenario), each a window of buckets.

    A series only fills the buckets between its minimum and maximum, so each keeps a window
    at ``offset`` in one shared *pool* of counts, widened when a chunk reaches further; a
    series that has only ever held two buckets (0/1 indicators) keeps their counts in its
    ``table`` row instead. Memory is proportional to the spread of the values, not to the
    number of possible buckets; zeros are counted apart, so that a window spans only the
    non-zero values. Series ``(m, o, s)`` is row ``(m * outputs + o) * scenarios
    + s``; the compiled loops of :mod:`yubi.engine.kernels` fill and merge it.
    """

    def __init__(self) -> None:
        self.shape: tuple[int, int, int] | None = None
        self.table = np.zeros((0, 8), dtype=np.int64)
        self.pool = np.zeros(0, dtype=np.int64)
        self.used = np.zeros(1, dtype=np.int64)
        #: Histograms of other series (disjoint from these), attached and not yet added.
        self.parts: list[Histogram] = []

    def ensure(self, shape: tuple[int, int, int]) -> None:
        """Size the series for (months, outputs, scenarios) on first use."""
        if self.shape == shape:
            return
        if self.shape is not None:
            raise ValueError(f"histogram of shape {self.shape} cannot take {shape}")
        series = shape[0] * shape[1] * shape[2]
        self.shape = shape
        self.table = np.full((series, 8), -1, dtype=np.int64)
        self.table[:, 7] = 0  # zeros are counted (kernels.ZEROS)
        # Not zeroed: a window is zeroed when it is placed (kernels._cover). Room for the
        # windows of a typical run at once: the bundled case's 1,000 and 10,000-trajectory
        # runs place 1.0M and 0.7M counts over 2,394 series, and growing the pool then (a
        # copy of all of it) cost a millisecond; pages nobody writes are never mapped in.
        room = min(series * POOL_PER_SERIES, max(series * 256, POOL_CAP))
        self.pool = np.empty(max(room, 4096), dtype=np.int64)

    def add(self, other: Histogram) -> None:
        """Add ``other``'s counts (integers: exact and order-free)."""
        other.settle()
        if other.shape is None:
            return
        from yubi.engine import kernels

        self.settle()
        self.ensure(other.shape)
        self.pool = kernels.add_histogram(self.table, self.pool, self.used, other.table,
                                          other.pool)

    def attach(self, other: Histogram) -> None:
        """Take ``other``, which holds other series than this one (the two threads of a
        split month fold different outputs), without copying its windows yet: the
        quantiles read each part where it is (copying was a millisecond of a
        10,000-trajectory run); anything else that reads the counts settles first."""
        self.parts.append(other)

    def settle(self) -> None:
        """Add the attached parts' counts into this histogram's own table and pool."""
        parts, self.parts = self.parts, []
        for part in parts:
            self.add(part)

    def __getstate__(self) -> dict[str, object]:
        """Pickle only the live windows (widening leaves old copies in the pool)."""
        self.settle()
        state = dict(self.__dict__)
        if self.shape is not None:
            from yubi.engine import kernels

            table = self.table.copy()
            state["pool"] = kernels.compact(table, self.pool)
            state["table"] = table
            state["used"] = np.array([state["pool"].size], dtype=np.int64)
        return state


def bucket_index(block: FloatArray) -> IntArray:
    """Histogram bucket of every value in ``block`` (any shape), monotone in the value.

    The NumPy statement of what the compiled :func:`yubi.engine.kernels.bucket` computes.
    """
    position = np.bitwise_and(block.view(np.int64), np.int64(MAGNITUDE_MASK))
    np.right_shift(position, SHIFT, out=position)
    np.subtract(position, BITS_OFFSET - ZERO_BUCKET - 1, out=position)
    # Below the smallest magnitude → the zero bucket; beyond the largest → the last bucket.
    np.clip(position, ZERO_BUCKET, BUCKETS - 1, out=position)
    return np.where(block < 0, 2 * ZERO_BUCKET - position, position)


def bucket_values() -> FloatArray:
    """The representative (midpoint) value of every bucket."""
    positions = np.arange(_PER_SIGN, dtype=np.int64)
    lower = ((positions + BITS_OFFSET) << SHIFT).view(np.float64)
    upper = ((positions + 1 + BITS_OFFSET) << SHIFT).view(np.float64)
    middle = (lower + upper) / 2
    return np.concatenate([-middle[::-1], [0.0], middle])


@dataclass(frozen=True)
class ThresholdArrays:
    """Threshold specs as the arrays the compiled summary reads; build once per case."""

    output: IntArray
    value: FloatArray
    above: NDArray[np.bool_]

    @classmethod
    def of(cls, thresholds: Sequence[ThresholdSpec]) -> ThresholdArrays:
        return cls(
            np.array([t.output for t in thresholds], dtype=np.int64),
            np.array([t.value for t in thresholds], dtype=np.float64),
            np.array([t.above for t in thresholds], dtype=np.bool_),
        )


class MonthFolder:
    """Folds the months of one chunk into ``moments`` and ``histogram``: ``fold(month,
    block)`` for each month, its arguments prepared once (preparing them every month was
    14 µs a call, a millisecond of a 10,000-trajectory run).

    One folder per thread: it owns the scratch cell its calls report a problem in.

    Parameters
    ----------
    bounds
        ``(start, stop)`` columns of each scenario in a month's block.
    thresholds
        The case's thresholds, preferably as :class:`ThresholdArrays` built once.
    moments, histogram
        Where the chunk's months are folded.
    outputs
        Indices of the outputs to fold (default: all). Two threads may fold disjoint sets of
        one month, each into its own histogram (attached or added later: counts add
        exactly).
    events
        Per output, whether it is declared to be 0 or 1 (``kind: event``): those are counted
        without float sums, and checked.
    """

    def __init__(
        self,
        bounds: Sequence[tuple[int, int]] | IntArray,
        thresholds: Sequence[ThresholdSpec] | ThresholdArrays,
        moments: ChunkMoments,
        histogram: Histogram,
        outputs: IntArray | None = None,
        events: NDArray[np.bool_] | None = None,
    ) -> None:
        if not isinstance(thresholds, ThresholdArrays):
            thresholds = ThresholdArrays.of(thresholds)
        edges = np.asarray(bounds, dtype=np.int64).reshape(-1, 2)
        shape = moments.mean.shape
        histogram.settle()  # folding writes its own table: attached parts are added first
        histogram.ensure(shape)
        self.histogram = histogram
        self._fixed = (
            np.ascontiguousarray(edges[:, 0]), np.ascontiguousarray(edges[:, 1]),
            thresholds.output, thresholds.value, thresholds.above, moments.integer,
            moments.mean, moments.m2, moments.minimum, moments.maximum, moments.exceed,
            histogram.table,
        )
        self._chosen = _every_output(shape[1]) if outputs is None else outputs
        self._events = _no_events(shape[1]) if events is None else events
        self._problem = np.full(1, -1, dtype=np.int64)
        # A chunk's months arrive in the same one or two buffers: their rows, found once.
        self._rows: dict[int, tuple[FloatArray, FloatArray]] = {}

    def __call__(self, month: int, block: FloatArray) -> int:
        """Fold ``block`` (outputs × trajectories, sorted by scenario) as month ``month``.

        Returns
        -------
        int
            -1, or the index of an event output that holds a value other than 0 or 1 (that
            output is not folded: the caller raises the case's error).
        """
        from yubi.engine import kernels

        known = self._rows.get(id(block))
        if known is None or known[0] is not block:
            rows = _rows_of(block)
            if rows is not block and rows is not block.base:  # a copy: this month's only
                known = (block, rows)
            else:
                if len(self._rows) >= 4:
                    self._rows.clear()
                known = self._rows[id(block)] = (block, rows)
        (starts, stops, th_output, th_value, th_above, integer, mean, m2, minimum, maximum,
         exceed, table) = self._fixed
        histogram = self.histogram
        self._problem[0] = -1
        histogram.pool = kernels.summarize_block(
            known[1], starts, stops, month, th_output, th_value, th_above, integer, mean, m2,
            minimum, maximum, exceed, table, histogram.pool, histogram.used, self._chosen,
            self._events, self._problem,
        )
        return int(self._problem[0])


def _rows_of(block: FloatArray) -> FloatArray:
    """A C-ordered array whose rows start with ``block``'s: ``block`` itself, or the wider
    buffer a padded month block is the first columns of (``engine.compiled.month_buffer``;
    the summaries read only the columns the scenario bounds name), or a copy."""
    base = block.base
    if (not block.flags.c_contiguous and isinstance(base, np.ndarray) and base.ndim == 2
            and base.flags.c_contiguous and base.dtype == block.dtype
            and base.shape[0] == block.shape[0] and base.shape[1] >= block.shape[1]
            and block.strides == base.strides
            and block.ctypes.data == base.ctypes.data):
        return base
    return np.ascontiguousarray(block)


@lru_cache(maxsize=16)
def _every_output(outputs: int) -> IntArray:
    return np.arange(outputs, dtype=np.int64)


@lru_cache(maxsize=16)
def _no_events(outputs: int) -> NDArray[np.bool_]:
    return np.zeros(outputs, dtype=np.bool_)


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
    #: A crossed case's branches (then overall) merged from the combinations, the same arrays
    #: with a branch axis (:mod:`yubi.engine.groups`); ``None`` otherwise.
    groups: MergedSummary | None = None


class MomentsMerger:
    """Folds chunk moments in chunk order (0, 1, 2, ...) as they arrive, in any order: a chunk
    that comes early waits for its predecessors, so memory stays flat however many chunks a
    run has, and the sums are the same as merging the whole list at once."""

    def __init__(self) -> None:
        self.next_chunk = 0
        self.waiting: dict[int, ChunkMoments] = {}
        self.count: IntArray | None = None
        self.mean = self.m2 = self.minimum = self.maximum = np.zeros(0)
        self.exceed = np.zeros(0, dtype=np.int64)
        self.integer = np.zeros(0, dtype=bool)

    def add(self, part: ChunkMoments) -> None:
        self.waiting[part.chunk_index] = part
        while self.next_chunk in self.waiting:
            self._fold(self.waiting.pop(self.next_chunk))
            self.next_chunk += 1

    def _fold(self, part: ChunkMoments) -> None:
        if self.count is None:
            self.count = np.zeros_like(part.count)
            self.mean, self.m2 = np.zeros_like(part.mean), np.zeros_like(part.m2)
            self.minimum = np.full_like(part.minimum, np.inf)
            self.maximum = np.full_like(part.maximum, -np.inf)
            self.exceed = np.zeros_like(part.exceed)
            self.integer = np.ones_like(part.integer)
        self.mean, self.m2, self.count = _chan(self.count, self.mean, self.m2, part.count,
                                               part.mean, part.m2)
        present = part.count > 0
        self.minimum[..., present] = np.minimum(self.minimum[..., present],
                                                part.minimum[..., present])
        self.maximum[..., present] = np.maximum(self.maximum[..., present],
                                                part.maximum[..., present])
        self.exceed += part.exceed
        self.integer &= part.integer

    def finish(self, histogram: Histogram) -> MergedSummary:
        """The run's summary: every chunk must have arrived."""
        if self.waiting or self.count is None:
            raise ValueError(f"chunks missing before {sorted(self.waiting) or 'the first'}")
        return _summary(self.count, self.mean, self.m2, self.minimum, self.maximum, self.exceed,
                        self.integer, histogram)


def merge(parts: Sequence[ChunkMoments], histogram: Histogram) -> MergedSummary:
    """Merge chunk statistics (chunks 0, 1, ... in any order), then add the overall column."""
    merger = MomentsMerger()
    for part in parts:
        merger.add(part)
    return merger.finish(histogram)


def _summary(
    count: IntArray, mean: FloatArray, m2: FloatArray, minimum: FloatArray,
    maximum: FloatArray, exceed: IntArray, integer: NDArray[np.bool_], histogram: Histogram,
) -> MergedSummary:
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
    from yubi.engine import kernels

    months, outputs, slots = minimum.shape
    result = np.full((months, outputs, slots, len(PROBABILITIES)), np.nan)
    parts = [part for part in (histogram, *histogram.parts) if part.shape is not None]
    if not parts:
        return result
    fixed = (count, minimum, maximum, integer, np.array(PROBABILITIES), _bucket_values())

    def fill(part: Histogram, first_month: int, month_step: int) -> None:
        # A part leaves the series it does not hold as they are (NaN): parts hold disjoint
        # series, so each fills its own.
        kernels.quantiles(part.table, part.pool, *fixed, first_month, months, month_step,
                          result)

    if not (months >= 8 and histogram.table.shape[0] >= 256 and _spare_core()):
        for part in parts:
            fill(part, 0, 1)
        return result
    from yubi.engine.helper import helper

    # With a spare core the helper thread takes half: the second of two parts (the outputs
    # its thread folded), else every other month (alternate months, not halves: later
    # months spread wider and cost more).
    if len(parts) == 2:
        mine, theirs = [(parts[0], 0, 1)], [(parts[1], 0, 1)]
    else:
        mine, theirs = [(part, 0, 2) for part in parts], [(part, 1, 2) for part in parts]

    def fill_all(jobs: list[tuple[Histogram, int, int]]) -> None:
        for part, first_month, month_step in jobs:
            fill(part, first_month, month_step)

    later = helper().submit(fill_all, theirs)
    try:
        fill_all(mine)
    finally:
        later.result()
    return result


def _spare_core() -> bool:
    """Whether this machine has a second core for the helper thread."""
    import os

    return (os.cpu_count() or 1) > 1


@lru_cache(maxsize=1)
def _bucket_values() -> FloatArray:
    return bucket_values()
