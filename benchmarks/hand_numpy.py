"""The bundled case ``dprk-russia-2024`` written out by hand in vectorized NumPy.

This is the yardstick for the engine's overhead: the same model (quantities, monthly flows,
events, stocks, scenario overrides and their start months, the 21 outputs) and the same
streaming summaries (:class:`yubi.engine.summary.MonthFolder`, compiled), every formula
typed in by hand and every distribution drawn with NumPy's native samplers, in chunks of the same
size. Only the model is hand-written; sharing the summary code isolates what the engine's
generality costs. Keep it in step with ``src/yubi/cases/dprk-russia-2024.yaml``.
"""

from __future__ import annotations

import numpy as np

from yubi.engine.run import CHUNK_SIZE
from yubi.engine.summary import (
    ChunkMoments,
    Histogram,
    MonthFolder,
    ThresholdArrays,
    ThresholdSpec,
    merge,
)

MONTHS = 38
SCENARIOS = 3  # quick_kursk, protracted, russia_defeat
PRIORS = np.array([0.30, 0.58, 0.12])
OUTPUTS = 21
DAYS_PER_MONTH = 365.25 / 12
#: The case's outputs, in its order (the summary arrays are indexed by position).
OUTPUT_IDS = (
    "deployed", "sent", "sent_after_first", "at_front", "in_combat", "killed", "wounded",
    "casualties", "captured", "deserted", "pow_taken", "revenue_krw", "revenue_usd",
    "payment_vs_china_trade", "payment_vs_column", "combat_months", "tech_transfer",
    "conventional_transfer", "admitted", "sanctions_tightened", "reparations_exposure",
)
# (output index, value, above) in output order, as the case's thresholds.
THRESHOLDS = [
    ThresholdSpec(0, 30000, True), ThresholdSpec(0, 2000, False), ThresholdSpec(1, 20000, True),
    ThresholdSpec(2, 1000, True), ThresholdSpec(3, 10000, True), ThresholdSpec(4, 0.5, True),
    ThresholdSpec(5, 1000, True), ThresholdSpec(5, 5000, True), ThresholdSpec(6, 5000, True),
    ThresholdSpec(7, 3000, True), ThresholdSpec(7, 10000, True), ThresholdSpec(8, 0.5, True),
    ThresholdSpec(8, 10, True), ThresholdSpec(9, 50, True), ThresholdSpec(10, 0.5, True),
    ThresholdSpec(11, 1e12, True), ThresholdSpec(12, 5e8, True), ThresholdSpec(12, 1e9, True),
    ThresholdSpec(13, 10, True), ThresholdSpec(14, 100, True), ThresholdSpec(15, 1e5, True),
    ThresholdSpec(16, 0.5, True), ThresholdSpec(17, 0.5, True), ThresholdSpec(18, 0.5, True),
    ThresholdSpec(19, 0.5, True), ThresholdSpec(20, 0.5, True),
]
THRESHOLD_ARRAYS = ThresholdArrays.of(THRESHOLDS)


def pert(rng: np.random.Generator, low: float, mode: float, high: float, n: int) -> np.ndarray:
    width = high - low
    alpha = 1 + 4 * (mode - low) / width
    beta = 1 + 4 * (high - mode) / width
    return low + width * rng.beta(alpha, beta, n)


