"""``yubi check``: typed likelihoods against what the model itself implies.

An indicator with a condition (``when`` with ``by`` or ``within``) has a likelihood the model
computes: P(condition held in the window | branch) is the share of that branch's simulated
trajectories in which it held, with Monte Carlo standard error ``√(p(1 − p)/n)``. When the same
indicator also carries a typed ``likelihood:`` (the analyst's numbers, kept from before the
model could express it, or to compare), the check lists every branch where the two disagree by
more than :data:`TOLERANCE` plus three standard errors: beyond what sampling explains, and
beyond a difference too small to move a posterior much.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from yubi.case.model import Case

__all__ = ["TOLERANCE", "LikelihoodCheck", "check_likelihoods", "model_likelihoods"]

#: Differences in probability below this are not reported, whatever the sample size.
TOLERANCE = 0.10
#: Standard errors of Monte Carlo noise allowed on top of :data:`TOLERANCE`.
STANDARD_ERRORS = 3.0


@dataclass(frozen=True)
class LikelihoodCheck:
    """One (indicator, branch): the typed and the model's P(observed | branch)."""

    indicator: str
    branch: str
    typed: float | None
    model: float
    standard_error: float
    trajectories: int

    @property
    def disagrees(self) -> bool:
        if self.typed is None:
            return False
        return abs(self.typed - self.model) > TOLERANCE + STANDARD_ERRORS * self.standard_error

    def to_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "branch": self.branch, "typed": self.typed,
                "model": round(self.model, 6), "standard_error": round(self.standard_error, 6),
                "trajectories": self.trajectories, "disagrees": self.disagrees}


def model_likelihoods(
    case: Case, samples: int = 10_000, seed: int = 0,
) -> dict[str, tuple[NDArray[np.bool_], NDArray[np.int64]]]:
    """Per indicator with a condition: whether it held in each trajectory, and its scenario."""
    from yubi.engine.run import RunSettings
    from yubi.engine.weighted import log_weights
    from yubi.evidence.terms import Evidence, condition_terms

    terms = condition_terms(case)
    if not terms:
        return {}
    parts = list(log_weights(case, RunSettings(samples, seed), Evidence(terms)))
    held = np.concatenate([np.isfinite(p.log_weights) for p in parts], axis=1)
    scenario = np.concatenate([p.scenario for p in parts])
    return {term.item_id: (held[k], scenario) for k, term in enumerate(terms)}


def check_likelihoods(case: Case, samples: int = 10_000, seed: int = 0) -> list[LikelihoodCheck]:
    """Every (indicator with a condition, branch): typed (if any) and model probabilities."""
    from yubi.evidence.posterior import branch_members
    from yubi.evidence.terms import case_indicators

    rows = []
    computed = model_likelihoods(case, samples, seed)
    typed_of = {i.id: getattr(i, "likelihood", None) or {} for i in case_indicators(case)}
    for indicator_id, (held, scenario) in computed.items():
        typed = typed_of.get(indicator_id, {})
        for branch_id, _dimension, members in branch_members(case):
            if typed and branch_id not in typed:
                continue
            chosen = np.isin(scenario, members)
            count = int(chosen.sum())
            p = float(held[chosen].mean()) if count else float("nan")
            error = float(np.sqrt(p * (1 - p) / count)) if count else float("nan")
            value = typed.get(branch_id)
            rows.append(LikelihoodCheck(indicator_id, branch_id,
                                        None if value is None else float(value), p, error, count))
    return rows

