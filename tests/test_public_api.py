"""The public surface of ``yubi`` stays small and deliberate (as httpx guards its own)."""

from __future__ import annotations

import pkgutil

import yubi


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(yubi) if not name.startswith("_")}
    # Submodules become attributes once imported (by earlier tests in the same process).
    modules = {module.name for module in pkgutil.iter_modules(yubi.__path__)}
    assert set(yubi.__all__) - {"__version__"} == public - modules


def test_all_is_sorted_so_additions_are_reviewed() -> None:
    names = [name for name in yubi.__all__ if name != "__version__"]
    assert names == sorted(names)


def test_quick_start_api_runs_the_bundled_case() -> None:
    case = yubi.load_case()
    result = yubi.simulate(case, 2_000, seed=3)
    frame = result.to_pandas()
    assert set(frame.columns) == {"output", "scenario", "month", "statistic", "value"}
    assert set(frame["scenario"]) == {s.id for s in case.scenarios} | {"all"}
    assert set(frame["month"]) == set(case.months)
