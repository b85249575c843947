"""Weighted streaming summaries: the posterior counterpart of :mod:`yubi.engine.summary`.

A weighted run gives every trajectory a weight ``w ≥ 0`` (its likelihood under the evidence).
For each (month, output, scenario) this module keeps

* the total weight ``W``, the weighted mean and the weighted sum of squared deviations
  ``M2 = Σ w (x − mean)²``, merged chunk by chunk with the weighted form of Chan et al.'s
  update *in chunk order*, so the sums are bit-identical whatever the workers;
* the minimum and maximum over trajectories of positive weight, and the weight above or below
  each threshold;
* a sparse weighted histogram in the buckets of :func:`yubi.engine.summary.bucket_index`
  (the same log-linear layout as the unweighted histogram): bucket → total weight.

Weights need not be normalized: every statistic is a ratio of weighted sums, so a common
factor cancels; normalization happens once, at the end of the merge.

**Quantiles.** A reported p-quantile is the representative (midpoint) value of the first
bucket at which the weighted cumulative distribution reaches ``p · W``, clamped to the exact
weighted range, rounded for whole-number outputs below 128 in magnitude. It lies within
:data:`~yubi.engine.summary.RELATIVE_ERROR` of the exact weighted quantile (the smallest value
whose weighted CDF is at least ``p``). **Spread.** The standard deviation uses the
reliability-weights correction ``M2 / (W − Σw²/W)``, which is the usual ``n − 1`` formula when
all weights are equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from yubi.engine.summary import (
    BUCKETS,
    PROBABILITIES,
    MergedSummary,
    ThresholdArrays,
    bucket_index,
    bucket_values,
)

__all__ = ["WeightedChunk", "WeightedMerger", "summarize_weighted_month"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: Whole-number outputs are rounded below this magnitude (as the unweighted quantiles are).
_ROUNDED_BELOW = 128.0


@dataclass
class WeightedChunk:
    """One chunk's weighted statistics.

    Attributes
    ----------
    count
        Trajectories per scenario (unweighted), shape (scenarios,).
    weight, weight_squared
        ``Σ w`` and ``Σ w²`` per scenario, shape (scenarios,).
    mean, m2, minimum, maximum
        Shape (months, outputs, scenarios).
    exceed
        Weight beyond each threshold, shape (months, thresholds, scenarios).
    integer
        Whether each output took only whole-number values, shape (outputs,).
    positive
        Whether every trajectory of each scenario has positive weight, shape (scenarios,).
    buckets, bucket_weight
        Per (month, scenario): sorted keys ``output * BUCKETS + bucket`` and their weights.
    """

    chunk_index: int
    count: IntArray
    weight: FloatArray
    weight_squared: FloatArray
    mean: FloatArray
    m2: FloatArray
    minimum: FloatArray
    maximum: FloatArray
    exceed: FloatArray
    integer: NDArray[np.bool_]
    positive: NDArray[np.bool_]
    buckets: list[list[IntArray]]
    bucket_weight: list[list[FloatArray]]

    @classmethod
    def empty(
        cls, chunk_index: int, shape: tuple[int, int, int], thresholds: int,
        weights: FloatArray, bounds: Sequence[tuple[int, int]],
    ) -> WeightedChunk:
        """A chunk about to be filled month by month, with its trajectories' weights."""
        months, outputs, scenarios = shape
        return cls(
            chunk_index=chunk_index,
            count=np.array([stop - start for start, stop in bounds], dtype=np.int64),
            weight=np.array([weights[a:b].sum() for a, b in bounds]),
            weight_squared=np.array([np.square(weights[a:b]).sum() for a, b in bounds]),
            mean=np.full(shape, np.nan),
            m2=np.zeros(shape),
            minimum=np.full(shape, np.inf),
            maximum=np.full(shape, -np.inf),
            exceed=np.zeros((months, thresholds, scenarios)),
            integer=np.ones(outputs, dtype=bool),
            positive=np.array([bool(np.all(weights[a:b] > 0)) for a, b in bounds]),
            buckets=[[np.zeros(0, np.int64)] * scenarios for _ in range(months)],
            bucket_weight=[[np.zeros(0)] * scenarios for _ in range(months)],
        )


