"""``yubi check``: typed likelihoods that disagree with what the model itself implies."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from yubi.cli import command_app
from yubi.cli.common import CaseArgument, SeedOption, case_ref
from yubi.text import console, shown

if TYPE_CHECKING:
    from yubi.case.model import Case

app = command_app()

__all__ = ["app", "print_check"]


@app.command()
def check(
    case: CaseArgument = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Trajectories.")] = 10_000,
    seed: SeedOption = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
) -> None:
    """Compare each indicator's typed likelihoods with the model's own, where the model can
    express the indicator; list those that disagree.

    The model's P(observed | branch) is the share of the branch's simulated trajectories in
    which the indicator's condition (when, by or within) held, with its Monte Carlo standard
    error; a typed value disagrees when it is more than 0.10 + 3 standard errors away.
    """
    from yubi.case import load_case

    compiled = load_case(case_ref(case))
    if as_json:
        from yubi.evidence.check import check_likelihoods

        rows = check_likelihoods(compiled, samples, seed)
        document = {"case": compiled.id, "samples": samples, "seed": seed,
                    "rows": [row.to_dict() for row in rows],
                    "disagreements": sum(row.disagrees for row in rows)}
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    print_check(compiled, samples, seed)


def print_check(case: Case, samples: int = 10_000, seed: int = 0) -> int:
    """Print the comparison table and a verdict line; return the number of disagreements."""
    from yubi.evidence.check import STANDARD_ERRORS, TOLERANCE, check_likelihoods

    rows = check_likelihoods(case, samples, seed)
    terminal = console()
    if not rows:
        terminal.print("no indicator has a condition (when: with by: or within:): the model "
                       "cannot compute any likelihood to compare", highlight=False)
        return 0
    table = Table("indicator", "branch", "typed", "model ± s.e.", "")
    for row in rows:
        typed = "–" if row.typed is None else f"{row.typed:.2f}"
        table.add_row(shown(row.indicator), shown(row.branch), typed,
                      f"{row.model:.2f} ± {row.standard_error:.3f}",
                      "[bold red]disagrees[/bold red]" if row.disagrees else "")
    terminal.print(table)
    wrong = [row for row in rows if row.disagrees]
    rule = f"|typed − model| > {TOLERANCE:.2f} + {STANDARD_ERRORS:g} s.e., {samples:,} samples"
    if all(row.typed is None for row in rows):
        terminal.print("no disagreement: no indicator with a condition also types its "
                       "likelihoods; the model's own (above) are the ones updating uses",
                       highlight=False)
        return 0
    if not wrong:
        terminal.print(f"no disagreement between typed likelihoods and the model ({rule})",
                       highlight=False)
        return 0
    indicators = sorted({row.indicator for row in wrong})
    terminal.print(f"{len(wrong)} disagreements ({rule}) in {', '.join(indicators)}: the typed "
                   "values contradict the model's own dynamics; drop the typed likelihood "
                   "(the condition is used for updating), or revise the model or the values",
                   highlight=False)
    return len(wrong)
