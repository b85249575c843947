"""Engine benchmarks of issue 7, section 2, each figure beside its target.

``BENCHMARKS`` names them for ``benchmarks/run.py`` (``SLOW``: the 10-million-trajectory
runs, left out of ``--quick``); ``figures()`` runs them all. Each function measures one or
two. Every figure is a
median of repeated runs in one session, so ratios compare like with like on this (noisy,
shared) machine. Run alone: ``python benchmarks/bench_engine.py [--quick]``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yubi
from common import HERE, ROOT, Figure, median_time, run_python

TRAJECTORIES_1M = 1_000_000
TRAJECTORIES_10M = 10_000_000


#: What ``benchmarks/run.py`` runs, in order; ``SLOW`` ones are left out of ``--quick``.
BENCHMARKS = ["small_runs", "throughput", "versus_hand_numpy", "first_run", "fermi", "memory",
              "dask_per_core"]
SLOW = {"memory", "dask_per_core"}


def figures(quick: bool = False) -> list[Figure]:
    """Every engine figure of issue 7 §2 (and the Fermi comparison of §4)."""
    result: list[Figure] = []
    for name in BENCHMARKS:
        if quick and name in SLOW:
            continue
        measured = globals()[name]()
        result.extend(measured if isinstance(measured, list) else [measured])
    return result


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def small_runs(repeats: int = 21) -> list[Figure]:
    """10,000 and 1,000 trajectories in-process, after the first run (the what-if path)."""
    case = yubi.load_case()
    rows = []
    for samples, target in ((10_000, 0.040), (1_000, 0.010)):
        seconds = median_time(lambda n=samples: yubi.simulate(case, n, seed=1),
                              repeats=repeats, warmup=2)
        rows.append(Figure(
            f"bundled case, {samples:,} trajectories in-process",
            f"{seconds * 1000:.1f} ms", f"≤ {target * 1000:.0f} ms", _verdict(seconds <= target),
            "after the first run (kernel compiled, tables built); default parallelism",
        ))
    return rows


def small_run() -> Figure:
    """The 10,000-trajectory figure alone (the name ``benchmarks/run.py`` calls)."""
    return small_runs()[0]


def throughput(samples: int = TRAJECTORIES_1M, repeats: int = 3) -> Figure:
    """Trajectory-months per second on the bundled case, summaries included, 2 cores."""
    case = yubi.load_case()
    seconds = median_time(lambda: yubi.simulate(case, samples, seed=1), repeats=repeats)
    rate = samples * len(case.months) / seconds
    return Figure(
        f"bundled case, {samples:,} trajectories × {len(case.months)} months",
        f"{rate / 1e6:.1f} M trajectory-months/s ({seconds:.2f} s)",
        "≥ 12 M/s on 2 cores", _verdict(rate >= 12e6),
        f"{len(case.outputs)} outputs, {len(case.variables)} quantities and flows, "
        f"summaries included, default parallelism ({os.cpu_count()} threads)",
    )


def versus_hand_numpy(samples: int = 262_144, repeats: int = 3) -> list[Figure]:
    """The engine against a hand-vectorized NumPy version of the bundled case, one thread."""
    import hand_numpy

    case = yubi.load_case()
    months = len(case.months)
    engine = median_time(lambda: yubi.simulate(case, samples, seed=1, threads=1),
                         repeats=repeats)
    hand = median_time(lambda: hand_numpy.simulate(samples, seed=1), repeats=repeats)
    ratio = engine / hand
    return [
        Figure(
            "hand-vectorized NumPy version of the bundled case, one thread",
            f"{samples * months / hand / 1e6:.1f} M trajectory-months/s",
            "reference", "reference",
            "benchmarks/hand_numpy.py: same model, formulas typed as NumPy array passes, "
            "the engine's summaries",
        ),
        Figure(
            "engine ÷ hand-vectorized NumPy (time, one thread each)",
            f"{ratio:.2f}×", "≤ 0.8×", _verdict(ratio <= 0.8),
            f"engine {samples * months / engine / 1e6:.1f} M/s on the same {samples:,} "
            "trajectories",
        ),
    ]


_COLD = """
import time
started = time.perf_counter()
import yubi
from yubi.engine import compiled
case = yubi.load_case({path!r})
loaded = time.perf_counter()
yubi.simulate(case, 10_000, seed=1)
print(sum(compiled.compile_seconds.values()), loaded - started, time.perf_counter() - loaded)
"""


def first_run() -> Figure:
    """Cases of a structure no kernel cache has seen: ``yubi run`` whole process with 10,000
    trajectories, and (another new structure, in a fresh interpreter) where its time goes."""
    folder = Path(tempfile.mkdtemp(prefix="yubi-bench-"))
    environment = {**os.environ, "YUBI_KERNEL_CACHE": str(folder / "kernels")}
    try:
        whole_path, split_path = _new_structures(folder)
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("yubi")), "run", str(whole_path),
                        "--samples", "10000", "--json"], env=environment, capture_output=True,
                       check=True, cwd=ROOT)
        whole = time.perf_counter() - started
        printed = subprocess.run([sys.executable, "-c", _COLD.format(path=str(split_path))],
                                 env=environment, capture_output=True, text=True, check=True,
                                 cwd=ROOT).stdout
        compile_seconds, load, run = (float(value) for value in printed.split())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Figure(
        "`yubi run` on a case of a new structure, 10,000 trajectories (fresh process)",
        f"{whole:.2f} s", "≤ 2 s", _verdict(whole <= 2),
        f"first-run kernel compile {compile_seconds:.2f} s; in a fresh interpreter: import and "
        f"load {load:.2f} s, first simulate {run:.2f} s (compile included). The summary "
        "kernels compile once per installation (numba's cache) and are not counted",
    )


def _new_structures(folder: Path) -> tuple[Path, Path]:
    """Two copies of the bundled case, each with one extra output never compiled before."""
    text = (ROOT / "src/yubi/cases/dprk-russia-2024.yaml").read_text(encoding="utf-8")
    paths = []
    for factor in ("0.5", "0.25"):
        probe = (f"\noutputs:\n  bench_probe:\n    label: Probe\n    unit: soldier\n"
                 f"    expr: \"deployed * {factor} + {time.time_ns() % 997}\"\n")
        path = folder / f"probe-{factor}.yaml"
        path.write_text(text.replace("\noutputs:\n", probe, 1), encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


def fermi(samples: int = 1_000_000, repeats: int = 5) -> list[Figure]:
    """The revenue Fermi model in yubi, plain NumPy and Squiggle 0.10 (node)."""
    import numpy as np
    from scipy import special

    case = yubi.load_case(HERE / "cases" / "fermi.yaml")
    yubi_seconds = median_time(lambda: yubi.simulate(case, samples, seed=1), repeats=repeats)

    def plain_numpy() -> float:
        rng = np.random.default_rng(1)
        z = special.ndtri(0.95)

        def between(low: float, high: float) -> np.ndarray:
            sigma = np.log(high / low) / (2 * z)
            return np.exp(rng.normal(np.log(np.sqrt(low * high)), sigma, samples))

        troops, pay = between(10_000, 13_000), between(40e6, 80e6)
        rate, cap = between(1300, 1450), between(30_000, 100_000)
        deployed = troops + rng.beta(2, 5, samples) * (cap - troops)
        return float((deployed * pay / rate).mean())

    numpy_seconds = median_time(plain_numpy, repeats=repeats)
    figures = [
        Figure("Fermi revenue model, yubi, 1,000,000 samples", f"{yubi_seconds:.3f} s",
               "NumPy ≈ 0.18 s (issue)", "reference",
               f"plain NumPy here: {numpy_seconds:.3f} s"),
    ]
    squiggle = _squiggle_seconds(samples, repeats)
    if squiggle is None:
        figures.append(Figure("Squiggle 0.10 ÷ yubi (time per sample)", "not measured",
                              "≥ 5×", "skipped", "node or @quri/squiggle-lang 0.10 missing"))
    else:
        ratio = squiggle / yubi_seconds
        figures.append(Figure(
            "Squiggle 0.10 ÷ yubi (time per sample)", f"{ratio:.1f}× (Squiggle {squiggle:.2f} s)",
            "≥ 5× (Squiggle ≈ 1.3 s)", "met" if ratio >= 5 else "NOT met",
            "@quri/squiggle-lang 0.10.0 run by node, sampleCount 1,000,000",
        ))
    return figures


def _squiggle_seconds(samples: int, repeats: int) -> float | None:
    work = HERE / ".work"
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    package = work / "node_modules" / "@quri" / "squiggle-lang"
    if not package.exists():
        work.mkdir(exist_ok=True)
        (work / "package.json").write_text(
            '{"name": "yubi-bench", "private": true, "type": "module"}'
        )
        result = subprocess.run(["npm", "install", "--silent", "@quri/squiggle-lang@0.10.0"],
                                cwd=work, capture_output=True, timeout=600)
        if result.returncode != 0:
            return None
    code = (HERE / "fermi.squiggle").read_text()
    script = work / "fermi.mjs"
    script.write_text(
        'import { run } from "@quri/squiggle-lang";\n'
        f"const code = {json.dumps(code)};\n"
        "const times = [];\n"
        f"for (let i = 0; i < {repeats + 1}; i++) {{\n"
        "  const t0 = performance.now();\n"
        "  const out = await run(code, { environment: "
        f"{{ sampleCount: {samples}, xyPointLength: 1000, seed: String(i) }} }});\n"
        "  if (!out.result.ok) { throw new Error(out.result.value.toString()); }\n"
        "  times.push((performance.now() - t0) / 1000);\n"
        "}\n"
        "times.shift(); times.sort((a, b) => a - b);\n"
        "console.log(times[Math.floor(times.length / 2)]);\n"
    )
    completed = subprocess.run(["node", str(script)], cwd=work, capture_output=True, text=True,
                               timeout=900)
    if completed.returncode != 0:
        return None
    return float(completed.stdout.strip().splitlines()[-1])


_PEAK = """
import resource, yubi
case = yubi.load_case()
yubi.simulate(case, {samples}, seed=1, threads=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def memory() -> Figure:
    """Peak resident memory at 10,000,000 trajectories against 100,000, one process each."""
    small = int(run_python(_PEAK.format(samples=100_000)))
    large = int(run_python(_PEAK.format(samples=TRAJECTORIES_10M), timeout=3600))
    ratio = large / small
    return Figure(
        "peak memory, 10,000,000 ÷ 100,000 trajectories",
        f"{ratio:.2f}× ({large / 1024:.0f} MiB vs {small / 1024:.0f} MiB)",
        "≤ 1.2×", _verdict(ratio <= 1.2),
        "peak RSS of a fresh process, one thread, bundled case",
    )


def dask_per_core(samples: int = TRAJECTORIES_10M) -> Figure:
    """Dask LocalCluster, 2 single-threaded workers, against 2 threads in-process."""
    case = yubi.load_case()
    yubi.simulate(case, 10_000, seed=1)  # the kernel compiled, as for the in-process run
    seconds = {}
    for label, options in (("in-process", {"threads": 2}), ("dask", {"workers": 2})):
        started = time.perf_counter()
        yubi.simulate(case, samples, seed=1, **options)
        seconds[label] = time.perf_counter() - started
    ratio = seconds["in-process"] / seconds["dask"]
    return Figure(
        f"Dask 2 workers ÷ in-process 2 threads, {samples:,} trajectories (throughput per core)",
        f"{ratio:.0%} ({seconds['dask']:.1f} s vs {seconds['in-process']:.1f} s)",
        "≥ 80 %", _verdict(ratio >= 0.8),
        "LocalCluster start-up included; workers reduce their chunks and ship one summary each",
    )


def dask_scaling() -> Figure:
    """The Dask figure (the name ``benchmarks/run.py`` calls)."""
    return dask_per_core()


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    quick = "--quick" in sys.argv
    for figure in figures(quick=quick):
        print(figure.row(), flush=True)
