"""What the brief's template lays out: tables, charts and each section's parts.

Plain frozen data, already in the reader's language and already formatted: the sections
(:mod:`.outlook`, :mod:`.context`, :mod:`.impacts`, :mod:`.drivers`, :mod:`.indicators`,
:mod:`.claims`, :mod:`.method`, :mod:`.evidence`) fill them, :func:`yubi.brief.build.build_brief`
gathers them into one :class:`Brief`, and ``templates/brief.html.j2`` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Brief",
    "Cell",
    "Chart",
    "DriverView",
    "EvidenceView",
    "ImpactView",
    "IndicatorView",
    "Outlook",
    "Ref",
    "Row",
    "ScenarioView",
    "Table",
]


@dataclass(frozen=True)
class Ref:
    """A numbered reference to one of the case's sources."""

    number: int
    id: str
    title: str


@dataclass(frozen=True)
class Cell:
    """A table cell: a main text and an optional detail line (e.g. the 90% interval)."""

    text: str
    detail: str = ""
    css: str = ""


@dataclass(frozen=True)
class Row:
    """A table row: its label (first column) with an optional note and code name below."""

    label: str
    cells: list[Cell]
    note: str = ""
    refs: list[Ref] = field(default_factory=list)
    css: str = ""
    code: str = ""


@dataclass(frozen=True)
class Table:
    """Columns, rows, a colour per column (scenario swatches) and, optionally, fixed widths.

    ``widths`` (percentages, one per column) give the table a fixed layout: WeasyPrint's
    automatic layout can make a column narrower than its text.
    """

    columns: list[str]
    rows: list[Row]
    colors: list[str] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Chart:
    """An embedded image (``data:`` URI) with its accessible description."""

    src: str
    alt: str
    title: str = ""
    caption: str = ""


@dataclass(frozen=True)
class ScenarioView:
    id: str
    label: str
    color: str
    probability: str
    term: str
    description: str
    audiences: list[tuple[str, str]]
    implications: list[str]
    prepare: list[str]
    recommendations: list[str]
    refs: list[Ref]


@dataclass(frozen=True)
class ImpactView:
    label: str
    direction: str
    for_whom: str
    text: str
    refs: list[Ref]
    measures: Table | None


@dataclass(frozen=True)
class IndicatorView:
    label: str
    description: str
    seen: Cell
    other: str
    if_seen: str
    if_not_seen: str
    odds: str
    refs: list[Ref]


@dataclass(frozen=True)
class DriverView:
    """The sensitivity of one key output: a tornado chart and the Sobol' ranking."""

    output: str
    tornado: Chart | None
    ranking: Table | None
    measure: str
    notes: list[str]
    source_notes: list[str]


@dataclass(frozen=True)
class EvidenceView:
    """What the evidence changes (see :mod:`yubi.brief.evidence`)."""

    #: "Evidence recorded by 31 January 2025: 3 items counted …, effective sample size …".
    summary: str
    #: Each scenario (each branch): prior, posterior and the change in points.
    scenarios: Table
    #: Each key output over all scenarios: prior and posterior median and 90% interval.
    outputs: Table
    #: Said when the effective sample size is low, or when items could not be used.
    notes: list[str]


@dataclass(frozen=True)
class Brief:
    """Everything the template shows, in the reader's language."""

    language: str
    title: str
    summary: str
    as_of: str
    analyst: str
    month: str
    month_index: int
    lead: str
    scenarios: list[ScenarioView]
    key_figures: Table
    fan_charts: list[Chart]
    probability_chart: Chart | None
    context: list[tuple[str, str, list[Ref]]]
    actors: list[tuple[str, list[str]]]
    numbers: Table
    impacts: dict[str, list[ImpactView]]
    drivers: list[DriverView]
    driver_notes: list[str]
    indicators: list[tuple[ScenarioView, list[IndicatorView]]]
    weak_indicators: list[str]
    indicator_table: Table
    analogs: list[tuple[str, Table]]
    claims: Table
    general_recommendations: list[tuple[str, list[Ref]]]
    quantities: Table
    overrides: Table
    scenario_basis: Table
    dynamics: Table
    correlations: Table
    run: list[tuple[str, str]]
    reproduce: str
    sources: list[tuple[Ref, str, str | None]]
    estimative_scale: list[tuple[str, str]]
    sections: dict[str, str] = field(default_factory=dict)
    #: Prior and posterior side by side, when the brief was weighed by evidence.
    evidence: EvidenceView | None = None


@dataclass(frozen=True)
class Outlook:
    """The charts of one language that need the run and the tornado analyses, not Sobol':
    section 2's fan and probability charts and the tornado diagrams (by output id)."""

    fan_charts: list[Chart]
    probability_chart: Chart | None
    tornado_charts: dict[str, Chart] = field(default_factory=dict)
