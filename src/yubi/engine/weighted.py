"""Weighted runs: trajectories reweighted by evidence, summarized under the posterior.

A trajectory's weight is its likelihood under the evidence, which may read months *after* the
month being summarized (a report from January bears on December's path too). So a weighted run
makes two passes over every chunk, each with the chunk's own seed, hence the same trajectories:

1. **Pass 1** runs the chunk only up to the last month the evidence reads and hands each
   month's outputs to the chunk's :class:`ChunkWeigher`, which returns a log-weight per
   trajectory and evidence term.
2. The log-weights of all chunks are shifted by one common constant (their maximum, an
   order-free number) and exponentiated: unnormalized weights.
3. **Pass 2** re-runs every chunk and folds every month into weighted summaries
   (:mod:`yubi.engine.weighted_summary`); chunks merge in chunk order and normalize at the end.

Each chunk's numbers depend only on (case, seed, sampler, chunk index, evidence), and merging
runs in chunk order, so results are byte-identical for any number of threads. Weighted runs
use threads in this process: the evidence terms hold compiled expressions, which do not travel
to Dask workers (the ``workers`` argument of :func:`simulate_weighted` chooses the thread
count, and callers say so to the user).

The engine knows nothing about evidence items: it talks to a :class:`Weighting`, which
:mod:`yubi.evidence.terms` builds from them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from yubi.case.model import Case
from yubi.engine.results import SimulationResult
from yubi.engine.run import RunSettings, threshold_specs
from yubi.engine.sampling import chunk_design, dynamics_rng
from yubi.engine.simulate import ChunkLayout, MonthCallback, layout_of, run_chunk
from yubi.engine.summary import ThresholdArrays
from yubi.engine.weighted_summary import WeightedChunk, WeightedMerger, summarize_weighted_month
from yubi.errors import UsageError

__all__ = [
    "ChunkWeigher",
    "ChunkWeights",
    "WeightedRun",
    "Weighting",
    "log_weights",
    "run_chunk_months",
    "simulate_weighted",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Progress = Callable[[int], None]
T = TypeVar("T")
R = TypeVar("R")


class ChunkWeigher(Protocol):
    """Reads one chunk's months in pass 1 and gives every trajectory its log-weights."""

    def month(self, month: int, outputs: FloatArray) -> None:
        """Read month ``month``'s outputs (outputs × trajectories, declared units)."""

    def log_weights(self) -> FloatArray:
        """Shape (terms, trajectories): each evidence term's log-likelihood (may be −inf)."""


class Weighting(Protocol):
    """What a weighted run needs to know about the evidence."""

    @property
    def last_month(self) -> int:
        """The last month index any term reads; −1 if none reads a month."""

    def chunk(self, scenario: IntArray) -> ChunkWeigher:
        """A weigher for a chunk whose trajectories drew scenarios ``scenario`` (in order)."""


@dataclass(frozen=True)
class ChunkWeights:
    """Pass 1's answer for one chunk: log-weights (terms × trajectories) and scenarios."""

    chunk_index: int
    log_weights: FloatArray
    scenario: IntArray


@dataclass(frozen=True)
class WeightedRun:
    """What the weights say, besides the summaries.

    Attributes
    ----------
    scenario_weight
        Posterior probability of each scenario (combination of branches), summing to 1.
    effective_sample_size
        Kish's ``(Σw)² / Σw²``: how many equally weighted trajectories the weights are worth.
    samples
        Trajectories simulated.
    """

    scenario_weight: FloatArray
    effective_sample_size: float
    samples: int


class _LastMonthReadError(Exception):
    """Raised in pass 1 once the last month the evidence reads has been read."""


def run_chunk_months(
    case: Case, settings: RunSettings, chunk_index: int, rows: int, on_month: MonthCallback,
    last_month: int | None = None,
) -> ChunkLayout:
    """Simulate one chunk exactly as :func:`yubi.engine.run.simulate` does; report months.

    With ``last_month``, stop after that month (the later months are not computed)."""
    design = chunk_design(settings.sampler, settings.seed, chunk_index, settings.chunk_size,
                          rows, len(case.inputs), case.correlation)
    layout = layout_of(case, design)
    if last_month is None:
        run_chunk(case, design, layout, dynamics_rng(settings.seed, chunk_index), on_month)
        return layout

    def reading(month: int, block: FloatArray) -> None:
        on_month(month, block)
        if month >= last_month:
            raise _LastMonthReadError

    with contextlib.suppress(_LastMonthReadError):
        run_chunk(case, design, layout, dynamics_rng(settings.seed, chunk_index), reading)
    return layout


