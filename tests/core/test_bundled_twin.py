"""The hand-vectorized twin (benchmarks/hand_numpy.py) models the same case as the bundled file.

The engine benchmark compares the engine's speed with the twin's; the comparison means nothing
if the twin computes another model. The two draw different random numbers, so they agree only
in distribution: their means must agree within Monte Carlo error. A formula changed in the case
and not in the twin (or the reverse) moves a mean by far more than that.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

#: The twin leaves out the case's two rank correlations (a few % on the casualty means), so
#: means agree within this relative margin on top of the Monte Carlo error.
MARGIN = 0.03
#: Standard errors allowed: deterministic seeds, 21 outputs x 4 months compared.
Z = 5.0
MONTHS = ("2025-03", "2025-12", "2026-12", "2027-12")

pytestmark = pytest.mark.xdist_group("bundled")


def _twin() -> ModuleType:
    path = Path(__file__).parents[2] / "benchmarks" / "hand_numpy.py"
    spec = importlib.util.spec_from_file_location("hand_numpy", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_twin_reports_the_case_outputs_in_order(bundled_runs) -> None:
    document = json.loads(bundled_runs[0].out)
    assert tuple(o["id"] for o in document["outputs"]) == _twin().OUTPUT_IDS


def test_the_twin_agrees_with_the_engine_in_distribution(bundled_runs) -> None:
    document = json.loads(bundled_runs[0].out)
    samples = document["samples"]
    twin = _twin()
    summary = twin.simulate(samples, seed=1)
    labels = [row["month"] for row in document["outputs"][0]["series"]]
    far = []
    for index, output in enumerate(document["outputs"]):
        for month in MONTHS:
            row = output["series"][labels.index(month)]
            m = labels.index(month)
            mean, sd = float(summary.mean[m, index, -1]), float(summary.sd[m, index, -1])
            # An event output reports its probability p (a 0/1 mean); a quantity its moments.
            engine = row["p"] if "p" in row else row["mean"]
            engine_sd = np.sqrt(engine * (1 - engine)) if "p" in row else row["sd"]
            error = np.sqrt((engine_sd**2 + sd**2) / samples)
            if abs(engine - mean) > Z * error + MARGIN * abs(engine):
                far.append(f"{output['id']} {month}: engine {engine:.4g}, twin {mean:.4g}")
    assert not far, "the twin and the case differ: " + "; ".join(far)
