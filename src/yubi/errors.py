"""The exceptions yubi raises for bad input.

Every error a user can cause is a :class:`YubiInputError`; the CLI turns it into one line on
stderr and exit code 2. Anything else that escapes is a bug (exit code 1).

::

    YubiError
    └── YubiInputError          bad input: exit code 2
        ├── CaseError           a case file is wrong (carries file:line:column)
        │   └── ExpressionError an expression inside a case is wrong
        ├── DataError           a CSV/JSON row or field is wrong
        └── UsageError          a command-line argument is wrong
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CaseError",
    "DataError",
    "ExpressionError",
    "Location",
    "UsageError",
    "YubiError",
    "YubiInputError",
    "did_you_mean",
]


@dataclass(frozen=True)
class Location:
    """Where in a file something is: 1-based line and column, as editors count them."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class YubiError(Exception):
    """Base class of every error yubi raises on purpose."""


class YubiInputError(YubiError):
    """The user's input is wrong; the message says where and what."""


class CaseError(YubiInputError):
    """A case file is malformed or inconsistent.

    Parameters
    ----------
    message
        What is wrong, without the location.
    location
        Where it is wrong, if known.
    subject
        The dotted key path or quantity name the error is about, e.g. ``troops_cap``.
    """

    def __init__(
        self, message: str, location: Location | None = None, subject: str | None = None
    ) -> None:
        self.message = message
        self.location = location
        self.subject = subject
        super().__init__(self.render())

    def render(self) -> str:
        prefix = f"{self.location}: " if self.location else ""
        subject = f"{self.subject}: " if self.subject else ""
        return f"{prefix}{subject}{self.message}"


class ExpressionError(CaseError):
    """An expression is not valid in yubi's expression language.

    ``offset`` is the 0-based character offset of the problem inside the expression text;
    the loader turns it into a file column.
    """

    def __init__(self, message: str, offset: int = 0) -> None:
        self.offset = offset
        super().__init__(message)


class DataError(YubiInputError):
    """A data file (CSV, JSON) has bad rows; each problem names its row and field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(problems))


class UsageError(YubiInputError):
    """A command-line argument or API argument is wrong."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for the closest of ``known``, or nothing."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""
