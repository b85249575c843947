"""Shared, small runs for the brief's tests: each case is simulated and analysed once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import yubi
from yubi.app.settings import Settings
from yubi.brief import Analyses, Formatter, load_translations, run_analyses
from yubi.brief.build import Brief, build_brief
from yubi.case.model import Case

HERE = Path(__file__).parent
#: Small but not trivial: 4,000 trajectories, Sobol' N = 64, 100 tornado replicates.
SMALL = Settings(samples=4_000, seed=1, sobol_samples=64, tornado_samples=100)


@pytest.fixture(scope="session")
def small() -> Settings:
    """The settings every brief test runs with."""
    return SMALL


def starter_path() -> Path:
    """The troops-and-pay case that was ``yubi new``'s starter (the brief tests know it)."""
    return HERE / "deployment.yaml"


@pytest.fixture(scope="session")
def starter() -> Case:
    return yubi.load_case(starter_path())


@pytest.fixture(scope="session")
def harbour() -> Case:
    return yubi.load_case(HERE / "harbour.yaml")


@pytest.fixture(scope="session")
def starter_analyses(starter: Case) -> Analyses:
    return run_analyses(starter, SMALL)


@pytest.fixture(scope="session")
def harbour_analyses(harbour: Case) -> Analyses:
    return run_analyses(harbour, SMALL)


def _brief_of(analyses: Analyses, language: str) -> Brief:
    return build_brief(analyses, Formatter(language, load_translations(language)))


@pytest.fixture(scope="session")
def brief_of() -> Callable[[Analyses, str], Brief]:
    """Build the brief of some analyses in a language (once per analyses and language)."""
    built: dict[tuple[int, str], Brief] = {}

    def get(analyses: Analyses, language: str) -> Brief:
        key = (id(analyses), language)
        if key not in built:
            built[key] = _brief_of(analyses, language)
        return built[key]

    return get
