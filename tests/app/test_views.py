"""What a notebook shows: short reprs, escaped HTML, wide pandas, xarray and figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.core.core_cases import BASE, edit, write

from yubi import app
from yubi.case.model import Case
from yubi.engine.results import SimulationResult


@pytest.fixture(scope="module")
def result(bundled: Case) -> SimulationResult:
    return app.run(bundled.with_changes({"prior.russia_defeat": 0.2}), samples=1_500, seed=2)


def test_reprs_are_short_and_say_what_matters(bundled: Case, result: SimulationResult) -> None:
    text = repr(bundled)
    assert len(text) < 600 and text.count("\n") <= 4
    assert "dprk-russia-2024" in text and "quick_kursk 0.3" in text and "30 quantities" in text
    shown = repr(result)
    assert len(shown) < 600
    assert "1,500 trajectories, seed 2" in shown and "1 what-if changes" in shown
    assert "changes: prior.russia_defeat=0.2" in repr(result.case)


def test_html_is_small_and_escapes_case_text(tmp_path: Path) -> None:
    hostile = edit(BASE, 'title: "Probe case"', 'title: "<script>alert(1)</script> & co"')
    hostile = edit(hostile, 'label: "Steady"', 'label: "<b>Steady</b>"')
    case = app.open_case(write(tmp_path / "hostile.yaml", hostile))
    result = app.run(case, samples=200, seed=1)
    for html in (case._repr_html_(), result._repr_html_()):
        assert "<script>" not in html and "<b>Steady" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
        assert "&lt;b&gt;Steady&lt;/b&gt;" in html
    table = result._repr_html_()
    assert len(table) < 10_000 and table.count("<tr>") == 1 + len(case.outputs)
    assert "Steady" in case._repr_html_() and "60.0%" in case._repr_html_()


def test_wide_pandas_has_real_months_and_every_series(result: SimulationResult) -> None:
    frame = result.to_pandas(wide=True)
    assert isinstance(frame.index, pd.PeriodIndex) and frame.index.freqstr == "M"
    assert str(frame.index[0]) == result.case.months[0] and len(frame) == len(result.case.months)
    assert frame.columns.names == ["output", "scenario", "statistic"]
    column = frame[("killed", "protracted", "p50")].to_numpy()
    np.testing.assert_array_equal(column, result.statistic("killed", "p50", "protracted"))
    tidy = result.to_pandas()
    assert frame.size == len(tidy)  # the same numbers, one cell per tidy row


def test_xarray_has_the_four_dimensions(result: SimulationResult) -> None:
    array = result.to_xarray()
    case = result.case
    assert array.dims == ("output", "scenario", "month", "statistic")
    assert array.shape == (len(case.outputs), len(case.scenarios) + 1, len(case.months), 7)
    assert str(array.month.values[0])[:10] == f"{case.months[0]}-01"
    assert array.attrs["changes"] == "prior.russia_defeat=0.2"
    assert array.sel(output="killed").unit.item() == case.output("killed").unit_text
    picked = array.sel(output="deployed", scenario="all", statistic="p95").to_numpy()
    np.testing.assert_array_equal(picked, result.statistic("deployed", "p95"))


def test_plots_are_figures_that_leave_pyplot_alone(result: SimulationResult,
                                                   tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    fan = result.plot.fan("killed")
    compare = result.plot.scenarios(["deployed", "killed"])
    assert isinstance(fan, Figure) and isinstance(compare, Figure)
    assert len(fan.axes) == len(result.case.scenarios)
    assert [a.get_visible() for a in compare.axes] == [True, True]
    fan.savefig(tmp_path / "fan.png")
    assert (tmp_path / "fan.png").stat().st_size > 5_000
    with pytest.raises(Exception, match="no output"):
        result.plot.fan("nope")


def test_plotting_imports_no_pyplot() -> None:
    code = ("import sys, yubi\n"
            "r = yubi.run(yubi.open_case('linear'), samples=100)\n"
            "r.plot.fan('y'); r.plot.scenarios()\n"
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