def log_weights(
    case: Case, settings: RunSettings, weighting: Weighting, threads: int | None = None,
) -> Iterator[ChunkWeights]:
    """Pass 1: every chunk's log-weights per term, in chunk order."""

    def weigh(chunk: tuple[int, int]) -> ChunkWeights:
        chunk_index, rows = chunk
        design = chunk_design(settings.sampler, settings.seed, chunk_index,
                              settings.chunk_size, rows, len(case.inputs), case.correlation)
        scenario = layout_of(case, design).scenario
        weigher = weighting.chunk(scenario)
        if weighting.last_month >= 0:
            run_chunk_months(case, settings, chunk_index, rows, weigher.month,
                             weighting.last_month)
        return ChunkWeights(chunk_index, weigher.log_weights(), scenario)

    yield from _in_order(weigh, settings.chunks(), threads)


def simulate_weighted(
    case: Case,
    settings: RunSettings,
    weighting: Weighting,
    *,
    threads: int | None = None,
    progress: Progress | None = None,
) -> tuple[SimulationResult, WeightedRun]:
    """Simulate ``case`` and summarize every output under the evidence's weights.

    Parameters
    ----------
    case
        A compiled case.
    settings
        Samples, seed, sampler (and chunk size): as for an unweighted run, the same
        trajectories are drawn.
    weighting
        The evidence, as log-likelihood terms per trajectory.
    threads
        Threads in this process (default: the cores). The numbers do not depend on it.
    progress
        Called with the number of trajectories summarized, as pass 2 completes chunks.

    Raises
    ------
    UsageError
        If the evidence gives every trajectory weight zero (it is impossible under the model).
    """
    started = time.perf_counter()
    parts = list(log_weights(case, settings, weighting, threads))
    totals = [part.log_weights.sum(axis=0) for part in parts]
    shift = max((float(np.max(t)) for t in totals if t.size), default=0.0)
    if not np.isfinite(shift):
        raise UsageError("the evidence rules out every simulated trajectory: no trajectory "
                         "is consistent with it; check the items (an observation's error "
                         "range, an indicator's condition) or run more samples")
    weights = [np.exp(t - shift) for t in totals]
    scenarios = len(case.scenarios)
    thresholds = ThresholdArrays.of(threshold_specs(case))
    shape = (len(case.months), len(case.outputs), scenarios)

    def summarize(chunk: tuple[int, int]) -> WeightedChunk:
        chunk_index, rows = chunk
        w = weights[chunk_index]
        holder: list[WeightedChunk] = []

        def on_month(month: int, block: FloatArray) -> None:
            summarize_weighted_month(month, block, w, bounds, thresholds, holder[0])

        design = chunk_design(settings.sampler, settings.seed, chunk_index,
                              settings.chunk_size, rows, len(case.inputs), case.correlation)
        bounds = layout_of(case, design).bounds
        holder.append(WeightedChunk.empty(chunk_index, shape, thresholds.output.size, w,
                                          bounds))
        run_chunk_months(case, settings, chunk_index, rows, on_month)
        return holder[0]

    merger = WeightedMerger()
    for part in _in_order(summarize, settings.chunks(), threads):
        merger.add(part)
        if progress is not None:
            progress(int(part.count.sum()))
    summary = merger.finish()
    per_scenario = np.zeros(scenarios)
    total = squared = 0.0
    for weighed, w in zip(parts, weights, strict=True):
        per_scenario += np.bincount(weighed.scenario, weights=w, minlength=scenarios)
        total += float(w.sum())
        squared += float(np.square(w).sum())
    run = WeightedRun(per_scenario / total, total * total / squared, settings.samples)
    result = SimulationResult(case, settings, summary, time.perf_counter() - started)
    return result, run


def _in_order(work: Callable[[T], R], items: list[T], threads: int | None) -> Iterator[R]:
    """``work`` over ``items`` on threads, answers in the items' order."""
    count = max(1, min(threads or os.cpu_count() or 1, len(items)))
    if count == 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=count) as pool:
        yield from pool.map(work, items)
