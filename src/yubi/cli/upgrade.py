"""``yubi upgrade``: rewrite a case file to the current case format, keeping its comments."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from yubi.cli import command_app

app = command_app()


@app.command()
def upgrade(
    case: Annotated[str, typer.Argument(help="The case file, or the name of a bundled case.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the upgraded case here instead "
                                  "of rewriting CASE in place.")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Change nothing; exit 1 when an upgrade is due "
                           "(for CI).")
    ] = False,
) -> None:
    """Rewrite a case file to the current format (yubi: 2) in place, keeping comments.

    Prints each rewrite; upgrading a current file changes nothing.
    """
    from yubi.case.loader import MAX_CASE_BYTES, resolve_case
    from yubi.case.upgrade import CURRENT_VERSION, upgrade_text
    from yubi.errors import UsageError
    from yubi.files import read_capped

    path = resolve_case(case)
    try:
        text = read_capped(path, MAX_CASE_BYTES, "case file").decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text (byte {error.start})") from None
    result = upgrade_text(text, str(path))
    for line in result.rewrites:
        print(f"{path}: {line}")
    for line in result.suggestions:
        print(f"{path}: {line}", file=sys.stderr)
    if check:
        if result.changed:
            print(f"{path}: an upgrade to yubi: {CURRENT_VERSION} is due "
                  f"(run: yubi upgrade {path})", file=sys.stderr)
            raise typer.Exit(1)
        print(f"{path}: already yubi: {CURRENT_VERSION}", file=sys.stderr)
        return
    target = out if out is not None else path
    if not result.changed and out is None:
        print(f"{path}: already yubi: {CURRENT_VERSION}; nothing to change", file=sys.stderr)
        return
    try:
        target.write_text(result.text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror}") from None
    print(f"wrote {target}", file=sys.stderr)
