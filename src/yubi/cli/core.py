"""``yubi run``, ``validate``, ``schema``, ``cases``, ``new``.

Top-level imports stay light (see :mod:`yubi.cli`): the engine is imported by ``run`` only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from yubi.case import bundled_case_names, load_case
from yubi.case.loader import read_case_file, resolve_case
from yubi.cli import command_app
from yubi.errors import UsageError

if TYPE_CHECKING:
    from yubi.case.model import Case
    from yubi.engine import SimulationResult
    from yubi.engine.sampling import Sampler

app = command_app()

CaseArgument = Annotated[
    str | None,
    typer.Argument(help="A case file, or the name of a bundled case (default: dprk-russia-2024)."),
]


@app.command()
def run(
    case: CaseArgument = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Trajectories.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed; same case, seed, samples → same numbers.")] = 0,
    sampler: Annotated[str, typer.Option(help="mc, lhs or sobol.")] = "mc",
    workers: Annotated[
        int | None, typer.Option(help="Run on a Dask LocalCluster of N processes.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of an existing Dask scheduler.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write the tidy summary table (.parquet or .csv).")
    ] = None,
    trajectories: Annotated[
        Path | None, typer.Option(help="Stream raw trajectories to this .parquet file.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Use scenario posteriors from evidence recorded by DATE."),
    ] = None,
    changes: Annotated[
        list[str] | None,
        typer.Option(
            "--set", metavar="KEY=VALUE",
            help='A what-if change, repeatable: QUANTITY=11000, QUANTITY="20000 to 60000", '
            "prior.SCENARIO=0.2 (the others rescale), off.SCENARIO. Recorded in the JSON.",
        ),
    ] = None,
) -> None:
    """Simulate a case and summarize every output per scenario and month."""
    from yubi import app as workbench
    from yubi.cli.progress import progress_bar

    compiled = workbench.open_case(case)
    if as_of is not None:
        compiled = _with_posteriors(compiled, as_of)
    if changes:
        compiled = workbench.apply_changes(compiled, workbench.parse_changes(changes))
    show_progress = not as_json and samples * len(compiled.months) >= 4e6
    with progress_bar(samples, enabled=show_progress) as tick:
        result = workbench.run(
            compiled, samples=samples, seed=seed, sampler=_sampler(sampler), workers=workers,
            scheduler=scheduler, trajectories=trajectories, progress=tick,
        )
    if out is not None:
        result.write_table(out)
    if as_json:
        sys.stdout.write(workbench.run_json(result))
        return
    print_summary(result)
    if out is not None:
        Console(stderr=True).print(f"summary table written to {out}")
    if trajectories is not None:
        Console(stderr=True).print(f"trajectories written to {trajectories}")


@app.command()
def validate(case: Annotated[str, typer.Argument(help="The case file to check.")]) -> None:
    """Check a case file; print what it holds, or one line saying where it is wrong."""
    compiled = load_case(case)
    file = compiled.file
    assumptions = sum(1 for q in file.quantities.values() if not q.source)
    missing_korean = _missing_korean(compiled)
    console = Console()
    console.print(
        f"ok: {compiled.path}: {len(file.quantities)} quantities "
        f"({len(file.quantities) - assumptions} sourced, {assumptions} analyst assumptions), "
        f"{len(compiled.scenarios)} scenarios, {len(compiled.outputs)} outputs, "
        f"{len(compiled.months)} months from {compiled.months[0]}"
    )
    if missing_korean:
        console.print(f"note: {missing_korean} reader-facing texts have no Korean (ko) version")


@app.command()
def schema() -> None:
    """Print the case-file JSON Schema (for editors)."""
    from yubi.case.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")


@app.command()
def cases() -> None:
    """List the bundled cases."""
    table = Table("name", "title", "as of", "scenarios", "outputs")
    table.columns[0].no_wrap = True
    for name in bundled_case_names():
        # Read and checked, not compiled: the listing needs no distributions (no SciPy).
        file = read_case_file(resolve_case(name)).file
        table.add_row(name, file.title.en, str(file.as_of),
                      ", ".join(s.id for s in file.scenarios), ", ".join(file.outputs))
    Console().print(table)


@app.command()
def new(path: Annotated[Path, typer.Argument(help="Where to write the starter case.")]) -> None:
    """Write a commented starter case to PATH."""
    from importlib import resources

    if path.suffix not in (".yaml", ".yml"):
        path = path.with_suffix(".yaml")
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it")
    if not path.parent.is_dir():
        raise UsageError(f"folder {path.parent} does not exist")
    text = resources.files("yubi.case").joinpath("starter.yaml").read_text(encoding="utf-8")
    case_id = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-_") or "my-case"
    path.write_text(text.replace("id: my-case", f"id: {case_id}", 1), encoding="utf-8")
    Console().print(f"wrote {path}; check it with: yubi validate {path}")


# -- helpers -------------------------------------------------------------------------------
def print_summary(result: SimulationResult) -> None:
    """Median [p05–p95] of each output at half-yearly months, overall and per scenario."""
    from yubi.engine.views import short_number as _short

    case = result.case
    console = Console()
    shares = result.scenario_share()
    console.print(
        f"[bold]{case.file.title.en}[/bold] — as of {case.as_of}; {result.settings.samples:,} "
        f"trajectories, seed {result.settings.seed}, {result.settings.sampler} "
        f"({result.elapsed:.2f} s)"
    )
    console.print(
        "scenarios: " + ", ".join(f"{s.id} {shares[s.id]:.1%} (prior {s.prior:.0%})"
                                  for s in case.scenarios)
    )
    if case.changes:
        console.print("what-if: " + ", ".join(f"{c.key}={c.value}" for c in case.changes),
                      markup=False)
    months = sorted({*range(5, len(case.months), 6), len(case.months) - 1})
    for output in case.outputs:
        table = Table(title=f"{output.label.en} ({output.unit_text}) — median [5%–95%]",
                      title_justify="left")
        table.add_column("month")
        for name in ["all", *(s.id for s in case.scenarios)]:
            table.add_column(name, justify="right")
        for month in months:
            cells = [case.months[month]]
            for scenario in ["all", *(s.id for s in case.scenarios)]:
                p50 = result.statistic(output.id, "p50", scenario)[month]
                p05 = result.statistic(output.id, "p05", scenario)[month]
                p95 = result.statistic(output.id, "p95", scenario)[month]
                cells.append(f"{_short(p50)} [{_short(p05)}–{_short(p95)}]")
            table.add_row(*cells)
        console.print(table)


def _sampler(name: str) -> Sampler:
    if name not in ("mc", "lhs", "sobol"):
        raise UsageError(f"--sampler must be mc, lhs or sobol, not {name!r}")
    return name  # type: ignore[return-value]


def _missing_korean(case: Case) -> int:
    from pydantic import BaseModel

    from yubi.case.schema import LocalText

    missing = 0

    def visit(value: object) -> None:
        nonlocal missing
        if isinstance(value, LocalText):
            missing += value.ko is None
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                visit(getattr(value, name))

    visit(case.file)
    return missing


def _with_posteriors(case: Case, as_of: str) -> Case:
    try:
        from yubi.analysis.updating import posterior_case
    except ImportError as error:
        raise UsageError("--as-of needs the evidence store (yubi.analysis.updating)") from error
    return posterior_case(case, as_of)


def resolve(case: str | None) -> Path:
    return resolve_case(case)
