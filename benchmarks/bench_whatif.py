"""What-if speed: applying a change to a compiled case, and a change's whole answer
(apply + 10,000 trajectories) as the workbench's what-if panel needs it (issue 8: < 300 ms).

Run alone with ``python benchmarks/bench_whatif.py``, or by ``benchmarks/run.py`` through
:data:`BENCHMARKS`.
"""

from __future__ import annotations

import sys

from common import ROOT, Figure, median_time

BENCHMARKS = ["apply_changes", "what_if_answer"]

#: (label, changes): a range in place of a distribution (the common what-if), a prior, and
#: a distribution made a constant (which changes the design's columns: a full recompile).
CHANGES = [
    ("quantity range", {"troops_cap": "20000 to 60000"}),
    ("prior", {"prior.russia_defeat": 0.2}),
    ("distribution → constant", {"troops_initial": 11000}),
]


def apply_changes() -> list[Figure]:
    from yubi import app

    case = app.open_case()
    figures = []
    for label, changes in CHANGES:
        seconds = median_time(lambda changes=changes: app.apply_changes(case, changes), 21)
        recompiles = "constant" in label
        note = "full recompile (design columns change)" if recompiles else "in place"
        figures.append(Figure(f"apply_changes, {label}", f"{seconds * 1e3:.1f} ms",
                              "a few ms", "met" if seconds < 0.005 else "missed",
                              f"bundled case, median of 21; {note}"))
    return figures


def what_if_answer() -> Figure:
    from yubi import app

    case = app.open_case()
    app.run(case, samples=10_000, seed=0)  # builds the distribution tables once, as a server does
    values = iter(range(20_000, 40_000, 1_000))

    def answer() -> None:
        low = next(values)
        changed = app.apply_changes(case, {"troops_cap": f"{low} to 60000"})
        app.run_json(app.run(changed, samples=10_000, seed=0))

    seconds = median_time(answer, 9)
    return Figure("what-if answer: apply + 10,000 trajectories + JSON", f"{seconds * 1e3:.0f} ms",
                  "< 300 ms", "met" if seconds < 0.3 else "missed",
                  "bundled case, median of 9 changes, in-process")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    for figure in [*apply_changes(), what_if_answer()]:
        print(figure.row())
