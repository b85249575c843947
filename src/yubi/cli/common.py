"""What the commands share: the CASE argument, the options with one letter everywhere, logging.

Every option that two commands have is defined here once, so that its long name, short letter
and help agree across commands (docs/cli.md lists them; ``tests/cli/test_consistency.py``
checks that no letter means two things). Imports stay light: this module is loaded by every
command, and by the root's callback for ``yubi -v``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from yubi.errors import UsageError

__all__ = [
    "DEFAULT_CASE",
    "CaseArgument",
    "DeprecatedCaseOption",
    "LangOption",
    "MonthOption",
    "SamplerOption",
    "SeedOption",
    "batch_collector",
    "case_ref",
    "configure_logging",
    "leading_case",
    "note",
]

#: The bundled case a command uses when no CASE is given.
DEFAULT_CASE = "dprk-russia-2024"

log = logging.getLogger("yubi.cli")

CaseArgument = Annotated[
    str | None,
    typer.Argument(metavar="CASE", show_default=False,
                   help=f"A case file, or the name of a bundled case (default: {DEFAULT_CASE})."),
]
DeprecatedCaseOption = Annotated[
    str | None,
    typer.Option("--case", hidden=True, help="Deprecated: give CASE as the first argument."),
]
SeedOption = Annotated[
    int, typer.Option("--seed", "-s", help="Seed; same case, settings and seed → same numbers.")
]
SamplerOption = Annotated[str, typer.Option("--sampler", help="mc, lhs or sobol.")]
MonthOption = Annotated[str | None, typer.Option("--month", "-m", help="YYYY-MM.")]
LangOption = Annotated[str, typer.Option("--lang", "-l", help="Language: en or ko.")]


@contextmanager
def batch_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch command (``yubi brief``).

    Its full collections walk every live object, and a brief holds some 280,000 (numba,
    SciPy, pydantic, SALib's pandas): 0.5–0.7 s of a brief, measured, for no memory (the
    peak resident size did not move; the numbers are NumPy arrays, freed by reference
    counts). Processes forked meanwhile inherit the pause; it ends with the command.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def note(message: str) -> None:
    """One line on stderr (a WARNING of the ``yubi.cli`` logger: ``-q`` silences it)."""
    log.warning("note: %s", message)


def case_ref(case: str | None, deprecated: str | None = None) -> str | None:
    """The case a command works on: CASE, else the deprecated ``--case``, else the default.

    Says on stderr when the bundled default is used, or when ``--case`` was.
    """
    if deprecated is not None:
        if case is not None:
            raise UsageError(f"give the case once: as CASE ({case}) or with the deprecated "
                             f"--case ({deprecated}), not both")
        note("--case is deprecated; give the case as the first argument (CASE)")
        return deprecated
    if case is None:
        note(f"no CASE given: using the bundled case {DEFAULT_CASE}")
    return case


def leading_case(
    case: str | None, rest: Sequence[str | None], names: Sequence[str]
) -> tuple[str | None, list[str]]:
    """Positional arguments ``[CASE] A B …``: CASE is there only when all of A, B … are.

    Click fills optional arguments left to right, so ``yubi resolve Q yes`` arrives as
    ``case=Q, rest=[yes, None]``; this shifts it to ``(None, [Q, yes])``.
    """
    given = [value for value in (case, *rest) if value is not None]
    if len(given) == len(rest) + 1:
        return given[0], given[1:]
    if len(given) == len(rest):
        return None, given
    raise UsageError(f"missing argument {names[len(given)]} "
                     f"(the arguments are [CASE] {' '.join(names)})")


def check_store_scenarios(used: set[str], case: Any, what: str) -> None:
    """Refuse evidence whose scenario ids are not the case's, naming CASE and the fix.

    Parameters
    ----------
    used
        Scenario ids the evidence (a file, or the store's items of the case) gives values for.
    case
        The compiled case (:class:`yubi.case.compiled.Case`).
    what
        Whose evidence it is, e.g. ``"the store's evidence for dprk-russia-2024"``.
    """
    ids = [s.id for s in case.scenarios]
    if used and not used <= set(ids):
        raise UsageError(
            f"{what} uses scenarios {', '.join(sorted(used))}; CASE {case.id} ({case.path}) "
            f"has {', '.join(ids)}; pass the case file as CASE (the first argument)")


def scenarios_of_items(items: Sequence[Any]) -> set[str]:
    """Scenario ids that evidence items give likelihoods or ratings for."""
    return {key for stored in items
            for key in (*(stored.item.likelihood or {}), *(stored.item.ratings or {}))}


def scenarios_of_rows(rows: Sequence[dict[str, Any]]) -> set[str]:
    """Scenario ids named by evidence rows: ``lik_ID``/``ach_ID`` columns, JSON objects."""
    from yubi.store.evidence import LIKELIHOOD_PREFIX, RATING_PREFIX

    used: set[str] = set()
    for row in rows:
        for name, value in row.items():
            for prefix in (LIKELIHOOD_PREFIX, RATING_PREFIX):
                if str(name).startswith(prefix) and value not in (None, ""):
                    used.add(str(name)[len(prefix):])
        for key in ("likelihood", "ratings"):
            if isinstance(row.get(key), dict):
                used.update(str(k) for k in row[key])
    return used


class _RichOnDemand(logging.Handler):
    """Records on stderr: a note as one plain line; with ``-v``/``-vv`` through rich's
    RichHandler (level, and with ``-vv`` time and place), imported at the first record: it
    imports rich.traceback and pygments, a tenth of a second most commands never need."""

    def __init__(self, verbosity: int) -> None:
        super().__init__()
        self._verbosity = verbosity
        self._handler: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        from rich.console import Console

        if self._verbosity <= 0:  # a plain line, not padded to the terminal's width
            Console(stderr=True, soft_wrap=True).print(
                record.getMessage(), markup=False, highlight=False)
            return
        if self._handler is None:
            from rich.logging import RichHandler

            self._handler = RichHandler(
                console=Console(stderr=True), show_time=self._verbosity > 1,
                show_path=self._verbosity > 1, markup=False, rich_tracebacks=False)
        self._handler.handle(record)


def configure_logging(verbosity: int) -> None:
    """The ``yubi`` logger on stderr: ERROR with ``-q`` (-1), WARNING, INFO (-v), DEBUG (-vv)."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        verbosity, logging.DEBUG if verbosity > 1 else logging.ERROR)
    logger = logging.getLogger("yubi")
    for handler in [h for h in logger.handlers if isinstance(h, _RichOnDemand)]:
        logger.removeHandler(handler)  # main() may run many times in one process (tests)
    logger.addHandler(_RichOnDemand(verbosity))
    logger.setLevel(level)
    logger.propagate = False
