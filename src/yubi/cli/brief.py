"""``yubi brief``: the command; the brief itself (analyses, charts, HTML, PDF) is yubi.brief."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from yubi.case import load_case
from yubi.cli import command_app
from yubi.cli.core import CaseArgument

app = command_app()


@app.command()
def brief(
    case: CaseArgument = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the brief: en or ko (any with a catalog).")
    ] = "en",
    out: Annotated[
        str, typer.Option("--out", "-o", help="Folder to write the brief to (created if missing).")
    ] = "out",
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF (A4, WeasyPrint).")] = False,
    samples: Annotated[
        int, typer.Option("--samples", "-n", help="Trajectories of the simulation run.")
    ] = 100_000,
    seed: Annotated[int, typer.Option(help="Seed of the run and the sensitivity analyses.")] = 0,
    sampler: Annotated[str, typer.Option(help="mc, lhs or sobol.")] = "mc",
    month: Annotated[
        str | None,
        typer.Option("--month", "-m", help="YYYY-MM the impacts and sensitivity report "
                     "(default: the first December a year or more into the horizon)."),
    ] = None,
    outputs: Annotated[
        str | None,
        typer.Option("--outputs", help="Comma-separated key outputs for the bottom line and "
                     "the sensitivity analysis (default: chosen from the case's impacts)."),
    ] = None,
    sobol_samples: Annotated[
        int, typer.Option("--sobol-samples", help="Sobol' base samples N (0 skips Sobol').")
    ] = 1024,
    tornado_samples: Annotated[
        int, typer.Option("--tornado-samples", help="Tornado replicates (0 skips the tornado).")
    ] = 2000,
    timings: Annotated[
        bool, typer.Option("--timings", help="Print the time each step took to stderr.")
    ] = False,
) -> None:
    """Write the brief of a case: self-contained HTML (and PDF) in English or Korean."""
    import time

    from yubi.brief import BriefSettings, Timings, load_translations, prepare, write_brief

    load_translations(lang)  # an unknown language fails before any work is done
    steps = Timings()
    steps.steps.append(("start-up (imports, CPU)", time.process_time()))
    with steps.step("load case"):
        compiled = load_case(case)
    key_outputs = tuple(o.strip() for o in outputs.split(",") if o.strip()) if outputs else None
    settings = BriefSettings(samples=samples, seed=seed, sampler=sampler, month=month,
                             key_outputs=key_outputs or None, sobol_samples=sobol_samples,
                             tornado_samples=tornado_samples)
    analyses = prepare(compiled, settings, [lang], steps)
    files = write_brief(compiled, out, language=lang, pdf=pdf, analyses=analyses)
    errors = Console(stderr=True)
    if timings:
        errors.print(f"timings:\n{escape(steps.report())}", highlight=False)
    else:
        errors.print(f"[dim]brief done in {steps.total:.1f} s (--timings for the steps)[/dim]")
    written = [files.html] + ([files.pdf] if files.pdf is not None else [])
    typer.echo("brief written to:\n" + "\n".join(f"  {path}" for path in written))
