"""A case whose scenarios cross is briefed per branch: each dimension's branches with their
marginal probabilities, the way a reader weighs the two questions."""

from __future__ import annotations

from pathlib import Path

import pytest

import yubi
from yubi.app.settings import Settings
from yubi.brief import Formatter, load_translations, render_html, run_analyses
from yubi.brief.build import build_brief

CROSSED = Path(__file__).parents[1] / "core" / "crossed.yaml"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_brief_lists_each_branch_with_its_marginal(language: str) -> None:
    case = yubi.load_case(CROSSED)
    assert case.crossed
    analyses = run_analyses(case, Settings(samples=2_000, seed=2, sobol_samples=0,
                                           tornado_samples=0))
    brief = build_brief(analyses, Formatter(language, load_translations(language)))
    branches = [b.id for b in case.branches]
    assert [s.id for s in brief.scenarios] == branches
    assert [s.probability for s in brief.scenarios] == ["60%", "40%", "54%", "46%"]
    assert len(brief.key_figures.columns) == 2 + len(branches)  # measure, all, each branch
    assert [row.label for row in brief.scenario_basis.rows] == [s.label for s in brief.scenarios]
    if language == "en":
        assert brief.lead == ("The most likely branch of each dimension: “Smooth start”: "
                              "60% (likely); “Rival cuts prices”: 54% (roughly even chance).")
    assert render_html(brief)
