"""A brief made --as-of a date with evidence in the store shows prior and posterior side by side."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

import yubi
from yubi.app.settings import Settings
from yubi.brief import Analyses, Formatter, load_translations, render_html, run_analyses
from yubi.brief.build import Brief, build_brief
from yubi.case.model import Case
from yubi.evidence.items import EvidenceItem
from yubi.evidence.updating import evidence_weight
from yubi.store.database import open_engine
from yubi.store.evidence import add_item

from .conftest import HERE

#: P(the report | scenario): it points away from "calm", towards the heavier fighting.
LIKELIHOOD = {"calm": 0.1, "steady": 0.4, "heavy": 0.8, "collapse": 0.9}
GRADE = ("B", 2)


@pytest.fixture(scope="module")
def four() -> Case:
    return yubi.load_case(HERE / "four.yaml")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, four: Case) -> str:
    """A store holding one typed-likelihood item for the four-scenario case."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'evidence.sqlite3'}"
    engine = open_engine(url)
    try:
        add_item(engine, EvidenceItem(
            item_id="heavy-report", case_id=four.id, observed_on=dt.date(2024, 12, 15),
            text="Reports of heavy losses", source="tests", reliability=GRADE[0],
            credibility=GRADE[1], likelihood=LIKELIHOOD))
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="module")
def weighed(four: Case, store: str) -> Analyses:
    settings = Settings(samples=4_000, seed=1, sobol_samples=0, tornado_samples=0,
                        as_of="today", store=store)
    return run_analyses(four, settings)


def _brief(analyses: Analyses, language: str) -> Brief:
    return build_brief(analyses, Formatter(language, load_translations(language)))


def _percent(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text)) / 100


def test_the_posterior_is_the_prior_reweighted_by_the_item(weighed: Analyses) -> None:
    evidence = _brief(weighed, "en").evidence
    assert evidence is not None
    # Bayes' rule on the share of trajectories that drew each scenario (≈ 40/30/20/10), the
    # likelihood tempered by the item's grades.
    drawn = np.array(list(weighed.result.scenario_share().values()))
    expected = drawn * np.array(list(LIKELIHOOD.values())) ** evidence_weight(*GRADE)
    expected /= expected.sum()
    rows = evidence.scenarios.rows
    assert [row.label for row in rows] == ["Calm", "Steady fighting", "Heavy fighting",
                                           "Collapse"]
    assert [row.cells[0].text for row in rows] == ["40%", "30%", "20%", "10%"]
    shown = [_percent(row.cells[1].text) for row in rows]
    assert shown == pytest.approx(expected, abs=0.006)  # percentages are whole numbers
    assert rows[0].cells[2].text.startswith("−") and rows[2].cells[2].text.startswith("+")


def test_key_outputs_shift_and_the_run_facts_say_so(weighed: Analyses) -> None:
    brief = _brief(weighed, "en")
    assert brief.evidence is not None
    assert "Evidence recorded by" in brief.evidence.summary
    assert "1 item counted" in brief.evidence.summary
    assert "effective sample size" in brief.evidence.summary
    killed = next(r for r in brief.evidence.outputs.rows if r.label.startswith("Killed"))
    prior, posterior = (cell.text for cell in killed.cells)
    assert prior != posterior  # heavier fighting weighs more: more killed
    assert f"--as-of {dt.datetime.now(dt.UTC).date().isoformat()}" in brief.reproduce


@pytest.mark.parametrize("language", ["en", "ko"])
def test_both_languages_show_the_two_side_by_side(weighed: Analyses, language: str) -> None:
    page = render_html(_brief(weighed, language))
    headings = {"en": ("What the evidence changes", "Prior", "Posterior"),
                "ko": ("증거가 바꾸는 것", "사전 확률", "사후 확률")}[language]
    for text in headings:
        assert text in page
    if language == "ko":
        assert "Evidence recorded by" not in page and "effective sample size" not in page


def test_without_as_of_there_is_no_evidence_part(four: Case, store: Path) -> None:
    analyses = run_analyses(four, Settings(samples=500, sobol_samples=0, tornado_samples=0))
    assert analyses.posterior is None
    brief = _brief(analyses, "en")
    assert brief.evidence is None
    assert "What the evidence changes" not in render_html(brief)
