"""Scenario dimensions in the engine: drawing a combination per trajectory, and summarizing
each branch over the combinations that include it.

A crossed case (:attr:`yubi.case.compiled.Case.crossed`) runs on combinations of one branch per
dimension. Each dimension has its own design column, so every sampler (Monte Carlo, Latin
hypercube, Sobol') and common random numbers work per dimension: a trajectory keeps its branch
of the first dimension when only a later dimension's priors change. Dimension ``k`` is drawn
from its column by its probabilities *given the branches already drawn*, derived from the
combinations' joint priors (so :meth:`~yubi.case.compiled.Case.with_priors` is honoured).

A branch's marginal summary merges its combinations' exactly as the run merges scenarios into
the overall column: Chan's update in combination order for the moments, integer bucket counts
for the quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from yubi.case.compiled import Case
from yubi.engine.summary import Histogram, MergedSummary, _chan, _quantiles

__all__ = ["branch_summary", "combination_of", "with_branches"]

FloatArray = NDArray[np.float64]


def combination_of(case: Case, design: FloatArray) -> NDArray[np.int64]:
    """Index of the combination (in ``case.scenarios``) each design row draws.

    Dimension ``k`` reads column ``case.dimensions[k].column``; its branch is chosen by the
    cumulative conditional probabilities given the branches of dimensions ``0 … k-1``.
    """
    sizes = [len(dimension.branches) for dimension in case.dimensions]
    joint = case.priors.reshape(sizes)
    chosen = np.zeros(design.shape[0], dtype=np.int64)  # the prefix, in mixed radix
    for k, dimension in enumerate(case.dimensions):
        # P(prefix, branch k) for every prefix: the joint summed over later dimensions.
        table = joint.sum(axis=tuple(range(k + 1, len(sizes)))).reshape(-1, sizes[k])
        cumulative = np.cumsum(table, axis=1)
        cumulative /= np.maximum(cumulative[:, -1:], np.finfo(np.float64).tiny)
        rows = cumulative[chosen]
        column = design[:, dimension.column]
        branch = np.minimum((rows <= column[:, None]).sum(axis=1), sizes[k] - 1)
        chosen = chosen * sizes[k] + branch
    return chosen


def with_branches(case: Case, summary: MergedSummary, histogram: Histogram) -> MergedSummary:
    """``summary`` with :attr:`MergedSummary.groups` set for a crossed case (else as is)."""
    if not case.crossed:
        return summary
    return replace(summary, groups=branch_summary(case, summary, histogram))


def branch_summary(case: Case, summary: MergedSummary, histogram: Histogram) -> MergedSummary:
    """Per branch (in ``case.branches`` order), then overall: the merged combinations.

    Exceedance counts are recovered from probabilities (rounded: they are whole numbers) and
    sums of squares from standard deviations, so moments agree with the combinations' to
    rounding; quantiles come from the summed bucket counts, as the overall column's do.
    """
    slots = len(case.scenarios)
    count = summary.count[:slots]
    with np.errstate(invalid="ignore"):
        m2 = np.nan_to_num(summary.sd[..., :slots] ** 2 * np.maximum(count - 1, 1))
        exceed = np.rint(np.nan_to_num(summary.exceed_probability[..., :slots] * count))
    mean = np.nan_to_num(summary.mean[..., :slots])
    groups = [case.members(branch.id) for branch in case.branches]
    parts = [_merge(count, mean, m2, summary, exceed, members) for members in groups]
    shape = summary.mean.shape[:2]
    quantiles = np.stack(
        [_group_quantiles(histogram, summary, members, shape) for members in groups]
        + [summary.quantiles[..., -1, :]], axis=2)
    group_count = np.array([part.count for part in parts] + [int(summary.count[-1])])

    def stack(values: list[FloatArray], overall: FloatArray) -> FloatArray:
        return np.stack([*values, overall], axis=-1)

    with np.errstate(invalid="ignore", divide="ignore"):
        variance = stack([part.m2 / max(part.count - 1, 1) for part in parts],
                         summary.sd[..., -1] ** 2)
        exceed_probability = stack([part.exceed / max(part.count, 1) for part in parts],
                                   summary.exceed_probability[..., -1])
    mean_all = stack([part.mean for part in parts], summary.mean[..., -1])
    empty = group_count == 0
    mean_all[..., empty] = variance[..., empty] = exceed_probability[..., empty] = np.nan
    return MergedSummary(
        count=group_count, mean=mean_all, sd=np.sqrt(variance),
        minimum=stack([part.minimum for part in parts], summary.minimum[..., -1]),
        maximum=stack([part.maximum for part in parts], summary.maximum[..., -1]),
        quantiles=quantiles, exceed_probability=exceed_probability, integer=summary.integer)


@dataclass(frozen=True)
class _Merged:
    count: int
    mean: FloatArray
    m2: FloatArray
    minimum: FloatArray
    maximum: FloatArray
    exceed: FloatArray


def _merge(count: NDArray[np.int64], mean: FloatArray, m2: FloatArray, summary: MergedSummary,
           exceed: FloatArray, members: tuple[int, ...]) -> _Merged:
    """(count, mean, m2, minimum, maximum, exceed) of the combinations ``members``."""
    total_count = np.zeros((), dtype=np.int64)
    total_mean = np.zeros(mean.shape[:-1])
    total_m2 = np.zeros(mean.shape[:-1])
    for member in members:  # in combination order: deterministic
        total_mean, total_m2, total_count = _chan(total_count, total_mean, total_m2,
                                                  count[member], mean[..., member],
                                                  m2[..., member])
    with np.errstate(invalid="ignore"):
        minimum = np.min(summary.minimum[..., list(members)], axis=-1)
        maximum = np.max(summary.maximum[..., list(members)], axis=-1)
    return _Merged(int(total_count), total_mean, total_m2, minimum, maximum,
                   exceed[..., list(members)].sum(axis=-1))


def _group_quantiles(histogram: Histogram, summary: MergedSummary, members: tuple[int, ...],
                     shape: tuple[int, ...]) -> FloatArray:
    """The members' merged quantiles: the "overall" slot of a histogram of only them."""
    histogram.settle()
    if histogram.shape is None:
        return np.full((*shape, summary.quantiles.shape[-1]), np.nan)
    months, outputs, slots = histogram.shape
    series = np.arange(months * outputs)[:, None] * slots + np.array(members)[None, :]
    view = Histogram()
    view.shape = (months, outputs, len(members))
    view.table = histogram.table[series.reshape(-1)]
    view.pool, view.used = histogram.pool, histogram.used
    picked = list(members)
    count = np.append(summary.count[picked], summary.count[picked].sum())
    with np.errstate(invalid="ignore"):
        minimum = summary.minimum[..., picked]
        maximum = summary.maximum[..., picked]
        minimum = np.concatenate([minimum, np.min(minimum, axis=-1, keepdims=True)], axis=-1)
        maximum = np.concatenate([maximum, np.max(maximum, axis=-1, keepdims=True)], axis=-1)
    return _quantiles(view, count, minimum, maximum, summary.integer)[..., -1, :]
