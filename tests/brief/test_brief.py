"""Every section of the brief is filled from the case and the run, for any case."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from yubi.app.settings import Settings
from yubi.brief import Analyses, Brief, prepare, render_html
from yubi.brief.analyses import (
    _Alongside,
    binary_outputs,
    default_key_month,
    default_key_outputs,
)
from yubi.brief.drivers import draw_tornadoes
from yubi.brief.formatting import Formatter
from yubi.brief.i18n import extract_messages, load_translations
from yubi.brief.outlook import draw_outlook
from yubi.case.model import Case
from yubi.errors import UsageError

BriefOf = Callable[[Analyses, str], Brief]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SECTION_IDS = ["bottom-line", "outlook", "deal", "impacts", "drivers", "indicators", "analogs",
               "claims", "prepare", "method"]


class _Text(HTMLParser):
    """Visible text by element, headings and table headers in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.chunks: list[tuple[str, str]] = []
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("img", "meta", "br", "link"):
            self.stack.append(tag)
        if tag == "section":
            self.sections.append(dict(attrs).get("id") or "")

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if data.strip() and not {"style", "title", "pre", "code"} & set(self.stack):
            self.chunks.append((self.stack[-1] if self.stack else "", data.strip()))

    def texts(self, *tags: str) -> list[str]:
        return [text for tag, text in self.chunks if tag in tags]


def _parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


# -- choices made from the case ------------------------------------------------------------
def test_key_month_is_the_first_december_a_year_in(starter: Case, harbour: Case) -> None:
    assert default_key_month(starter) == "2025-12"  # horizon 2024-11, 24 months
    assert default_key_month(harbour) == harbour.months[-1]  # 15 months, no such December


def test_binary_outputs_are_the_zero_one_ones(harbour_analyses: Analyses) -> None:
    assert binary_outputs(harbour_analyses.result) == {"strike"}


def test_key_outputs_alternate_gains_and_costs_skipping_flags(harbour: Case, starter: Case) -> None:
    assert default_key_outputs(harbour, frozenset({"strike"})) == (
        "income_usd", "traffic_share", "income_krw")
    assert default_key_outputs(starter, frozenset()) == ("deployed", "revenue_usd")


# -- the ten sections ----------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("which", ["starter", "harbour"])
def test_all_ten_sections_are_there_in_order(
    request: pytest.FixtureRequest, which: str, language: str, brief_of: BriefOf,
) -> None:
    analyses = request.getfixturevalue(f"{which}_analyses")
    parsed = _parse(render_html(brief_of(analyses, language)))
    assert parsed.sections == SECTION_IDS


def test_bottom_line_gives_each_scenarios_probability_and_meaning(
    harbour_analyses: Analyses, brief_of: BriefOf,
) -> None:
    brief = brief_of(harbour_analyses, "en")
    assert [(s.id, s.probability, s.term) for s in brief.scenarios] == [
        ("calm", "40%", "unlikely"), ("partial", "30%", "unlikely"),
        ("full", "20%", "unlikely"), ("boom", "10%", "very unlikely")]
    assert brief.scenarios[0].audiences == [("For the regime", "Income as usual.")]
    assert brief.lead == "The most likely scenario is “Calm”: 40% (unlikely)."
    html = render_html(brief)
    assert html.count("The case does not say.") >= 3  # the missing audience texts say so


def test_key_figures_are_the_runs_medians_and_intervals(
    starter_analyses: Analyses, brief_of: BriefOf,
) -> None:
    brief = brief_of(starter_analyses, "en")
    result = starter_analyses.result
    month = starter_analyses.month_index
    f = Formatter("en", load_translations("en"))
    row = brief.key_figures.rows[0]
    assert row.label == "Troops deployed"
    for cell, scenario in zip(row.cells, ["all", "steady", "surge"], strict=True):
        p05, p50, p95 = (result.statistic("deployed", s, scenario)[month]
                         for s in ("p05", "p50", "p95"))
        assert cell.text == f.amount(p50, "soldier")
        assert cell.detail == f.interval(p05, p95, "soldier")


def test_fan_charts_cover_every_continuous_output_and_probabilities_the_flags(
    harbour_analyses: Analyses, brief_of: BriefOf,
) -> None:
    brief = brief_of(harbour_analyses, "en")
    assert [c.title for c in brief.fan_charts] == [
        "Fee income (cumulative, US dollars)", "Fee income in won (cumulative, won)",
        "Traffic as a share of normal (%)"]
    assert all(c.src.startswith("data:image/png;base64,") for c in brief.fan_charts)
    assert brief.probability_chart is not None
    assert "Dock strike has happened" in brief.probability_chart.alt


