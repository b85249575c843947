"""Running a case and the run's JSON document, the same for the shell, notebooks and the web."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from yubi.case.compiled import Case
    from yubi.engine.results import SimulationResult

__all__ = ["run", "run_document", "run_json"]

Progress = Callable[[int], None]


def run(
    case: Case,
    *,
    samples: int = 10_000,
    seed: int = 0,
    sampler: str = "mc",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | bool | None = None,
    trajectories: str | Path | None = None,
    as_of: str | dt.date | None = None,
    store: str | Engine | None = None,
) -> SimulationResult:
    """Simulate ``case`` and summarize every output per scenario and month.

    Parameters
    ----------
    case
        A compiled case, possibly changed (:meth:`~yubi.case.compiled.Case.with_changes`).
    samples
        Number of trajectories.
    seed
        With the case, ``samples`` and ``sampler``, fixes every number.
    sampler
        ``"mc"``, ``"lhs"`` or ``"sobol"``.
    workers, scheduler
        Run on a Dask ``LocalCluster`` of this many processes, or on an existing scheduler.
    progress
        A callback given the number of trajectories finished as chunks complete; ``True``
        draws a bar (in a Jupyter notebook, or on stderr); ``None`` or ``False``: nothing.
    trajectories
        Also stream every raw trajectory to this Parquet file.
    as_of
        Summarize every output under the posterior given the evidence recorded in the store by
        this date (``YYYY-MM-DD`` or ``"today"``); the result's ``evidence`` then holds the
        prior and posterior per branch and the effective sample size. Such a run has two
        passes and runs on threads in this process: ``workers`` sets their number,
        ``scheduler`` and ``trajectories`` are refused.
    store
        The evidence store: a database URL or an SQLAlchemy engine; default: the user's store
        (``$YUBI_DATABASE_URL``, else the SQLite file).

    Raises
    ------
    yubi.errors.UsageError
        For bad settings (samples, seed, sampler, workers, as_of).
    """
    from yubi.app.progress import progress_callback
    from yubi.engine.run import RunSettings, simulate

    settings = RunSettings(samples, seed, sampler)  # type: ignore[arg-type]  # checked here
    if as_of is not None:
        from yubi.app.posterior import run_under_evidence

        with progress_callback(progress, samples) as tick:
            return run_under_evidence(case, settings, as_of, store, threads=workers,
                                      scheduler=scheduler, trajectories=trajectories,
                                      progress=tick)
    with progress_callback(progress, samples) as tick:
        return simulate(case, settings.samples, seed=settings.seed, sampler=settings.sampler,
                        workers=workers, scheduler=scheduler, trajectories=trajectories,
                        progress=tick)


def run_document(result: SimulationResult) -> dict[str, Any]:
    """The document ``yubi run --json`` prints (with ``"changes"`` for a changed case)."""
    return result.to_dict()


def run_json(result: SimulationResult) -> str:
    """The exact text ``yubi run --json`` prints, final newline included."""
    return result.to_json() + "\n"
