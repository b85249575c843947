"""A progress bar for runs started from Python: in a Jupyter notebook, or on stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from yubi._jupyter import in_notebook

__all__ = ["progress_callback", "terminal_bar"]


@contextmanager
def progress_callback(
    progress: Callable[[int], None] | bool | None, total: int
) -> Iterator[Callable[[int], None] | None]:
    """Yield the callback to give the engine: the caller's own, a drawn bar, or ``None``."""
    if progress is None or progress is False:
        yield None
    elif callable(progress):
        yield progress
    elif in_notebook():
        yield _notebook_bar(total)
    else:
        with terminal_bar(total) as advance:
            yield advance


@contextmanager
def terminal_bar(total: int) -> Iterator[Callable[[int], None]]:
    """A rich bar on stderr, advanced by N trajectories at a time.

    Refreshed by the callback, not by rich's timer thread: the engine forks worker processes
    only when no other thread is running."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("simulating"), BarColumn(),
                   TextColumn("{task.completed:,}/{task.total:,}"), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True, auto_refresh=False)
    with bar:
        task = bar.add_task("simulate", total=total)

        def advance(done: int) -> None:
            bar.advance(task, done)
            bar.refresh()

        yield advance


def _notebook_bar(total: int) -> Callable[[int], None]:
    """An HTML ``<progress>`` element updated in place (no ipywidgets needed)."""
    from IPython.display import HTML, display

    done = 0

    def html() -> HTML:
        return HTML(f"<progress value='{done}' max='{total}' style='width:60%'></progress> "
                    f"simulating {done:,}/{total:,}")

    handle = display(html(), display_id=True)

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if handle is not None:
            handle.update(html())

    return advance
