"""Whether the brief may fork helper processes (charts, PDFs): a module with no heavy imports,
so the CLI can start the PDF processes before it imports NumPy and the rest."""

from __future__ import annotations

import multiprocessing
import sys

__all__ = ["can_fork"]


def can_fork() -> bool:
    """Whether work may be forked: on Linux (macOS frameworks are not fork-safe; Windows
    has no fork)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
