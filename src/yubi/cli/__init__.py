"""The ``yubi`` command line. Exit codes: 0 done, 2 bad input, 1 internal error.

Commands live in modules by topic (``core``: run/validate/schema/cases/new); each registers
on :data:`app`. Algorithms never import this package.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

from yubi.errors import YubiInputError

__all__ = ["app", "main"]

app = typer.Typer(
    name="yubi",
    help="yubi (유비무환): strategic scenario analysis — uncertain quantities with sources, "
    "monthly dynamics, scenario branches, Monte Carlo, sensitivity and briefs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; turn yubi's input errors into one line on stderr and exit code 2."""
    _register_commands()
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_BAD_INPUT)
    except YubiInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("YUBI_DEBUG"):
            traceback.print_exc()
        print(
            f"internal error: {type(error).__name__}: {error} "
            "(this is a bug in yubi; set YUBI_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return 0


def _register_commands() -> None:
    # Imported for their side effect of adding commands to `app`.
    from yubi.cli import analysis, core, store  # noqa: F401


def run() -> None:
    sys.exit(main())