def test_impacts_are_measured_by_their_outputs_with_thresholds(
    harbour_analyses: Analyses, brief_of: BriefOf,
) -> None:
    brief = brief_of(harbour_analyses, "en")
    gain, = brief.impacts["positive"]
    cost, = brief.impacts["negative"]
    assert gain.for_whom == "Port authority"
    assert gain.measures is not None and cost.measures is not None
    labels = [row.label for row in gain.measures.rows]
    assert labels == ["Fee income (cumulative)", "P(More than USD 40 million)",
                      "Fee income in won (cumulative)"]
    strike = cost.measures.rows[0]
    result = harbour_analyses.result
    p = result.statistic("strike", "mean", "all")[harbour_analyses.month_index]
    assert strike.cells[0].text == Formatter("en", load_translations("en")).percent(p)


def test_drivers_have_a_tornado_and_a_sobol_ranking_per_key_output(
    harbour_analyses: Analyses, brief_of: BriefOf,
) -> None:
    brief = brief_of(harbour_analyses, "en")
    assert len(brief.drivers) == len(harbour_analyses.key_outputs) == 3
    for driver in brief.drivers:
        assert driver.tornado is not None and driver.tornado.src.startswith("data:image/png")
        assert driver.ranking is not None and driver.ranking.rows


def test_indicators_shift_the_odds_by_bayes_rule(
    harbour_analyses: Analyses, brief_of: BriefOf,
) -> None:
    brief = brief_of(harbour_analyses, "en")
    by_scenario = {view.id: items for view, items in brief.indicators}
    assert by_scenario["calm"] == [] and by_scenario["boom"] == []
    vote, = by_scenario["full"]
    # P(seen) = .4·.1 + .3·.5 + .2·.7 + .1·.2 = .35; P(full | seen) = .14/.35 = 40%.
    assert vote.if_seen == "20% → 40%"
    assert vote.seen.text == "70%"
    # P(not seen) = .65; P(full | not seen) = .2·.3/.65 = 9%.
    assert vote.if_not_seen == "20% → 9%"
    other = (0.4 * 0.1 + 0.3 * 0.5 + 0.1 * 0.2) / 0.8
    assert vote.odds == f"×{0.7 / other:.2f}".rstrip("0")


def test_empty_parts_of_a_case_say_so(harbour_analyses: Analyses, brief_of: BriefOf) -> None:
    html = render_html(brief_of(harbour_analyses, "en"))
    for message in ("The case draws no historical analogy.", "The case records no claims.",
                    "The case gives no context.", "The case correlates no inputs."):
        assert message in html


def test_method_lists_every_quantity_and_how_to_reproduce(
    starter_analyses: Analyses, brief_of: BriefOf,
) -> None:
    brief = brief_of(starter_analyses, "en")
    case = starter_analyses.case
    names = [row.code for row in brief.quantities.rows]
    assert names == list(case.file.quantities)
    facts = dict(brief.run)
    assert facts["Trajectories"] == "4,000"
    assert facts["Seed"] == "1"
    assert facts["Case file SHA-256"] == case.sha256
    # The case by its file name (run beside it), not its id; every setting, defaults included.
    assert brief.reproduce.startswith(f"yubi brief {Path(case.path).name} --lang en "
                                      "--samples 4000 --seed 1 --sampler mc --sobol-samples ")
    pert = next(row for row in brief.quantities.rows if row.code == "pay_per_soldier")
    assert pert.cells[0].text == "won per soldier per year"
    assert pert.cells[1].text == "PERT (low 40 million; most likely 60 million; high 80 million)"


def test_every_number_in_a_quantitys_summary_comes_from_its_distribution(
    starter_analyses: Analyses, brief_of: BriefOf,
) -> None:
    brief = brief_of(starter_analyses, "en")
    variable = next(v for v in starter_analyses.case.variables if v.name == "troops_initial")
    marginal = variable.base.marginal
    assert marginal is not None
    row = next(r for r in brief.quantities.rows if r.code == "troops_initial")
    f = Formatter("en", load_translations("en"))
    assert row.cells[2].text == f.amount(marginal.quantile(0.5), "soldier")


