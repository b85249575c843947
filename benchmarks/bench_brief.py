"""Issue 7, section 3: the brief as a user runs it, and where its time goes.

``yubi brief --pdf`` of the bundled case with the defaults, in a fresh process, per language;
and ``make brief`` (both languages) on a fresh clone: once with the install (a new venv, pip
reusing its cache) and once more after it, which is the figure the issue sets a target for.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, YUBI, Figure, cpu_of, verdict

BENCHMARKS = ["brief_pdf", "make_brief_fresh_clone"]
SLOW = {"make_brief_fresh_clone"}
_STEP = re.compile(r"^\s{2}(?P<step>.+?)\s{2,}(?P<seconds>[\d.]+) s$")


def brief_pdf(quick: bool = False) -> list[Figure]:
    """``yubi brief --lang L --pdf``, bundled case, defaults, fresh process, per language."""
    repeats = 1 if quick else 3
    figures = []
    for language in ("en", "ko"):
        runs = sorted((_one_run(language) for _ in range(repeats)), key=lambda run: run[0])
        seconds, cpu, steps = runs[len(runs) // 2]
        figures.append(Figure(
            f"`yubi brief --lang {language} --pdf`, bundled case, defaults (fresh process)",
            f"{seconds:.1f} s (median of {repeats}; all: "
            f"{', '.join(f'{run[0]:.1f}' for run in runs)})",
            "≤ 10 s", verdict(seconds <= 10),
            f"CPU (user + system, all its processes) {cpu:.1f} s; where the time goes "
            "(`--timings` of the median run): "
            + ", ".join(f"{name} {value:.1f} s" for name, value in steps if name != "total"),
        ))
    return figures


def _one_run(language: str) -> tuple[float, float, list[tuple[str, float]]]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        completed, cpu = cpu_of(lambda: subprocess.run(
            [str(YUBI), "brief", "--lang", language, "--pdf", "--timings", "--out", folder],
            capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
        ))
        seconds = time.perf_counter() - started
    assert isinstance(completed, subprocess.CompletedProcess)
    return seconds, cpu, _steps(completed.stderr)


def _steps(text: str) -> list[tuple[str, float]]:
    found = []
    for line in text.splitlines():
        match = _STEP.match(line)
        if match:
            found.append((match["step"], float(match["seconds"])))
    return found


def make_brief_fresh_clone(quick: bool = False) -> list[Figure]:
    """``make brief`` in a fresh clone of this repository's HEAD: install, then again."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                            capture_output=True, check=True).stdout.strip()
    python = os.environ.get("PYTHON", "python3")
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "yubi"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True,
                       timeout=300)
        first = _make_brief(clone, python)
        second, cpu = cpu_of(lambda: _make_brief(clone, python))
        assert isinstance(second, tuple)
        pdfs = sorted(path.name for path in (clone / "out").glob("*.pdf"))
    timed = ", ".join(f"{name} {value:.1f} s" for name, value in _steps(second[1])
                      if name != "total")
    return [
        Figure(f"`make brief` on a fresh clone (commit {commit}), install included",
               f"{first[0]:.1f} s", "reference", "reference",
               f"new venv, `pip install -e .` and extras from pip's warm cache, then the brief "
               f"(en + ko); wrote {', '.join(pdfs)}"),
        Figure("`make brief` again in that clone (after the install), both languages",
               f"{second[0]:.1f} s", "≤ 25 s", verdict(second[0] <= 25),
               f"CPU (user + system, all processes) {cpu:.1f} s; one `yubi brief --lang "
               f"en,ko --pdf` run: {timed}"),
    ]


def _make_brief(clone: Path, python: str) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(["make", "brief", f"PYTHON={python}", "BRIEF_FLAGS=--timings"],
                               cwd=clone, text=True,
                               capture_output=True, timeout=1800,
                               env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"make brief failed in {clone}:\n{completed.stderr[-2000:]}")
    return seconds, completed.stderr


if __name__ == "__main__":
    for figure in brief_pdf(quick="--quick" in sys.argv):
        print(figure.row())
