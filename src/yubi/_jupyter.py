"""Whether yubi runs inside a Jupyter kernel, and showing bare matplotlib figures there."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["in_notebook", "show_figures_inline"]


def in_notebook() -> bool:
    """Whether this runs inside a Jupyter kernel (not a terminal IPython)."""
    shell: Any = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def show_figures_inline() -> None:
    """Let the kernel show a :class:`matplotlib.figure.Figure` returned by a cell.

    pyplot's inline backend registers this formatter when pyplot is imported; yubi's
    figures never touch pyplot, so it registers one itself unless one is already there.
    """
    if not in_notebook():
        return
    import io

    from matplotlib.figure import Figure

    formatter = sys.modules["IPython"].get_ipython().display_formatter.formatters["image/png"]
    try:
        formatter.lookup_by_type(Figure)
        return
    except KeyError:
        pass

    def png(figure: Figure) -> bytes:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=96)
        return buffer.getvalue()

    formatter.for_type(Figure, png)
