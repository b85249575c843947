"""Every random stream of yubi, numbered in one place.

A run's numbers must depend only on (case, seed, sampler, sample count), never on which
thread, process or Dask worker draws them, nor on the order they run in. So every random
draw comes from a stream named here: a :class:`numpy.random.SeedSequence` of the user's seed
with a ``spawn_key`` that says what the stream is for (and, for the engine, which chunk).
Two uses never share a key, so adding one never shifts another's numbers.

Keys in use (changing any of them changes results, and the golden files):

========================  ==========================  ==========================================
key                       function                    draws
========================  ==========================  ==========================================
``(0, chunk)``            :func:`design`              a chunk's uniform design (``mc``, ``lhs``)
``(1, chunk)``            :func:`dynamics`            a chunk's month-by-month draws; the fused
                                                      kernel seeds one SplitMix64 stream per
                                                      trajectory from this generator's next
                                                      64 bits (:mod:`yubi.engine.scalar`)
``(2,)``                  :func:`sobol_scramble`      the scrambling of a run's Sobol sequence
``(1,)`` ... ``(4,)``     :func:`subseed`             sensitivity analysis (:data:`SENSITIVITY`)
========================  ==========================  ==========================================

The sensitivity purpose ``"noise"`` and the Sobol scramble share the key ``(2,)``: they were
numbered apart before this module existed, and renumbering either would change published
results. They never meet in one computation (a sensitivity design is not a Sobol run's
scramble), so the shared key draws no number twice for one purpose. New streams take keys
from :data:`NEXT_FREE` up.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DESIGN", "DYNAMICS", "NEXT_FREE", "SENSITIVITY", "SOBOL_SCRAMBLE", "design", "dynamics",
    "sequence", "sobol_scramble", "subseed",
]

#: A chunk's uniform design: key ``(DESIGN, chunk index)``.
DESIGN = 0
#: A chunk's month-by-month draws (events, ``poisson()``...): ``(DYNAMICS, chunk index)``.
DYNAMICS = 1
#: The scramble of a run's one Sobol sequence: ``(SOBOL_SCRAMBLE,)``.
SOBOL_SCRAMBLE = 2
#: Sensitivity analysis: one stream per purpose, key ``(number,)``.
SENSITIVITY = {"design": 1, "noise": 2, "noise_check": 3, "bootstrap": 4}
#: The first stream number no use has taken (for the next new stream).
NEXT_FREE = 5


def sequence(seed: int, *key: int) -> np.random.SeedSequence:
    """The seed sequence of stream ``key`` of ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=key)


def design(seed: int, chunk_index: int) -> np.random.Generator:
    """The generator of a chunk's uniform design."""
    return np.random.default_rng(sequence(seed, DESIGN, chunk_index))


def dynamics(seed: int, chunk_index: int) -> np.random.Generator:
    """The generator for a chunk's month-by-month draws (events, ``poisson()``...)."""
    return np.random.default_rng(sequence(seed, DYNAMICS, chunk_index))


def sobol_scramble(seed: int) -> np.random.Generator:
    """The generator that scrambles a run's Sobol sequence (one for the whole run)."""
    return np.random.default_rng(sequence(seed, SOBOL_SCRAMBLE))


def subseed(seed: int, purpose: str) -> int:
    """A 32-bit seed for one sensitivity-analysis ``purpose`` (never 0).

    Raises
    ------
    KeyError
        If ``purpose`` is not one of :data:`SENSITIVITY`.
    """
    state = sequence(seed, SENSITIVITY[purpose]).generate_state(1)
    return int(state[0]) | 1
