"""The on-disk caches that make a new process fast (parsed case trees, inverse-CDF tables)
give exactly what computing afresh gives, and are rebuilt when missing, stale or damaged."""

from __future__ import annotations

from pathlib import Path

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
    from scipy import stats

    from yubi.case.distributions import TABLE_POINTS, _tabulate

    frozen = stats.beta(2.5, 4.0, loc=10.0, scale=90.0)
    knots, computed = _tabulate(frozen)
    saved = list((cache / "tables").glob("beta-*.npy"))
    assert len(saved) == 1
    _, loaded = _tabulate(frozen)
    assert loaded.tobytes() == computed.tobytes()
    assert computed.tobytes() == np.asarray(frozen.ppf(knots)).tobytes()
    assert knots.size == TABLE_POINTS
    saved[0].write_bytes(b"damaged")
    _, again = _tabulate(frozen)
    assert again.tobytes() == computed.tobytes()
    # Other parameters, another table.
    _tabulate(stats.beta(2.5, 4.0, loc=10.0, scale=91.0))
    assert len(list((cache / "tables").glob("beta-*.npy"))) == 2
