"""Showing text that came from outside (case files, CSV/JSON evidence, the store) safely.

Such text is data, never markup or terminal commands: every presenter passes it through
:func:`shown` (for Rich markup strings and table cells) or :func:`visible` (plain output), and
prints with :func:`console`, whose emoji codes and highlighting are off so that ``:warning:``
or a number stays as written.

* Rich markup (``[bold red]``, ``[link=…]``, a stray ``[/bold]`` that would make Rich raise) is
  escaped.
* Control characters (ESC, which starts terminal escape sequences; CR, which returns to the
  start of the line; NUL…), invisible format characters that reorder or hide text (bidi
  overrides, zero-width spaces) and lone surrogates are shown as ``\\x1b``, ``\\u202e`` etc.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["console", "csv_cell", "csv_restore", "shown", "visible"]

#: A spreadsheet reads a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: Any) -> str:
    """``text`` as a string whose control and invisible format characters are escaped."""
    value = str(text)
    if value.isprintable():  # the common case: nothing to do
        return value
    return "".join(_visible_character(character) for character in value)


def _visible_character(character: str) -> str:
    if character in _NAMED:
        return _NAMED[character]
    category = unicodedata.category(character)
    if category in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"):
        code = ord(character)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
            else f"\\U{code:08x}"
    return character


def shown(text: Any) -> str:
    """``text`` ready to put in a Rich markup string or table cell: escaped and visible."""
    from rich.markup import escape

    return escape(visible(text))


def console(*, stderr: bool = False) -> Any:
    """A Rich console for output that mixes yubi's own markup with :func:`shown` data."""
    from rich.console import Console

    return Console(stderr=stderr, emoji=False, highlight=False)


def csv_cell(value: Any) -> Any:
    """A CSV export cell: text a spreadsheet would run as a formula gets a leading ``'``.

    Text that starts with ``'`` before such a character gets one more ``'``, so that
    :func:`csv_restore` can tell the two apart. Numbers are left alone (``-0.5`` is data).
    """
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_restore(text: str) -> str:
    """The text :func:`csv_cell` was given: one leading ``'`` before a formula start dropped."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text
