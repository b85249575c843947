"""Same case, seed, samples and sampler → the same numbers, however the run is spread.

A chunk's numbers depend only on (seed, chunk index) and chunk statistics merge in chunk order,
so a run must be byte-identical on one thread, two threads, forked processes or Dask workers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from yubi.engine import simulate
from yubi.engine.run import CHUNK_SIZE
from yubi.engine.sampling import chunk_design

from .core_cases import BASE, compile_text, minimal_case, write

#: Several chunks of a small case: exercises the merge across chunk boundaries cheaply.
MULTI = minimal_case(
    quantities=(
        "  q: {label: Q, value: '1 to 100', source: report}\n"
        "  r: {label: R, distribution: {type: beta, alpha: 2, beta: 5}, source: report}\n"
    ),
    stocks="    s: {label: S, initial: q, update: 's * (1 - r) + poisson(r * 10)'}\n",
    events="    e: {label: E, hazard: 'r / 4', assumption: x}\n",
    scenarios=(
        "  - {id: a, label: A, prior: 0.6, prior_assumption: x}\n"
        "  - {id: b, label: B, prior: 0.4, prior_assumption: x, starts: {event: e},\n"
        "     overrides: {r: {value: 0.9, assumption: x}}}\n"
    ),
    outputs="  s: {label: S, thresholds: [{id: big, label: B, above: 50}]}\n  e: {label: E}\n",
    months=3,
)
SAMPLES = 2 * CHUNK_SIZE + 1234


def _arrays(result: object) -> dict[str, np.ndarray]:
    summary = result.summary
    return {
        name: getattr(summary, name)
        for name in ("count", "mean", "sd", "minimum", "maximum", "quantiles", "exceed_probability")
    }


def _assert_identical(first: object, second: object) -> None:
    for name, values in _arrays(first).items():
        assert_array_equal(values, _arrays(second)[name], err_msg=name)
    assert first.to_json() == second.to_json()


@pytest.fixture(scope="module")
def multi_case():
    return compile_text(MULTI, "multi.yaml")


@pytest.fixture(scope="module")
def one_thread(multi_case):
    return simulate(multi_case, SAMPLES, seed=7, threads=1)


def test_same_seed_same_json() -> None:
    case = compile_text(BASE)
    first = simulate(case, 3000, seed=1, threads=1)
    second = simulate(case, 3000, seed=1, threads=1)
    _assert_identical(first, second)


def test_different_seeds_differ(multi_case) -> None:
    first = simulate(multi_case, 2000, seed=1, threads=1)
    second = simulate(multi_case, 2000, seed=2, threads=1)
    assert not np.array_equal(first.summary.mean, second.summary.mean)


def test_results_do_not_depend_on_threads(multi_case, one_thread, tmp_path: Path) -> None:
    assert len(one_thread.settings.chunks()) == 3
    two = simulate(multi_case, SAMPLES, seed=7, threads=2, trajectories=tmp_path / "two.parquet")
    _assert_identical(one_thread, two)  # writing trajectories changes no number either
    frame = pd.read_parquet(tmp_path / "two.parquet")
    assert_array_equal(frame["trajectory"].to_numpy(), np.repeat(_written_order(multi_case), 3))


def _written_order(case: object) -> np.ndarray:
    """Trajectory ids in the order chunks are written: chunk by chunk, sorted by scenario."""
    from yubi.engine.simulate import layout_of

    order = []
    for index, rows in enumerate([CHUNK_SIZE, CHUNK_SIZE, 1234]):
        design = chunk_design("mc", 7, index, CHUNK_SIZE, rows, len(case.inputs), case.correlation)
        order.append(index * CHUNK_SIZE + layout_of(case, design).order)
    return np.concatenate(order)


def test_results_do_not_depend_on_forked_processes(multi_case, one_thread) -> None:
    """The default for four chunks or more forks one process per core."""
    samples = 4 * CHUNK_SIZE + 17
    default = simulate(multi_case, samples, seed=7)
    threads = simulate(multi_case, samples, seed=7, threads=2)
    _assert_identical(default, threads)


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_designs_are_reproducible(sampler: str) -> None:
    first = chunk_design(sampler, 3, 1, 1024, 1024, 5)
    second = chunk_design(sampler, 3, 1, 1024, 1024, 5)
    assert_array_equal(first, second)
    assert not np.array_equal(first, chunk_design(sampler, 4, 1, 1024, 1024, 5))


def test_sobol_chunks_continue_one_sequence() -> None:
    """Chunk 1 of a Sobol run starts where chunk 0 stopped."""
    whole = chunk_design("sobol", 5, 0, 2048, 2048, 3)
    first = chunk_design("sobol", 5, 0, 1024, 1024, 3)
    second = chunk_design("sobol", 5, 1, 1024, 1024, 3)
    assert_array_equal(np.vstack([first, second]), whole)


@pytest.mark.xdist_group("bundled")
def test_cli_run_json_is_reproducible(bundled_runs) -> None:
    """`yubi run --json --samples 20000 --seed 1` twice gives the same bytes."""
    first, second = bundled_runs
    assert first.code == 0, first.err
    assert first.out == second.out
    document = json.loads(first.out)
    assert document["seed"] == 1 and document["samples"] == 20000
    assert document["case"] == "dprk-russia-2024"


@pytest.mark.slow
@pytest.mark.xdist_group("dask")
def test_dask_workers_give_the_same_json(cli, tmp_path: Path, multi_case, one_thread) -> None:
    """`--workers 2` (a Dask LocalCluster) is byte-identical to the in-process run."""
    path = write(tmp_path / "multi.yaml", MULTI)
    result = cli("run", path, "--json", "--samples", str(SAMPLES), "--seed", "7", "--workers", "2")
    assert result.code == 0, result.err
    expected = json.loads(one_thread.to_json())
    found = json.loads(result.out)
    # The file differs only in its path; the case's content hash is the same.
    assert found == expected
