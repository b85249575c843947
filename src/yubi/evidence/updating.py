"""Updating scenario probabilities with evidence: sequential Bayes over the evidence store.

Each evidence item ``k`` gives a likelihood ``L_k(s) = P(item | scenario s)``: its own, or its
indicator's from the case, or (for an item rated only for ACH) the likelihood that stands for
its consistency rating (:data:`yubi.evidence.ach.RATING_LIKELIHOOD`). In date order,

    log P_k(s) = log P_{k-1}(s) + w_k · log L_k(s) − log Z_k,

so the posterior after the last item is ``prior × Π L_k^{w_k}``, normalized. Only the ratios
of an item's likelihoods between scenarios move the odds.

**Source quality.** ``w_k`` tempers the item by its Admiralty grades: ``w = r(reliability) ·
c(credibility)`` (tables :data:`RELIABILITY_WEIGHT`, :data:`CREDIBILITY_WEIGHT`). Raising a
likelihood to a power in [0, 1] shrinks its log-likelihood ratios toward 0 — an A1 report counts
fully, an E5 report a twenty-fifth, an ungraded F6 a quarter — the "power likelihood" used to
discount data of doubtful relevance or quality (Ibrahim & Chen 2000, *Statistical Science*
15(1):46–60; Grünwald & van Ommen 2017, *Bayesian Analysis* 12(4):1069–1103). The grade
weights are yubi's convention, evenly spaced and documented in ``docs/store.md``.

**Dependent reports.** Items that share a ``group`` report the same underlying fact; counting
each would multiply one fact's likelihood ratio several times over, the classic failure of
naive Bayes in intelligence analysis. A group counts once, with the *geometric mean* of its
members' tempered likelihoods (the mean of their log-likelihoods). The mean, rather than the
most diagnostic member, keeps one extreme or careless report from setting the group's weight,
equals each member when they agree, and does not depend on the order in which they arrived.
Sequentially, when the ``n``-th member of a group arrives the group's contribution moves from
the mean of ``n − 1`` members to the mean of ``n``; the output says which items were counted
once this way.

The whole sequence is one vectorized pass (cumulative sums of log-likelihood increments), so
10,000 items take milliseconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import logsumexp

from yubi.case.model import Case
from yubi.errors import CaseError
from yubi.evidence.items import EvidenceItem, StoredItem

__all__ = [
    "CREDIBILITY_WEIGHT",
    "RELIABILITY_WEIGHT",
    "EvidenceUpdate",
    "evidence_weight",
    "item_likelihood",
    "sequential_posteriors",
    "update_case",
]

#: Source reliability A (completely reliable) … E (unreliable), F (cannot be judged).
RELIABILITY_WEIGHT = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.5}
#: Information credibility 1 (confirmed) … 5 (improbable), 6 (cannot be judged).
CREDIBILITY_WEIGHT = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.2, 6: 0.5}
MOVERS = 5
SKIPPED_NOTE = ("an observation of an output: it reweights trajectories, not scenarios "
                "directly; `yubi run --as-of` weighs it")
Array = NDArray[np.float64]


def evidence_weight(reliability: str, credibility: int) -> float:
    """The tempering exponent ``w`` in [0, 1] for an item's Admiralty grades."""
    return RELIABILITY_WEIGHT[reliability] * CREDIBILITY_WEIGHT[credibility]


def item_likelihood(item: EvidenceItem, case: Case) -> tuple[Array, str]:
    """``P(item | scenario)`` in the case's scenario order, and where it came from.

    Raises
    ------
    CaseError
        If the item's indicator is gone from the case or lacks a scenario.
    """
    scenario_ids = [s.id for s in case.scenarios]
    if item.likelihood is not None:
        return np.array([item.likelihood[s] for s in scenario_ids]), "likelihood"
    if item.indicator is not None:
        for indicator in case.file.indicators:
            if indicator.id == item.indicator:
                if indicator.likelihood is None:
                    raise CaseError(f"indicator {indicator.id} is a condition on the simulation "
                                    "(when:); its likelihoods come from a run, not the file")
                missing = [s for s in scenario_ids if s not in indicator.likelihood]
                if missing:
                    raise CaseError(f"indicator {indicator.id} gives no likelihood for "
                                    f"scenario {missing[0]}")
                return (np.array([indicator.likelihood[s] for s in scenario_ids]),
                        f"indicator:{indicator.id}")
        raise CaseError(f"evidence {item.item_id} names indicator {item.indicator!r}, which "
                        f"case {case.id} no longer has")
    from yubi.evidence.ach import likelihood_from_ratings

    assert item.ratings is not None
    return likelihood_from_ratings(item.ratings, scenario_ids), "ratings"


