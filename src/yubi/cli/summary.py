"""What ``yubi run`` prints: the headline numbers of a few key outputs, fitting a terminal.

By default the key outputs (the brief's choice: the first continuous measure of each of the
case's impacts, up to three) at a few months (the sixth, the first December a year or more in,
the last); per scenario a row with the median, the 90 % interval and the probability of each
threshold. ``--outputs`` and ``--months`` choose others; ``--all`` shows every output at every
half-year. An output declared ``kind: event`` (or one that only takes 0 and 1) is shown as a
probability.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table

from yubi.errors import UsageError
from yubi.text import console, shown

if TYPE_CHECKING:
    from yubi.case.compiled import Case
    from yubi.engine import SimulationResult

__all__ = ["binary_outputs", "chosen_months", "chosen_outputs", "print_summary"]


def print_summary(
    result: SimulationResult,
    *,
    outputs: Sequence[str] | None = None,
    months: Sequence[str] | None = None,
    everything: bool = False,
) -> None:
    """Print the run's headline numbers (see the module's docstring for what is chosen)."""
    case = result.case
    terminal = console()
    binary = binary_outputs(result)
    shown_outputs, how = chosen_outputs(case, binary, outputs, everything)
    shown_months = chosen_months(case, months, everything)
    settings = result.settings
    terminal.print(f"[bold]{shown(case.file.title.en)}[/bold]", highlight=False)
    evidence = result.evidence
    when = (f"prior as of {case.as_of}, evidence to {evidence.as_of}" if evidence is not None
            else f"as of {case.as_of}")
    terminal.print(f"{when}; {settings.samples:,} trajectories, seed "
                   f"{settings.seed}, {settings.sampler} ({result.elapsed:.2f} s)",
                   highlight=False)
    if evidence is not None:
        terminal.print(evidence.headline(), highlight=False)
    else:
        shares = result.scenario_share()
        terminal.print("scenarios drawn: " + ", ".join(
            f"{shown(s.id)} {shares[s.id]:.0%}" for s in case.scenarios), highlight=False)
    if case.changes:
        terminal.print("what-if: " + ", ".join(f"{c.key}={c.value}" for c in case.changes),
                       markup=False, highlight=False)
    for output_id in shown_outputs:
        output = next(o for o in case.outputs if o.id == output_id)
        terminal.print(_title(output.label.en, output.unit_text, output_id in binary),
                       highlight=False)
        terminal.print(_output_table(result, output_id, shown_months, output_id in binary))
    terminal.print(f"[dim]{how}; median and 90% interval (5th–95th percentile); P(…): "
                   "chance of crossing the case's threshold. --outputs, --months, --all for "
                   "more; --json for every number.[/dim]", highlight=False)


def binary_outputs(result: SimulationResult) -> frozenset[str]:
    """Outputs declared ``kind: event``, and dimensionless outputs whose overall quantiles are
    all 0 or 1 (flags of a ``yubi: 1`` case that does not declare them).

    Only the overall series is read: a scenario drawn by few trajectories has interpolated
    quantiles (0.6 between a 0 and a 1) although each trajectory is 0 or 1.
    """
    import numpy as np

    found = {output.id for output in result.case.outputs if output.event}
    for output in result.case.outputs:
        if output.event or output.unit_text.strip() not in ("", "1"):
            continue
        values = np.concatenate([result.statistic(output.id, q)
                                 for q in ("p05", "p25", "p50", "p75", "p95")])
        values = values[np.isfinite(values)]
        if values.size and np.all(np.isclose(values, 0, atol=1e-6)
                                  | np.isclose(values, 1, atol=1e-6)):
            found.add(output.id)
    return frozenset(found)


def chosen_outputs(
    case: Case, binary: frozenset[str], outputs: Sequence[str] | None, everything: bool
) -> tuple[list[str], str]:
    """The outputs to show and a phrase saying how they were chosen."""
    from yubi.brief.analyses import default_key_outputs

    known = [o.id for o in case.outputs]
    if outputs:
        for output in outputs:
            if output not in known:
                raise UsageError(f"--outputs: unknown output {output!r} "
                                 f"(outputs: {', '.join(known)})")
        return list(dict.fromkeys(outputs)), "outputs chosen with --outputs"
    if everything:
        return known, "every output"
    return (list(default_key_outputs(case, binary)),
            "key outputs: the first measure of each of the case's impacts")


def chosen_months(case: Case, months: Sequence[str] | None, everything: bool) -> list[int]:
    """Indices of the months to show: those given, every half-year, or a few."""
    from yubi.brief.analyses import default_key_month

    if months:
        for month in months:
            if month not in case.months:
                raise UsageError(f"--months: {month!r} is outside the horizon "
                                 f"({case.months[0]} to {case.months[-1]})")
        return sorted({case.months.index(m) for m in months})
    last = len(case.months) - 1
    if everything:
        return sorted({*range(5, len(case.months), 6), last})
    return sorted({min(5, last), case.months.index(default_key_month(case)), last})


def _output_table(result: SimulationResult, output_id: str, months: list[int],
                  binary: bool) -> Table:
    from yubi.engine.views import short_number

    case = result.case
    output = next(o for o in case.outputs if o.id == output_id)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False)
    table.add_column("month")
    table.add_column("scenario", overflow="fold")
    if binary:
        table.add_column("P(yes)", justify="right")
    else:
        table.add_column("median", justify="right")
        table.add_column("90% interval", justify="right")
    thresholds = [] if binary else list(output.thresholds)
    for threshold in thresholds:
        table.add_column(f"P({shown(threshold.id)})", justify="right", overflow="fold")
    for month in months:
        for row, scenario in enumerate(["all", *(s.id for s in case.scenarios)]):
            cells = [case.months[month] if row == 0 else "", shown(scenario)]
            if binary:
                cells.append(_percent(result.statistic(output_id, "mean", scenario)[month]))
            else:
                p05, p50, p95 = (result.statistic(output_id, q, scenario)[month]
                                 for q in ("p05", "p50", "p95"))
                cells += [short_number(p50), f"{short_number(p05)}–{short_number(p95)}"]
            cells += [_percent(result.statistic(output_id, t.id, scenario)[month])
                      for t in thresholds]
            table.add_row(*cells, end_section=row == len(case.scenarios))
    return table


def _title(label: str, unit: str, binary: bool) -> str:
    """``Killed (cumulative) — in soldiers``: the unit once, in words, unless the label has it."""
    if binary:
        return f"[bold]{shown(label)}[/bold] — probability it has happened"
    from yubi.brief.formatting import Formatter
    from yubi.brief.i18n import load_translations

    words = Formatter("en", load_translations("en")).unit_name(unit)
    if not words or words.lower() in label.lower():
        return f"[bold]{shown(label)}[/bold]"
    return f"[bold]{shown(label)}[/bold] — in {shown(words)}"


def _percent(value: float) -> str:
    if value != value:
        return "–"
    if 0 < value < 0.005:
        return "<1%"
    if 0.995 < value < 1:
        return ">99%"
    return f"{value:.0%}"
