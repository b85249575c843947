"""Assemble what the brief's template shows, section by section.

Each section is a module that reads the case's reader view (:mod:`.view`) and the analyses
(:mod:`.analyses`) through a :class:`~yubi.brief.sheet.Sheet`: :mod:`.outlook` (bottom line
and outlook charts), :mod:`.context` (the situation, the analogy), :mod:`.impacts`,
:mod:`.drivers` (sensitivity), :mod:`.indicators`, :mod:`.claims`, :mod:`.method`
(assumptions, run facts, sources), :mod:`.evidence` (prior and posterior side by side).
Nothing here knows about a particular case; the template only lays out the
:class:`~yubi.brief.page.Brief` returned: texts already in the reader's language and numbers
already formatted.
"""

from __future__ import annotations

from yubi.brief import (
    claims,
    context,
    drivers,
    evidence,
    impacts,
    indicators,
    method,
    outlook,
)
from yubi.brief.analyses import Analyses
from yubi.brief.formatting import Formatter
from yubi.brief.page import Brief, Outlook
from yubi.brief.sheet import Sheet

__all__ = ["Brief", "build_brief"]


def build_brief(analyses: Analyses, formatter: Formatter) -> Brief:
    """The brief of ``analyses`` in the formatter's language.

    Section 2's charts are taken from ``analyses.alongside`` when they were drawn there
    for this language (see :func:`yubi.brief.render.prepare`), else drawn now.
    """
    sheet = Sheet.of(analyses, formatter)
    view = sheet.view
    drawn = analyses.alongside
    charts = drawn.get(view.lang) if isinstance(drawn, dict) else None
    if not isinstance(charts, Outlook):
        charts = Outlook(outlook.fan_charts(sheet), outlook.probability_chart(sheet))
    scenarios = outlook.scenario_views(sheet)
    driver_views, shared_notes = drivers.drivers(sheet, charts.tornado_charts)
    return Brief(
        language=view.lang,
        title=view.title,
        summary=view.summary,
        as_of=view.as_of,
        analyst=view.analyst,
        month=sheet.f.month_long(analyses.month),
        month_index=sheet.month,
        lead=outlook.lead(sheet),
        scenarios=scenarios,
        key_figures=outlook.key_figures(sheet),
        fan_charts=charts.fan_charts,
        probability_chart=charts.probability_chart,
        context=view.context,
        actors=view.actors,
        numbers=context.numbers(sheet),
        impacts=impacts.impacts(sheet),
        drivers=driver_views,
        driver_notes=shared_notes,
        indicators=indicators.indicators(sheet, scenarios),
        weak_indicators=indicators.weak_indicators(sheet),
        indicator_table=indicators.indicator_table(sheet),
        analogs=context.analogs(sheet),
        claims=claims.claims(sheet),
        general_recommendations=view.general_recommendations,
        quantities=method.quantities(sheet),
        overrides=method.overrides(sheet),
        scenario_basis=method.scenario_basis(sheet),
        dynamics=method.dynamics(sheet),
        correlations=method.correlations(sheet),
        run=method.run_facts(sheet),
        reproduce=method.reproduce_command(sheet),
        sources=method.sources(sheet),
        estimative_scale=method.estimative_scale(sheet),
        sections=view.section_titles,
        evidence=evidence.evidence(sheet),
    )