def summarize_weighted_month(
    month: int,
    block: FloatArray,
    weights: FloatArray,
    bounds: Sequence[tuple[int, int]],
    thresholds: ThresholdArrays,
    chunk: WeightedChunk,
) -> None:
    """Fold one month of one chunk, weighted, into ``chunk``.

    Parameters
    ----------
    block
        Output values, shape (outputs, trajectories), trajectories sorted by scenario.
    weights
        Each trajectory's (unnormalized) weight, in the same order.
    bounds
        ``(start, stop)`` columns of each scenario in ``block``.
    """
    outputs = block.shape[0]
    chunk.integer &= np.all(block == np.floor(block), axis=1)
    # One bucket pass and one weighted count for all scenarios: key (scenario, output, bucket).
    offsets = np.arange(outputs, dtype=np.int64)[:, None] * BUCKETS
    keys = bucket_index(block) + offsets
    for scenario, (start, stop) in enumerate(bounds):
        keys[:, start:stop] += scenario * outputs * BUCKETS
    dense = np.bincount(keys.ravel(), weights=np.tile(weights, outputs),
                        minlength=len(bounds) * outputs * BUCKETS)
    used = np.flatnonzero(dense)
    edges = np.searchsorted(used, np.arange(len(bounds) + 1) * outputs * BUCKETS)
    for scenario, (start, stop) in enumerate(bounds):
        total = chunk.weight[scenario]
        if total <= 0:
            continue
        values, w = block[:, start:stop], weights[start:stop]
        mean = values @ w / total
        chunk.mean[month, :, scenario] = mean
        chunk.m2[month, :, scenario] = np.square(values - mean[:, None]) @ w
        live = values if chunk.positive[scenario] else values[:, w > 0]
        chunk.minimum[month, :, scenario] = live.min(axis=1)
        chunk.maximum[month, :, scenario] = live.max(axis=1)
        for k in range(thresholds.output.size):
            row = values[thresholds.output[k]]
            beyond = row > thresholds.value[k] if thresholds.above[k] else row < thresholds.value[k]
            chunk.exceed[month, k, scenario] = w[beyond].sum()
        mine = used[edges[scenario]:edges[scenario + 1]]
        chunk.buckets[month][scenario] = (mine - scenario * outputs * BUCKETS).astype(np.int64)
        chunk.bucket_weight[month][scenario] = dense[mine].astype(np.float64)

class WeightedMerger:
    """Folds weighted chunks in chunk order (0, 1, 2, ...) as they arrive, in any order."""

    def __init__(self) -> None:
        self.next_chunk = 0
        self.waiting: dict[int, WeightedChunk] = {}
        self.total: WeightedChunk | None = None

    def add(self, part: WeightedChunk) -> None:
        self.waiting[part.chunk_index] = part
        while self.next_chunk in self.waiting:
            self._fold(self.waiting.pop(self.next_chunk))
            self.next_chunk += 1

    def _fold(self, part: WeightedChunk) -> None:
        if self.total is None:
            self.total = part
            return
        self.total = _combine(self.total, part)

    def finish(self) -> MergedSummary:
        """The run's weighted summary, with the overall slot last (as ``MergedSummary``)."""
        if self.waiting or self.total is None:
            raise ValueError(f"chunks missing before {sorted(self.waiting) or 'the first'}")
        return _summary(self.total)


def _combine(a: WeightedChunk, b: WeightedChunk) -> WeightedChunk:
    """Two chunks' statistics as one (the weighted Chan update; histograms added)."""
    mean, m2 = _chan(a.weight, a.mean, a.m2, b.weight, b.mean, b.m2)
    months, scenarios = len(a.buckets), a.weight.size
    buckets = [[np.zeros(0, np.int64)] * scenarios for _ in range(months)]
    bucket_weight = [[np.zeros(0)] * scenarios for _ in range(months)]
    for month in range(months):
        for s in range(scenarios):
            buckets[month][s], bucket_weight[month][s] = _add_sparse(
                [a.buckets[month][s], b.buckets[month][s]],
                [a.bucket_weight[month][s], b.bucket_weight[month][s]])
    return WeightedChunk(
        chunk_index=b.chunk_index, count=a.count + b.count, weight=a.weight + b.weight,
        weight_squared=a.weight_squared + b.weight_squared, mean=mean, m2=m2,
        minimum=np.minimum(a.minimum, b.minimum), maximum=np.maximum(a.maximum, b.maximum),
        exceed=a.exceed + b.exceed, integer=a.integer & b.integer,
        positive=a.positive & b.positive, buckets=buckets,
        bucket_weight=bucket_weight,
    )


