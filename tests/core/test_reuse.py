"""A repeated run (a what-if on the same seed) reuses its first chunk's design, sorted
design and the inputs' draws; the numbers are those of a run that computes them afresh."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np
import pytest

from yubi.case import Case
from yubi.engine import compiled, sampling
from yubi.engine.run import simulate

from .conftest import BUNDLED

# yubi.engine re-exports the function simulate under the module's name.
simulate_module = importlib.import_module("yubi.engine.simulate")


@pytest.fixture
def bundled(load_bundled: Callable[[str], Case]) -> Case:
    return load_bundled(BUNDLED)


def _forget() -> None:
    sampling._RECENT.clear()
    simulate_module._SORTED.clear()
    simulate_module._DRAWN.clear()
    simulate_module._LAYOUTS.clear()
    compiled._STATICS.clear()


def _numbers(case: Case, samples: int, seed: int) -> list[np.ndarray]:
    summary = simulate(case, samples, seed=seed, threads=1).summary
    return [summary.mean, summary.sd, summary.quantiles, summary.exceed_probability]


def _same(first: list[np.ndarray], second: list[np.ndarray]) -> bool:
    return all(a.tobytes() == b.tobytes() for a, b in zip(first, second, strict=True))


@pytest.mark.parametrize("seed", [0, 7])
def test_a_repeated_run_is_the_fresh_run(bundled: Case, seed: int) -> None:
    _forget()
    fresh = _numbers(bundled, 3000, seed)
    assert len(sampling._RECENT) == 1 and simulate_module._DRAWN
    assert _same(_numbers(bundled, 3000, seed), fresh)


def test_a_what_if_on_kept_draws_is_the_fresh_what_if(bundled: Case) -> None:
    _forget()
    _numbers(bundled, 3000, 1)  # keeps the draws of every input
    changed = bundled.with_changes({"troops_cap": "20000 to 60000"})
    reused = _numbers(changed, 3000, 1)
    _forget()
    assert _same(reused, _numbers(changed, 3000, 1))
    assert not _same(reused, _numbers(bundled, 3000, 1))  # the change does change the run


def test_a_fixed_value_what_if_and_back_are_the_fresh_runs(bundled: Case) -> None:
    """The kernel's static matrix is kept for the next run on the kept design only while
    every column is what it was: a what-if that fixes a quantity (no new draw) must not
    get the last run's matrix, and going back must not get the what-if's."""
    _forget()
    first = _numbers(bundled, 3000, 2)
    assert compiled._STATICS
    fixed = bundled.with_changes({"troops_cap": 30000})
    what_if = _numbers(fixed, 3000, 2)
    back = _numbers(bundled, 3000, 2)
    _forget()
    assert _same(what_if, _numbers(fixed, 3000, 2))
    assert not _same(what_if, first)
    assert _same(back, first)


def test_a_prior_what_if_sorts_the_kept_design_again(bundled: Case) -> None:
    """The scenario-sorted layout is kept per design and priors: other priors draw other
    scenarios from the same column."""
    _forget()
    first = _numbers(bundled, 3000, 5)
    shifted = bundled.with_changes({"prior.quick_kursk": 0.6})
    what_if = _numbers(shifted, 3000, 5)
    _forget()
    assert _same(what_if, _numbers(shifted, 3000, 5))
    assert not _same(what_if, first)
    assert simulate(shifted, 3000, seed=5, threads=1).summary.count[0] > 1500


def test_kept_arrays_are_read_only(bundled: Case) -> None:
    _forget()
    simulate(bundled, 2000, seed=3, threads=1)
    (design,) = sampling._RECENT.values()
    assert not design.flags.writeable
    assert all(not kept[3].flags.writeable for kept in simulate_module._DRAWN.values())


def test_other_seeds_and_sizes_draw_their_own(bundled: Case) -> None:
    _forget()
    simulate(bundled, 2000, seed=3, threads=1)
    simulate(bundled, 2000, seed=4, threads=1)
    simulate(bundled, 2500, seed=3, threads=1)
    assert len(sampling._RECENT) == 3


def test_a_static_column_is_the_same_only_bit_for_bit() -> None:
    """-0.0 equals 0.0 to NumPy, but a kernel that divides by it gives -inf, not +inf: the
    kept matrix is reused only for the same bits."""
    same = compiled._same_column
    assert same(np.array([0.0, 1.5]), np.array([0.0, 1.5]))
    assert not same(np.array([0.0, 1.5]), np.array([-0.0, 1.5]))
    assert not same(0.0, -0.0)
    assert same(2.0, 2)
    assert not same(np.array([1.0]), np.array([1.0, 2.0]))


def test_the_split_bundled_run_is_the_one_thread_run(bundled: Case) -> None:
    """One chunk over two threads: each folds its outputs into its own histogram, and each
    computes those outputs' quantiles (the bundled case has enough series for that)."""
    one = simulate(bundled, 3000, seed=9, threads=1)
    split = simulate(bundled, 3000, seed=9, threads=2)
    assert one.to_json() == split.to_json()
