"""The bundled cases: provenance of every number, the promised ids, and a golden summary."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from numpy.testing import assert_allclose

from yubi.case.loader import bundled_case_names
from yubi.case.schema import LocalText

GOLDEN_FOLDER = Path(__file__).parents[1] / "golden"
#: One xdist worker compiles and runs the large bundled case once for all these tests.
pytestmark = pytest.mark.xdist_group("bundled")


def _regenerate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("yubi_golden", GOLDEN_FOLDER / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reason(text: LocalText | str | None) -> bool:
    """An assumption that says something: a few words, not a bare "x" or "TBD"."""
    words = text.en if isinstance(text, LocalText) else text
    return bool(words) and len(words.split()) >= 3


@pytest.mark.parametrize("name", bundled_case_names())
def test_every_number_has_a_source_or_a_reasoned_assumption(name: str, load_bundled) -> None:
    case = load_bundled(name)
    file = case.file
    known = set(file.sources)

    def check(where: str, source: str | list[str] | None,
              assumption: LocalText | None) -> None:
        sources = [source] if isinstance(source, str) else list(source or [])
        assert sources or _reason(assumption), f"{name}: {where} has no source and no reason"
        assert set(sources) <= known, f"{name}: {where} cites unknown {set(sources) - known}"

    for key, quantity in file.quantities.items():
        check(f"quantity {key}", quantity.source, quantity.assumption)
    for key, event in file.dynamics.events.items():
        check(f"event {key}", event.source, event.assumption)
    for scenario in file.scenarios:
        check(f"prior of {scenario.id}", scenario.prior_source, scenario.prior_assumption)
        for key, override in scenario.overrides.items():
            check(f"{scenario.id} override {key}", override.source, override.assumption)
        if scenario.starts is not None and not isinstance(
            scenario.starts.month, int | float | None
        ):
            check(f"{scenario.id} start", scenario.starts.source, scenario.starts.assumption)
    for correlation in file.correlations:
        check(f"correlation {correlation.between}", correlation.source, correlation.assumption)
    for column in case.inputs[1:]:  # every uncertain input, as the engine sees it
        assert column.sources or _reason(column.assumption), f"{name}: input {column.name}"


def test_the_bundled_case_promises_its_scenarios_and_outputs(
    bundled_runs, bundled_path: Path, load_bundled
) -> None:
    """`yubi run --json` of the bundled case (its default), 20000 samples, seed 1."""
    result = bundled_runs[0]
    assert result.code == 0, result.err
    document = json.loads(result.out)
    scenarios = [s["id"] for s in document["scenarios"]]
    assert scenarios == ["quick_kursk", "protracted", "russia_defeat"]
    outputs = {o["id"] for o in document["outputs"]}
    assert {
        "deployed",
        "killed",
        "wounded",
        "captured",
        "revenue_krw",
        "revenue_usd",
        "combat_months",
    } <= outputs
    assert sum(s["trajectories"] for s in document["scenarios"]) == 20000
    assert document["case_sha256"] == load_bundled("dprk-russia-2024").sha256
    months = [row["month"] for row in document["outputs"][0]["series"]]
    assert months[0] == "2024-11"


@pytest.mark.parametrize("name", ["dprk-russia-2024"])
def test_golden_summary(name: str, load_bundled) -> None:
    if name not in bundled_case_names():
        pytest.skip(f"the bundled case {name}.yaml is not written yet")
    module = _regenerate_module()
    path = module.golden_path(name)
    assert path.exists(), f"no golden file; run: .venv/bin/python tests/golden/regenerate.py {name}"
    golden = json.loads(path.read_text(encoding="utf-8"))
    case = load_bundled(name)
    current = case.sha256
    assert golden["case_sha256"] == current, (
        f"{name}.yaml changed (sha256 {current[:12]}, golden {golden['case_sha256'][:12]}); "
        f"if the change is intended: .venv/bin/python tests/golden/regenerate.py {name}"
    )
    fresh = module.golden_document(name, case)
    assert fresh["months"] == golden["months"]
    assert fresh["scenario_share"] == golden["scenario_share"]
    assert fresh["outputs"].keys() == golden["outputs"].keys()
    for output, slots in golden["outputs"].items():
        for slot, statistics in slots.items():
            for statistic, values in statistics.items():
                assert_allclose(
                    np.array(fresh["outputs"][output][slot][statistic], dtype=float),
                    np.array(values, dtype=float),
                    rtol=1e-9,
                    atol=0,
                    equal_nan=True,
                    err_msg=f"{output} {slot} {statistic}",
                )
