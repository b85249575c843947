"""Measure every figure of issue 7 beside its target, in one run, and write RESULTS.md.

    python benchmarks/run.py            # everything (20–40 minutes on 2 cores)
    python benchmarks/run.py --quick    # a smoke run: fewer repeats, slow figures skipped
    python benchmarks/run.py --write    # also rewrite benchmarks/RESULTS.md
    python benchmarks/run.py --only bench_cli --only bench_brief   # some modules only
    python benchmarks/run.py --skip bench_engine.dask_scaling      # all but one benchmark

Benchmarks are measurements, not tests: nothing here fails a build. Each module's interface
is described in common.py; a module that fails is reported in the table, not fatal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import HERE, ROOT, Figure, benchmarks_of, debian_packages, load, machine

#: In the order they run: start-up first (on a machine still cool), the engine last.
MODULES = ("bench_cli", "bench_brief", "bench_engine", "bench_whatif", "bench_web")
#: What the brief's PDF uses from Debian (fonts for Hangul, HarfBuzz to subset them).
BRIEF_PACKAGES = ("fonts-noto-cjk", "libharfbuzz-subset0", "libharfbuzz0b", "libpango-1.0-0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer repeats, "
                        "no 10M-trajectory runs, no fresh clone")
    parser.add_argument("--write", action="store_true", help="rewrite benchmarks/RESULTS.md")
    parser.add_argument("--only", action="append", choices=MODULES,
                        help="run only these modules (repeatable)")
    parser.add_argument("--skip", action="append", default=[], metavar="MODULE.FUNCTION",
                        help="leave out one benchmark, e.g. bench_engine.dask_scaling "
                        "(repeatable; listed in the results as skipped)")
    arguments = parser.parse_args()

    started = time.perf_counter()
    load_before = load()
    figures: list[Figure] = []
    for name in arguments.only or MODULES:
        try:
            module = importlib.import_module(name)
            steps = benchmarks_of(module, quick=arguments.quick)
        except Exception as error:  # a module being rewritten must not stop the others
            figures.append(_failed(name, error))
            continue
        for step in steps:
            if f"{name}.{step.__name__}" in arguments.skip:
                figures.append(Figure(f"{name}.{step.__name__}", "not measured", "", "skipped",
                                      "left out of this run with --skip"))
                continue
            print(f"running {name}.{step.__name__} ...", file=sys.stderr, flush=True)
            try:
                result = step()
            except Exception as error:
                figures.append(_failed(f"{name}.{step.__name__}", error))
                continue
            figures.extend(result if isinstance(result, list) else [result])  # type: ignore[arg-type]
    minutes = (time.perf_counter() - started) / 60
    text = render(figures, quick=arguments.quick, minutes=minutes,
                  loads=(load_before, load()))
    print(text)
    if arguments.write:
        (HERE / "RESULTS.md").write_text(text, encoding="utf-8")


def _load_note(loads: tuple[str, str]) -> str:
    """What the load average says about the figures (its 1-minute value at the start)."""
    try:
        start = float(loads[0].split()[0].rstrip(","))
    except (ValueError, IndexError):
        return ""
    if start >= 2:
        return ("The machine was shared with other jobs while this ran, so absolute times "
                "are high and noisy.")
    return ("Nothing else of ours ran; on this virtual machine the same run still varies by "
            "10–30 % from minute to minute (its neighbours share the host).")


def _failed(where: str, error: Exception) -> Figure:
    traceback.print_exc()
    return Figure(f"{where}", "failed", "", "not measured",
                  f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")


def render(figures: list[Figure], *, quick: bool, minutes: float,
           loads: tuple[str, str]) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                            capture_output=True).stdout.strip() or "unknown"
    packages = debian_packages(BRIEF_PACKAGES)
    listed = ", ".join(f"{name} {version or 'NOT installed'}" for name, version in
                       packages.items())
    met = sum(figure.verdict == "met" for figure in figures)
    missed = [figure for figure in figures if figure.verdict == "NOT met"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by "
        f"`python benchmarks/run.py{' --quick' if quick else ''}` at commit {commit}, "
        f"in one run of {minutes:.0f} minutes.",
        "",
        f"- **Machine:** {machine()}.",
        f"- **Debian packages the brief used:** {listed}.",
        f"- **Load average:** {loads[0]} at the start, {loads[1]} at the end. "
        + _load_note(loads) + " Ratios measured in the same run, CPU times and the "
        "`python -c pass` floor say more than any one wall-clock time.",
        "",
        f"{met} figure{'' if met == 1 else 's'} meet{'s' if met == 1 else ''} the target, "
        f"{len(missed)} do{'es' if len(missed) == 1 else ''} not"
        + (f" ({'; '.join(f.name for f in missed)})" if missed else "") + ".",
        "",
        "| figure | measured | target | verdict | note (where the time goes) |",
        "| --- | --- | --- | --- | --- |",
        *[figure.row() for figure in figures],
        "",
        "Times are wall-clock seconds; whole-process figures include interpreter start-up and "
        "are medians of fresh processes after warm-up runs (as hyperfine measures). "
        "Regenerate with `make bench` or `python benchmarks/run.py --write`.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
