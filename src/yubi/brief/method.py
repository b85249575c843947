"""Section 10: method and assumptions: run facts, the model's inputs and rules, sources."""

from __future__ import annotations

from yubi.brief.formatting import ESTIMATIVE_SCALE
from yubi.brief.page import Cell, Ref, Row, Table
from yubi.brief.sheet import Sheet
from yubi.brief.view import Definition
from yubi.html_safety import safe_url

__all__ = ["correlations", "dynamics", "estimative_scale", "overrides", "quantities",
           "reproduce_command", "run_facts", "scenario_basis", "sources"]


def quantities(sheet: Sheet) -> Table:
    """Every quantity: unit, definition, median and interval, and the analyst's reasons."""
    rows = [Row(q.label, [Cell(q.unit), _definition_cell(q.definition), q.definition.summary,
                          Cell(q.assumption, css="assumption")], refs=q.refs, code=q.name)
            for q in sheet.view.quantities]
    columns = [sheet._("Quantity"), sheet._("Unit"), sheet._("Definition"),
               sheet._("Median (90% interval)"), sheet._("Analyst's assumption")]
    return Table(columns, rows, widths=[21, 9, 20, 17, 33])


def overrides(sheet: Sheet) -> Table:
    """What each scenario changes, with its definition and reasons."""
    rows = [Row(o.scenario, [Cell(o.quantity), _definition_cell(o.definition),
                             o.definition.summary, Cell(o.assumption, css="assumption")],
                refs=o.refs)
            for o in sheet.view.overrides]
    columns = [sheet._("Scenario"), sheet._("Changes"), sheet._("Definition"),
               sheet._("Median (90% interval)"), sheet._("Analyst's assumption")]
    return Table(columns, rows, widths=[16, 17, 20, 17, 30])


def _definition_cell(definition: Definition) -> Cell:
    return Cell(definition.text, css="code" if definition.is_expression else "")


def scenario_basis(sheet: Sheet) -> Table:
    """Each scenario's probability, when it takes effect, and why."""
    rows = [Row(s.label, [Cell(sheet.f.percent(s.prior)), Cell(s.start),
                          Cell(s.basis, css="assumption")], refs=s.refs)
            for s in sheet.view.scenarios]
    columns = [sheet._("Scenario"), sheet._("Probability"), sheet._("Takes effect (90%)"),
               sheet._("Analyst's assumption")]
    return Table(columns, rows, widths=[22, 10, 18, 50])


def dynamics(sheet: Sheet) -> Table:
    """The monthly model: each stock, flow and event with its rule."""
    rows = [Row(label, [Cell(kind), Cell(rule, css="code"),
                        Cell("") if assumption is None else Cell(assumption, css="assumption")],
                refs=refs, code=name)
            for name, label, kind, rule, assumption, refs in sheet.view.dynamics]
    columns = [sheet._("Variable"), sheet._("Kind"), sheet._("Monthly rule"),
               sheet._("Analyst's assumption")]
    return Table(columns, rows, widths=[24, 8, 36, 32])


def correlations(sheet: Sheet) -> Table:
    """Each rank correlation between inputs, and why."""
    rows = [Row(pair, [Cell(sheet.f.signed(rank)), Cell(assumption, css="assumption")],
                refs=refs)
            for pair, rank, assumption, refs in sheet.view.correlations]
    return Table([sheet._("Inputs"), sheet._("Rank correlation"),
                  sheet._("Analyst's assumption")], rows, widths=[38, 12, 50])


def run_facts(sheet: Sheet) -> list[tuple[str, str]]:
    """What fixes the numbers: case and its hash, version, samples, seed, sampler, horizon."""
    from yubi import __version__

    f, case, analyses = sheet.f, sheet.analyses.case, sheet.analyses
    settings = analyses.result.settings
    facts = [
        (sheet._("Case"), sheet.view.case_name),
        (sheet._("Case file SHA-256"), case.sha256),
        (sheet._("yubi version"), __version__),
        (sheet._("Trajectories"), f.number_exact(settings.samples)),
        (sheet._("Seed"), str(settings.seed)),
        (sheet._("Sampler"), settings.sampler),
        (sheet._("Horizon"), sheet._("{start} to {end} ({count} months)").format(
            start=f.month(case.months[0]), end=f.month(case.months[-1]),
            count=len(case.months))),
        (sheet._("Month reported"), f.month_long(analyses.month)),
    ]
    if analyses.sobol:
        first = next(iter(analyses.sobol.values()))
        facts.append((sheet._("Sobol' base samples"), f.number_exact(first.samples)))
    if analyses.tornado:
        first = next(iter(analyses.tornado.values()))
        facts.append((sheet._("Tornado replicates"), f.number_exact(first.samples)))
    evidence = analyses.posterior.evidence if analyses.posterior is not None else None
    if evidence is not None:
        if evidence.as_of is not None:
            facts.append((sheet._("Evidence as of"), f.date(evidence.as_of)))
        facts.append((sheet._("Effective sample size"),
                      f.number_exact(round(evidence.effective_sample_size))))
    facts.append((sheet._("Quantile accuracy"),
                  sheet._("within 0.4% of the exact sample quantile")))
    return facts


def reproduce_command(sheet: Sheet) -> str:
    """The command that writes this brief again, run in the case file's folder: the
    settings with the month the brief reported (see :meth:`Settings.command`)."""
    settings = sheet.analyses.settings.model_copy(update={"month": sheet.analyses.month})
    return settings.command(sheet.analyses.case.path, language=sheet.view.lang)


def sources(sheet: Sheet) -> list[tuple[Ref, str, str | None]]:
    """The numbered sources; validation admits only http(s) URLs, and safe_url() keeps any
    other out of the link."""
    return [(ref, details, safe_url(url)) for ref, details, url in sheet.view.sources]


def estimative_scale(sheet: Sheet) -> list[tuple[str, str]]:
    """ICD 203's words for probabilities and their ranges, in the reader's language."""
    f = sheet.f
    return [(sheet._(term), f.gettext("{low}–{high}").format(
        low=f.percent(max(low, 0.01)), high=f.percent(min(high, 0.99))))
        for low, high, term in ESTIMATIVE_SCALE]
