"""Simulations off the event loop, a bounded number at once, each within a time limit.

A run request waits in line for one of ``workers`` threads; if it has not finished
``timeout`` seconds after it was made (waiting included), the client gets 503 and the run is
stopped at its next chunk boundary (the engine calls the progress callback after each chunk of
32,768 trajectories, and the callback raises). A run that never started is dropped from the
line. Threads, not processes: a run holds the GIL for little of its time (NumPy), and a thread
hands back the result without pickling it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi import HTTPException

__all__ = ["RunCancelledError", "RunPool"]

T = TypeVar("T")
Progress = Callable[[int], None]


class RunCancelledError(Exception):
    """Raised inside a run whose request has timed out."""


class RunPool:
    """A pool of ``workers`` simulation threads with a per-request ``timeout`` (seconds)."""

    def __init__(self, workers: int, timeout: float) -> None:
        self.timeout = timeout
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None

    async def call(self, work: Callable[[Progress], T]) -> T:
        """Run ``work(progress)`` in the pool; 503 if it takes longer than the timeout."""
        cancelled = threading.Event()

        def progress(_done: int) -> None:
            if cancelled.is_set():
                raise RunCancelledError

        def task() -> T:
            if cancelled.is_set():
                raise RunCancelledError
            return work(progress)

        if self._executor is None:  # made on first use, and again after a shutdown
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="yubi-run")
        future = self._executor.submit(task)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            cancelled.set()
            raise HTTPException(
                503, f"the run took longer than {self.timeout:g} s (the server is busy, or "
                     "the run is too large): ask for fewer samples or try again",
                headers={"Retry-After": "10"}) from None

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