# -- language ------------------------------------------------------------------------------
def test_the_korean_brief_reads_as_korean(starter_analyses: Analyses, brief_of: BriefOf) -> None:
    parsed = _parse(render_html(brief_of(starter_analyses, "ko")))
    headings = parsed.texts("h2", "h3", "h4", "th", "figcaption", "dt")
    assert headings
    latin = [text for text in headings if not HANGUL.search(text)
             and re.search(r"[A-Za-z]{3,}", text) and "SHA-256" not in text
             and "yubi" not in text and "Sobol" not in text and text != "PERT"]
    assert latin == []
    visible = " ".join(text for _, text in parsed.chunks)
    english_fixed_text = [
        m.id for m in extract_messages()
        if isinstance(m.id, str) and " " in m.id and "{" not in m.id and "%(" not in m.id
        and len(m.id) > 12 and m.id in visible
    ]
    assert english_fixed_text == []


def test_korean_numbers_months_and_units(starter_analyses: Analyses, brief_of: BriefOf) -> None:
    brief = brief_of(starter_analyses, "ko")
    assert brief.month == "2025년 12월"
    row = brief.key_figures.rows[0]
    assert row.cells[0].text.endswith("명")
    revenue = brief.key_figures.rows[1]
    assert revenue.cells[0].text.endswith("달러") and "만" in revenue.cells[0].text


# -- self-contained HTML -------------------------------------------------------------------
def test_html_is_self_contained(harbour_analyses: Analyses, brief_of: BriefOf) -> None:
    html = render_html(brief_of(harbour_analyses, "en"))
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert re.findall(r'src="(?!data:)', html) == []
    assert "url(" not in html
    for match in re.finditer(r"https?://[^\s\"<]+", html):
        before = html[max(0, match.start() - 120):match.start()]
        assert 'href="' in before or "class=\"url\"" in before, match.group(0)


def test_numbers_are_finite_or_a_dash(starter_analyses: Analyses, brief_of: BriefOf) -> None:
    html = render_html(brief_of(starter_analyses, "en"))
    assert "nan" not in re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html).lower()
    values = starter_analyses.result.statistic("deployed", "p50", "all")
    assert np.all(np.isfinite(values)) and not math.isnan(float(values[0]))


# -- charts drawn alongside the sensitivity analyses ----------------------------------------
def test_charts_drawn_in_the_forked_process_equal_those_drawn_inline(
    starter: Case, starter_analyses: Analyses, small: Settings,
) -> None:
    prepared = prepare(starter, small, ["en", "ko"])
    assert set(prepared.alongside) == {"en", "ko"}
    for language in ("en", "ko"):
        inline = draw_outlook(starter_analyses, Formatter(language, load_translations(language)))
        drawn = prepared.alongside[language]
        assert [c.src for c in drawn.fan_charts] == [c.src for c in inline.fan_charts]
        assert [c.title for c in drawn.fan_charts] == [c.title for c in inline.fan_charts]
        tornadoes = draw_tornadoes(prepared, Formatter(language, load_translations(language)))
        assert drawn.tornado_charts.keys() == tornadoes.keys() == set(prepared.tornado)
        assert [c.src for c in drawn.tornado_charts.values()] == [
            c.src for c in tornadoes.values()]  # drawn in the tornado stage's process
    assert prepared.sobol.keys() == starter_analyses.sobol.keys()


def _bad_input(_analyses: Analyses, _stage: str) -> None:
    raise UsageError("no font for these characters")


def _bug(_analyses: Analyses, _stage: str) -> None:
    raise KeyError("oops")


def test_failures_in_the_forked_process_come_back(starter_analyses: Analyses) -> None:
    with pytest.raises(UsageError, match="no font for these characters"):
        _Alongside(_bad_input, starter_analyses, "run").result()
    with pytest.raises(RuntimeError, match="KeyError"):
        _Alongside(_bug, starter_analyses, "run").result()


def test_an_event_is_a_probability_even_where_a_quantile_sits_on_its_jump() -> None:
    # In this run one scenario's 25th percentile of "new sanctions" interpolates to 0.75 (its
    # P(1) is 75 % that month); the output is still an event, never "a median of 1".
    from yubi.case import load_case
    from yubi.engine import simulate

    result = simulate(load_case(), 3000, seed=3)
    assert {"sanctions_tightened", "reparations_exposure"} <= binary_outputs(result)
    assert not {"killed", "revenue_krw", "payment_vs_china_trade"} & binary_outputs(result)
