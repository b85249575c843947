"""One long-lived helper thread that takes half of a chunk's work when a core is idle.

A run of one chunk on two cores splits each month over two threads: the fused kernel
advances two halves of the trajectories, the summaries fold two sets of outputs, and the
quantiles fill two ranges of months. Compiled code releases the GIL, so the halves run at
once; what each half computes does not depend on the split, so neither do the numbers.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["helper"]

_LOCK = threading.Lock()
_HELPER: ThreadPoolExecutor | None = None


def helper() -> ThreadPoolExecutor:
    """The helper thread (started on first use, kept for the process's life)."""
    global _HELPER
    with _LOCK:
        if _HELPER is None:
            _HELPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yubi-half")
        return _HELPER