def sequential_posteriors(
    prior: Array, log_likelihood: Array, groups: Sequence[str | None]
) -> tuple[Array, Array]:
    """Posterior after each item, counting each group once (geometric mean).

    Parameters
    ----------
    prior
        Shape (S,), the scenario probabilities before any item (sums to 1).
    log_likelihood
        Shape (N, S), each item's tempered log-likelihood ``w · log L``, in date order.
    groups
        N group ids; ``None`` for an item that stands alone.

    Returns
    -------
    posteriors
        Shape (N, S); row k is the posterior after items 0..k. Every row sums to 1.
    increments
        Shape (N, S): what item k added to the log-posterior (before normalizing).
    """
    count = len(groups)
    if count == 0:
        return np.empty((0, prior.size)), np.empty((0, prior.size))
    codes = _group_codes(groups)
    frame = pd.DataFrame(log_likelihood)
    running_sum = frame.groupby(codes).cumsum().to_numpy()
    members = frame.groupby(codes).cumcount().to_numpy()[:, None] + 1.0
    previous_sum = running_sum - log_likelihood
    previous_mean = np.divide(previous_sum, members - 1, out=np.zeros_like(previous_sum),
                              where=members > 1)
    increments = running_sum / members - previous_mean
    with np.errstate(divide="ignore"):
        log_prior = np.log(prior)
    log_posterior = log_prior + np.cumsum(increments, axis=0)
    log_posterior -= logsumexp(log_posterior, axis=1, keepdims=True)
    return np.exp(log_posterior), increments


def _group_codes(groups: Sequence[str | None]) -> Array:
    # An ungrouped item is its own group: give it a code no named group can take.
    named = {name: index for index, name in enumerate(dict.fromkeys(g for g in groups if g))}
    return np.array([named[g] if g else len(named) + k for k, g in enumerate(groups)])


