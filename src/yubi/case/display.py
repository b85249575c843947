"""Short text and HTML views of a case, for the REPL and notebooks.

A compiled case holds its whole file; printing that fills a notebook cell with 140 KB. These
views show what a reader needs to orient: the title, the scenarios with their priors, what
the case holds, and the what-if changes made to it. All case text is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yubi.case.compiled import Case

__all__ = ["case_html", "case_repr"]


def _counts(case: Case) -> str:
    file = case.file
    return (
        f"{len(file.quantities)} quantities, {len(case.stocks)} stocks, "
        f"{len(case.outputs)} outputs, {len(case.months)} months "
        f"{case.months[0]}–{case.months[-1]}"
    )


def case_repr(case: Case) -> str:
    """``<Case dprk-russia-2024 "…": quick_kursk 0.3, …; 37 quantities, …>`` on a few lines."""
    scenarios = ", ".join(f"{s.id} {s.prior:.3g}" for s in case.scenarios)
    changes = ""
    if case.changes:
        changes = "\n  changes: " + ", ".join(f"{c.key}={c.value}" for c in case.changes)
    return (
        f"<Case {case.id}: {case.file.title.en!r}\n"
        f"  as of {case.as_of}; scenarios (prior): {scenarios}\n"
        f"  {_counts(case)}{changes}>"
    )


def case_html(case: Case) -> str:
    """A small HTML card: title, a table of scenarios and priors, counts and changes."""
    rows = "".join(
        f"<tr><td><code>{escape(s.id)}</code></td><td>{escape(s.label.en)}</td>"
        f"<td style='text-align:right'>{s.prior:.1%}</td></tr>"
        for s in case.scenarios
    )
    changes = ""
    if case.changes:
        items = "".join(
            f"<li><code>{escape(c.key)}</code> = {escape(str(c.value))}</li>" for c in case.changes
        )
        changes = f"<p>What-if changes:</p><ul>{items}</ul>"
    return (
        f"<div class='yubi-case'><strong>{escape(case.file.title.en)}</strong>"
        f"<br><small><code>{escape(case.id)}</code>, as of {case.as_of}; "
        f"{escape(_counts(case))}</small>"
        "<table><thead><tr><th>scenario</th><th>label</th><th>prior</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>{changes}</div>"
    )
