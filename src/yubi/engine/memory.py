"""Keeping freed memory for the next chunk instead of handing it back to the kernel.

A chunk of 10,000 trajectories allocates about 40 MB of short-lived arrays (the design, the
``static`` matrix, the histogram pool, month buffers). By default glibc serves arrays this
large with fresh ``mmap`` pages and returns them on ``free``, so every run pays one page
fault per 4 KiB again: about 10,000 faults and 25–30 ms of system time per 10,000-trajectory
run on the reference machine, a third of the run. Raising glibc's mmap and trim thresholds
keeps that memory in the process's heap, where the next run finds it already mapped. The
heap then stays at the largest working set a run has needed (one chunk per thread: runs
stream chunk by chunk, so this is bounded whatever the number of trajectories).

Only glibc has ``mallopt``; elsewhere this does nothing. ``YUBI_MALLOC=system`` leaves
glibc's defaults alone.
"""

from __future__ import annotations

import os
import sys

__all__ = ["keep_freed_memory"]

#: ``mallopt`` parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Arrays below this size come from the heap (glibc's own default maximum is 32 MiB).
MMAP_THRESHOLD = 64 << 20
#: Free heap memory above this is handed back to the kernel.
TRIM_THRESHOLD = 512 << 20
_done = False


def keep_freed_memory() -> None:
    """Tune glibc's malloc once per process so runs reuse mapped memory (see module notes)."""
    global _done
    if _done:
        return
    _done = True
    if not sys.platform.startswith("linux") or os.environ.get("YUBI_MALLOC") == "system":
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries: no mallopt
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
