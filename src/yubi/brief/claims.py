"""Section 8: the sources' claims, checked."""

from __future__ import annotations

from yubi.brief.formatting import N_
from yubi.brief.page import Cell, Row, Table
from yubi.brief.sheet import Sheet

__all__ = ["claims"]

_STATUSES = {"verified": N_("verified"), "plausible": N_("plausible"),
             "unverified": N_("unverified"), "disputed": N_("disputed"), "false": N_("false")}


def claims(sheet: Sheet) -> Table:
    """Each claim: its text, its value with unit, its status and the analyst's note."""
    rows = [Row(claim.text, [Cell(claim.value),
                             Cell(sheet._(_STATUSES[claim.status]), css=f"status {claim.status}"),
                             Cell(claim.note)], refs=claim.refs)
            for claim in sheet.view.claims]
    return Table([sheet._("Claim"), sheet._("Value"), sheet._("Status"), sheet._("Note")], rows,
                 widths=[30, 14, 11, 45])
