"""``yubi variant``: save what-if changes as a case file of their own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from yubi.cli import command_app
from yubi.cli.common import CaseArgument, case_ref

app = command_app()


@app.command()
def variant(
    changes: Annotated[
        list[str],
        typer.Option("--set", metavar="KEY=VALUE",
                     help="A what-if change, repeatable; the same as for yubi run --set."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The variant case file to write "
                                      "(.yaml).")],
    case: CaseArgument = None,
    by: Annotated[
        str | None, typer.Option(help="Who changed it (default: the login name).")
    ] = None,
    why: Annotated[str | None, typer.Option(help="Why; written into each change.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite OUT if it exists.")] = False,
) -> None:
    """Save what-if changes as a new case file whose diff against CASE is the changes.

    Each changed quantity's and prior's assumption says who changed it, when, what it was and
    why; comments, order and quoting of everything else are kept.
    """
    from yubi import app as workbench
    from yubi.app.variant import save_variant

    compiled = workbench.open_case(case_ref(case))
    changed = workbench.apply_changes(compiled, workbench.parse_changes(changes))
    path = save_variant(changed, out, by=by if by is not None else _login(), why=why,
                        overwrite=force)
    print(f"wrote {path} ({len(changed.changes)} changes to {compiled.path}); "
          f"run it with: yubi run {path}", file=sys.stderr)


def _login() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment
        return None
