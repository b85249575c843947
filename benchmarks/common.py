"""Shared helpers of the benchmark suite: timing, machine description, the results table."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass
class Figure:
    """One measured figure beside the issue's reference for it."""

    name: str
    measured: str
    reference: str
    verdict: str
    note: str = ""

    def row(self) -> str:
        return (
            f"| {self.name} | {self.measured} | {self.reference} "
            f"| {self.verdict} | {self.note} |"
        )


def median_time(function: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``repeats`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def machine() -> str:
    """A one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError):
        pass
    import numpy

    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}, "
        f"NumPy {numpy.__version__}, {platform.system()} {platform.release()}"
    )


def run_python(code: str, timeout: float = 900) -> str:
    """Run ``code`` in a fresh interpreter (for peak memory); return its stdout."""
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
        check=True, cwd=ROOT,
    )
    return completed.stdout.strip()