@dataclass(frozen=True)
class EvidenceUpdate:
    """The posterior of a case's scenarios after each evidence item, in date order.

    Attributes
    ----------
    scenario_ids
        The scenarios, in the case's order.
    prior
        Shape (S,): the case's scenario probabilities.
    items
        The items used, in the order applied (date observed, then id).
    likelihoods
        Shape (N, S): each item's likelihood before tempering.
    origins
        Where each likelihood came from (``likelihood``, ``indicator:<id>``, ``ratings``).
    weights
        Shape (N,): each item's tempering exponent.
    posteriors
        Shape (N, S): the posterior after each item.
    as_of
        The knowledge date, if the update was restricted to what was recorded by then.
    skipped
        Observations (reported values of outputs) left out: they bear on trajectories, not
        directly on scenarios, and are weighed by a weighted run (``yubi run --as-of``).
    """

    case_id: str
    scenario_ids: tuple[str, ...]
    scenario_labels: tuple[str, ...]
    prior: Array
    items: tuple[EvidenceItem, ...]
    likelihoods: Array
    origins: tuple[str, ...]
    weights: Array
    posteriors: Array
    as_of: dt.date | None = None
    skipped: tuple[EvidenceItem, ...] = ()

    @property
    def final(self) -> Array:
        """The posterior after every item (the prior when there is none)."""
        return self.posteriors[-1] if len(self.items) else self.prior

    def kl_divergence(self) -> Array:
        """Shape (N,): KL(posterior after k ‖ posterior before k) in nats: how far k moved it."""
        before = np.vstack([self.prior, self.posteriors[:-1]]) if len(self.items) else self.prior
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(self.posteriors > 0,
                             self.posteriors * (np.log(self.posteriors) - np.log(before)), 0.0)
        return np.asarray(terms.sum(axis=1), dtype=np.float64)

    def counted_once(self) -> dict[str, list[str]]:
        """Groups with more than one item: group id → its item ids."""
        members: dict[str, list[str]] = {}
        for item in self.items:
            if item.group_id:
                members.setdefault(item.group_id, []).append(item.item_id)
        return {group: ids for group, ids in members.items() if len(ids) > 1}

    def movers(self, top: int = MOVERS) -> list[int]:
        """Indices of the items that moved the posterior most (by KL divergence)."""
        kl = self.kl_divergence()
        order = np.argsort(-kl, kind="stable")
        return [int(k) for k in order[:top] if kl[k] > 0]

    def to_dict(self) -> dict[str, Any]:
        """The document printed by ``yubi update --json``."""
        kl = self.kl_divergence()
        groups = self.counted_once()
        grouped_later = {ids[k] for ids in groups.values() for k in range(1, len(ids))}
        steps = [self._step(k, kl[k], self.items[k].item_id in grouped_later)
                 for k in range(len(self.items))]
        return {
            "case": self.case_id,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "method": "sequential Bayes; likelihoods tempered by Admiralty grades (L^w); "
                      "grouped items counted once by their geometric-mean likelihood",
            "scenarios": [
                {"id": sid, "label": label, "prior": _p(self.prior[i]),
                 "posterior": [_p(row[i]) for row in self.posteriors], "final": _p(self.final[i])}
                for i, (sid, label) in enumerate(zip(self.scenario_ids, self.scenario_labels,
                                                      strict=True))
            ],
            "prior": self._named(self.prior),
            "steps": steps,
            "final": self._named(self.final),
            "movers": [{"item": self.items[k].item_id, "date": self.items[k].observed_on
                        .isoformat(), "text": self.items[k].text, "kl": float(kl[k])}
                       for k in self.movers()],
            "counted_once": [{"group": group, "items": ids,
                              "note": f"{len(ids)} items report one fact; counted once "
                                      "(geometric mean of their likelihoods)"}
                             for group, ids in groups.items()],
            "skipped": [{"item": item.item_id, "date": item.observed_on.isoformat(),
                         "note": SKIPPED_NOTE} for item in self.skipped],
        }

    def _step(self, k: int, kl: float, grouped_later: bool) -> dict[str, Any]:
        item = self.items[k]
        return {
            "item": item.item_id, "date": item.observed_on.isoformat(), "text": item.text,
            "source": item.source, "grade": f"{item.reliability}{item.credibility}",
            "weight": float(self.weights[k]), "from": self.origins[k],
            "likelihood": self._named(self.likelihoods[k]), "group": item.group_id,
            "counted_once_with_group": grouped_later,
            "posterior": self._named(self.posteriors[k]), "kl": float(kl),
        }

    def _named(self, values: Array) -> dict[str, float]:
        return {sid: _p(v) for sid, v in zip(self.scenario_ids, values, strict=True)}


def update_case(
    case: Case, items: Sequence[StoredItem | EvidenceItem], as_of: dt.date | None = None
) -> EvidenceUpdate:
    """Apply ``items`` (in date order) to the case's priors; see the module docstring."""
    given = [stored.item if isinstance(stored, StoredItem) else stored for stored in items]
    given.sort(key=lambda item: (item.observed_on, item.item_id))
    plain = [item for item in given if not item.is_observation]
    scenario_count = len(case.scenarios)
    likelihoods = np.ones((len(plain), scenario_count))
    origins: list[str] = []
    for k, item in enumerate(plain):
        likelihoods[k], origin = item_likelihood(item, case)
        origins.append(origin)
    weights = np.array([evidence_weight(i.reliability, i.credibility) for i in plain])
    log_likelihood = weights[:, None] * np.log(likelihoods) if plain else likelihoods
    prior = case.priors / case.priors.sum()
    posteriors, _ = sequential_posteriors(prior, log_likelihood, [i.group_id for i in plain])
    return EvidenceUpdate(
        case_id=case.id, scenario_ids=tuple(s.id for s in case.scenarios),
        scenario_labels=tuple(s.label.en for s in case.scenarios), prior=prior,
        items=tuple(plain), likelihoods=likelihoods, origins=tuple(origins), weights=weights,
        posteriors=posteriors, as_of=as_of,
        skipped=tuple(item for item in given if item.is_observation),
    )


def _p(value: float) -> float:
    return float(value)
