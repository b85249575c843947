"""``yubi brief``: the command; the brief itself (analyses, charts, HTML, PDF) is yubi.brief."""

from __future__ import annotations

from typing import Annotated

import typer

from yubi.app.settings import BRIEF_SAMPLES, Settings
from yubi.case import load_case
from yubi.cli import command_app
from yubi.cli.common import (
    CaseArgument,
    SamplerOption,
    SeedOption,
    batch_collector,
    case_ref,
)
from yubi.errors import UsageError
from yubi.text import console, shown, visible

app = command_app()

__all__ = ["app", "brief", "brief_settings"]


@app.command()
def brief(
    case: CaseArgument = None,
    lang: Annotated[
        str,
        typer.Option("--lang", "-l", help="Language of the brief: en or ko (any with a catalog); "
                     "en,ko writes both from one run."),
    ] = "en",
    out: Annotated[
        str, typer.Option("--out", "-o", help="Folder to write the brief to (created if missing).")
    ] = "out",
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF (A4, WeasyPrint).")] = False,
    samples: Annotated[
        int, typer.Option("--samples", "-n", help="Trajectories of the simulation run.")
    ] = BRIEF_SAMPLES,
    seed: SeedOption = 0,
    sampler: SamplerOption = "mc",
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
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Weigh the run by the evidence recorded by DATE "
                     "(YYYY-MM-DD or today): the brief shows prior and posterior."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL of the evidence store, with --as-of (default: "
                     "$YUBI_DATABASE_URL, else the user's SQLite file)."),
    ] = None,
    timings: Annotated[
        bool, typer.Option("--timings", help="Print the time each step took to stderr.")
    ] = False,
) -> None:
    """Write the brief of a case: self-contained HTML (and PDF) in English or Korean."""
    import time
    from pathlib import Path

    from yubi.brief.i18n import load_translations
    from yubi.brief.pdf import HARFBUZZ_PACKAGE, Typesetter, harfbuzz_subset_missing
    from yubi.cli.progress import step_bar
    from yubi.preflight import check_output_folder

    # Validated once, before any work: every value the brief depends on.
    settings = brief_settings(samples=samples, seed=seed, sampler=sampler, month=month,
                              outputs=outputs, sobol_samples=sobol_samples,
                              tornado_samples=tornado_samples, lang=lang, as_of=as_of, db=db)
    languages = list(settings.languages)
    for language in languages:
        load_translations(language)  # an unknown language fails before any work is done
    check_output_folder(Path(out), "--out")  # and so does a folder that cannot be written
    if pdf and harfbuzz_subset_missing():
        typer.echo(f"warning: HarfBuzz's subsetter (Debian package {HARFBUZZ_PACKAGE}) is "
                   "missing, so the PDF will take several times longer; install it "
                   "(scripts/system-deps.sh does)", err=True)
    # Forked before NumPy and the rest are imported, so WeasyPrint's set-up overlaps them.
    with batch_collector(), Typesetter(len(languages) if pdf else 0) as typesetter:
        from yubi.brief import Timings, prepare, write_briefs

        steps = Timings()
        steps.steps.append(("start-up (imports, CPU)", time.process_time()))
        count = (3 + bool(sobol_samples) + bool(tornado_samples) + 2 * len(languages) + pdf
                 + (settings.as_of is not None))
        with step_bar(count) as bar:
            steps.listener = bar
            with steps.step("load case"):
                compiled = load_case(case_ref(case))
            analyses = prepare(compiled, settings, languages, steps)
            files = write_briefs(compiled, out, languages, pdf=pdf, analyses=analyses,
                                 typesetter=typesetter)
    errors = console(stderr=True)
    if timings:
        errors.print("timings:\n" + "\n".join(shown(line) for line in steps.report().splitlines()))
    else:
        errors.print(f"[dim]brief done in {steps.total:.1f} s (--timings for the steps)[/dim]")
    written = [path for brief in files for path in (brief.html, brief.pdf) if path is not None]
    typer.echo("brief written to:\n" + "\n".join(f"  {visible(path)}" for path in written))


def brief_settings(*, samples: int, seed: int, sampler: str, month: str | None,
                   outputs: str | None, sobol_samples: int, tornado_samples: int, lang: str,
                   as_of: str | None, db: str | None, **_other: object) -> Settings:
    """The :class:`~yubi.app.settings.Settings` of ``yubi brief``'s options (by their
    parameter names; options that change no number, such as ``--pdf``, are ignored)."""
    if db is not None and as_of is None:
        raise UsageError("--db names the evidence store, read only with --as-of DATE")
    return Settings(samples=samples, seed=seed, sampler=sampler, month=month,
                    key_outputs=outputs, sobol_samples=sobol_samples,
                    tornado_samples=tornado_samples, languages=lang or "en", as_of=as_of,
                    store=db)
