"""Issue 7, section 1 and the Fermi comparison: what a user at the shell waits for.

Every figure is a whole process (interpreter start, imports, work, exit), timed as hyperfine
does: warm-up runs first (the OS file cache), then the median of several runs. A command that
misses its target gets the profile of its imports (``python -X importtime``, self time summed
per top-level package), which is where start-up time goes.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from common import HERE, ROOT, YUBI, Figure, process_runs, process_times, spread, verdict

BENCHMARKS = ["startup", "fermi_whole_process"]
BUNDLED = ROOT / "src" / "yubi" / "cases" / "dprk-russia-2024.yaml"
FERMI = HERE / "cases" / "fermi.yaml"
FERMI_SAMPLES = 1_000_000
#: Where `npm install @quri/squiggle-lang@0.10.0` puts Squiggle (git-ignored).
SQUIGGLE_HOMES = (HERE / ".work", HERE)


def startup(quick: bool = False) -> list[Figure]:
    """``python -c pass`` (the floor), ``import yubi``, ``yubi --help``, ``cases``, ``validate``."""
    repeats = 3 if quick else 15
    python = sys.executable
    commands: list[tuple[str, list[str], float | None, str]] = [
        ("`python -c pass` (the interpreter alone)", [python, "-c", "pass"], None, "reference"),
        ("`import yubi`", [python, "-c", "import yubi"], 0.25, "≤ 0.25 s"),
        ("`yubi --help`", [str(YUBI), "--help"], 0.3, "≤ 0.3 s"),
        ("`yubi --version`", [str(YUBI), "--version"], None, "reference"),
        ("`yubi cases`", [str(YUBI), "cases"], 0.6, "≤ 0.6 s"),
        ("`yubi validate` of the bundled case", [str(YUBI), "validate", str(BUNDLED)], 0.6,
         "≤ 0.6 s"),
    ]
    figures = []
    for name, argv, target, reference in commands:
        runs = process_runs(argv, repeats=repeats)
        times = [wall for wall, _ in runs]
        median = statistics.median(times)
        met = target is None or median <= target
        note = f"CPU (user + system) median {statistics.median(c for _, c in runs):.2f} s"
        if not met or argv[-1] in ("--help", "cases") or "validate" in argv:
            note += f"; imports by package (self time, one run): {import_profile(argv)}"
        figures.append(Figure(f"{name}, whole process", f"{spread(times)} s", reference,
                              "reference" if target is None else verdict(met), note))
    return figures


def import_profile(argv: Sequence[str], top: int = 6) -> str:
    """The packages whose imports take longest in ``argv``, e.g. ``scipy 310 ms, …``."""
    command = list(argv)
    if command[0] == str(YUBI):
        command = [sys.executable, str(YUBI), *command[1:]]
    completed = subprocess.run([command[0], "-X", "importtime", *command[1:]], cwd=ROOT,
                               capture_output=True, text=True, timeout=120)
    by_package: Counter[str] = Counter()
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        try:
            self_us = int(parts[0].split(":")[1])
        except ValueError:  # the header line
            continue
        package = parts[2].strip().split(".")[0]
        by_package[package] += self_us
    total = sum(by_package.values())
    shown = ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in by_package.most_common(top))
    return f"{shown}; all imports {total / 1000:.0f} ms"


def fermi_whole_process(quick: bool = False) -> list[Figure]:
    """The Fermi model at 1M samples from the shell: ``yubi run --json`` against Squiggle."""
    repeats = 2 if quick else 7
    samples = FERMI_SAMPLES
    argv = [str(YUBI), "run", str(FERMI), "--samples", str(samples), "--json"]
    yubi_times = process_times(argv, repeats=repeats, warmup=1)
    yubi_median = statistics.median(yubi_times)
    figures = [Figure(
        f"Fermi model, `yubi run benchmarks/cases/fermi.yaml --samples {samples:,} --json`, "
        "whole process", f"{spread(yubi_times)} s", "≤ Squiggle's whole process "
        "(issue: 3.9 s against 1.6–1.9 s)", "see next row",
        f"imports by package (self time, one run): {import_profile(argv)}",
    )]
    home = _squiggle_home()
    squiggle = _squiggle_script(samples) if home is not None else None
    if squiggle is None or home is None:
        figures.append(Figure("Squiggle 0.10, same model, whole process (node)", "not measured",
                              "reference", "skipped",
                              "node or @quri/squiggle-lang missing; install it with `npm "
                              "install @quri/squiggle-lang@0.10.0` in benchmarks/.work"))
        figures[0].verdict = "skipped"
        return figures
    squiggle_times = process_times(["node", str(squiggle)], repeats=repeats, warmup=1,
                                   cwd=squiggle.parent)
    squiggle_median = statistics.median(squiggle_times)
    figures[0].verdict = verdict(yubi_median <= squiggle_median)
    figures.append(Figure(
        "Squiggle 0.10, same model, whole process (`node`, @quri/squiggle-lang "
        f"{_squiggle_version(home)})", f"{spread(squiggle_times)} s", "reference",
        "reference", f"yubi ÷ Squiggle, whole process: {yubi_median / squiggle_median:.2f}× "
        "(below 1: yubi is faster)",
    ))
    return figures


def _squiggle_home() -> Path | None:
    if shutil.which("node") is None:
        return None
    for home in SQUIGGLE_HOMES:
        if (home / "node_modules" / "@quri" / "squiggle-lang").is_dir():
            return home
    return None


def _squiggle_script(samples: int) -> Path:
    code = (HERE / "fermi.squiggle").read_text(encoding="utf-8")
    script = HERE / ".work" / "fermi_once.mjs"  # git-ignored; node finds node_modules above
    script.parent.mkdir(exist_ok=True)
    script.write_text(
        'import { run } from "@quri/squiggle-lang";\n'
        f"const code = {json.dumps(code)};\n"
        f"const out = await run(code, {{ environment: {{ sampleCount: {samples}, "
        'xyPointLength: 1000, seed: "1" } });\n'
        "if (!out.result.ok) { throw new Error(out.result.value.toString()); }\n"
        "console.log(out.result.value.toString());\n",
        encoding="utf-8",
    )
    return script


def _squiggle_version(home: Path) -> str:
    package = home / "node_modules" / "@quri" / "squiggle-lang" / "package.json"
    return str(json.loads(package.read_text(encoding="utf-8")).get("version", "?"))


if __name__ == "__main__":
    for figure in startup(quick="--quick" in sys.argv) + fermi_whole_process(quick=True):
        print(figure.row())
