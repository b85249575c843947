"""Rich progress bars on stderr, only on a terminal.

Both bars are refreshed by their callbacks, not by rich's timer thread: the engine forks
worker processes only when no other thread is running, and a brief forks its chart process.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["StepBar", "progress_bar", "step_bar"]


def _shown(enabled: bool) -> bool:
    return enabled and sys.stderr.isatty()


@contextmanager
def progress_bar(total: int, *, enabled: bool = True) -> Iterator[Callable[[int], None] | None]:
    """Yield a callback advancing a bar by N trajectories, or ``None`` off a terminal."""
    if not _shown(enabled):
        yield None
        return
    from yubi.app.progress import terminal_bar

    with terminal_bar(total) as advance:
        yield advance


class StepBar:
    """A bar over the named steps of a command (a brief, a sensitivity analysis).

    :meth:`start` names the step now running; :meth:`trajectories` gives a callback for the
    engine's progress that fills the current step's share of the bar as trajectories finish.
    """

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task
        self._done = 0.0
        self._current: str | None = None

    def start(self, name: str) -> None:
        if self._current is not None:
            self._done += 1
        self._current = name
        self._progress.update(self._task, completed=self._done, step=name)
        self._progress.refresh()

    def trajectories(self, total: int) -> Callable[[int], None]:
        finished = 0

        def advance(count: int) -> None:
            nonlocal finished
            finished += count
            share = min(finished / total, 1.0) if total else 1.0
            self._progress.update(self._task, completed=self._done + share)
            self._progress.refresh()

        return advance


@contextmanager
def step_bar(steps: int, *, enabled: bool = True) -> Iterator[StepBar | None]:
    """Yield a :class:`StepBar` over ``steps`` steps, or ``None`` off a terminal."""
    if not _shown(enabled):
        yield None
        return
    progress = Progress(
        TextColumn("{task.fields[step]}", style="bold"), BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} steps"), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True, auto_refresh=False,
    )
    with progress:
        yield StepBar(progress, progress.add_task("steps", total=steps, step="starting"))
