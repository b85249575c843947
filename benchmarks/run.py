"""Run yubi's benchmarks and print each figure beside its reference, as a Markdown table.

    python benchmarks/run.py            # everything (about ten minutes on 2 cores)
    python benchmarks/run.py --quick    # skip the 10-million-trajectory runs
    python benchmarks/run.py --write    # also rewrite benchmarks/RESULTS.md

Benchmarks are measurements, not tests: nothing here fails a build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from common import HERE, Figure, machine

sys.path.insert(0, str(HERE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10M-trajectory runs")
    parser.add_argument("--write", action="store_true", help="rewrite benchmarks/RESULTS.md")
    arguments = parser.parse_args()

    import bench_engine

    steps = [bench_engine.small_run, bench_engine.throughput, bench_engine.versus_hand_numpy,
             bench_engine.fermi]
    if not arguments.quick:
        steps += [bench_engine.memory, bench_engine.dask_scaling]
    for extra in ("bench_brief", "bench_store"):
        try:
            module = __import__(extra)
        except ImportError:
            continue
        steps += [getattr(module, name) for name in getattr(module, "BENCHMARKS", [])]
    figures: list[Figure] = []
    for step in steps:
        print(f"running {step.__module__}.{step.__name__} ...", file=sys.stderr, flush=True)
        result = step()
        figures.extend(result if isinstance(result, list) else [result])
    table = render(figures)
    print(table)
    if arguments.write:
        (HERE / "RESULTS.md").write_text(table)


def render(figures: list[Figure]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.date.today().isoformat()} by `python benchmarks/run.py` on: {machine()}.",
        "Each figure is a median of repeated runs in one session (this machine is shared and "
        "noisy; compare ratios, not absolute times, across days).",
        "",
        "| figure | measured | reference | verdict | note |",
        "| --- | --- | --- | --- | --- |",
        *[figure.row() for figure in figures],
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
