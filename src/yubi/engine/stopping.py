"""Stopping forked worker processes at once on Ctrl-C or a Jupyter kernel interrupt.

A kernel interrupt sends SIGINT to the kernel only, not to its worker processes, and
:meth:`concurrent.futures.ProcessPoolExecutor.shutdown` would wait for every running task to
finish. So workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process group; the
parent alone decides), and the parent terminates them when it is interrupted.
"""

from __future__ import annotations

import signal
from concurrent.futures import ProcessPoolExecutor

__all__ = ["ignore_interrupts", "stop_workers"]

#: Seconds to wait for a terminated worker before killing it.
GRACE = 1.0


def ignore_interrupts() -> None:
    """Worker initializer: leave SIGINT to the parent process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and terminate the pool's processes now."""
    # _processes is private but present from Python 3.8 to 3.13; 3.14 adds terminate_workers.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(GRACE)
        if process.is_alive():
            process.kill()
            process.join(GRACE)
