"""Shared helpers of the benchmark suite: timing, the machine, the results table.

The interface of a benchmark module (``bench_*.py``), as ``run.py`` calls it:

* ``BENCHMARKS``: the names of its benchmark functions, in the order they run;
* ``SLOW`` (optional): the names ``run.py --quick`` skips;
* each function takes no argument, or a keyword ``quick: bool`` (a smoke run: fewer repeats,
  smaller sizes), and returns a :class:`Figure` or a list of them.

A module without ``BENCHMARKS`` is run through :data:`LEGACY` (the names it had before).
"""

from __future__ import annotations

import inspect
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The yubi of the interpreter running the benchmarks (the worktree's .venv).
YUBI = Path(sys.executable).with_name("yubi")

#: Modules that predate ``BENCHMARKS``: (every benchmark, the slow ones).
LEGACY: dict[str, tuple[list[str], set[str]]] = {
    "bench_engine": (["small_run", "throughput", "versus_hand_numpy", "fermi", "memory",
                      "dask_scaling"], {"memory", "dask_scaling"}),
}


@dataclass
class Figure:
    """One measured figure beside the issue's target for it."""

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


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def benchmarks_of(module: ModuleType, *, quick: bool) -> list[Callable[[], object]]:
    """The benchmark functions of ``module`` to run, each bound to ``quick`` if it takes it."""
    if hasattr(module, "BENCHMARKS"):
        names, slow = list(module.BENCHMARKS), set(getattr(module, "SLOW", ()))
    else:
        names, slow = LEGACY.get(module.__name__, ([], set()))
    chosen = []
    for entry in names:
        if quick and entry in slow:
            continue
        function = getattr(module, entry)
        if "quick" in inspect.signature(function).parameters:
            chosen.append(_bound(function, quick))
        else:
            chosen.append(function)
    return chosen


def _bound(function: Callable[..., object], quick: bool) -> Callable[[], object]:
    def call() -> object:
        return function(quick=quick)

    call.__name__ = function.__name__
    call.__module__ = function.__module__
    return call


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


def process_times(argv: Sequence[str], repeats: int = 9, warmup: int = 2,
                  cwd: Path = ROOT, timeout: float = 600) -> list[float]:
    """Wall-clock seconds of ``repeats`` fresh processes of ``argv`` (after ``warmup`` runs
    that fill the OS file cache), as hyperfine measures; output discarded."""
    return [wall for wall, _ in process_runs(argv, repeats, warmup, cwd, timeout)]


def process_runs(argv: Sequence[str], repeats: int = 9, warmup: int = 2,
                 cwd: Path = ROOT, timeout: float = 600) -> list[tuple[float, float]]:
    """(wall-clock, CPU) seconds of each of ``repeats`` fresh processes of ``argv``.

    CPU is user + system time of the process and every child it waited for: on a shared
    machine it varies far less than wall-clock time, and for a one-process command on an
    idle machine the two are about equal.
    """
    runs = []
    for index in range(warmup + repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(list(argv), cwd=cwd, check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if index >= warmup:
            runs.append((wall, cpu))
    return runs


def cpu_of(function: Callable[[], object]) -> tuple[object, float]:
    """``function()`` and the CPU seconds (user + system) of the children it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    value = function()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return value, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def spread(times: Sequence[float], unit: float = 1.0, digits: int = 2) -> str:
    """``median (min–max of N)``."""
    return (f"{statistics.median(times) * unit:.{digits}f} "
            f"(min {min(times) * unit:.{digits}f}, max {max(times) * unit:.{digits}f}, "
            f"n = {len(times)})")


def machine() -> str:
    """CPU model, cores, RAM, OS, Python and NumPy of this machine, on one line."""
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
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError):
        pass
    system = f"{platform.system()} {platform.release()}"
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = f"{line.split('=', 1)[1].strip(chr(34))} ({system})"
    except OSError:
        pass
    import numpy

    return (f"{cpu}, {os.cpu_count()} cores{memory}; {system}; "
            f"Python {platform.python_version()}, NumPy {numpy.__version__}")


def debian_packages(names: Sequence[str]) -> dict[str, str | None]:
    """Installed version of each Debian package (``None`` when missing or not Debian)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            completed = subprocess.run(
                ["dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Version}", name],
                capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            versions[name] = None
            continue
        status, _, version = completed.stdout.partition(" ")
        versions[name] = version.strip() if status.startswith("ii") else None
    return versions


def load() -> str:
    """The 1-minute load average and the number of processes running, for the record."""
    try:
        fields = Path("/proc/loadavg").read_text().split()
    except OSError:
        return "unknown"
    return f"{fields[0]} (1 min), {fields[3].split('/')[0]} running"


def run_python(code: str, timeout: float = 900) -> str:
    """Run ``code`` in a fresh interpreter (for peak memory); return its stdout."""
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
        check=True, cwd=ROOT,
    )
    return completed.stdout.strip()
