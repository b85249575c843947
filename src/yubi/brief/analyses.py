"""The numbers behind a brief: one simulation run and the sensitivity analyses, timed.

Nothing here depends on the reader's language: a brief in English and one in Korean of the
same case, samples and seed report the same numbers.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from yubi.analysis.sensitivity import SensitivityResult, analyze, tornado
from yubi.app.settings import Settings
from yubi.brief.forking import can_fork
from yubi.case.model import Case
from yubi.case.schema import Impact
from yubi.engine import SimulationResult, simulate
from yubi.errors import UsageError, YubiInputError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

__all__ = [
    "Analyses",
    "StepListener",
    "Timings",
    "binary_outputs",
    "default_key_month",
    "default_key_outputs",
    "run_analyses",
]

KEY_OUTPUTS = 3


class StepListener(Protocol):
    """Told when each step starts (e.g. a progress bar: :class:`yubi.cli.progress.StepBar`)."""

    def start(self, name: str) -> None: ...

    def trajectories(self, total: int) -> Callable[[int], None]: ...


@dataclass
class Timings:
    """Wall-clock seconds per step, in the order the steps ran.

    ``listener``, when set, is told as each step starts and follows the simulation's
    trajectories (see :class:`StepListener`).
    """

    steps: list[tuple[str, float]] = field(default_factory=list)
    listener: StepListener | None = field(default=None, repr=False, compare=False)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        if self.listener is not None:
            self.listener.start(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.steps.append((name, time.perf_counter() - start))

    @property
    def total(self) -> float:
        return sum(seconds for _, seconds in self.steps)

    def report(self) -> str:
        """``simulate 1.82 s`` lines and a total, for stderr."""
        width = max((len(name) for name, _ in self.steps), default=5)
        lines = [f"  {name:<{width}}  {seconds:6.2f} s" for name, seconds in self.steps]
        lines.append(f"  {'total':<{width}}  {self.total:6.2f} s")
        return "\n".join(lines)


@dataclass(frozen=True)
class Analyses:
    """A run and its sensitivity analyses, with the choices that shaped them."""

    case: Case
    settings: Settings
    result: SimulationResult
    month: str
    key_outputs: tuple[str, ...]
    binary: frozenset[str]
    sobol: dict[str, SensitivityResult]
    tornado: dict[str, SensitivityResult]
    timings: Timings
    #: What ``alongside`` (see :func:`run_analyses`) returned, e.g. charts drawn per language.
    alongside: Any = None
    #: The run reweighted by the store's evidence (``settings.as_of``), its ``evidence`` the
    #: prior and posterior per branch and the effective sample size; ``None`` without.
    posterior: SimulationResult | None = None

    @property
    def month_index(self) -> int:
        return self.case.months.index(self.month)


def default_key_month(case: Case) -> str:
    """The first December at least a year into the horizon (else the horizon's last month)."""
    for index, month in enumerate(case.months):
        if index >= 12 and month.endswith("-12"):
            return month
    return case.months[-1]


#: A 0/1 output's interpolated quantiles fall between 0 and 1 only where a quantile sits on
#: the jump (P(1) ≈ 1 − q); more fractional values than this share mean a real quantity.
FRACTIONAL_SHARE = 0.02


def binary_outputs(result: SimulationResult) -> frozenset[str]:
    """The events: outputs that are 0 or 1 each month, reported as probabilities.

    The case's ``kind: event`` outputs when it declares any; otherwise (a ``yubi: 1`` file)
    the outputs whose quantiles, in every month and scenario, are 0 or 1 but for the few
    that interpolation puts on the jump (at most :data:`FRACTIONAL_SHARE` of them).
    """
    declared = frozenset(o.id for o in result.case.outputs if o.event)
    if declared:
        return declared
    found = set()
    scenarios = ["all", *(s.id for s in result.case.scenarios)]
    for output in result.case.outputs:
        values = np.concatenate([
            result.statistic(output.id, statistic, scenario)
            for scenario in scenarios for statistic in ("p05", "p25", "p50", "p75", "p95")
        ])
        values = values[np.isfinite(values)]
        whole = (values == 0) | (values == 1)
        if (values.size and np.all((values >= 0) & (values <= 1)) and whole.any()
                and np.mean(~whole) <= FRACTIONAL_SHARE):
            found.add(output.id)
    return frozenset(found)


def default_key_outputs(case: Case, binary: frozenset[str]) -> tuple[str, ...]:
    """Up to three outputs to headline: the first continuous measure of each impact.

    Impacts are taken in turn from the positive and the negative list (so the bottom line
    weighs gains against costs); from each, its first output that is not binary (0/1), not
    already chosen. When impacts name fewer than three, the case's other continuous outputs
    follow in file order.
    """
    positive = [i for i in case.file.impacts if i.direction == "positive"]
    negative = [i for i in case.file.impacts if i.direction == "negative"]
    turns = [impact for pair in _interleave(positive, negative) for impact in pair]
    chosen: list[str] = []
    candidates = [next((o for o in impact.outputs if o not in binary), "") for impact in turns]
    candidates += [o.id for o in case.outputs]
    for output in candidates:
        if output and output not in binary and output not in chosen:
            chosen.append(output)
        if len(chosen) == KEY_OUTPUTS:
            break
    return tuple(chosen)


def _interleave(first: Sequence[Impact], second: Sequence[Impact]) -> list[list[Impact]]:
    rounds = max(len(first), len(second))
    return [[*first[i:i + 1], *second[i:i + 1]] for i in range(rounds)]


def run_analyses(
    case: Case,
    settings: Settings,
    timings: Timings | None = None,
    *,
    alongside: Callable[[Analyses, str], Any] | None = None,
) -> Analyses:
    """Simulate ``case`` and analyse the sensitivity of its key outputs at the key month.

    Parameters
    ----------
    alongside
        Work that needs part of the results (drawing charts), done in forked processes while
        this one goes on: ``alongside(analyses, "run")`` as soon as the run is done (while
        the sensitivity analyses run), and ``alongside(analyses, "tornado")`` once the
        tornado analyses are done (while Sobol', the longest, runs). Their return values are
        kept in :attr:`Analyses.alongside` by stage. Where ``fork`` is unavailable they run
        afterwards.
    """
    timings = timings or Timings()
    month = settings.month or default_key_month(case)
    case.month_index(month)  # raises a CaseError naming the horizon when outside it
    with timings.step("simulate"):
        follow = timings.listener.trajectories(settings.samples) if timings.listener else None
        result = simulate(case, settings.samples, seed=settings.seed,
                          sampler=settings.sampler, progress=follow)
    posterior = None
    if settings.as_of is not None:
        with timings.step("simulate under the evidence"):
            follow = (timings.listener.trajectories(settings.samples) if timings.listener
                      else None)
            posterior = _under_evidence(case, settings, follow)
    binary = binary_outputs(result)
    key_outputs = settings.key_outputs or default_key_outputs(case, binary)
    for output in key_outputs:
        case.output(output)  # raises a CaseError listing the outputs when unknown
    analyses = Analyses(case, settings, result, month, tuple(key_outputs), binary, {}, {},
                        timings, posterior=posterior)
    sides: dict[str, _Alongside] = {}
    if alongside is not None:
        sides["run"] = _Alongside(alongside, analyses, "run")
    tornadoes: dict[str, SensitivityResult] = {}
    if settings.tornado_samples:
        with timings.step("sensitivity: tornado"):
            for output in key_outputs:
                tornadoes[output] = tornado(case, output, month, seed=settings.seed,
                                            samples=settings.tornado_samples)
        if alongside is not None:
            sides["tornado"] = _Alongside(alongside, replace(analyses, tornado=tornadoes),
                                          "tornado")
    sobol: dict[str, SensitivityResult] = {}
    if settings.sobol_samples:
        with timings.step("sensitivity: Sobol'"):
            for output in key_outputs:
                sobol[output] = analyze(case, output=output, month=month, method="sobol",
                                        samples=settings.sobol_samples, seed=settings.seed)
    extra = None
    if sides:
        forked = all(side.forked for side in sides.values())
        with timings.step("charts (drawn alongside; waiting)" if forked else "charts"):
            extra = {stage: side.result() for stage, side in sides.items()}
    return replace(analyses, sobol=sobol, tornado=tornadoes, alongside=extra)


def _under_evidence(case: Case, settings: Settings,
                    progress: Callable[[int], None] | None) -> SimulationResult:
    """The run of ``case`` reweighted by the evidence the store holds on ``settings.as_of``
    (its ``evidence``: prior and posterior per branch, effective sample size)."""
    from yubi import app

    return app.run(case, **settings.run_options(), progress=progress, as_of=settings.as_of,
                   store=settings.store)


class _Alongside:
    """``job(argument, stage)`` in a forked child process, its result read back through a
    pipe.

    ``fork`` hands the child the parent's memory (the case, with its compiled expressions,
    and the run), so nothing but the result is pickled. Bad input in the child (a font
    without the needed glyphs) comes back as a :class:`UsageError`.
    """

    def __init__(self, job: Callable[[Analyses, str], Any], argument: Analyses,
                 stage: str) -> None:
        self.job = job
        self.argument = argument
        self.stage = stage
        self.forked = can_fork()
        if self.forked:
            context = multiprocessing.get_context("fork")
            self.reader, writer = context.Pipe(duplex=False)
            self.process = context.Process(target=_child, args=(job, argument, stage, writer),
                                           daemon=True)
            self.process.start()
            writer.close()

    def result(self) -> Any:
        if not self.forked:
            return self.job(self.argument, self.stage)
        try:
            status, payload = self.reader.recv()
        except EOFError:
            self.process.join()
            raise RuntimeError(
                f"the chart process ended without a result (exit code {self.process.exitcode})"
            ) from None
        finally:
            self.reader.close()
        self.process.join()
        if status == "input":
            raise UsageError(payload)
        if status == "error":
            raise RuntimeError(f"in the chart process: {payload}")
        return payload


def _child(job: Callable[[Analyses, str], Any], argument: Analyses, stage: str,
           writer: Connection) -> None:
    try:
        writer.send(("ok", job(argument, stage)))
    except YubiInputError as error:
        writer.send(("input", str(error)))
    except Exception as error:  # reported to the parent, which raises it
        writer.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        writer.close()

