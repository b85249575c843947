"""ACH: Heuer's worked example, PARC weighting, diagnosticity, sensitivity, .achz files.

The worked example is Heuer's matrix for "Will Iraq retaliate for US bombing of its intelligence
headquarters?" — R. J. Heuer Jr., *Psychology of Intelligence Analysis* (CIA Center for the Study
of Intelligence, 1999), chapter 8, Figure 15 — with its "+", "−" and "− −" entries read as
C, I and II. ACH scores that matrix by counting inconsistencies only, an I as 1 and an II as 2
(PARC ACH 2.0 help, "Rate Consistency of Evidence"; PARC AI3 team with Heuer, "ACH 1.1 Technical
Description", 2005): H1 is contradicted by E4 (−) and E6 (− −), H3 by E2 (−) and E3 (−), H2 by
nothing. The resulting order, H2 most likely, then H3, then H1, is the one the U.S. Army's
TC 2-33.4 *Intelligence Analysis* (2009), ¶2-55, states for the same matrix.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pytest
from sqlalchemy import Engine

import yubi.cases
from yubi.case.model import Case
from yubi.errors import DataError
from yubi.evidence.ach import (
    POINTS,
    WEIGHT,
    AchEvidence,
    AchMatrix,
    matrix_from_items,
    ratings_from_likelihood,
    read_achz,
    write_achz,
)
from yubi.store import evidence as ev

H1, H2, H3 = "H1", "H2", "H3"
#: Figure 15 of Heuer (1999), ratings transcribed: + → C, − → I, − − → II.
HEUER_FIGURE_15 = (
    ("E1", "Saddam public statement of intent not to retaliate.", ("C", "C", "C")),
    ("E2", "Absence of terrorist offensive during the 1991 Gulf War.", ("C", "C", "I")),
    ("E3", "Assumption that Iraq would not want to provoke another US attack.", ("C", "C", "I")),
    ("E4", "Increase in frequency/length of monitored Iraqi agent radio broadcasts.",
     ("I", "C", "C")),
    ("E5", "Iraqi embassies instructed to take increased security precautions.",
     ("C", "C", "C")),
    ("E6", "Assumption that failure to retaliate would be unacceptable loss of face for Saddam.",
     ("II", "C", "C")),
)
#: The inconsistency scores of Figure 15 under ACH's rule (derivation in the module docstring).
HEUER_SCORES = {H1: 1 + 2, H2: 0, H3: 1 + 1}
SAMPLE = Path(yubi.cases.__file__).parent / "heuer-iraq-retaliation.achz"


@pytest.fixture
def heuer() -> AchMatrix:
    return AchMatrix((H1, H2, H3), tuple(
        AchEvidence(code, text, dict(zip((H1, H2, H3), ratings, strict=True)))
        for code, text, ratings in HEUER_FIGURE_15))


def test_heuer_figure_15_inconsistency_scores(heuer: AchMatrix) -> None:
    assert heuer.inconsistency() == HEUER_SCORES
    # Medium credibility and relevance weigh 1: the weighted score equals the plain one.
    assert heuer.weighted_inconsistency() == HEUER_SCORES
    assert heuer.ranking() == [H2, H3, H1]


def test_heuer_figure_15_diagnosticity_and_sensitivity(heuer: AchMatrix) -> None:
    diagnosticity = {e.id: e.diagnosticity() for e in heuer.evidence}
    # E1 and E5 fit every hypothesis: Heuer's example of evidence with no diagnostic value.
    assert diagnosticity == {"E1": 0, "E2": 2, "E3": 2, "E4": 2, "E5": 0, "E6": 3}
    # H2 has no inconsistent evidence, so no single removal can unseat it; reversing E2 or E3
    # (making them count against H2) ties it with H3, reversing E6 ties it with H1.
    found = {(s.item, s.change): s.top_after for s in heuer.sensitivity()}
    assert found == {("E2", "reversed"): (H2, H3), ("E3", "reversed"): (H2, H3),
                     ("E6", "reversed"): (H1, H2)}


def test_credibility_and_relevance_weights_follow_parc() -> None:
    matrix = AchMatrix(("A", "B"), (
        AchEvidence("e1", "x", {"A": "II", "B": "C"}, credibility="high", relevance="high"),
        AchEvidence("e2", "y", {"A": "C", "B": "I"}, credibility="high", relevance="low"),
        AchEvidence("e3", "z", {"A": "I", "B": "CC"}, credibility="low", relevance="medium"),
    ))
    scores = matrix.weighted_inconsistency()
    assert {"high": math.sqrt(2), "medium": 1.0, "low": 1 / math.sqrt(2)} == WEIGHT
    assert scores["A"] == pytest.approx(POINTS["II"] * math.sqrt(2) ** 2
                                        + POINTS["I"] / math.sqrt(2))
    assert scores["B"] == pytest.approx(POINTS["I"] * math.sqrt(2) / math.sqrt(2))
    assert matrix.inconsistency() == {"A": 3.0, "B": 1.0}


def test_ratings_derived_from_likelihood_ratios() -> None:
    assert ratings_from_likelihood({"q": 0.95, "p": 0.4, "d": 0.15}) == \
        {"q": "CC", "p": "I", "d": "II"}
    assert ratings_from_likelihood({"q": 0.5, "p": 0.45, "d": 0.3}) == \
        {"q": "C", "p": "C", "d": "N"}
    assert len(set(ratings_from_likelihood({"q": 0.9, "p": 0.9, "d": 0.9}).values())) == 1


def test_the_shipped_sample_is_heuers_matrix(heuer: AchMatrix) -> None:
    project = read_achz(SAMPLE)
    assert "Figure 15" in project.title
    assert [e.text for e in project.matrix.evidence] == [e.text for e in heuer.evidence]
    assert list(project.matrix.inconsistency().values()) == list(HEUER_SCORES.values())


def test_achz_round_trip_keeps_ratings_weights_and_dates(tmp_path: Path) -> None:
    import datetime as dt

    matrix = AchMatrix(("A", "B"), (
        AchEvidence("e1", "x", {"A": "II", "B": "CC"}, credibility="high", relevance="low",
                    date=dt.date(2025, 1, 11), kind="HUMINT"),
        AchEvidence("e2", "y", {"A": "N", "B": "NA"}),
    ))
    back = read_achz(write_achz("t", matrix, tmp_path / "t.achz")).matrix
    assert back.evidence == matrix.evidence and back.hypotheses == matrix.hypotheses


def test_a_broken_achz_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / "plain.achz").write_text("not gzip", encoding="utf-8")
    (tmp_path / "other.achz").write_bytes(gzip.compress(b"<x><y/></x>"))
    for name in ("plain.achz", "other.achz"):
        with pytest.raises(DataError):
            read_achz(tmp_path / name)


def test_achz_evidence_goes_into_the_store(engine: Engine, mini_case: Case,
                                           tmp_path: Path) -> None:
    matrix = AchMatrix(("Quick Kursk success", "protracted", "Russian defeat"), (
        AchEvidence("k", "Kursk retaken", {"Quick Kursk success": "CC", "protracted": "I",
                                           "Russian defeat": "II"}, credibility="high"),
    ))
    path = write_achz("kursk", matrix, tmp_path / "kursk.achz")
    report = ev.import_file(engine, path, mini_case)
    assert report.added == ("achz-k",)
    stored = ev.items_as_of(engine, mini_case.id)
    assert stored[0].item.ratings == {"quick_kursk": "CC", "protracted": "I",
                                      "russia_defeat": "II"}
    from_store = matrix_from_items(mini_case, stored)
    assert from_store.evidence[0].credibility == "high"
    assert from_store.weighted_inconsistency() == pytest.approx(
        {"quick_kursk": 0.0, "protracted": math.sqrt(2), "russia_defeat": 2 * math.sqrt(2)})
