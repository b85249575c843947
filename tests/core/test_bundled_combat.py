"""In the bundled case, killing and capturing happen only where North Korean units fight.

The column's losses (deaths, wounded, prisoners) come from combat. Once a trajectory's units
are out of combat (Kursk retaken, a ceasefire, or withdrawn after a defeat) its counts of
killed, wounded and prisoners stop growing; the residual force may still desert.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from yubi.engine import simulate

pytestmark = pytest.mark.xdist_group("bundled")


def test_no_deaths_or_captures_outside_combat(load_bundled, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    case = load_bundled("dprk-russia-2024")
    path = tmp_path / "paths.parquet"
    simulate(case, 2000, seed=3, trajectories=path, threads=1)
    table = pq.read_table(path, columns=["trajectory", "in_combat", "killed", "wounded",
                                         "captured"]).to_pandas()
    months = len(case.months)
    table = table.sort_values(["trajectory"], kind="stable")
    shaped = {name: table[name].to_numpy().reshape(-1, months)
              for name in ("in_combat", "killed", "wounded", "captured")}
    quiet = shaped["in_combat"][:, 1:] == 0
    assert quiet.any() and (~quiet).any(), "both fighting and quiet months must occur"
    for name in ("killed", "wounded", "captured"):
        new = np.diff(shaped[name], axis=1)
        assert not new[quiet].any(), f"{name} grows in a month without North Korean combat"
        assert new[~quiet].sum() > 0
