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
from rich.table import Table

from yubi.app.settings import Settings
from yubi.case import bundled_case_names, load_case
from yubi.case.loader import read_case_file, resolve_case
from yubi.cli import command_app
from yubi.cli.common import CaseArgument, SamplerOption, SeedOption, case_ref
from yubi.errors import UsageError
from yubi.text import console, shown

if TYPE_CHECKING:
    from yubi.case.compiled import Case

app = command_app()

__all__ = ["CaseArgument", "app"]


@app.command()
def run(
    case: CaseArgument = None,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Trajectories.")] = 10_000,
    seed: SeedOption = 0,
    sampler: SamplerOption = "mc",
    outputs: Annotated[
        str | None,
        typer.Option("--outputs", help="Comma-separated outputs to show (default: the key "
                     "outputs, those the case's impacts and thresholds name)."),
    ] = None,
    months: Annotated[
        str | None,
        typer.Option("--months", help="Comma-separated months YYYY-MM to show (default: a few "
                     "across the horizon)."),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every output at every half-year, all statistics.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(help="Run on a Dask LocalCluster of N processes.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of an existing Dask scheduler.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the tidy summary table (.parquet or .csv)."),
    ] = None,
    trajectories: Annotated[
        Path | None, typer.Option(help="Stream raw trajectories to this .parquet file.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Every output under the posterior given "
                     "the evidence recorded by DATE (YYYY-MM-DD or today)."),
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
    """Simulate a case; print its key outputs' headline numbers per scenario
    (median, 90% interval, threshold probabilities).

    By default the key outputs (those the case's impacts name) at a few months, fitting an
    80-column terminal; --outputs, --months and --all show others, --json every number.
    """
    from yubi import app as workbench
    from yubi.cli.progress import progress_bar
    from yubi.preflight import check_output_file, check_scheduler

    # Before the case is even read: a wrong path must not cost a simulation.
    if out is not None:
        check_output_file(out, "--out", (".parquet", ".csv"))
    if trajectories is not None:
        check_output_file(trajectories, "--trajectories", (".parquet",))
    if scheduler is not None:
        check_scheduler(scheduler)
    # Checked once, here: --as-of's date too (``today`` resolved once).
    settings = Settings(samples=samples, seed=seed, sampler=sampler, as_of=as_of)
    compiled = workbench.open_case(case_ref(case))
    if changes:
        compiled = workbench.apply_changes(compiled, workbench.parse_changes(changes))
    show_progress = not as_json and samples * len(compiled.months) >= 4e6
    if as_of is not None and workers:
        console(stderr=True).print(f"note: a run under evidence (--as-of) uses {workers} "
                                   "threads in this process, not Dask workers; the numbers "
                                   "are the same for any number", highlight=False,
                                   soft_wrap=True)
    with progress_bar(samples, enabled=show_progress) as tick:
        result = workbench.run(
            compiled, **settings.run_options(), workers=workers, scheduler=scheduler,
            trajectories=trajectories, progress=tick, as_of=settings.as_of,
        )
    if result.evidence is not None and result.evidence.warning:
        console(stderr=True).print(result.evidence.warning, highlight=False, soft_wrap=True)
    if out is not None:
        result.write_table(out)
    if as_json:
        sys.stdout.write(workbench.run_json(result))
        return
    from yubi.cli.summary import print_summary

    print_summary(result, outputs=_listed(outputs), months=_listed(months), everything=show_all)
    if out is not None:
        console(stderr=True).print(f"summary table written to {shown(out)}")
    if trajectories is not None:
        console(stderr=True).print(f"trajectories written to {shown(trajectories)}")


@app.command()
def validate(
    case: CaseArgument = None,
    deep: Annotated[bool, typer.Option(
        "--deep", help="Also simulate the case and compare typed likelihoods with the model's "
        "own (yubi check).")] = False,
) -> None:
    """Check a case file; print what it holds, or one line saying where it is wrong."""
    compiled = load_case(case_ref(case))
    file = compiled.file
    assumptions = sum(1 for q in file.quantities.values() if not q.source)
    missing_korean = _missing_korean(compiled)
    terminal = console()
    terminal.print(
        f"ok: {shown(compiled.path)}: {len(file.quantities)} quantities "
        f"({len(file.quantities) - assumptions} sourced, {assumptions} analyst assumptions), "
        f"{len(compiled.scenarios)} scenarios, {len(compiled.outputs)} outputs, "
        f"{len(compiled.months)} months from {compiled.months[0]}"
    )
    if missing_korean:
        terminal.print(f"note: {missing_korean} reader-facing texts have no Korean (ko) version")
    if deep:
        from yubi.cli.check import print_check

        print_check(compiled)


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
        table.add_row(shown(name), shown(file.title.en), str(file.as_of),
                      ", ".join(s.id for s in file.scenarios), ", ".join(file.outputs))
    console().print(table)


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
    console().print(f"wrote {shown(path)}; check it with: yubi validate {shown(path)}")


# -- helpers -------------------------------------------------------------------------------
def _listed(text: str | None) -> list[str] | None:
    """``"a, b"`` → ``["a", "b"]``; ``None`` (or only commas) → ``None``."""
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    return items or None


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
