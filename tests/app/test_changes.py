"""What-if changes: each is checked like a case line, recorded, and exact.

"Exact": a case changed in memory runs to the same numbers as the changed case file compiled
from scratch, whatever path :func:`yubi.case.changes.apply_changes` took to build it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from yubi import app
from yubi.case.changes import ChangeError
from yubi.case.model import Case, compile_case
from yubi.errors import UsageError

SAMPLES = 2_000


def _outputs(case: Case) -> dict[str, object]:
    document = app.run_document(app.run(case, samples=SAMPLES, seed=5))
    return {"scenarios": document["scenarios"], "outputs": document["outputs"]}


def _from_scratch(case: Case) -> Case:
    assert case.text is not None
    return compile_case(replace(case.text, file=case.file))


@pytest.mark.parametrize(
    "changes",
    [
        {"troops_cap": "20000 to 60000"},                       # distribution -> range (in place)
        {"troops_cap": "{type: pert, low: 20000, mode: 30000, high: 60000}"},
        {"troops_initial": 11000},                              # distribution -> constant
        {"column_payment": "1e11 to 3e11 KRW/year"},            # constant -> range (recompile)
        {"troops_cap": {"expr": "troops_initial * 3"}},         # an expression
        {"troops_cap": "20000 to 60000", "prior.russia_defeat": 0.2, "off.quick_kursk": True},
    ],
)
def test_a_changed_case_runs_like_the_changed_file_compiled_from_scratch(
    bundled: Case, changes: dict[str, object]
) -> None:
    changed = bundled.with_changes(changes)
    assert _outputs(changed) == _outputs(_from_scratch(changed))


def test_changes_leave_the_original_alone_and_are_recorded_in_order(bundled: Case) -> None:
    before = _outputs(bundled)
    changed = bundled.with_changes({"troops_cap": "20000 to 60000"}).with_changes(
        {"prior.russia_defeat": "0.2"})
    assert [c.to_dict() for c in changed.changes] == [
        {"key": "troops_cap", "value": "20000 to 60000"},
        {"key": "prior.russia_defeat", "value": "0.2"},
    ]
    assert bundled.changes == ()
    assert bundled.file.quantities["troops_cap"].distribution is not None
    assert changed.file.quantities["troops_cap"].value == "20000 to 60000"
    assert _outputs(bundled) == before
    document = app.run_document(app.run(changed, samples=SAMPLES, seed=5))
    assert document["changes"] == [c.to_dict() for c in changed.changes]
    assert "changes" not in app.run_document(app.run(bundled, samples=SAMPLES, seed=5))


def test_the_changed_quantity_says_what_it_was(bundled: Case) -> None:
    changed = bundled.with_changes({"troops_cap": "20000 to 60000"})
    assumption = changed.file.quantities["troops_cap"].assumption
    assert assumption is not None
    note = assumption.en
    assert "troops_cap = 20000 to 60000" in note
    assert "was pert(low=30000, mode=40000, high=100000" in note


def test_a_prior_change_rescales_the_others_proportionally(bundled: Case) -> None:
    changed = bundled.with_changes({"prior.russia_defeat": 0.2})
    priors = {s.id: s.prior for s in changed.scenarios}
    assert priors["russia_defeat"] == 0.2
    assert priors["quick_kursk"] == pytest.approx(0.30 * 0.8 / 0.88)
    assert priors["protracted"] == pytest.approx(0.58 * 0.8 / 0.88)
    assert math.fsum(priors.values()) == pytest.approx(1.0)
    assert [s.prior for s in changed.file.scenarios] == list(priors.values())


def test_switching_a_scenario_off_leaves_it_no_trajectories(bundled: Case) -> None:
    changed = bundled.with_changes({"off.quick_kursk": True})
    assert changed.scenario("quick_kursk").prior == 0.0
    assert changed.scenario("protracted").prior == pytest.approx(0.58 / 0.70)
    document = app.run_document(app.run(changed, samples=SAMPLES, seed=5))
    trajectories = {s["id"]: s["trajectories"] for s in document["scenarios"]}
    assert trajectories["quick_kursk"] == 0
    assert sum(trajectories.values()) == SAMPLES
    assert document["changes"] == [{"key": "off.quick_kursk", "value": "off"}]
    # scenario.<id>=off is the same change; =on is no change at all.
    assert bundled.with_changes({"scenario.quick_kursk": "off"}).priors.tolist() == (
        changed.priors.tolist())
    assert bundled.with_changes({"off.quick_kursk": "on"}) is bundled


def test_all_priors_given_must_sum_to_one(bundled: Case) -> None:
    ok = bundled.with_changes(
        {"prior.quick_kursk": 0.5, "prior.protracted": 0.3, "prior.russia_defeat": "20%"})
    assert ok.priors.tolist() == [0.5, 0.3, 0.2]
    with pytest.raises(ChangeError, match=r"sum to 0\.9, not 1"):
        bundled.with_changes(
            {"prior.quick_kursk": 0.5, "prior.protracted": 0.3, "prior.russia_defeat": 0.1})
    with pytest.raises(ChangeError, match=r"sum to 1\.2, more than 1"):
        bundled.with_changes({"prior.quick_kursk": 0.7, "prior.protracted": 0.5})


def test_a_value_with_a_unit_is_converted_to_the_quantity_unit(bundled: Case) -> None:
    # surge_capacity is in soldier/month; 100 a day is 100 * 365.25 / 12 a month.
    changed = bundled.with_changes({"surge_capacity": "100 soldier/day"})
    assert changed.file.quantities["surge_capacity"].value == pytest.approx(100 * 365.25 / 12)
    ranged = bundled.with_changes({"surge_capacity": "100 to 200 soldier/day"})
    assert ranged.file.quantities["surge_capacity"].value == "3043.75 to 6087.5"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"troops_capp": "1"}, 'troops_capp: no quantity .* \\(did you mean "troops_cap"\\?\\)'),
        ({"prior.russia_defeet": 0.2}, 'did you mean "russia_defeat"'),
        ({"killed": 5}, "killed: is a stock; only quantities"),
        ({"troops_cap": "lots"}, "troops_cap: 'lots' is neither a number nor a range"),
        ({"troops_cap": "60000 to 20000"}, "troops_cap: 60000 must be below 20000"),
        ({"troops_cap": "20 to 60 KRW"}, "the value is in KRW .* but the quantity is in soldier"),
        ({"troops_cap": "{type: pert, low: 5, mode: 1, high: 3}"}, r"low \(5\) must be at most mode \(1\)"),
        ({"troops_cap": {"type": "weird"}}, "unknown distribution type 'weird'"),
        ({"troops_cap": {"expr": "krw_per_usd * 3"}}, "expression is in KRW/USD but the unit"),
        ({"prior.russia_defeat": 1.2}, "1.2 is not a probability between 0 and 1"),
        ({"off.quick_kursk": "maybe"}, "expected off \\(or on\\)"),
        ({"off.quick_kursk": 1, "off.protracted": 1, "off.russia_defeat": 1}, "every scenario"),
        ({"off.quick_kursk": 1, "prior.quick_kursk": 0.1}, "also switched off"),
    ],
)
def test_a_wrong_change_names_its_key_and_the_reason(
    bundled: Case, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ChangeError, match=message) as raised:
        bundled.with_changes(changes)
    assert isinstance(raised.value, UsageError)  # exit code 2 in the CLI, 422 on the web


def test_a_change_stays_within_the_quantity_bounds(tmp_path) -> None:
    from tests.core.core_cases import minimal_case, write

    text = minimal_case(
        quantities="  share:\n    label: Share\n    distribution: {type: normal, mean: 0.5, "
                   "sd: 0.2}\n    truncate: [0, 1]\n    source: report\n",
        outputs="  share_out:\n    label: S\n    expr: share\n",
    )
    case = app.open_case(write(tmp_path / "bounded.yaml", text))
    with pytest.raises(ChangeError, match=r"share: 1.5 is outside the quantity's bounds \[0, 1\]"):
        case.with_changes({"share": 1.5})
    with pytest.raises(ChangeError, match="outside the quantity's bounds"):
        case.with_changes({"share": "0.5 to 1.4"})
    kept = case.with_changes({"share": "0.2 to 0.6"}).file.quantities["share"]
    assert kept.truncate == (0.0, 1.0)


def test_parse_changes_reads_the_shell_forms() -> None:
    assert app.parse_changes([
        "troops_cap=20000 to 60000", "prior.russia_defeat=0.2", "off.quick_kursk",
        "scenario.protracted=off", "troops_initial='11000'",
    ]) == {
        "troops_cap": "20000 to 60000", "prior.russia_defeat": "0.2", "off.quick_kursk": "off",
        "off.protracted": "off", "troops_initial": "11000",
    }
    with pytest.raises(UsageError, match="expected KEY=VALUE"):
        app.parse_changes(["troops_cap"])
    with pytest.raises(UsageError, match="given twice"):
        app.parse_changes(["a=1", "a=2"])


def test_numbers_and_their_text_record_alike(bundled: Case) -> None:
    as_number = bundled.with_changes({"troops_initial": 11000, "prior.russia_defeat": 0.2})
    as_text = bundled.with_changes({"troops_initial": "11000", "prior.russia_defeat": "0.2"})
    assert as_number.changes == as_text.changes


def test_a_change_keeps_priors_set_from_evidence(bundled: Case) -> None:
    posterior = bundled.with_priors([0.1, 0.6, 0.3])  # as evidence updating does
    for changes in ({"troops_cap": "20000 to 60000"}, {"troops_initial": 11000}):
        assert posterior.with_changes(changes).priors.tolist() == [0.1, 0.6, 0.3]


@pytest.mark.slow
@pytest.mark.xdist_group("dask")
def test_dask_workers_apply_the_changes_too(tmp_path) -> None:
    from tests.core.core_cases import BASE, write

    case = app.open_case(write(tmp_path / "probe.yaml", BASE))
    changed = case.with_changes({"troops": "12 to 30", "rate": 0.2, "prior.surge": 0.5})
    here = app.run_json(app.run(changed, samples=3_000, seed=7))
    on_dask = app.run_json(app.run(changed, samples=3_000, seed=7, workers=1))
    assert on_dask == here
