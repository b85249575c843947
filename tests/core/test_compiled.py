"""The fused kernel against the NumPy closures, its cache, and what it may contain.

The kernel (:mod:`yubi.engine.codegen`) must compute what the closures compute: bit for bit
up to the last-place rounding of transcendental functions where no random draw is involved,
and the same distributions where one is (its draws come from its own per-trajectory stream).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from yubi.engine import simulate
from yubi.engine.codegen import UnsupportedError, plan_kernel
from yubi.engine.compiled import kernel_for
from yubi.engine.run import CHUNK_SIZE, RunSettings, _run_in_process, _run_on_processes
from yubi.engine.sampling import chunk_design, dynamics_rng
from yubi.engine.simulate import layout_of, run_chunk

from .core_cases import BASE, compile_text, edit, minimal_case

#: Every deterministic construct of the language, delayed scenarios (by month, by an
#: uncertain month, by an event that never fires), overrides, and both stock forms.
DETERMINISTIC = minimal_case(
    quantities=(
        "  q: {label: Q, value: '1 to 100', source: report}\n"
        "  r: {label: R, distribution: {type: beta, alpha: 2, beta: 5}, source: report}\n"
        "  k: {label: K, value: 3, source: report}\n"
        "  d: {label: D, expr: 'q * r + k', source: report}\n"
    ),
    stocks=(
        "    s: {label: S, initial: 'q', update: 'max(s * (1 - r) + f, 0)'}\n"
        "    t: {label: T, initial: 0, flow: '(where(s > 20, f, -f / 2) % 7) / dt'}\n"
    ),
    flows=(
        "    f: {label: F, expr: 'clip(log1p(s) * k - month / dt, -5, 5) ** 2'}\n"
        "    g: {label: G, expr: 'min(s, t, d) if not (0 < s < 50 or t >= 3) else"
        " max(abs(t), floor(d), ceil(r), round(q))'}\n"
        "    h: {label: H, expr: 'logistic(sqrt(abs(s)) - 2) + exp(-r) * tanh(t) + sin(q)'}\n"
    ),
    events="    never: {label: N, hazard: '0', assumption: x}\n",
    scenarios=(
        "  - {id: a, label: A, prior: 0.4, prior_assumption: x}\n"
        "  - {id: b, label: B, prior: 0.3, prior_assumption: x, starts: {month: 2},\n"
        "     overrides: {k: {value: 9, assumption: x}, f: {expr: 'r * 10', assumption: x}}}\n"
        "  - {id: c, label: C, prior: 0.2, prior_assumption: x,\n"
        "     starts: {month: {type: uniform, low: 0, high: 5}, assumption: x},\n"
        "     overrides: {r: {value: 0.5, assumption: x}}}\n"
        "  - {id: e, label: E, prior: 0.1, prior_assumption: x, starts: {event: never},\n"
        "     overrides: {k: {value: 100, assumption: x}}}\n"
    ),
    outputs=(
        "  s: {label: S}\n  t: {label: T}\n  g: {label: G}\n  h: {label: H}\n"
        "  in_b: {label: B, expr: 'scenario(\"b\") + 0 * s'}\n"
    ),
    months=7,
)


def _months(case: object, rows: int, compiled: bool) -> np.ndarray:
    design = chunk_design("mc", 3, 0, CHUNK_SIZE, rows, len(case.inputs), case.correlation)
    layout = layout_of(case, design)
    kept: list[np.ndarray] = []
    run_chunk(case, design, layout, dynamics_rng(3, 0), lambda m, block: kept.append(block.copy()),
              compiled=compiled)
    return np.stack(kept)


def test_the_kernel_computes_what_the_closures_compute() -> None:
    case = compile_text(DETERMINISTIC)
    assert kernel_for(case) is not None
    kernel, closures = _months(case, 3000, True), _months(case, 3000, False)
    # Same operations in the same order; transcendental functions may round differently in
    # the last place (numexpr's, NumPy's and LLVM's implementations).
    assert_allclose(kernel, closures, rtol=1e-12, atol=1e-12)
    assert_array_equal(kernel[:, -1], closures[:, -1])  # scenario() exactly


def test_random_draws_follow_the_same_distributions() -> None:
    text = minimal_case(
        quantities="  lam: {label: L, distribution: {type: uniform, low: 0, high: 30}, source: report}\n",
        stocks="    n: {label: N, initial: 0, update: 'n + poisson(lam) + bernoulli(0.25)'}\n",
        events="    hit: {label: H, hazard: '0.2', assumption: x}\n",
        outputs="  n: {label: N}\n  hit: {label: H}\n",
        months=4,
    )
    case = compile_text(text)
    kernel, closures = _months(case, 20000, True), _months(case, 20000, False)
    for month in range(4):
        expected_n = (month + 1) * (15 + 0.25)
        for values in (kernel[month, 0], closures[month, 0]):
            assert values.mean() == pytest.approx(expected_n, rel=0.02)
            assert np.all(values == np.floor(values))
        expected_hit = 1 - 0.8 ** (month + 1)
        assert kernel[month, 1].mean() == pytest.approx(expected_hit, abs=0.015)
        assert closures[month, 1].mean() == pytest.approx(expected_hit, abs=0.015)
    # Poisson variance equals its mean: the large-mean branch (transformed rejection) too.
    assert kernel[0, 0].var() == pytest.approx(closures[0, 0].var(), rel=0.05)


def test_the_kernel_is_keyed_by_structure_not_values() -> None:
    base = plan_kernel(compile_text(DETERMINISTIC))
    values = plan_kernel(compile_text(
        edit(edit(DETERMINISTIC, "value: '1 to 100'", "value: '5 to 50'"),
             "prior: 0.4", "prior: 0.35").replace("prior: 0.1,", "prior: 0.15,")
    ))
    assert values.key == base.key
    structure = plan_kernel(compile_text(edit(DETERMINISTIC, "'r * 10'", "'r * 11'")))
    assert structure.key != base.key
    # What-ifs on values find the kernel already loaded: nothing recompiles.
    first = kernel_for(compile_text(DETERMINISTIC))
    again = kernel_for(compile_text(edit(DETERMINISTIC, "value: 3,", "value: 4,")))
    assert first is not None and again is not None and first.module is again.module


def test_generated_source_holds_no_case_text() -> None:
    """Names become slots and numbers are re-printed: no identifier of the case reaches the
    generated module."""
    text = minimal_case(
        quantities="  zebra: {label: Z, value: '1 to 2', source: report}\n",
        stocks="    walrus: {label: W, initial: zebra, update: 'walrus + okapi * 1.5e0'}\n",
        flows="    okapi: {label: O, expr: 'min(zebra, walrus) + month / dt'}\n",
        outputs="  walrus: {label: W}\n  quokka: {label: Q, expr: 'okapi * 2'}\n",
    )
    source = plan_kernel(compile_text(text)).source
    for name in ("zebra", "walrus", "okapi", "quokka", "1.5e0"):
        assert name not in source
    assert "1.5" in source


def test_binomial_runs_on_the_closures() -> None:
    text = minimal_case(
        flows="    k: {label: K, expr: 'binomial(10, 0.5)'}\n", outputs="  k: {label: K}\n"
    )
    case = compile_text(text)
    with pytest.raises(UnsupportedError):
        plan_kernel(case)
    assert kernel_for(case) is None
    assert simulate(case, 500, seed=1).statistic("k", "mean")[0] == pytest.approx(5, abs=0.5)


def test_forked_processes_give_the_same_numbers() -> None:
    case = compile_text(BASE)
    settings = RunSettings(4 * 1024 + 5, 2, "mc", chunk_size=1024)
    parts, histogram = _run_on_processes(case, settings, None)
    forked = parts.finish(histogram)
    parts, histogram = _run_in_process(case, settings, 1, None, None)
    in_process = parts.finish(histogram)
    for name in ("mean", "sd", "quantiles", "exceed_probability"):
        assert_array_equal(getattr(forked, name), getattr(in_process, name), err_msg=name)


_COLD_RUN = """
import yubi
from yubi.engine.compiled import kernel_for
case = yubi.load_case({path!r})
yubi.simulate(case, 200, seed=1)
print(kernel_for(case).module.step.stats.cache_hits and 'hit' or 'compiled')
"""


@pytest.mark.slow
def test_a_second_process_loads_the_kernel_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(DETERMINISTIC.replace("'r * 10'", "'r * 12.5'"), encoding="utf-8")
    environment = {**os.environ, "YUBI_KERNEL_CACHE": str(tmp_path / "kernels")}
    outcomes = [
        subprocess.run([sys.executable, "-c", _COLD_RUN.format(path=str(path))], env=environment,
                       capture_output=True, text=True, check=True).stdout.split()[-1]
        for _ in range(2)
    ]
    assert outcomes == ["compiled", "hit"]
    assert list((tmp_path / "kernels").glob("yubi_kernel_*.py"))


def test_import_yubi_does_not_import_the_compiler() -> None:
    code = "import sys, yubi; print(sorted({'numba', 'llvmlite'} & set(sys.modules)))"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout
    assert printed.strip() == "[]"
