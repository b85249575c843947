"""Running a case: chunks, threads or a Dask cluster, and the streaming merge.

Samples are cut into chunks of :data:`CHUNK_SIZE` trajectories. A chunk's numbers depend only
on (case, seed, sampler, chunk index), and chunk statistics are merged in chunk order, so the
summary is byte-identical whether the chunks run on one thread, two threads, or any number of
Dask workers. Memory stays flat: a worker holds one chunk's state and one histogram.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from yubi.case.loader import parse_case_text
from yubi.case.model import Case, compile_case
from yubi.engine.checks import check_events
from yubi.engine.groups import with_branches
from yubi.engine.memory import keep_freed_memory
from yubi.engine.results import SimulationResult
from yubi.engine.sampling import SAMPLERS, Sampler, chunk_design, dynamics_rng
from yubi.engine.simulate import ChunkLayout, layout_of, run_chunk
from yubi.engine.summary import (
    ChunkMoments,
    Histogram,
    MomentsMerger,
    MonthFolder,
    ThresholdArrays,
    ThresholdSpec,
)
from yubi.engine.trajectories import TrajectoryWriter
from yubi.errors import UsageError

__all__ = ["CHUNK_SIZE", "MAX_SAMPLES", "RunSettings", "simulate"]

#: Trajectories per chunk. Part of what fixes the numbers: changing it changes results.
CHUNK_SIZE = 1 << 15
MAX_SAMPLES = 2**31 - 1
#: Single-chunk runs of at least this many trajectories split each month over two threads.
SPLIT_THRESHOLD = 2000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class RunSettings:
    """What, besides the case, determines a run's numbers."""

    samples: int = 10_000
    seed: int = 0
    sampler: Sampler = "mc"
    chunk_size: int = CHUNK_SIZE

    def __post_init__(self) -> None:
        if not 1 <= self.samples <= MAX_SAMPLES:
            raise UsageError(f"samples must be between 1 and {MAX_SAMPLES}, got {self.samples}")
        if self.seed < 0:
            raise UsageError(f"seed must be zero or positive, got {self.seed}")
        if self.sampler not in SAMPLERS:
            raise UsageError(f"sampler must be one of {', '.join(SAMPLERS)}, got {self.sampler!r}")

    def chunks(self) -> list[tuple[int, int]]:
        """``(chunk index, rows)`` for every chunk."""
        full, rest = divmod(self.samples, self.chunk_size)
        sizes = [self.chunk_size] * full + ([rest] if rest else [])
        return list(enumerate(sizes))


