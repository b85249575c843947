"""The ``yubi`` command line. Exit codes: 0 done, 2 bad input, 1 internal error.

Start-up is lazy: ``yubi --help`` lists the commands from :data:`COMMANDS` (name, module,
one-line help) without importing any command module, and ``yubi NAME ...`` imports only the
module that holds NAME. Algorithms never import this package.

Adding a command
----------------
1. Put it in a module of this package (e.g. ``yubi/cli/web.py``) with its own Typer app,
   made by :func:`command_app`::

       from yubi.cli import command_app

       app = command_app()

       @app.command()
       def serve(port: Annotated[int, typer.Option(help="TCP port.")] = 8000) -> None:
           \"\"\"Serve the workbench in a browser.\"\"\"
           from yubi.web import create_app   # heavy imports inside the command

   A command group is a sub-app: ``app.add_typer(typer.Typer(help="..."), name="db")``.
   Keep the module's top-level imports light (typer, rich, yubi.errors, yubi.case); import
   pandas, SciPy, SQLAlchemy, the engine etc. inside the command functions, so that
   ``yubi NAME --help`` stays quick too.
2. Add one line per command (or group) to :data:`COMMANDS`: its name, the module's name and
   the first paragraph of its help, which is what ``yubi --help`` shows.
3. ``tests/test_startup.py`` checks that every command of every module here is listed, with
   the same help, and that ``yubi --help`` imports none of them.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from yubi.errors import YubiInputError

__all__ = ["COMMANDS", "app", "command_app", "load_command", "main"]

#: name -> (module under yubi.cli, the first paragraph of its help), in ``--help`` order.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("core", "Simulate a case; print its key outputs' headline numbers per scenario "
            "(median, 90% interval, threshold probabilities)."),
    "validate": ("core", "Check a case file; print what it holds, or one line saying where "
                 "it is wrong."),
    "check": ("check", "Compare each indicator's typed likelihoods with the model's own, where "
              "the model can express the indicator; list those that disagree."),
    "schema": ("core", "Print the case-file JSON Schema (for editors)."),
    "cases": ("core", "List the bundled cases."),
    "new": ("core", "Write a commented starter case to PATH."),
    "upgrade": ("upgrade", "Rewrite a case file to the current format (yubi: 2) in place, "
                "keeping comments."),
    "variant": ("variant", "Save what-if changes as a new case file whose diff against CASE "
                "is the changes."),
    "sensitivity": ("analysis", "Rank the assumptions a result hangs on (Sobol', Morris or "
                    "tornado), with their sources."),
    "brief": ("brief", "Write the brief of a case: self-contained HTML (and PDF) in English "
              "or Korean."),
    "update": ("update", "Scenario probabilities after each evidence item in date order "
               "(sequential Bayes)."),
    "ach": ("update", "ACH matrix: consistency ratings, Heuer's (weighted) inconsistency "
            "scores, diagnosticity, the items that would change the ranking, and the Bayesian "
            "posterior."),
    "resolve": ("scores", "Resolve a question; a value is compared with the question's "
                "threshold."),
    "score": ("scores", "Brier and log scores and calibration bins of each analyst, the model "
              "and the pools."),
    "hindcast": ("scores", "Score the case as of its own date (its priors, no later evidence) "
                 "on resolved questions."),
    "export": ("export", "Export evidence, forecasts (with resolutions) or scores as CSV or "
               "JSON."),
    "db": ("db", "The store's database: upgrade its schema, check it."),
    "evidence": ("evidence", "Evidence items: add, import, list, show, correct, retract."),
    "forecast": ("forecast", "Forecasting questions and probabilities (model and analysts)."),
    "serve": ("web", "Serve the workbench (pages and REST API under /api/v1) on the store the "
              "CLI uses."),
    "user": ("web", "Accounts of the web workbench (roles: viewer, analyst, admin)."),
    "token": ("web", "API tokens for scripts (sent as 'Authorization: Bearer')."),
}

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
_SETTINGS: dict[str, Any] = {"pretty_exceptions_enable": False, "add_completion": False}


def command_app(**options: Any) -> typer.Typer:
    """A Typer app for a command module, with the root app's settings."""
    return typer.Typer(**(_SETTINGS | options))


_modules: dict[str, TyperGroup] = {}


