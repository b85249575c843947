"""Issue 3's performance figure: ``yubi brief`` of the bundled case at its default sample size,
sensitivity included, end to end as a user runs it (a fresh process), and where the time goes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, Figure

BENCHMARKS = ["brief_end_to_end"]
REPEATS = 3
_STEP = re.compile(r"^\s{2}(?P<step>.+?)\s{2,}(?P<seconds>[\d.]+) s$")


def brief_end_to_end() -> list[Figure]:
    figures = []
    for language in ("en", "ko"):
        runs = [_one_run(language) for _ in range(REPEATS)]
        runs.sort(key=lambda run: run[0])
        seconds, steps = runs[len(runs) // 2]
        where = ", ".join(f"{name} {value:.1f} s" for name, value in steps if name != "total")
        figures.append(Figure(
            f"`yubi brief --lang {language} --pdf`, bundled case, defaults (fresh process)",
            f"{seconds:.1f} s (median of {REPEATS}; all: "
            f"{', '.join(f'{run[0]:.1f}' for run in runs)})",
            "< 20 s", "met" if seconds < 20 else "NOT met", f"where the time goes: {where}",
        ))
    return figures


def _one_run(language: str) -> tuple[float, list[tuple[str, float]]]:
    yubi = Path(sys.executable).with_name("yubi")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        completed = subprocess.run(
            [str(yubi), "brief", "--lang", language, "--pdf", "--timings", "--out", folder],
            capture_output=True, text=True, check=True, cwd=ROOT, timeout=300,
        )
        seconds = time.perf_counter() - started
    steps = []
    for line in (completed.stdout + completed.stderr).splitlines():
        match = _STEP.match(line)
        if match:
            steps.append((match["step"], float(match["seconds"])))
    return seconds, steps


if __name__ == "__main__":
    for figure in brief_end_to_end():
        print(figure.row())
