"""Streaming summaries against exact statistics of the very same trajectories.

A run writes every trajectory to Parquet (``trajectories=``); NumPy then computes the exact
statistics of each (month, output, scenario) and of all scenarios together. The engine's
quantiles must be within the documented relative error 2^-8 of ``numpy.quantile`` (exact for
whole numbers below 128), its means and standard deviations equal to ~1e-12, its threshold
probabilities exact.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from yubi.engine import simulate
from yubi.engine.results import STATISTICS
from yubi.engine.summary import (
    RELATIVE_ERROR,
    SMALLEST_MAGNITUDE,
    ChunkMoments,
    Histogram,
    MonthFolder,
    bucket_index,
    bucket_values,
    merge,
)

from .core_cases import compile_text, minimal_case

PROBABILITIES = [0.05, 0.25, 0.5, 0.75, 0.95]

MIXED = minimal_case(
    quantities=(
        "  level: {label: L, distribution: {type: normal, mean: 0, sd: 1000}, source: report}\n"
        "  scale: {label: S, value: '1e-3 to 1e9', source: report}\n"
        "  lam: {label: K, distribution: {type: uniform, low: 0, high: 30}, source: report}\n"
    ),
    stocks="    count: {label: C, initial: 0, update: 'count + poisson(lam)'}\n",
    flows="    wave: {label: W, expr: 'level * sin(month / dt) + scale * month / dt'}\n",
    scenarios=(
        "  - {id: calm, label: C, prior: 0.3, prior_assumption: x}\n"
        "  - {id: wild, label: W, prior: 0.7, prior_assumption: x,\n"
        "     overrides: {level: {distribution: {type: normal, mean: -5e5, sd: 2e5},"
        " assumption: x}}}\n"
    ),
    outputs=(
        "  wave:\n    label: W\n    thresholds:\n"
        "      - {id: high, label: H, above: 1000}\n      - {id: low, label: L, below: -1e5}\n"
        "  count:\n    label: C\n    thresholds: [{id: some, label: S, above: 50}]\n"
        "  small: {label: Small, expr: 'where(count > 60, 1, 0) + floor(lam)'}\n"
        "  tiny: {label: Tiny, expr: 'level * 1e-9'}\n"
    ),
    months=4,
)


@pytest.fixture(scope="module")
def run_and_trajectories(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, pd.DataFrame]:
    path = tmp_path_factory.mktemp("summary") / "trajectories.parquet"
    case = compile_text(MIXED)
    result = simulate(case, 6000, seed=11, threads=1, trajectories=path)
    return result, pd.read_parquet(path)


def _groups(frame: pd.DataFrame, case: object) -> list[tuple[str, str, np.ndarray]]:
    """(month label, scenario or "all", rows) for every series."""
    groups = []
    for month in case.months:
        in_month = frame[frame["month"] == month]
        groups.append((month, "all", in_month))
        for scenario in case.scenarios:
            groups.append((month, scenario.id, in_month[in_month["scenario"] == scenario.id]))
    return groups


def _tolerance(exact: np.ndarray) -> np.ndarray:
    # 2^-8 relative; values below SMALLEST_MAGNITUDE count as zero; a few ulps of rounding.
    return RELATIVE_ERROR * np.abs(exact) + SMALLEST_MAGNITUDE + 1e-12 * np.abs(exact)


def test_trajectories_file_has_one_row_per_trajectory_and_month(run_and_trajectories) -> None:
    result, frame = run_and_trajectories
    case = result.case
    assert list(frame.columns) == ["trajectory", "scenario", "month", *(o.id for o in case.outputs)]
    assert len(frame) == 6000 * len(case.months)
    assert sorted(frame["trajectory"].unique()) == list(range(6000))
    per_trajectory = frame.groupby("trajectory")["scenario"].nunique()
    assert (per_trajectory == 1).all()  # a trajectory stays in its scenario


@pytest.mark.parametrize("output", ["wave", "count", "small", "tiny"])
def test_quantiles_within_the_documented_error(run_and_trajectories, output: str) -> None:
    result, frame = run_and_trajectories
    case = result.case
    for month, scenario, rows in _groups(frame, case):
        index = case.months.index(month)
        values = rows[output].to_numpy()
        exact = np.quantile(values, PROBABILITIES)
        reported = np.array(
            [result.statistic(output, name, scenario)[index] for name in STATISTICS[2:]]
        )
        assert np.all(np.abs(reported - exact) <= _tolerance(exact)), (
            month,
            scenario,
            reported,
            exact,
        )
        if np.all(values == np.floor(values)) and np.all(np.abs(values) < 128):
            assert_allclose(reported, exact, rtol=1e-12, atol=0)  # exact for small integers


@pytest.mark.parametrize("output", ["wave", "count", "small", "tiny"])
def test_mean_and_sd_equal_numpy(run_and_trajectories, output: str) -> None:
    result, frame = run_and_trajectories
    case = result.case
    for month, scenario, rows in _groups(frame, case):
        index = case.months.index(month)
        values = rows[output].to_numpy()
        scale = max(np.abs(values).max(), 1e-300)
        assert result.statistic(output, "mean", scenario)[index] == pytest.approx(
            values.mean(), rel=1e-12, abs=1e-13 * scale
        )
        assert result.statistic(output, "sd", scenario)[index] == pytest.approx(
            values.std(ddof=1), rel=1e-12, abs=1e-13 * scale
        )


def test_threshold_probabilities_are_exact_fractions(run_and_trajectories) -> None:
    result, frame = run_and_trajectories
    checks = [
        ("wave", "high", lambda v: v > 1000),
        ("wave", "low", lambda v: v < -1e5),
        ("count", "some", lambda v: v > 50),
    ]
    for output, threshold, crossed in checks:
        for month, scenario, rows in _groups(frame, result.case):
            index = result.case.months.index(month)
            expected = crossed(rows[output].to_numpy()).mean()
            assert result.statistic(output, threshold, scenario)[index] == pytest.approx(
                expected, abs=1e-15
            )


def test_summary_json_matches_the_arrays(run_and_trajectories) -> None:
    result, _ = run_and_trajectories
    document = result.to_dict()
    assert document["quantile_relative_error"] == RELATIVE_ERROR
    wave = next(o for o in document["outputs"] if o["id"] == "wave")
    for name in STATISTICS:
        series = np.array([row[name] for row in wave["by_scenario"]["wild"]])
        assert_allclose(series, result.statistic("wave", name, "wild"), rtol=1e-11)
    assert [row["p_threshold"]["high"] for row in wave["series"]] == pytest.approx(
        list(result.statistic("wave", "high")), abs=1e-15
    )


# -- the summary functions on their own ----------------------------------------------------
def _summarize(blocks: list[np.ndarray]) -> object:
    """Summaries of one month, one output, one scenario, fed chunk by chunk."""
    parts, histogram = [], Histogram()
    for index, block in enumerate(blocks):
        moments = ChunkMoments(
            chunk_index=index,
            count=np.array([block.size]),
            mean=np.zeros((1, 1, 1)),
            m2=np.zeros((1, 1, 1)),
            minimum=np.zeros((1, 1, 1)),
            maximum=np.zeros((1, 1, 1)),
            exceed=np.zeros((1, 0, 1), dtype=np.int64),
            integer=np.ones(1, dtype=bool),
        )
        MonthFolder([(0, block.size)], [], moments, histogram)(0, block[None, :])
        parts.append(moments)
    return merge(parts, histogram)


finite = st.floats(-1e15, 1e15, allow_nan=False, allow_infinity=False)


@settings(max_examples=100)
@given(st.lists(st.lists(finite, min_size=1, max_size=60), min_size=1, max_size=4))
def test_quantiles_of_any_values(chunks: list[list[float]]) -> None:
    blocks = [np.array(chunk) for chunk in chunks]
    merged = _summarize(blocks)
    values = np.concatenate(blocks)
    exact = np.quantile(values, PROBABILITIES)
    reported = merged.quantiles[0, 0, 0]
    # Across zero, interpolating between a negative and a positive neighbour: the bound is
    # relative to the larger neighbour, not to the (small) interpolated value.
    ordered = np.sort(values)
    ranks = np.array(PROBABILITIES) * (values.size - 1)
    neighbours = np.maximum(
        np.abs(ordered[np.floor(ranks).astype(int)]), np.abs(ordered[np.ceil(ranks).astype(int)])
    )
    bound = RELATIVE_ERROR * neighbours + SMALLEST_MAGNITUDE + 1e-12 * neighbours
    assert np.all(np.abs(reported - exact) <= bound), (reported, exact)
    assert merged.mean[0, 0, 0] == pytest.approx(
        values.mean(), rel=1e-9, abs=1e-9 * np.abs(values).max()
    )
    assert merged.minimum[0, 0, 0] == values.min()
    assert merged.maximum[0, 0, 0] == values.max()


@settings(max_examples=100)
@given(st.lists(st.lists(st.integers(-127, 127), min_size=1, max_size=50), min_size=1, max_size=3))
def test_quantiles_of_small_integers_are_exact(chunks: list[list[int]]) -> None:
    blocks = [np.array(chunk, dtype=np.float64) for chunk in chunks]
    merged = _summarize(blocks)
    exact = np.quantile(np.concatenate(blocks), PROBABILITIES)
    assert_allclose(merged.quantiles[0, 0, 0], exact, rtol=1e-12, atol=1e-12)


def test_buckets_are_monotone_and_narrow() -> None:
    values = np.sort(
        np.concatenate(
            [
                -np.geomspace(1e-7, 1e18, 20000),
                [0.0],
                np.geomspace(1e-7, 1e18, 20000),
            ]
        )
    )
    index = bucket_index(values)
    assert np.all(np.diff(index) >= 0)
    middle = bucket_values()[index]
    inside = (np.abs(values) >= SMALLEST_MAGNITUDE) & (np.abs(values) < 2.0**60)
    assert np.all(
        np.abs(middle[inside] - values[inside]) <= RELATIVE_ERROR * np.abs(values[inside])
    )


def test_summary_does_not_depend_on_how_values_are_chunked() -> None:
    rng = np.random.default_rng(0)
    values = rng.lognormal(3, 2, 3000) * rng.choice([-1, 1], 3000)
    one = _summarize([values])
    three = _summarize([values[:1000], values[1000:2500], values[2500:]])
    assert_allclose(three.quantiles, one.quantiles, rtol=0, atol=0)
    assert_allclose(three.mean, one.mean, rtol=1e-13)
    assert_allclose(three.sd, one.sd, rtol=1e-12)


@settings(max_examples=60)
@given(st.lists(st.lists(st.sampled_from([0.0, 1.0, 1.0, 2.0, 5.0]), min_size=1, max_size=40),
                min_size=1, max_size=5), st.integers(1, 4))
def test_two_valued_chunks_merge_exactly(chunks: list[list[float]], split: int) -> None:
    """0/1 chunks keep two counts per series instead of a window; a chunk with other values
    spills them into the window. Quantiles stay exact and merging order does not matter."""
    blocks = [np.array(chunk) for chunk in chunks]
    values = np.concatenate(blocks)
    merged = _summarize(blocks)
    assert_allclose(merged.quantiles[0, 0, 0], np.quantile(values, PROBABILITIES), atol=1e-12)
    if values.size > 1:
        assert merged.sd[0, 0, 0] == pytest.approx(values.std(ddof=1), rel=1e-12, abs=1e-12)
    # Two histograms filled separately (as two threads do) and added: the same counts.
    first, second, parts = Histogram(), Histogram(), []
    for index, block in enumerate(blocks):
        moments = ChunkMoments(index, np.array([block.size]),
                               *(np.zeros((1, 1, 1)) for _ in range(4)),
                               np.zeros((1, 0, 1), dtype=np.int64), np.ones(1, dtype=bool))
        fold = MonthFolder([(0, block.size)], [], moments, first if index < split else second)
        fold(0, block[None, :])
        parts.append(moments)
    first.add(second)
    assert_array_equal(merge(parts, first).quantiles, merged.quantiles)


def _folded(sizes: list[int], values: list[np.ndarray], index: int,
            histogram: Histogram) -> ChunkMoments:
    """One month of one chunk whose scenarios hold ``values`` (``sizes`` of them)."""
    shape = (1, 1, len(sizes))
    moments = ChunkMoments(index, np.array(sizes), np.zeros(shape), np.zeros(shape),
                           np.full(shape, np.inf), np.full(shape, -np.inf),
                           np.zeros((1, 0, len(sizes)), dtype=np.int64), np.ones(1, dtype=bool))
    edges = np.cumsum([0, *sizes])
    MonthFolder(list(itertools.pairwise(edges)), [], moments,
                histogram)(0, np.concatenate(values)[None, :])
    return moments


def test_adding_a_histogram_whose_windows_outgrow_the_reserved_room() -> None:
    """Adding widens a series both hold to the union of their windows, placed anew: the
    room reserved for the other's windows can be spent before the series only the other
    holds are copied (this raised an out-of-bounds assignment)."""
    scenarios = 8
    narrow = [0.125 + np.arange(5) * 1e-4] + [np.zeros(0)] * (scenarios - 1)
    far = [2.0 ** np.array([20, 21, 22, 23, 22.5])] + [
        np.geomspace(1, 2**2.8, 400) for _ in range(scenarios - 1)]
    first, second, together = Histogram(), Histogram(), Histogram()
    parts = [_folded([5] + [0] * (scenarios - 1), narrow, 0, first),
             _folded([5] + [400] * (scenarios - 1), far, 1, second)]
    first.add(second)
    _folded([5] + [0] * (scenarios - 1), narrow, 0, together)
    _folded([5] + [400] * (scenarios - 1), far, 1, together)
    assert_array_equal(merge(parts, first).quantiles, merge(parts, together).quantiles)


def test_a_folder_reads_each_month_of_a_buffer_it_has_to_copy() -> None:
    """A month block that is not C-ordered rows is copied for the compiled loop; a buffer
    refilled month after month must be copied again, not read as its first month."""
    folder_moments = ChunkMoments(0, np.array([4]), *(np.zeros((2, 2, 1)) for _ in range(4)),
                                  np.zeros((2, 0, 1), dtype=np.int64), np.ones(2, dtype=bool))
    fold = MonthFolder([(0, 4)], [], folder_moments, Histogram())
    buffer = np.asfortranarray(np.zeros((2, 4)))
    for month in range(2):
        buffer[:] = np.arange(8.0).reshape(2, 4) + 4 * month
        fold(month, buffer)
    assert_array_equal(folder_moments.mean[:, :, 0], [[1.5, 5.5], [5.5, 9.5]])
