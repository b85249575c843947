"""The posterior of a case given evidence: trajectory weights, branch posteriors, ESS.

The posterior is a reweighting of the prior's trajectories (see :mod:`yubi.evidence.terms`):
trajectory ``i`` gets weight ``w_i ∝ Π_k L_k(i)`` over the counted terms. A branch's posterior
is the share of the weight its trajectories carry; every output's posterior quantiles,
thresholds and fan charts are the weighted summaries of :func:`yubi.engine.weighted.
simulate_weighted`.

**Effective sample size.** Kish's ``ESS = (Σw)² / Σw²`` is how many equally weighted
trajectories the weighted ones are worth: ``N`` when the evidence moves nothing, 1 when a
single trajectory carries all the weight. Monte Carlo error of posterior statistics grows like
``1/√ESS``; below :data:`LOW_ESS_SHARE` of the samples :func:`ess_warning` says so and what to
do (more samples: the ESS grows in proportion).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from yubi.errors import UsageError

if TYPE_CHECKING:
    from yubi.case.model import Case
    from yubi.engine.results import SimulationResult
    from yubi.engine.run import RunSettings
    from yubi.evidence.terms import Evidence

__all__ = [
    "LOW_ESS_SHARE",
    "BranchPosterior",
    "EvidenceStep",
    "PosteriorSummary",
    "branch_members",
    "branch_posteriors",
    "effective_sample_size",
    "ess_warning",
    "normalized",
    "posterior_run",
    "sequential_steps",
]

FloatArray = NDArray[np.float64]
#: Warn when the effective sample size falls below this share of the samples.
LOW_ESS_SHARE = 0.10


def normalized(log_weights: FloatArray) -> FloatArray:
    """Weights summing to 1 from log-weights (−inf allowed; not all of them)."""
    values = np.asarray(log_weights, dtype=np.float64)
    peak = np.max(values)
    if not np.isfinite(peak):
        raise ValueError("every weight is zero")
    weights = np.exp(values - peak)
    return np.asarray(weights / weights.sum())


def effective_sample_size(weights: FloatArray) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²`` of non-negative weights (any scale)."""
    total = float(np.sum(weights))
    squared = float(np.sum(np.square(weights)))
    return total * total / squared if squared > 0 else 0.0


def ess_warning(ess: float, samples: int) -> str | None:
    """What to tell the user when the effective sample size is low, else ``None``."""
    if ess >= LOW_ESS_SHARE * samples:
        return None
    wanted = int(np.ceil(samples * LOW_ESS_SHARE * samples / max(ess, 1.0) / 1000) * 1000)
    return (f"warning: the evidence leaves an effective sample size of {ess:,.0f} of "
            f"{samples:,} trajectories ({ess / samples:.1%}); posterior numbers carry more Monte "
            f"Carlo error. Run more samples (about --samples {wanted:,} for 10 %), or check "
            "the items that move it most (a report far from every trajectory, an error range "
            "too narrow for the source).")


@dataclass(frozen=True)
class BranchPosterior:
    """Prior and posterior probability of one branch (a scenario, for a flat case)."""

    id: str
    dimension: str
    prior: float
    posterior: float


def branch_posteriors(case: Case, scenario_weight: FloatArray) -> list[BranchPosterior]:
    """Per branch: its prior and the posterior weight of its trajectories.

    ``scenario_weight`` is the posterior of each of ``case.scenarios`` (for a crossed case,
    each combination of branches); a branch's posterior sums its combinations.
    """
    prior = case.priors / case.priors.sum()
    answer = []
    for branch_id, dimension, members in branch_members(case):
        answer.append(BranchPosterior(branch_id, dimension, float(prior[members].sum()),
                                      float(np.asarray(scenario_weight)[members].sum())))
    return answer


def branch_members(case: Case) -> list[tuple[str, str, list[int]]]:
    """(branch id, dimension id, indices of the scenarios that take it)."""
    branches = getattr(case, "branches", None)
    if branches and getattr(case, "crossed", False):
        members = case.members  # scenario dimensions
        return [(b.id, b.dimension, [int(i) for i in members(b.id)]) for b in branches]
    return [(s.id, "scenario", [s.index]) for s in case.scenarios]