def between(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    """The analyst's 90% range, lognormal."""
    sigma = np.log(high / low) / (2 * 1.6448536269514722)
    return np.exp(rng.normal(np.log(np.sqrt(low * high)), sigma, n))


def simulate(samples: int, seed: int = 0) -> object:
    """Run and summarize; returns the merged summary."""
    histogram = Histogram()
    parts = []
    for index, start in enumerate(range(0, samples, CHUNK_SIZE)):
        rows = min(CHUNK_SIZE, samples - start)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
        parts.append(_chunk(index, rows, rng, histogram))
    return merge(parts, histogram)


def _chunk(index: int, n: int, rng: np.random.Generator, histogram: Histogram) -> ChunkMoments:
    scenario = np.sort(np.searchsorted(np.cumsum(PRIORS), rng.random(n), side="right").clip(0, 2))
    edges = np.searchsorted(scenario, np.arange(SCENARIOS + 1))
    bounds = [(int(edges[s]), int(edges[s + 1])) for s in range(SCENARIOS)]
    in_quick, in_protracted, in_defeat = (scenario == s for s in range(SCENARIOS))

    troops_initial = pert(rng, 10000, 12000, 13500, n)
    troops_cap = pert(rng, 30000, 40000, 100000, n)
    surge_capacity = between(rng, 4000, 12000, n)
    troops_residual = pert(rng, 0, 1000, 5000, n)
    withdraw_share = pert(rng, 0.2, 0.5, 0.9, n)
    front_share = pert(rng, 0.4, 0.6, 0.85, n)
    casualties_per_day = between(rng, 1100, 1600, n)
    force_in_zone = between(rng, 550000, 750000, n)
    assault_multiplier = pert(rng, 1, 2, 4, n)
    killed_share = pert(rng, 0.1, 0.25, 0.45, n)
    casualty_factor_defeat = pert(rng, 1.2, 2, 3.5, n)
    capture_per_casualty = between(rng, 0.0002, 0.008, n)
    pow_factor_defeat = between(rng, 2, 20, n)
    desertion_rate = between(rng, 0.0001, 0.002, n)
    pay_per_soldier = pert(rng, 1500, 2000, 3600, n)  # USD per soldier per month
    krw_per_usd = pert(rng, 1250, 1380, 1500, n)
    escalation_base = pert(rng, 0.002, 0.006, 0.015, n)
    escalation_protracted = pert(rng, 0.004, 0.012, 0.03, n)
    ceasefire_month = between(rng, 15, 72, n)
    tech_base = pert(rng, 0.01, 0.03, 0.06, n)
    tech_quick = pert(rng, 0.02, 0.06, 0.12, n)
    tech_defeat = pert(rng, 0, 0.005, 0.02, n)
    sanctions_hazard = pert(rng, 0.1, 0.25, 0.5, n)
    admit_base = pert(rng, 0.005, 0.02, 0.05, n)
    admit_quick = pert(rng, 0.05, 0.15, 0.4, n)
    admit_defeat = pert(rng, 0, 0.005, 0.02, n)
    conventional_base = pert(rng, 0.01, 0.025, 0.06, n)
    conventional_quick = pert(rng, 0.02, 0.05, 0.12, n)
    conventional_defeat = pert(rng, 0, 0.003, 0.01, n)
    start_quick = between(rng, 3, 12, n)
    start_defeat = between(rng, 12, 30, n)

    casualty_rate_front = casualties_per_day * DAYS_PER_MONTH / force_in_zone * assault_multiplier
    kill_rate = casualty_rate_front * killed_share
    wound_rate = casualty_rate_front * (1 - killed_share)
    column_payment = 720e9 / 12  # KRW per month
    china_trade = 2721.1e6 / 12  # USD per month
    escalation_base = np.where(in_protracted, escalation_protracted, escalation_base)

    deployed = troops_initial.copy()
    sent = troops_initial.copy()
    killed, wounded, captured, deserted = (np.zeros(n) for _ in range(4))
    revenue, combat = np.zeros(n), np.zeros(n)
    second_tranche, first_pow, tech, sanctions, admitted, conventional = (
        np.zeros(n, dtype=bool) for _ in range(6))
    moments = ChunkMoments(
        index, np.array([b - a for a, b in bounds]), np.zeros((MONTHS, OUTPUTS, SCENARIOS)),
        np.zeros((MONTHS, OUTPUTS, SCENARIOS)), np.full((MONTHS, OUTPUTS, SCENARIOS), np.inf),
        np.full((MONTHS, OUTPUTS, SCENARIOS), -np.inf),
        np.zeros((MONTHS, len(THRESHOLDS), SCENARIOS), dtype=np.int64), np.ones(OUTPUTS, bool),
    )
    outputs = np.empty((OUTPUTS, n))
    fold = MonthFolder(bounds, THRESHOLD_ARRAYS, moments, histogram)
    for month in range(MONTHS):
        quick = in_quick & (month >= start_quick)
        defeat = in_defeat & (month >= start_defeat)
        casualty_factor = np.where(defeat, casualty_factor_defeat, 1.0)
        pow_factor = np.where(defeat, pow_factor_defeat, 1.0)
        escalation = np.where(defeat, 0.0, escalation_base)
        tech_hazard = np.where(defeat, tech_defeat, np.where(quick, tech_quick, tech_base))
        admit_hazard = np.where(defeat, admit_defeat, np.where(quick, admit_quick, admit_base))
        conventional_hazard = np.where(defeat, conventional_defeat,
                                       np.where(quick, conventional_quick, conventional_base))

        deserted_new = deployed * desertion_rate
        fighting = np.where(quick | (in_protracted & (month >= ceasefire_month)), 0.0, 1.0)
        payment = deployed * pay_per_soldier * krw_per_usd
        target = np.where(fighting > 0, np.where(second_tranche, troops_cap, troops_initial),
                          troops_residual)
        target[defeat] = 0.0
        at_front = deployed * front_share * fighting * min((month + 1) / 2, 1)
        casualty = at_front * casualty_rate_front * casualty_factor
        captured_new = rng.poisson(casualty * capture_per_casualty * pow_factor).astype(float)
        killed_new = at_front * kill_rate * casualty_factor
        wounded_new = at_front * wound_rate * casualty_factor
        losses = killed_new + captured_new + deserted_new
        gap = target - (deployed - losses)
        reinforcement = np.where(
            gap > 0, np.minimum(gap, surge_capacity),
            -np.minimum(-gap, np.maximum(-gap, troops_initial) * withdraw_share),
        )
        tranche_hazard = escalation * fighting * (1 + 0.5 * (killed + wounded) / troops_initial)
        fired = [rng.random(n) < hazard for hazard in
                 (tranche_hazard, captured_new > 0, tech_hazard, admit_hazard,
                  conventional_hazard, sanctions_hazard)]

        deployed = np.maximum(deployed - losses + reinforcement, 0)
        sent += np.maximum(reinforcement, 0)
        killed += killed_new
        wounded += wounded_new
        captured += captured_new
        deserted += deserted_new
        revenue += payment
        combat += at_front
        second_tranche |= fired[0]
        first_pow |= fired[1]
        tech |= fired[2]
        admitted |= fired[3]
        conventional |= fired[4]
        sanctions |= fired[5]

        outputs[0], outputs[1], outputs[2] = deployed, sent, sent - troops_initial
        outputs[3], outputs[4] = at_front, at_front > 0
        outputs[5], outputs[6], outputs[7] = killed, wounded, killed + wounded
        outputs[8], outputs[9], outputs[10] = captured, deserted, first_pow
        outputs[11], outputs[12] = revenue, revenue / krw_per_usd
        outputs[13] = payment / krw_per_usd / china_trade / 0.01
        outputs[14] = payment / column_payment / 0.01
        outputs[15], outputs[16], outputs[17] = combat, tech, conventional
        outputs[18], outputs[19], outputs[20] = admitted, sanctions, defeat
        fold(month, outputs)
    return moments
