"""Simulations off the event loop, a bounded number at once, each within a time limit.

A run request waits in line for one of ``workers`` threads, at most ``queue_timeout``
seconds (then 503: the server is busy); once started, a run may take ``timeout`` seconds
(then 503, and the run is stopped at its next chunk boundary: the engine calls the progress
callback after each chunk of 32,768 trajectories, and the callback raises). Threads, not
processes: a run holds the GIL for little of its time (NumPy), and a thread hands back the
result without pickling it.

Answers are kept in a small cache: a run is fixed by its case, settings and changes, so asking
again (the what-if page going back to an earlier value) costs nothing.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import HTTPException

__all__ = ["RunCancelledError", "RunPool"]

Progress = Callable[[int], None]
T = TypeVar("T")
CACHED_ANSWERS = 32


class RunCancelledError(Exception):
    """Raised inside a run whose request has timed out."""


class RunPool:
    """``workers`` simulation threads; ``queue_timeout`` and ``timeout`` in seconds."""

    def __init__(self, workers: int, timeout: float, queue_timeout: float = 60.0) -> None:
        self.workers = workers
        self.timeout = timeout
        self.queue_timeout = queue_timeout
        self._executor: ThreadPoolExecutor | None = None
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    async def call(self, key: Hashable | None, work: Callable[[Progress], T]) -> T:
        """``work(progress)``'s answer, run in the pool; 503 when it waited or ran too long.

        With a ``key`` (not ``None``), the answer is kept, and a later call with the same key
        returns it without running: the key must fix the answer (case, settings, changes).
        """
        with self._lock:
            if key is not None and key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        loop = asyncio.get_running_loop()
        started = asyncio.Event()
        cancelled = threading.Event()

        def progress(_done: int) -> None:
            if cancelled.is_set():
                raise RunCancelledError

        def task() -> T:
            if cancelled.is_set():
                raise RunCancelledError
            loop.call_soon_threadsafe(started.set)
            return work(progress)

        if self._executor is None:  # made on first use, and again after a shutdown
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="yubi-run")
        done = asyncio.wrap_future(self._executor.submit(task))
        try:
            await asyncio.wait_for(started.wait(), self.queue_timeout)
        except TimeoutError:
            cancelled.set()
            done.cancel()
            raise _busy(f"the server is busy: the run waited {self.queue_timeout:g} s for a "
                        "free worker; try again") from None
        try:
            answer = await asyncio.wait_for(done, self.timeout)
        except TimeoutError:
            cancelled.set()
            raise _busy(f"the run took longer than {self.timeout:g} s: ask for fewer "
                        "samples") from None
        if key is not None:
            with self._lock:
                self._cache[key] = answer
                while len(self._cache) > CACHED_ANSWERS:
                    self._cache.popitem(last=False)
        return answer

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _busy(message: str) -> HTTPException:
    return HTTPException(503, message, headers={"Retry-After": "10"})
