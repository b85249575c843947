"""Scenario dimensions (issue 9 §2, design ``case-format-2.md`` §3) on ``crossed.yaml``.

A trajectory draws one branch per dimension; the engine runs on the combinations. Branch
marginals are the sums of their combinations, conditional priors hold within Monte Carlo error,
a flat case is unchanged, and every mistake is one located line.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from yubi.case import load_case
from yubi.engine import simulate
from yubi.engine.run import CHUNK_SIZE
from yubi.engine.sampling import chunk_design, dynamics_rng
from yubi.engine.simulate import layout_of, run_chunk

from .core_cases import compile_text, edit, write

CROSSED = Path(__file__).with_name("crossed.yaml")
TEXT = CROSSED.read_text(encoding="utf-8")
#: smooth 0.6 × {cut_price 0.7, ignore 0.3}; delayed 0.4 × {cut_price 0.3, ignore 0.7}.
JOINT = {"smooth+cut_price": 0.42, "smooth+ignore": 0.18, "delayed+cut_price": 0.12,
         "delayed+ignore": 0.28}


@pytest.fixture(scope="module")
def case():  # type: ignore[no-untyped-def]
    return load_case(CROSSED)


@pytest.fixture(scope="module")
def bundled(bundled_path: Path):  # type: ignore[no-untyped-def]
    return load_case(bundled_path)


@pytest.fixture(scope="module")
def result(case):  # type: ignore[no-untyped-def]
    return simulate(case, samples=6000, seed=11)


def test_combinations_are_named_dimension_major_with_joint_priors(case) -> None:
    assert case.crossed
    assert [d.id for d in case.dimensions] == ["start", "rival"]
    assert [b.id for b in case.branches] == ["smooth", "delayed", "cut_price", "ignore"]
    assert {s.id: round(s.prior, 12) for s in case.scenarios} == JOINT
    assert case.members("cut_price") == (0, 2) and case.members("delayed") == (2, 3)
    assert case.branch_prior("cut_price") == pytest.approx(0.54)
    assert case.branch_prior("smooth") == pytest.approx(0.6)
    # One design column per dimension, right after each other.
    assert [(c.name, c.kind) for c in case.inputs[:2]] == [("scenario", "scenario"),
                                                           ("rival", "scenario")]
    assert [d.column for d in case.dimensions] == [0, 1]


def test_conditional_priors_hold_within_monte_carlo_error(result) -> None:
    shares = result.scenario_share()
    n = result.settings.samples
    for combination, prior in JOINT.items():
        assert abs(shares[combination] - prior) < 4 * math.sqrt(prior * (1 - prior) / n)
    smooth = shares["smooth+cut_price"] + shares["smooth+ignore"]
    given_smooth = shares["smooth+cut_price"] / smooth
    assert abs(given_smooth - 0.7) < 4 * math.sqrt(0.7 * 0.3 / (n * 0.6))


def test_branch_marginals_are_the_sums_of_their_combinations(case, result) -> None:
    summary, groups = result.summary, result.summary.groups
    assert groups is not None
    for slot, branch in enumerate(case.branches):
        members = list(case.members(branch.id))
        counts = summary.count[members]
        assert groups.count[slot] == counts.sum()
        weighted = (summary.mean[..., members] * counts).sum(axis=-1) / counts.sum()
        assert_allclose(groups.mean[..., slot], weighted, rtol=1e-12)
        assert_allclose(result.statistic("carried", "over_100k", branch.id),
                        (summary.exceed_probability[:, 0, members] * counts).sum(-1)
                        / counts.sum(), rtol=1e-12)
        low = summary.quantiles[..., members, :].min(axis=-2)
        high = summary.quantiles[..., members, :].max(axis=-2)
        assert np.all((groups.quantiles[..., slot, :] >= low - 1e-9)
                      & (groups.quantiles[..., slot, :] <= high + 1e-9))
    assert groups.count[-1] == summary.count[-1]
    assert_array_equal(groups.quantiles[..., -1, :], summary.quantiles[..., -1, :])


def test_a_branch_marginal_quantile_is_the_pooled_trajectories_quantile(case) -> None:
    months = _months(case, 4000, compiled=True)  # (months, outputs, trajectories)
    design = chunk_design("mc", 5, 0, CHUNK_SIZE, 4000, len(case.inputs), case.correlation)
    drawn = layout_of(case, design).scenario
    result = simulate(case, samples=4000, seed=5)
    slot = [b.id for b in case.branches].index("cut_price")
    pooled = months[-1, 0, np.isin(drawn, case.members("cut_price"))]
    expected = np.quantile(pooled, [0.05, 0.5, 0.95])
    got = result.summary.groups.quantiles[-1, 0, slot, [0, 2, 4]]
    assert_allclose(got, expected, rtol=2.0**-8)


def test_the_kernel_and_the_closures_agree_on_a_crossed_case(case) -> None:
    kernel, closures = _months(case, 4000, True), _months(case, 4000, False)
    assert_allclose(kernel[:, 0], closures[:, 0], rtol=1e-12)  # carried: no random draws
    # The strike's hazard reads scenario("cut_price"), a branch: same rate on both paths
    # (their random streams differ, so within Monte Carlo error).
    assert abs(kernel[-1, 1].mean() - closures[-1, 1].mean()) < 0.04


def test_json_adds_dimensions_and_by_branch_only_when_crossed(case, result, bundled) -> None:
    document = result.to_dict()
    assert [b["id"] for b in document["dimensions"][1]["branches"]] == ["cut_price", "ignore"]
    assert document["dimensions"][1]["given"] == "start"
    assert document["dimensions"][1]["branches"][0]["prior"] == pytest.approx(0.54)
    carried = document["outputs"][0]
    assert set(carried["by_scenario"]) == set(JOINT)
    assert set(carried["by_branch"]) == {"smooth", "delayed", "cut_price", "ignore"}
    assert set(document["outputs"][1]["by_branch"]["smooth"][0]) == {"month", "p"}
    flat = simulate(bundled, samples=300, seed=1).to_dict()
    assert "dimensions" not in flat and all("by_branch" not in o for o in flat["outputs"])


def test_a_flat_case_is_one_dimension_called_scenario(bundled) -> None:
    assert not bundled.crossed
    (dimension,) = bundled.dimensions
    assert dimension.id == "scenario" and dimension.column == 0
    assert [b.id for b in bundled.branches] == [s.id for s in bundled.scenarios]
    for scenario in bundled.scenarios:
        assert bundled.members(scenario.id) == (scenario.index,)
        assert bundled.branch_prior(scenario.id) == scenario.prior
        assert scenario.branches == ()  # compiled exactly as before


def test_every_sampler_runs_a_crossed_case_the_same_with_more_workers(case) -> None:
    for sampler in ("lhs", "sobol"):
        one = simulate(case, samples=1024, seed=2, sampler=sampler, threads=1).to_json()
        two = simulate(case, samples=1024, seed=2, sampler=sampler, threads=2).to_json()
        assert one == two


def test_a_split_month_gives_a_crossed_case_the_same_branch_quantiles(case) -> None:
    """From 2,000 trajectories one chunk is split over two threads, each folding its
    outputs into its own histogram; the branch (group) quantiles read both."""
    one = simulate(case, samples=3000, seed=4, threads=1)
    split = simulate(case, samples=3000, seed=4, threads=2)
    assert split.summary.groups is not None
    np.testing.assert_array_equal(one.summary.groups.quantiles, split.summary.groups.quantiles)
    np.testing.assert_array_equal(one.summary.quantiles, split.summary.quantiles)
    assert one.to_json() == split.to_json()


def test_what_if_changes_a_branch_and_keeps_the_other_dimension_given_it(case) -> None:
    changed = case.with_changes({"prior.cut_price": 0.5})
    assert changed.branch_prior("cut_price") == pytest.approx(0.5)
    assert math.fsum(s.prior for s in changed.scenarios) == pytest.approx(1.0)
    off = case.with_changes({"off.delayed": True})
    assert off.branch_prior("delayed") == 0.0
    # Given the start, the rival's behaviour is as before.
    assert off.scenario("smooth+cut_price").prior == pytest.approx(0.7)


def test_a_later_dimension_wins_an_override_with_a_warning(tmp_path: Path, cli) -> None:
    text = edit(TEXT, '            rival_share: {value: 0.25, assumption: "A price war takes a '
                'quarter."}\n',
                '            rival_share: {value: 0.25, assumption: "A price war takes a '
                'quarter."}\n            growth: {value: 0.03, assumption: "Price war."}\n')
    case = compile_text(text)
    growth = next(v for v in case.variables if v.name == "growth")
    delayed_cut = case.scenario("delayed+cut_price").index
    assert growth.overrides[delayed_cut].constant == pytest.approx(0.03)
    assert growth.overrides[case.scenario("delayed+ignore").index].constant == \
        pytest.approx(0.01)
    result = cli("validate", write(tmp_path / "case.yaml", text))
    assert result.code == 0, result.err
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "growth: {value: 0.03" in t)
    assert any(w.startswith(f"{tmp_path / 'case.yaml'}:{line}:") and
               'cut_price: "growth" is also overridden by delayed of an earlier dimension' in w
               for w in result.err.splitlines()), result.err


ERRORS = [
    pytest.param("prior: {smooth: 0.7, delayed: 0.3}", "prior: {smooth: 0.7, delayed: 0.4}",
                 "delayed: 0.4",  # at the first branch's prior
                 r"priors of dimension rival given delayed sum to 1\.1, not 1 "
                 r"\(cut_price 0\.4 \+ ignore 0\.7\)", id="sum-given"),
    pytest.param("          prior: 0.4\n", "          prior: 0.5\n", "prior: 0.6",
                 r"priors of dimension start sum to 1\.1, not 1", id="sum"),
    pytest.param("given: start", "given: strat", "given: strat",
                 r'given: "strat" is not a dimension \(did you mean "start"\?\)',
                 id="unknown-given"),
    pytest.param("      given: start\n", "      given: rival\n", "given: rival",
                 "is not an earlier dimension", id="given-later"),
    pytest.param("        - id: ignore\n", "        - id: smooth  # again\n", "# again",
                 r'scenario id "smooth" is used twice \(in start too\)', id="duplicate-branch"),
    pytest.param("prior: {smooth: 0.3, delayed: 0.7}", "prior: {smooth: 0.3, dlayed: 0.7}",
                 "dlayed", r'"dlayed" is not a branch of start \(did you mean "delayed"\?\)',
                 id="unknown-given-branch"),
    pytest.param("      given: start\n", "", "prior: {smooth: 0.7",
                 "needs given: on this dimension", id="mapping-without-given"),
    pytest.param("          prior_assumption: \"Analyst assumption for the tests.\"\n"
                 "outputs:", "          prior_assumption: \"Analyst assumption for the "
                 "tests.\"\n          starts: {month: 2}\noutputs:", "starts: {month: 2}",
                 "starts: is allowed only on branches of the first dimension", id="late-start"),
]


@pytest.mark.parametrize(("old", "new", "at", "message"), ERRORS)
def test_each_mistake_is_one_located_line(old: str, new: str, at: str, message: str,
                                          tmp_path: Path, cli) -> None:
    text = edit(TEXT, old, new)
    path = write(tmp_path / "case.yaml", text)
    result = cli("validate", path)
    assert result.code == 2, result.err
    (line,) = result.err_lines
    number = next(n for n, t in enumerate(text.splitlines(), 1) if at in t)
    assert line.startswith(f"error: {path}:{number}:"), line
    assert re.search(message, line), line


def _months(case, rows: int, compiled: bool) -> np.ndarray:  # type: ignore[no-untyped-def]
    design = chunk_design("mc", 5, 0, CHUNK_SIZE, rows, len(case.inputs), case.correlation)
    layout = layout_of(case, design)
    kept: list[np.ndarray] = []
    run_chunk(case, design, layout, dynamics_rng(5, 0),
              lambda _month, block: kept.append(block.copy()), compiled=compiled)
    return np.stack(kept)
