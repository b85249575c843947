"""The run pool: a line with a time limit, a run with a time limit, cached answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from fastapi import HTTPException

from yubi.web.runner import RunCancelledError, RunPool


def sleeper(seconds: float, calls: list[str], answer: str = "{}") -> Callable[..., str]:
    def work(progress: Callable[[int], None]) -> str:
        calls.append(answer)
        for _ in range(int(seconds / 0.05)):
            time.sleep(0.05)
            progress(1)  # as the engine does after each chunk
        return answer

    return work


def test_a_request_waiting_too_long_for_a_worker_is_a_503() -> None:
    pool = RunPool(workers=1, timeout=5, queue_timeout=0.2)
    calls: list[str] = []

    async def both() -> list[object]:
        return await asyncio.gather(pool.call("a", sleeper(0.6, calls, "a")),
                                    pool.call("b", sleeper(0.6, calls, "b")),
                                    return_exceptions=True)

    first, second = asyncio.run(both())
    pool.shutdown()
    assert first == "a"
    assert isinstance(second, HTTPException) and second.status_code == 503
    assert "busy" in str(second.detail) and calls == ["a"]  # the second never ran


def test_a_run_over_its_time_is_stopped() -> None:
    pool = RunPool(workers=1, timeout=0.1)
    calls: list[str] = []
    with pytest.raises(HTTPException) as refused:
        asyncio.run(pool.call("a", sleeper(2.0, calls)))
    assert refused.value.status_code == 503 and "longer than 0.1 s" in str(refused.value.detail)
    # The worker is free again soon: the run raised RunCancelledError at a chunk boundary.
    started = time.monotonic()
    assert asyncio.run(pool.call("b", sleeper(0.05, calls, "b"))) == "b"
    assert time.monotonic() - started < 1.5
    pool.shutdown()
    assert issubclass(RunCancelledError, Exception)


def test_answers_are_cached_by_key() -> None:
    pool = RunPool(workers=1, timeout=5)
    calls: list[str] = []
    assert asyncio.run(pool.call(("case", "{}"), sleeper(0.05, calls, "x"))) == "x"
    assert asyncio.run(pool.call(("case", "{}"), sleeper(0.05, calls, "y"))) == "x"
    assert calls == ["x"]
    pool.shutdown()