def load_command(name: str) -> Any:
    """Import the module that holds command ``name`` and return its click command."""
    module_name, _ = COMMANDS[name]
    group = _modules.get(module_name)
    if group is None:
        module = importlib.import_module(f"yubi.cli.{module_name}")
        group = _modules[module_name] = typer.main.get_group(module.app)
    command = group.commands.get(name)
    if command is None:
        raise RuntimeError(f"yubi.cli.COMMANDS puts {name!r} in yubi.cli.{module_name}, "
                           "which does not define it")
    return command


class _Commands(MutableMapping[str, Any]):
    """The root group's commands: every name in :data:`COMMANDS`, imported on first lookup."""

    def __init__(self, loaded: Mapping[str, Any]) -> None:
        self._loaded = dict(loaded)

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = load_command(name)
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:  # without importing anything
        return name in self._loaded or name in COMMANDS

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._loaded, *COMMANDS]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*self._loaded, *COMMANDS]))


class LazyGroup(TyperGroup):
    """The root group: commands resolved by name on demand, listed from :data:`COMMANDS`.

    Typer's own lookups (``get_command``, the "did you mean" of a mistyped name) go through
    :class:`_Commands`; only the help listing is answered from the table.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: TyperGroup's version reads every command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # Typer's rich help would import rich.markdown, rich.traceback and pygments (0.2 s,
        # most of `yubi --help`); the root's help is two panels, drawn in the same style.
        from rich import box
        from rich.console import Console
        from rich.padding import Padding
        from rich.panel import Panel
        from rich.table import Table

        console = Console(highlight=False)
        console.print(f"\n [yellow]Usage:[/] [bold]{ctx.command_path}[/] [OPTIONS] COMMAND "
                      "[ARGS]...\n")
        console.print(Padding(self.help or "", (0, 1, 1, 1)))
        options = [(", ".join(p.opts), str(getattr(p, "help", ""))) for p in self.get_params(ctx)
                   if getattr(p, "help", None)]
        panels = {"Options": options,
                  "Commands": [(name, text) for name, (_, text) in COMMANDS.items()]}
        for title, rows in panels.items():
            table = Table.grid(padding=(0, 2), expand=True)
            table.add_column(style="bold cyan", no_wrap=True)
            table.add_column(ratio=10)
            for row in rows:
                table.add_row(*row)
            console.print(Panel(table, title=title, title_align="left", border_style="dim",
                                box=box.ROUNDED))


app = command_app(
    cls=LazyGroup,
    add_completion=True,  # --install-completion; typer imports its completion code lazily
    name="yubi",
    help="yubi (유비무환): strategic scenario analysis — uncertain quantities with sources, "
    "monthly dynamics, scenario branches, Monte Carlo, sensitivity and briefs.",
    no_args_is_help=True,
)


def _print_version(value: bool) -> None:
    if value:
        from yubi import __version__

        typer.echo(f"yubi {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print yubi's version and exit.", is_eager=True,
                     callback=_print_version),
    ] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True,
                          help="Say more on stderr: -v what is being done, -vv debugging.")
    ] = 0,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only errors on stderr (no notes).")
    ] = False,
) -> None:
    """The root's options; the commands come from COMMANDS."""
    from yubi.cli.common import configure_logging

    configure_logging(-1 if quiet else verbose)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; turn yubi's input errors into one line on stderr and exit code 2."""
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_BAD_INPUT)
    except YubiInputError as error:
        from yubi.text import visible  # messages quote input: never let it drive the terminal

        print(f"error: {visible(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("YUBI_DEBUG"):
            import traceback

            traceback.print_exc()
        from yubi.text import visible

        print(
            f"internal error: {type(error).__name__}: {visible(error)} "
            "(this is a bug in yubi; set YUBI_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        _close_stores()
    return 0


def _close_stores() -> None:
    # Only if a command opened the store: importing SQLAlchemy here would slow every command.
    database = sys.modules.get("yubi.store.database")
    if database is not None:
        database.dispose_all()


def run() -> None:
    """The ``yubi`` console script: :func:`main`, then exit without the final collections."""
    code = main()
    # The interpreter's last garbage collections walk every object the command left (a
    # brief leaves some 280,000: numba, SciPy, pydantic): 0.6 s of exit, measured. Frozen
    # objects are skipped; files and stores are closed by then.
    import gc

    gc.freeze()
    sys.exit(code)