@dataclass(frozen=True)
class PosteriorSummary:
    """What a run under evidence adds to its result (``SimulationResult.evidence``).

    Attributes
    ----------
    as_of
        The knowledge date of the evidence.
    items
        Ids of the items used, in date order; ``kinds`` says how each reads the trajectories
        (``observation``, ``condition``, ``scenario``) and ``counted`` which count (groups
        once).
    ignored
        Items the model could not read, with why.
    branches
        Prior and posterior per branch.
    effective_sample_size
        Kish's ESS of the weights.
    samples
        Trajectories simulated.
    """

    as_of: dt.date | None
    items: tuple[str, ...]
    kinds: tuple[str, ...]
    counted: tuple[bool, ...]
    ignored: tuple[tuple[str, str], ...]
    branches: tuple[BranchPosterior, ...]
    effective_sample_size: float
    samples: int

    @property
    def warning(self) -> str | None:
        return ess_warning(self.effective_sample_size, self.samples)

    def headline(self) -> str:
        """Two lines for ``yubi run``: the evidence used and prior → posterior per branch."""
        counted = sum(self.counted)
        items = "1 evidence item" if len(self.items) == 1 else f"{len(self.items)} evidence items"
        used = (f"{items} ({counted} counted: one per group)" if self.items
                else "no evidence item the model can read")
        ignored = f", {len(self.ignored)} left out" if self.ignored else ""
        return (f"{used}{ignored}; effective sample size {self.effective_sample_size:,.0f} of "
                f"{self.samples:,}\nscenarios, prior → posterior: " + ", ".join(
                    f"{b.id} {b.prior:.0%} → {b.posterior:.0%}" for b in self.branches))

    def posterior(self, branch_id: str) -> float:
        return next(b.posterior for b in self.branches if b.id == branch_id)

    def to_dict(self) -> dict[str, Any]:
        """The keys ``yubi run --as-of --json`` adds to the run's document."""
        return {
            "evidence_as_of": None if self.as_of is None else self.as_of.isoformat(),
            "effective_sample_size": round(self.effective_sample_size, 3),
            "evidence_items": [
                {"id": item, "kind": kind, "counted": counted}
                for item, kind, counted in zip(self.items, self.kinds, self.counted, strict=True)
            ],
            "evidence_ignored": [{"id": item, "why": why} for item, why in self.ignored],
        }

    def branch_document(self, branch_id: str) -> dict[str, float]:
        """``{"prior", "posterior"}`` of one branch, for its entry in the JSON."""
        branch = next(b for b in self.branches if b.id == branch_id)
        return {"prior": round(branch.prior, 12), "posterior": round(branch.posterior, 12)}


def posterior_run(
    case: Case,
    settings: RunSettings,
    evidence: Evidence,
    as_of: dt.date | None = None,
    *,
    threads: int | None = None,
    progress: Any = None,
) -> SimulationResult:
    """Simulate ``case`` and summarize every output under the evidence (two passes)."""
    from dataclasses import replace

    from yubi.engine.weighted import simulate_weighted

    result, run = simulate_weighted(case, settings, _Counted(evidence), threads=threads,
                                    progress=progress)
    summary = PosteriorSummary(
        as_of=as_of, items=tuple(t.item_id for t in evidence.terms),
        kinds=tuple(t.kind for t in evidence.terms), counted=evidence.counted,
        ignored=evidence.ignored,
        branches=tuple(branch_posteriors(case, run.scenario_weight)),
        effective_sample_size=run.effective_sample_size, samples=run.samples,
    )
    return replace(result, evidence=summary)


class _Counted:
    """The evidence's counted terms summed into one log-weight per trajectory."""

    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self.last_month = evidence.last_month

    def chunk(self, scenario: Any) -> Any:
        return _SummedWeigher(self.evidence, self.evidence.chunk(scenario))


class _SummedWeigher:
    def __init__(self, evidence: Evidence, weigher: Any) -> None:
        self.evidence, self.weigher = evidence, weigher

    def month(self, month: int, outputs: FloatArray) -> None:
        self.weigher.month(month, outputs)

    def log_weights(self) -> FloatArray:
        return self.evidence.total(self.weigher.log_weights())[None, :]


@dataclass(frozen=True)
class EvidenceStep:
    """The posterior after one more item (``yubi update``)."""

    item_id: str
    counted: bool
    branches: tuple[BranchPosterior, ...]
    effective_sample_size: float


def sequential_steps(
    case: Case, settings: RunSettings, evidence: Evidence, *, threads: int | None = None,
) -> list[EvidenceStep]:
    """Branch posteriors and ESS after each item in turn (pass 1 only: no summaries).

    After item ``k`` the counted terms are those :func:`~yubi.evidence.terms.counted_items`
    picks among items ``0..k``: a group's most reliable report so far.
    """
    from yubi.engine.weighted import log_weights
    from yubi.evidence.terms import counted_items

    parts = list(log_weights(case, settings, evidence, threads))
    matrix = np.concatenate([p.log_weights for p in parts], axis=1)
    scenario = np.concatenate([p.scenario for p in parts])
    steps = []
    for k, term in enumerate(evidence.terms):
        counted = np.array(counted_items(evidence.terms[: k + 1]), dtype=bool)
        total = matrix[: k + 1][counted].sum(axis=0)
        if not np.isfinite(np.max(total)):
            raise UsageError(f"after evidence {term.item_id} no simulated trajectory is "
                             "consistent with the evidence; check that item (its error "
                             "range, its condition) or run more samples")
        weights = normalized(total)
        per_scenario = np.bincount(scenario, weights=weights,
                                   minlength=len(case.scenarios)).astype(np.float64)
        steps.append(EvidenceStep(term.item_id, bool(counted[k]),
                                  tuple(branch_posteriors(case, per_scenario)),
                                  effective_sample_size(weights)))
    return steps

