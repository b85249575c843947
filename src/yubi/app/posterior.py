"""Runs under evidence: the store's items as of a date, as terms, reweighting a run."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yubi.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from yubi.case.model import Case
    from yubi.engine.results import SimulationResult
    from yubi.engine.run import RunSettings

__all__ = ["evidence_as_of", "run_under_evidence"]


def evidence_as_of(case: Case, as_of: str | dt.date, store: str | Engine | None = None
                   ) -> tuple[dt.date, list[Any]]:
    """The knowledge date and the items of ``case`` recorded (and observed) by then."""
    from sqlalchemy import Engine

    from yubi.store.clock import parse_date
    from yubi.store.database import open_engine
    from yubi.store.evidence import items_as_of

    day = parse_date(as_of, "--as-of")
    engine = store if isinstance(store, Engine) else open_engine(store)
    try:
        return day, list(items_as_of(engine, case.id, day))
    finally:
        if engine is not store:
            engine.dispose()


def run_under_evidence(
    case: Case,
    settings: RunSettings,
    as_of: str | dt.date,
    store: str | Engine | None = None,
    *,
    threads: int | None = None,
    scheduler: str | None = None,
    trajectories: str | Path | None = None,
    progress: Any = None,
) -> SimulationResult:
    """Every output summarized under the posterior given the evidence known on ``as_of``.

    With no usable item the run is the prior's (one pass), and its evidence says so: the
    posterior equals the prior and the effective sample size is the sample count.
    """
    from yubi.engine.run import simulate
    from yubi.evidence.posterior import PosteriorSummary, branch_posteriors, posterior_run
    from yubi.evidence.terms import evidence_terms

    if scheduler is not None:
        raise UsageError("--as-of runs in this process (two passes over each chunk); drop "
                         "--scheduler")
    if trajectories is not None:
        raise UsageError("--trajectories writes the prior's trajectories; drop it with --as-of")
    day, items = evidence_as_of(case, as_of, store)
    evidence = evidence_terms(case, items)
    if evidence.terms:
        return posterior_run(case, settings, evidence, day, threads=threads, progress=progress)
    result = simulate(case, settings.samples, seed=settings.seed, sampler=settings.sampler,
                      threads=threads, progress=progress)
    prior = case.priors / case.priors.sum()
    summary = PosteriorSummary(
        as_of=day, items=(), kinds=(), counted=(), ignored=evidence.ignored,
        branches=tuple(branch_posteriors(case, prior)),
        effective_sample_size=float(settings.samples), samples=settings.samples,
    )
    return replace(result, evidence=summary)
