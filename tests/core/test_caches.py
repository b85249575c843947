"""The on-disk caches that make a new process fast (parsed case trees, inverse-CDF tables)
give exactly what computing afresh gives, and are rebuilt when missing, stale or damaged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from yubi.case.loader import PARSE_CACHE_BYTES, bundled_case_path, parse_case_text
from yubi.errors import CaseError

from .conftest import BUNDLED


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("YUBI_KERNEL_CACHE", str(folder))
    return folder


def _positions(tree: object, path: str = "") -> dict[str, tuple[int, int]]:
    """Line and column of every mapping and sequence in a round-trip tree."""
    found: dict[str, tuple[int, int]] = {}
    if hasattr(tree, "lc"):
        found[path] = (tree.lc.line, tree.lc.col)
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.update(_positions(value, f"{path}/{key}"))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found.update(_positions(value, f"{path}[{index}]"))
    return found


def test_a_cached_parse_is_the_parse(cache: Path) -> None:
    raw = bundled_case_path(BUNDLED).read_bytes()
    assert len(raw) >= PARSE_CACHE_BYTES
    first = parse_case_text(raw, "case.yaml")
    saved = list((cache / "parsed").glob("*.pickle"))
    assert len(saved) == 1
    second = parse_case_text(raw, "case.yaml")
    assert second.file == first.file
    assert _positions(second.tree) == _positions(first.tree)
    assert second.tree is not first.tree  # each load its own tree: editing one is safe


def test_an_edited_file_is_parsed_again(cache: Path) -> None:
    raw = bundled_case_path(BUNDLED).read_bytes()
    parse_case_text(raw, "case.yaml")
    edited = raw.replace(b"title:", b"title:  ", 1)
    assert parse_case_text(edited, "case.yaml").file == parse_case_text(raw, "case.yaml").file
    assert len(list((cache / "parsed").glob("*.pickle"))) == 2


def test_a_damaged_cache_file_is_parsed_again(cache: Path) -> None:
    raw = bundled_case_path(BUNDLED).read_bytes()
    first = parse_case_text(raw, "case.yaml")
    (saved,) = (cache / "parsed").glob("*.pickle")
    saved.write_bytes(b"not a pickle")
    assert parse_case_text(raw, "case.yaml").file == first.file


def test_errors_are_located_the_same_from_the_cache(cache: Path) -> None:
    raw = bundled_case_path(BUNDLED).read_bytes()
    # A schema error (parsed fine, so the tree is cached): a quantity's unit misspelt.
    broken = raw.replace(b"horizon:", b"horizon_typo:", 1)
    assert broken != raw
    errors = []
    for _ in range(2):
        with pytest.raises(CaseError) as caught:
            parse_case_text(broken, "case.yaml")
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert "case.yaml:" in errors[0]


def test_small_files_are_not_cached(cache: Path) -> None:
    with pytest.raises(CaseError):  # parses, then fails the schema
        parse_case_text(b"title: x\n", "tiny.yaml")
    assert not (cache / "parsed").exists()


def test_inverse_cdf_tables_from_disk_are_the_computed_ones(cache: Path) -> None:
    from yubi.case import schema
    from yubi.case.distributions import TABLE_POINTS, _tabulate, marginal_from_spec

    def beta(high: float) -> Any:
        spec = schema.Beta(type="beta", alpha=2.5, beta=4.0, low=10.0, high=high)
        return marginal_from_spec(spec, None)

    marginal = beta(100.0)
    knots, computed = _tabulate(marginal)
    saved = list((cache / "tables").glob("beta-*.npy"))
    assert len(saved) == 1
    fresh = beta(100.0)  # as another process would build it: found by its parameters
    _, loaded = _tabulate(fresh)
    assert "frozen" not in fresh._cache  # without building SciPy's distribution
    assert loaded.tobytes() == computed.tobytes()
    assert computed.tobytes() == np.asarray(marginal.frozen.ppf(knots)).tobytes()
    assert knots.size == TABLE_POINTS
    saved[0].write_bytes(b"damaged")
    _, again = _tabulate(beta(100.0))
    assert again.tobytes() == computed.tobytes()
    # Other parameters, another table.
    _tabulate(beta(101.0))
    assert len(list((cache / "tables").glob("beta-*.npy"))) == 2


@pytest.mark.parametrize("spec", [
    {"type": "pert", "low": 2.0, "mode": 3.0, "high": 9.0},
    {"type": "pert", "low": -5.0, "mode": 0.0, "high": 1.0, "shape": 6.0},
    {"type": "beta", "alpha": 0.7, "beta": 3.2},
    {"type": "beta", "alpha": 2.0, "beta": 2.0, "low": 100.0, "high": 250.0},
    {"type": "gamma", "shape": 0.6, "scale": 4.0},
    {"type": "gamma", "shape": 9.0, "scale": 0.25},
])
def test_exact_edges_without_scipy_stats_are_scipy_stats_numbers(spec: dict[str, Any]) -> None:
    """The steep edge cells of a tabulated inverse CDF are computed exactly from
    scipy.special, not scipy.stats: bit for bit what scipy.stats gives."""
    from pydantic import TypeAdapter

    from yubi.case import schema
    from yubi.case.distributions import _exact, marginal_from_spec

    parsed = TypeAdapter(schema.Distribution).validate_python(spec)
    marginal = marginal_from_spec(parsed, None)
    rng = np.random.default_rng(3)
    u = np.concatenate([rng.random(2000) * 1e-3, 1 - rng.random(2000) * 1e-3, rng.random(2000)])
    exact = _exact(marginal, u)
    assert exact is not None
    frozen = marginal.frozen
    assert exact.tobytes() == np.asarray(frozen.ppf(u), dtype=np.float64).tobytes()


