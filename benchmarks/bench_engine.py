"""Engine benchmarks of issue 2, section 6, each beside its reference.

Run through ``benchmarks/run.py``; every figure is a median of repeated runs measured in
the same session, so ratios compare like with like on this (noisy, shared) machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import yubi
from common import HERE, Figure, median_time, run_python

TRAJECTORIES_1M = 1_000_000


def throughput(samples: int = TRAJECTORIES_1M, repeats: int = 3) -> Figure:
    """Trajectory-months per second on the bundled case, summaries included."""
    case = yubi.load_case()
    seconds = median_time(lambda: yubi.simulate(case, samples, seed=1), repeats=repeats)
    rate = samples * len(case.months) / seconds
    return Figure(
        f"bundled case, {samples:,} trajectories × {len(case.months)} months",
        f"{rate / 1e6:.1f} M trajectory-months/s ({seconds:.2f} s)",
        "≥ 10 M/s on 2 cores",
        "met" if rate >= 10e6 else "NOT met",
        f"{len(case.outputs)} outputs, {len(case.variables)} quantities and flows, "
        "default parallelism",
    )


def small_run(repeats: int = 9) -> Figure:
    """10,000 trajectories in-process."""
    case = yubi.load_case()
    seconds = median_time(lambda: yubi.simulate(case, 10_000, seed=1), repeats=repeats)
    return Figure(
        "bundled case, 10,000 trajectories in-process",
        f"{seconds * 1000:.0f} ms",
        "< 100 ms",
        "met" if seconds < 0.1 else "NOT met",
        "after the case is loaded; one thread",
    )


def versus_hand_numpy(samples: int = 262_144, repeats: int = 3) -> list[Figure]:
    """The engine against a hand-vectorized NumPy version of the bundled case, one core each."""
    import hand_numpy

    case = yubi.load_case()
    months = len(case.months)
    engine = median_time(lambda: yubi.simulate(case, samples, seed=1, threads=1), repeats=repeats)
    hand = median_time(lambda: hand_numpy.simulate(samples, seed=1), repeats=repeats)
    ratio = engine / hand
    return [
        Figure(
            "hand-vectorized NumPy version of the bundled case, one thread",
            f"{samples * months / hand / 1e6:.1f} M trajectory-months/s",
            "≈ 11 M/s (issue's measurement of such a model)",
            "reference",
            "benchmarks/hand_numpy.py: same model and summaries, written out by hand",
        ),
        Figure(
            "engine ÷ hand-vectorized NumPy (time, one thread each)",
            f"{ratio:.2f}×",
            "≤ 1.5×",
            "met" if ratio <= 1.5 else "NOT met",
            f"engine {samples * months / engine / 1e6:.1f} M/s "
            f"on the same {samples:,} trajectories",
        ),
    ]


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
    large = int(run_python(_PEAK.format(samples=10_000_000), timeout=1800))
    ratio = large / small
    return Figure(
        "peak memory, 10,000,000 ÷ 100,000 trajectories",
        f"{ratio:.2f}× ({large / 1024:.0f} MiB vs {small / 1024:.0f} MiB)",
        "≤ 1.5×", "met" if ratio <= 1.5 else "NOT met",
        "peak RSS of a fresh process, one thread, bundled case",
    )


def dask_scaling(samples: int = 10_000_000) -> Figure:
    """Dask LocalCluster throughput with 2 workers against 1 worker."""
    case = yubi.load_case()
    seconds = {}
    for workers in (1, 2):
        started = time.perf_counter()
        yubi.simulate(case, samples, seed=1, workers=workers)
        seconds[workers] = time.perf_counter() - started
    ratio = seconds[1] / seconds[2]
    return Figure(
        f"Dask, 2 workers ÷ 1 worker, {samples:,} trajectories (throughput)",
        f"{ratio:.2f}× ({seconds[1]:.1f} s vs {seconds[2]:.1f} s)",
        "≥ 1.6×", "met" if ratio >= 1.6 else "NOT met",
        "LocalCluster start-up included; one run each",
    )