def simulate(
    case: Case,
    samples: int = 10_000,
    *,
    seed: int = 0,
    sampler: Sampler = "mc",
    threads: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    trajectories: str | Path | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Simulate ``samples`` trajectories of ``case`` and summarize every output.

    Parameters
    ----------
    case
        A compiled case (:func:`yubi.load_case`).
    samples
        Number of trajectories.
    seed
        Seed of the run; with the case, ``samples`` and ``sampler`` it fixes every number.
    sampler
        ``"mc"``, ``"lhs"`` or ``"sobol"``.
    threads
        Parallelism on this machine. The default picks: one thread for small runs, and for
        runs of :data:`PROCESS_THRESHOLD` chunks or more (without ``trajectories``), one
        forked process per core — processes, because a month's many short NumPy calls hold
        the GIL often enough that threads scale poorly. An explicit number uses threads.
    workers
        Run chunks on a Dask ``LocalCluster`` of this many single-threaded processes.
    scheduler
        Address of an existing Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    trajectories
        Stream every trajectory to this Parquet file, chunk by chunk.
    progress
        Called with the number of trajectories finished, as chunks complete.

    Returns
    -------
    SimulationResult
        Per scenario and overall, per month: mean, sd, p05–p95 and threshold probabilities.
    """
    settings = RunSettings(samples, seed, sampler)
    keep_freed_memory()
    started = time.perf_counter()
    if workers is not None and workers < 1:
        raise UsageError(f"workers must be at least 1, got {workers}")
    if (workers or scheduler) and trajectories is not None:
        raise UsageError("--trajectories streams from this process; drop --workers/--scheduler")
    if workers or scheduler:
        parts, histogram = _run_on_dask(case, settings, workers, scheduler, progress)
    elif threads is None and trajectories is None and _forking_pays(case, settings):
        parts, histogram = _run_on_processes(case, settings, progress)
    else:
        parts, histogram = _run_in_process(case, settings, threads, trajectories, progress)
    summary = with_branches(case, parts.finish(histogram), histogram)
    return SimulationResult(case, settings, summary, time.perf_counter() - started)


def threshold_specs(case: Case) -> list[ThresholdSpec]:
    """Every output threshold, in the output's declared unit."""
    specs = []
    for index, output in enumerate(case.outputs):
        for threshold in output.thresholds:
            above = threshold.above is not None
            value = threshold.above if above else threshold.below
            assert value is not None
            specs.append(ThresholdSpec(index, float(value), above))
    return specs


_THRESHOLDS: dict[int, tuple[Any, ThresholdArrays]] = {}


def _halves(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """The outputs each of two threads summarizes, balanced by their cost."""
    load = [0.0, 0.0]
    chosen: tuple[list[int], list[int]] = ([], [])
    for index, output in enumerate(case.outputs):
        lighter = 0 if load[0] <= load[1] else 1
        chosen[lighter].append(index)
        load[lighter] += 0.1 if output.event else 1.0
    return (np.array(chosen[0], dtype=np.int64), np.array(chosen[1], dtype=np.int64))


def _event_outputs(case: Case) -> np.ndarray:
    """Per output, whether it is declared 0 or 1 (``kind: event``)."""
    return np.array([output.event for output in case.outputs], dtype=np.bool_)


def _threshold_arrays(case: Case) -> ThresholdArrays:
    """The case's thresholds as arrays, built once per compiled case."""
    import weakref

    known = _THRESHOLDS.get(id(case))
    if known is not None and known[0]() is case:
        return known[1]
    arrays = ThresholdArrays.of(threshold_specs(case))
    _THRESHOLDS[id(case)] = (weakref.ref(case), arrays)
    weakref.finalize(case, _THRESHOLDS.pop, id(case), None)
    return arrays


def summarize_chunk(
    case: Case,
    settings: RunSettings,
    chunk_index: int,
    rows: int,
    histogram: Histogram,
    keep_months: bool = False,
    split: bool = False,
) -> tuple[ChunkMoments, ChunkLayout, np.ndarray | None]:
    """Run one chunk, folding its months into ``histogram``; return its exact moments.
    ``split``: share each month with the helper thread (half of the trajectories, half of
    the outputs' summaries); the numbers are the same."""
    months, outputs, scenarios = len(case.months), len(case.outputs), len(case.scenarios)
    thresholds = _threshold_arrays(case)
    design = chunk_design(settings.sampler, settings.seed, chunk_index, settings.chunk_size,
                          rows, len(case.inputs), case.correlation)
    shape = (months, outputs, scenarios)
    moments = ChunkMoments(
        chunk_index=chunk_index,
        count=np.zeros(scenarios, dtype=np.int64),
        mean=np.zeros(shape),
        m2=np.zeros(shape),
        minimum=np.full(shape, np.inf),
        maximum=np.full(shape, -np.inf),
        exceed=np.zeros((months, thresholds.output.size, scenarios), dtype=np.int64),
        integer=np.ones(outputs, dtype=bool),
    )
    kept = np.empty((months, outputs, rows)) if keep_months else None
    layout = layout_of(case, design)

    events = _event_outputs(case)

    def checked(month: int, block: np.ndarray, problem: int) -> None:
        if problem >= 0:  # an event output is not 0 or 1: the case's located error
            check_events(case, block, month, layout.scenario)

    fold = MonthFolder(layout.bounds, thresholds, moments, histogram, events=events)

    def on_month(month: int, block: np.ndarray) -> None:
        checked(month, block, fold(month, block))
        if kept is not None:
            kept[month] = block

    rng = dynamics_rng(settings.seed, chunk_index)
    if not split or kept is not None:
        run_chunk(case, design, layout, rng, on_month, events_checked=True)
    else:
        # Each thread folds about half of the summary work into its own histogram; an
        # event output costs about a tenth of another (counted, not summed and bucketed).
        halves = _halves(case)
        second = Histogram()
        folds = (MonthFolder(layout.bounds, thresholds, moments, histogram, halves[0], events),
                 MonthFolder(layout.bounds, thresholds, moments, second, halves[1], events))

        def on_half(month: int, block: np.ndarray, half: int) -> None:
            checked(month, block, folds[half](month, block))

        run_chunk(case, design, layout, rng, on_month, on_half=on_half, events_checked=True)
        histogram.attach(second)
    moments.count[:] = [stop - start for start, stop in layout.bounds]
    return moments, layout, kept


def _run_in_process(
    case: Case,
    settings: RunSettings,
    threads: int | None,
    trajectories: str | Path | None,
    progress: Progress | None,
) -> tuple[MomentsMerger, Histogram]:
    chunks = settings.chunks()
    wanted = threads or os.cpu_count() or 1
    threads = max(1, min(wanted, len(chunks)))
    # A core the chunks leave idle takes half of each month's work (from a thousand
    # trajectories up: below, handing months over costs more than it saves).
    split = wanted > threads and settings.samples >= SPLIT_THRESHOLD
    histograms = [Histogram() for _ in range(threads)]
    free = deque(histograms)
    writer = TrajectoryWriter(trajectories, case) if trajectories is not None else None
    parts = MomentsMerger()

    def work(chunk_index: int, rows: int) -> tuple[ChunkMoments, ChunkLayout, Any]:
        histogram = free.popleft()
        try:
            return summarize_chunk(case, settings, chunk_index, rows, histogram,
                                   writer is not None, split)
        finally:
            free.append(histogram)

    try:
        if threads == 1:
            for chunk_index, rows in chunks:
                done: Future[Any] = Future()
                done.set_result(work(chunk_index, rows))
                _collect((chunk_index, done), parts, writer, settings, progress)
            chunks = []
        with ThreadPoolExecutor(max_workers=threads) as pool:
            pending: deque[tuple[int, Future[Any]]] = deque()
            for chunk_index, rows in chunks:
                pending.append((chunk_index, pool.submit(work, chunk_index, rows)))
                if len(pending) >= threads:
                    _collect(pending.popleft(), parts, writer, settings, progress)
            while pending:
                _collect(pending.popleft(), parts, writer, settings, progress)
    finally:
        if writer is not None:
            writer.close()
    total = histograms[0]
    for other in histograms[1:]:
        total.add(other)
    return parts, total


def _collect(
    item: tuple[int, Future[Any]],
    parts: MomentsMerger,
    writer: TrajectoryWriter | None,
    settings: RunSettings,
    progress: Progress | None,
) -> None:
    chunk_index, future = item
    moments, layout, kept = future.result()
    parts.add(moments)
    if writer is not None:
        writer.write(chunk_index * settings.chunk_size, layout, kept)
    if progress is not None:
        progress(int(moments.count.sum()))


# -- forked processes ----------------------------------------------------------------------
#: Runs of at least this many chunks use one forked process per core by default.
PROCESS_THRESHOLD = 4
_FORKED_CASE: Case | None = None


def _forking_pays(case: Case, settings: RunSettings) -> bool:
    """Fork only where it is safe and worth it: a POSIX fork, several cores, enough chunks,
    no other Python thread that could hold a lock the child would inherit locked, and a case
    that runs on the NumPy closures (a compiled kernel releases the GIL: threads scale)."""
    import multiprocessing
    import threading

    from yubi.engine.compiled import kernel_for

    if kernel_for(case) is not None:
        return False
    cores = os.cpu_count() or 1
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    alone = threading.active_count() == 1
    return can_fork and alone and cores > 1 and len(settings.chunks()) >= PROCESS_THRESHOLD


def _run_on_processes(
    case: Case, settings: RunSettings, progress: Progress | None
) -> tuple[MomentsMerger, Histogram]:
    """Chunks on forked processes; they inherit the compiled case (closures do not pickle)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from yubi.engine.stopping import ignore_interrupts, stop_workers

    global _FORKED_CASE
    cores = os.cpu_count() or 1
    groups = _groups(settings.chunks(), tasks=cores * 4)
    _FORKED_CASE = case
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=cores, mp_context=context,
                                 initializer=ignore_interrupts) as pool:
            try:
                futures = [pool.submit(_forked_task, settings, group) for group in groups]
                return _gather(futures, as_completed, progress)
            except BaseException:  # Ctrl-C, a kernel interrupt: stop the workers at once
                stop_workers(pool)
                raise
    finally:
        _FORKED_CASE = None


def _forked_task(
    settings: RunSettings, group: list[tuple[int, int]]
) -> tuple[list[ChunkMoments], Histogram]:
    assert _FORKED_CASE is not None, "the case is inherited through fork"
    histogram = Histogram()
    parts = [
        summarize_chunk(_FORKED_CASE, settings, index, rows, histogram)[0]
        for index, rows in group
    ]
    return parts, histogram


def _gather(
    futures: Sequence[Any], as_completed: Callable[..., Iterable[Any]], progress: Progress | None
) -> tuple[MomentsMerger, Histogram]:
    """Collect (chunk moments, histogram) from tasks in completion order; merging is
    order-free for histograms and folded in chunk order for moments."""
    parts = MomentsMerger()
    total = Histogram()
    for future in as_completed(futures):
        moments, histogram = future.result()
        for part in moments:
            parts.add(part)
        total.add(histogram)
        if progress is not None:
            progress(sum(int(m.count.sum()) for m in moments))
    return parts, total


# -- Dask ----------------------------------------------------------------------------------
def _run_on_dask(
    case: Case,
    settings: RunSettings,
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
) -> tuple[MomentsMerger, Histogram]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as error:  # pragma: no cover - a dependency
        raise UsageError("--workers needs dask[distributed] installed") from error
    raw = Path(case.path).read_bytes()
    if raw and _case_digest(raw) != case.sha256:
        raise UsageError("the case file changed on disk since it was loaded; load it again")
    chunks = settings.chunks()
    priors = tuple(float(p) for p in case.priors)
    cluster = None
    if scheduler:
        client = Client(scheduler)
        count = max(1, len(client.scheduler_info().get("workers", {})))
    else:
        count = workers or 1
        # ":0": the scheduler's HTTP endpoint on a free port; None would still try 8787 and
        # warn when a second cluster (another run, another user) holds it.
        cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=40)
        client = Client(cluster)
    try:
        # One task per worker: each reduces its chunks into one histogram before shipping it.
        groups = _groups(chunks, tasks=max(count, 1))
        changes = {c.key: c.value for c in case.changes}
        futures = [
            client.submit(_dask_task, raw, case.path, priors, settings, group, changes,
                          pure=False)
            for group in groups
        ]
        return _gather(futures, as_completed, progress)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _groups(chunks: Sequence[tuple[int, int]], tasks: int) -> list[list[tuple[int, int]]]:
    size = max(1, -(-len(chunks) // tasks))
    return [list(chunks[i : i + size]) for i in range(0, len(chunks), size)]


def _dask_task(
    raw: bytes,
    path: str,
    priors: tuple[float, ...],
    settings: RunSettings,
    group: Iterable[tuple[int, int]],
    changes: dict[str, Any] | None = None,
) -> tuple[list[ChunkMoments], Histogram]:
    keep_freed_memory()  # a worker process is not the one that called simulate()
    case = _compiled(raw, path)
    if changes:  # what-if changes travel as data; the compiled case does not pickle
        case = case.with_changes(changes)
    if priors != tuple(float(p) for p in case.priors):
        case = case.with_priors(priors)
    histogram = Histogram()
    parts = [summarize_chunk(case, settings, index, rows, histogram)[0] for index, rows in group]
    return parts, histogram


@lru_cache(maxsize=4)
def _compiled(raw: bytes, path: str) -> Case:
    return compile_case(parse_case_text(raw, path))


def _case_digest(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()