def _chan(
    weight_a: FloatArray, mean_a: FloatArray, m2_a: FloatArray,
    weight_b: FloatArray, mean_b: FloatArray, m2_b: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Weighted (mean, M2) of two parts; a part of zero weight (NaN mean) leaves the other."""
    total = weight_a + weight_b
    with np.errstate(invalid="ignore", divide="ignore"):
        share_b = np.where(total > 0, weight_b / np.where(total > 0, total, 1.0), 0.0)
        delta = np.where(weight_b > 0, mean_b - np.nan_to_num(mean_a), 0.0)
        delta = np.where(weight_a > 0, delta, 0.0)
        mean = np.where(weight_a > 0, mean_a, mean_b) + delta * share_b
        m2 = m2_a + m2_b + delta**2 * weight_a * share_b
    return mean, m2


def _add_sparse(keys: Sequence[IntArray], weights: Sequence[FloatArray]) -> tuple[
        IntArray, FloatArray]:
    """Sum sparse histograms; the sums run in the order given (deterministic)."""
    joined = np.concatenate(keys)
    unique, position = np.unique(joined, return_inverse=True)
    summed = np.bincount(position, weights=np.concatenate(weights), minlength=unique.size)
    return unique.astype(np.int64), summed.astype(np.float64)


def _summary(total: WeightedChunk) -> MergedSummary:
    months, outputs, scenarios = total.mean.shape
    overall_mean = np.full((months, outputs), np.nan)
    overall_m2 = np.zeros((months, outputs))
    overall_weight = np.zeros(())
    for s in range(scenarios):
        overall_mean, overall_m2 = _chan(overall_weight, overall_mean, overall_m2,
                                         total.weight[s], total.mean[..., s], total.m2[..., s])
        overall_weight = overall_weight + total.weight[s]
    weight = np.append(total.weight, total.weight.sum())
    weight_squared = np.append(total.weight_squared, total.weight_squared.sum())
    mean = np.concatenate([total.mean, overall_mean[..., None]], axis=-1)
    m2 = np.concatenate([total.m2, overall_m2[..., None]], axis=-1)
    minimum = np.concatenate([total.minimum, total.minimum.min(axis=-1, keepdims=True)], -1)
    maximum = np.concatenate([total.maximum, total.maximum.max(axis=-1, keepdims=True)], -1)
    exceed = np.concatenate([total.exceed, total.exceed.sum(axis=-1, keepdims=True)], -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = weight - weight_squared / np.where(weight > 0, weight, 1.0)
        variance = np.where(denominator > 0, m2 / np.where(denominator > 0, denominator, 1), 0)
        exceed_probability = exceed / np.where(weight > 0, weight, 1.0)
    empty = weight <= 0  # a scenario the evidence rules out (or no trajectory drew)
    mean[..., empty] = variance[..., empty] = exceed_probability[..., empty] = np.nan
    minimum[..., empty] = np.nan
    maximum[..., empty] = np.nan
    quantiles = np.full((months, outputs, scenarios + 1, len(PROBABILITIES)), np.nan)
    values = bucket_values()
    for month in range(months):
        per_scenario = total.buckets[month]
        overall = _add_sparse(per_scenario, total.bucket_weight[month])
        series = [*zip(per_scenario, total.bucket_weight[month], strict=True), overall]
        for slot, (keys, w) in enumerate(series):
            if weight[slot] > 0:
                quantiles[month, :, slot] = _quantiles(
                    keys, w, outputs, values, minimum[month, :, slot], maximum[month, :, slot],
                    total.integer)
    return MergedSummary(
        count=np.append(total.count, total.count.sum()),
        mean=mean, sd=np.sqrt(variance), minimum=minimum, maximum=maximum,
        quantiles=quantiles, exceed_probability=exceed_probability, integer=total.integer,
    )


def _quantiles(
    keys: IntArray, weights: FloatArray, outputs: int, values: FloatArray,
    minimum: FloatArray, maximum: FloatArray, integer: NDArray[np.bool_],
) -> FloatArray:
    """Weighted quantiles of every output from one sparse histogram (keys sorted)."""
    result = np.full((outputs, len(PROBABILITIES)), np.nan)
    output_of = keys // BUCKETS
    edges = np.searchsorted(output_of, np.arange(outputs + 1))
    for o in range(outputs):
        a, b = edges[o], edges[o + 1]
        if b == a:
            continue
        cumulative = np.cumsum(weights[a:b])
        targets = np.array(PROBABILITIES) * cumulative[-1]
        picked = np.minimum(np.searchsorted(cumulative, targets, side="left"), b - a - 1)
        chosen = values[keys[a:b][picked] - o * BUCKETS]
        chosen = np.clip(chosen, minimum[o], maximum[o])
        if integer[o]:
            chosen = np.where(np.abs(chosen) < _ROUNDED_BELOW, np.round(chosen), chosen)
        result[o] = chosen
    return result
