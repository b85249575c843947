"""Section 3 (the situation and its drivers: the sourced figures) and the historical analogy."""

from __future__ import annotations

from yubi.brief.page import Cell, Row, Table
from yubi.brief.sheet import Sheet

__all__ = ["analogs", "numbers"]


def numbers(sheet: Sheet) -> Table:
    """Every quantity that cites a source (and is not an expression): median and interval."""
    rows = [Row(q.label, [q.definition.summary], note=q.note, refs=q.refs)
            for q in sheet.view.sourced_figures]
    return Table([sheet._("Figure"), sheet._("Value")], rows, widths=[62, 38])


def analogs(sheet: Sheet) -> list[tuple[str, Table]]:
    """Each analogy's rows, the analog and the current case side by side."""
    out = []
    for label, (analog, current), rows in sheet.view.analogs:
        table = Table([sheet._("Dimension"), analog, current],
                      [Row(dimension, [Cell(then), Cell(now)], refs=refs)
                       for dimension, then, now, refs in rows],
                      widths=[18, 41, 41])
        out.append((label, table))
    return out
