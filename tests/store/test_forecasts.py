"""Forecasts: Brier and log scores against their definitions, pools, calibration, hindcast."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from sqlalchemy import Engine

from yubi.case import load_case
from yubi.case.model import Case
from yubi.engine import simulate
from yubi.errors import UsageError
from yubi.evidence.pooling import linear_pool, log_pool
from yubi.evidence.scoring import calibration_bins, plot_calibration, score
from yubi.store import forecasts as fc

#: A small set of forecasts and what happened.
PROBABILITIES = [0.9, 0.7, 0.2, 0.55, 0.05, 1.0]
OUTCOMES = [True, False, False, True, True, True]


def test_brier_and_log_scores_match_their_definitions() -> None:
    # Hand computation straight from the definitions, in plain Python.
    brier_terms = []
    log_terms = []
    for p, happened in zip(PROBABILITIES, OUTCOMES, strict=True):
        o = 1.0 if happened else 0.0
        brier_terms.append((p - o) * (p - o))
        clipped = min(max(p, 1e-9), 1 - 1e-9)  # the documented clip: 1.0 scores ln(1 - 1e-9)
        log_terms.append(math.log(clipped) if happened else math.log(1 - clipped))
    result = score("a", PROBABILITIES, OUTCOMES)
    assert result.count == 6
    assert result.brier == pytest.approx(sum(brier_terms) / 6, abs=1e-15)
    assert result.log == pytest.approx(sum(log_terms) / 6, abs=1e-12)
    # Reference points: always 50% scores 0.25 Brier and -ln 2.
    half = score("coin", [0.5] * 4, [True, False, True, False])
    assert half.brier == 0.25 and half.log == pytest.approx(-math.log(2))


def test_calibration_bins_count_every_forecast() -> None:
    bins = calibration_bins(PROBABILITIES, OUTCOMES, bins=5)
    assert [b.count for b in bins] == [1, 1, 1, 1, 2]
    top = bins[-1]
    assert top.mean_forecast == pytest.approx((0.9 + 1.0) / 2) and top.observed == 1.0
    assert bins[1].observed == 0.0  # 0.2 → no


def test_pools_match_their_definitions() -> None:
    probabilities, weights = [0.9, 0.6, 0.3], [0.5, 0.3, 0.2]
    assert linear_pool(probabilities, weights) == pytest.approx(
        sum(w * p for w, p in zip(weights, probabilities, strict=True)))
    yes = math.prod(p ** w for w, p in zip(weights, probabilities, strict=True))
    no = math.prod((1 - p) ** w for w, p in zip(weights, probabilities, strict=True))
    assert log_pool(probabilities, weights) == pytest.approx(yes / (yes + no))
    assert log_pool([0.8, 0.8]) == pytest.approx(0.8)
    assert log_pool([0.2, 1.0]) == 1.0
    with pytest.raises(UsageError):
        log_pool([0.0, 1.0])


def test_analysts_model_and_pools_are_scored(engine: Engine, mini_case: Case) -> None:
    result = simulate(mini_case, 2000, seed=3)
    run_id, count = fc.record_model_forecasts(engine, mini_case, result, ["2025-03", "2025-06"],
                                              made_on=dt.date(2024, 11, 1))
    assert count == 4 and run_id >= 1
    fc.add_question(engine, mini_case.id, fc.QuestionSpec(
        "talks", "Ceasefire talks by 2025-06?", "Official talks", dt.date(2025, 6, 30)))
    given = {("talks", "kim", 0.3), ("talks", "lee", 0.6),
             ("deployed.over_12k@2025-03", "kim", 0.2),
             ("deployed.over_12k@2025-03", "lee", 0.4)}
    for question, analyst, p in sorted(given):
        fc.predict(engine, mini_case.id, question, p, analyst, dt.date(2025, 1, 1))
    # A later change of mind replaces lee's probability; one made after the close date does not.
    fc.predict(engine, mini_case.id, "talks", 0.7, "lee", dt.date(2025, 2, 1))
    fc.predict(engine, mini_case.id, "talks", 0.99, "lee", dt.date(2025, 7, 2))
    fc.resolve(engine, mini_case, "talks", "yes", dt.date(2025, 5, 16), "Istanbul talks")
    fc.resolve(engine, mini_case, "deployed.over_12k@2025-03", "11500", dt.date(2025, 3, 31), "NIS")

    scores, scored = fc.score_forecasts(fc.questions_as_of(engine, mini_case.id),
                                        fc.forecasts_as_of(engine, mini_case.id),
                                        fc.resolutions_as_of(engine, mini_case.id))
    by_name = {s.forecaster: s for s in scores}
    assert [s.outcome for s in scored] == [False, True]  # 11,500 is not above 12,000
    assert by_name["kim"].brier == pytest.approx(((0.2 - 0) ** 2 + (0.3 - 1) ** 2) / 2)
    assert by_name["lee"].brier == pytest.approx(((0.4 - 0) ** 2 + (0.7 - 1) ** 2) / 2)
    model_p = float(result.statistic("deployed", "over_12k")[mini_case.month_index("2025-03")])
    assert by_name["model"].count == 1 and by_name["model"].brier == pytest.approx(model_p ** 2)
    assert by_name["pool: linear"].brier == pytest.approx(
        ((0.3 - 0) ** 2 + ((0.3 + 0.7) / 2 - 1) ** 2) / 2)
    assert by_name["pool: log"].count == 2


def test_a_later_resolution_corrects_an_earlier_one(engine: Engine, mini_case: Case) -> None:
    fc.add_question(engine, mini_case.id, fc.QuestionSpec("q", "Q?", "Q", dt.date(2025, 1, 31)))
    fc.resolve(engine, mini_case, "q", "yes", dt.date(2025, 1, 31), "first report")
    fc.resolve(engine, mini_case, "q", "no", dt.date(2025, 2, 5), "correction")
    assert fc.resolutions_as_of(engine, mini_case.id)["q"].outcome is False
    with pytest.raises(UsageError):
        fc.resolve(engine, mini_case, "q", "12", dt.date(2025, 2, 5), "x")  # no threshold
    with pytest.raises(UsageError):
        fc.predict(engine, mini_case.id, "nope", 0.5, "kim", dt.date(2025, 1, 1))


def test_hindcast_of_the_bundled_case(engine: Engine, tmp_path: Path) -> None:
    case = load_case()  # the bundled case, as of its own date
    questions = fc.model_questions(case, ["2025-03", "2025-06"])
    with engine.begin() as connection:
        fc._add_questions(connection, case.id, questions)
    fc.resolve(engine, case, "captured.any_pow@2025-03", "yes", dt.date(2025, 1, 11), "Zelensky")
    fc.resolve(engine, case, "deployed.over_30k@2025-06", "no", dt.date(2025, 6, 30), "NIS")
    result = simulate(case, 500, seed=1)
    hindcast, scored = fc.hindcast(case, result, fc.questions_as_of(engine, case.id),
                                   fc.resolutions_as_of(engine, case.id))
    p_pow = float(result.statistic("captured", "any_pow")[case.month_index("2025-03")])
    p_30k = float(result.statistic("deployed", "over_30k")[case.month_index("2025-06")])
    assert hindcast.count == 2 and len(scored) == 2
    assert hindcast.brier == pytest.approx(((p_pow - 1) ** 2 + p_30k ** 2) / 2)
    png = plot_calibration([hindcast], tmp_path / "calibration.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
