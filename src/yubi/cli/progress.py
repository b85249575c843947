"""A rich progress bar on stderr, only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(total: int, *, enabled: bool = True) -> Iterator[Callable[[int], None] | None]:
    """Yield a callback advancing a bar by N trajectories, or ``None`` off a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    # Refreshed by the callback, not by rich's timer thread: the engine forks worker
    # processes only when no other thread is running.
    progress = Progress(
        TextColumn("simulating"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True, auto_refresh=False,
    )
    with progress:
        task = progress.add_task("simulate", total=total)

        def advance(done: int) -> None:
            progress.advance(task, done)
            progress.refresh()

        yield advance
