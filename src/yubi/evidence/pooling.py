"""Opinion pools: one probability for a binary question from several analysts' probabilities.

* **Linear pool** — the weighted arithmetic mean ``Σ wᵢ pᵢ``. It keeps the analysts' average
  and is never more extreme than the most extreme of them.
* **Logarithmic pool** — the normalized weighted geometric mean,
  ``Π pᵢ^wᵢ / (Π pᵢ^wᵢ + Π (1 − pᵢ)^wᵢ)``; equivalently the weighted mean of the analysts'
  log-odds. It is externally Bayesian (pooling then updating equals updating then pooling)
  and lets several analysts agreeing on a confident forecast stay confident.

Weights are non-negative and sum to 1 (equal by default). Genest & Zidek, "Combining
probability distributions: a critique and an annotated bibliography", *Statistical Science*
1(1):114–135 (1986).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from yubi.errors import UsageError

__all__ = ["linear_pool", "log_pool"]


def linear_pool(probabilities: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """The weighted arithmetic mean of the probabilities."""
    chosen = _weights(probabilities, weights)
    return math.fsum(w * p for w, p in zip(chosen, probabilities, strict=True))


def log_pool(probabilities: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """The normalized weighted geometric mean of the probabilities (mean log-odds).

    A probability of exactly 0 or 1 decides the pool unless another analyst says the
    opposite with certainty, which has no logarithmic pool (:class:`UsageError`).
    """
    chosen = _weights(probabilities, weights)
    certain = {p for w, p in zip(chosen, probabilities, strict=True) if w > 0 and p in (0.0, 1.0)}
    if len(certain) == 2:
        raise UsageError("analysts are certain of opposite answers: no logarithmic pool exists")
    if certain:
        return certain.pop()
    log_odds = math.fsum(w * (math.log(p) - math.log1p(-p))
                         for w, p in zip(chosen, probabilities, strict=True))
    return _logistic(log_odds)


def _logistic(log_odds: float) -> float:
    # exp of a large positive number overflows (a pool of p = 1e-320 has log-odds ≈ −737):
    # exponentiate only the non-positive side.
    if log_odds >= 0:
        return 1.0 / (1.0 + math.exp(-log_odds))
    odds = math.exp(log_odds)
    return odds / (1.0 + odds)


def _weights(probabilities: Sequence[float], weights: Sequence[float] | None) -> list[float]:
    if not probabilities:
        raise UsageError("no probabilities to pool")
    if any(not 0.0 <= p <= 1.0 for p in probabilities):
        raise UsageError("probabilities must be between 0 and 1")
    if weights is None:
        return [1.0 / len(probabilities)] * len(probabilities)
    if len(weights) != len(probabilities) or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise UsageError("one non-negative weight per probability, not all zero")
    total = math.fsum(weights)
    return [w / total for w in weights]
