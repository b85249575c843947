"""``yubi sensitivity``: the command and its tables.

The analyses (SALib, SciPy) are imported when the command runs, not when it is listed.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from yubi.app.settings import Settings
from yubi.case import load_case
from yubi.cli import command_app, common
from yubi.cli.common import CaseArgument, LangOption, SeedOption, case_ref
from yubi.errors import UsageError
from yubi.text import console as text_console
from yubi.text import shown

if TYPE_CHECKING:
    from yubi.analysis.sensitivity import InputEffect, SensitivityResult

app = command_app()

__all__ = ["print_sensitivity", "sensitivity"]

LANGUAGES = ("en", "ko")
_SOURCE_WIDTH = 60
_ANALYST = re.compile(r"^\s*(an\s+)?analyst(?:'s)?\s+(assumption|judg(?:e)?ment)s?\s*[:.,;—-]?\s*",
                      re.IGNORECASE)


@app.command()
def sensitivity(
    case: CaseArgument = None,
    output: Annotated[
        str | None, typer.Option("--output", help="Output id (default: the case's first).")
    ] = None,
    old_output: Annotated[
        str | None, typer.Option("-o", hidden=True, help="Deprecated spelling of --output.")
    ] = None,
    month: Annotated[
        list[str] | None,
        typer.Option("--month", "-m", help="YYYY-MM (default: the last month); repeat the "
                     "option to see how the ranking shifts over months."),
    ] = None,
    method: Annotated[str, typer.Option(help="sobol, morris or tornado.")] = "sobol",
    threshold: Annotated[
        str | None,
        typer.Option("--threshold", "-t", help="Analyse P(crossing) this threshold of the "
                     "output instead of its value."),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option("--samples", "-n", help="Sobol': base samples (default 2048); Morris: "
                     "trajectories (256); tornado: replicates (2000)."),
    ] = None,
    seed: SeedOption = 0,
    lang: LangOption = "en",
    top: Annotated[int | None, typer.Option(help="Show only the N most important inputs.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Rank the assumptions a result hangs on (Sobol', Morris or tornado), with their sources."""
    from yubi.analysis.sensitivity import METHODS, analyze_months
    from yubi.cli.progress import step_bar

    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, not {method!r}")
    if lang not in LANGUAGES:
        raise UsageError(f"--lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    if top is not None and top < 1:
        raise UsageError(f"--top must be 1 or more, not {top}")
    if old_output is not None:
        if output is not None:
            raise UsageError("give the output once, with --output")
        common.note("-o for the output is deprecated (-o is --out in every command); use --output")
        output = old_output
    sizes = ({f"{method}_samples": samples}
             if samples is not None and method in ("sobol", "tornado") else {})
    settings = Settings(seed=seed, **sizes)  # the checks every command shares
    with step_bar(2, enabled=not as_json) as bar:
        if bar is not None:
            bar.start("loading the case")
        compiled = load_case(case_ref(case))
        output_id = output if output is not None else compiled.outputs[0].id
        months = list(dict.fromkeys(month)) if month else [compiled.months[-1]]
        if bar is not None:
            bar.start(f"{method}: evaluating the design")
        results = analyze_months(compiled, output_id, months, method, samples, settings.seed,
                                 threshold or "value")
    ordered = [results[m] for m in months]
    if as_json:
        document = (
            ordered[0].to_dict() if len(ordered) == 1
            else {"months": months, "results": [r.to_dict() for r in ordered]}
        )
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False))
        sys.stdout.write("\n")
        return
    print_sensitivity(ordered, language=lang, top=top)


# -- tables ----------------------------------------------------------------------------------
def print_sensitivity(
    results: Sequence[SensitivityResult],
    *,
    language: str = "en",
    top: int | None = None,
    console: Console | None = None,
) -> None:
    """Print a plain summary per month, then one table (per result, or of the ranking across
    months), then each note once and what a negative index means."""
    console = console or text_console()
    first = results[0]
    for result in results:
        console.print(_summary(result, language), highlight=False)
    console.print()
    console.print(_headline(first, language))
    if len(results) == 1:
        console.print(_table(first, language, top))
    else:
        console.print(_months_table(results, language, top))
    for note in _notes_once(results):
        console.print(f"[dim]note:[/dim] {shown(note)}", highlight=False)
    if any(_negative(result) for result in results):
        console.print("[dim]note:[/dim] a negative index is Monte Carlo noise around zero: the "
                      "input matters too little to measure at this sample size (more "
                      "--samples narrow it).", highlight=False)


def _summary(result: SensitivityResult, language: str) -> str:
    """``What drives Killed (cumulative) at 2025-12: the casualty rate (55%), …``."""
    what = shown(result.output_label.get(language))
    if result.statistic_label is not None:
        what = f"P({what}: {shown(result.statistic_label.get(language))})"
    leading = [e for e in result.effects if e.importance == e.importance and e.importance > 0]
    if not leading:
        return f"Nothing in the case measurably drives {what} at {result.month}."
    measure = {"total": "share of its variance", "full_first": "share of its variance",
               "swing": "swing p10 → p90", "mu_star": "mu*"}[result.ranked_by]
    parts = [f"{shown(e.label.get(language))} ({_importance_words(e, result)})"
             for e in leading[:3]]
    return (f"[bold]What drives {what} at {result.month}[/bold] ({measure}): "
            + ", ".join(parts) + ".")


def _importance_words(effect: InputEffect, result: SensitivityResult) -> str:
    if result.ranked_by in ("total", "full_first"):
        return f"{effect.importance:.0%}"
    return _value(effect.importance, result)


def _notes_once(results: Sequence[SensitivityResult]) -> list[str]:
    """Each note once: one that recurs each month with other figures is said for the last
    month, with a word that the others are alike."""
    by_form: dict[str, list[tuple[str, str]]] = {}
    for result in results:
        for note in result.notes:
            by_form.setdefault(re.sub(r"[0-9][0-9.,]*", "#", note), []).append(
                (result.month, note))
    notes = []
    for said in by_form.values():
        texts = list(dict.fromkeys(note for _, note in said))
        if len(texts) == 1:
            notes.append(texts[0])
        else:
            notes.append(f"at {said[-1][0]} (the other months alike, with their own figures): "
                         f"{texts[-1]}")
    return notes


def _negative(result: SensitivityResult) -> bool:
    values = [v for e in result.effects for v in (e.first, e.total, e.full_first, e.importance)
              if v is not None and v == v]
    return result.method == "sobol" and any(v < 0 for v in values)


def _headline(result: SensitivityResult, language: str) -> str:
    what = shown(result.output_label.get(language))
    if result.statistic_label is not None:
        what = f"P({what}: {shown(result.statistic_label.get(language))})"
    elif result.unit not in ("1", "") and f"({result.unit})" not in what:
        what = f"{what} ({shown(result.unit)})"
    method = {"sobol": "Sobol' indices", "morris": "Morris screening",
              "tornado": "Tornado (p10 → p90)"}[result.method]
    size = {"sobol": f"{result.samples:,} base samples",
            "morris": f"{result.samples:,} trajectories",
            "tornado": f"{result.samples:,} replicate{'s' if result.samples != 1 else ''} "
                       "per bar"}[result.method]
    elapsed = result.elapsed
    extra = ""
    if result.method == "tornado" and result.baseline is not None:
        extra = f"; baseline {_value(result.baseline, result)}"
    elif result.statistic_label is not None and result.mean == result.mean:
        extra = f"; P = {result.mean:.1%}"
    return (
        f"[bold]{method} of {what}[/bold] — case {shown(result.case_id)}, {size}, "
        f"{result.evaluations:,} evaluations, seed {result.seed} ({elapsed:.2f} s){extra}"
    )


def _table(result: SensitivityResult, language: str, top: int | None) -> Table:
    title = f"{result.month} — ranked by {_measure(result.ranked_by)}"
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("input", overflow="fold")
    # Wrapped, never cut: a long word (an id, a URL) folds onto the next line.
    table.add_column("source / assumption", max_width=_SOURCE_WIDTH,
                     overflow="fold")
    given = any(effect.full_first is not None for effect in result.effects)
    correlated = any(effect.rank_correlation is not None for effect in result.effects)
    if result.method == "sobol":
        table.add_column("first order [95% CI]", justify="right")
        table.add_column("total [95% CI]", justify="right")
    elif result.method == "morris":
        table.add_column("mu* [95% CI]", justify="right")
        table.add_column("mu", justify="right")
        table.add_column("sigma", justify="right")
    else:
        table.add_column("input p10 → p90")
        table.add_column(f"result ({_unit(result)})", justify="right")
        table.add_column("swing [95% CI]", justify="right")
    if given:
        table.add_column("full first order [95% CI]", justify="right")
    if correlated:
        table.add_column("rank corr.", justify="right")
    effects = result.effects if top is None else result.effects[:top]
    for rank, effect in enumerate(effects, start=1):
        cells = [str(rank), shown(effect.label.get(language)), _provenance(result, effect)]
        cells += _method_cells(result, effect)
        if given:
            cells.append(_share(effect.full_first, effect.full_first_ci))
        if correlated:
            cells.append(_plain(effect.rank_correlation, "+.2f"))
        table.add_row(*cells)
    if result.method == "sobol" and result.noise_share is not None:
        chance = ["", "[dim]month-by-month chance[/dim]", "[dim]events, random draws[/dim]",
                  "", f"[dim]{result.noise_share:.3f}[/dim]"]
        table.add_row(*chance, *([""] * (int(given) + int(correlated))))
    return table


def _method_cells(result: SensitivityResult, effect: InputEffect) -> list[str]:
    if result.method == "sobol":
        mark = " [dim]ᵍ[/dim]" if effect.group else ""
        return [_share(effect.first, effect.first_ci) + mark,
                _share(effect.total, effect.total_ci) + mark]
    if result.method == "morris":
        mark = " [dim]ᵍ[/dim]" if effect.group else ""
        return [
            f"{_value(effect.mu_star, result)} {_interval(effect.mu_star_ci, result)}{mark}",
            _value(effect.mu, result),
            _value(effect.sigma, result),
        ]
    ends = shown(f"{effect.low_text} → {effect.high_text}")
    outputs = f"{_value(effect.low_output, result)} → {_value(effect.high_output, result)}"
    swing = _value(effect.swing, result, signed=True)
    if effect.swing_ci is not None:
        swing += f" {_interval(effect.swing_ci, result)}"
    if effect.note:
        ends += f" [dim]({shown(effect.note)})[/dim]"
    return [ends, outputs, swing]


def _months_table(results: Sequence[SensitivityResult], language: str, top: int | None) -> Table:
    first = results[0]
    table = Table(
        title=f"How the ranking shifts — {_measure(first.ranked_by)} (rank)", title_justify="left"
    )
    table.add_column("input", overflow="fold")
    # Wrapped, never cut: a long word (an id, a URL) folds onto the next line.
    table.add_column("source / assumption", max_width=_SOURCE_WIDTH,
                     overflow="fold")
    for result in results:
        table.add_column(result.month, justify="right")
    last = results[-1]
    order = last.effects if top is None else last.effects[:top]
    ranks = [{e.name: (k + 1, e) for k, e in enumerate(r.effects)} for r in results]
    for effect in order:
        cells = [shown(effect.label.get(language)), _provenance(first, effect)]
        for result, ranking in zip(results, ranks, strict=True):
            rank, entry = ranking[effect.name]
            cells.append(f"{_importance(entry, result)} ({rank})")
        table.add_row(*cells)
    return table


# -- formatting ------------------------------------------------------------------------------
def _provenance(result: SensitivityResult, effect: InputEffect) -> str:
    """The input's sources (or the analyst's assumption), whole: the column wraps them."""
    titles = result.source_titles(effect)
    if effect.kind == "scenario" and not titles and effect.assumption:
        priors = effect.assumption.removeprefix("Priors ").split(" — ")[0]
        return "[italic]priors:[/italic] " + shown(priors)
    if titles:
        return shown("; ".join(titles[:2]) + (f" (+{len(titles) - 2} more)"
                                              if len(titles) > 2 else ""))
    if effect.assumption:
        return "[italic]analyst:[/italic] " + shown(_first_clause(
            _ANALYST.sub("", effect.assumption, count=1)))
    return "–"


def _first_clause(text: str) -> str:
    """An assumption's first clause (to ``;`` or the sentence's end): the table names it, the
    case file holds the argument. Never cut inside a word."""
    head = re.split(r"(?<=[;.])\s", text.strip(), maxsplit=1)
    return head[0].rstrip(";") + (" …" if len(head) > 1 else "")


def _measure(ranked_by: str) -> str:
    return {
        "total": "total index",
        "full_first": "full first-order index (given data: robust to chance and correlation)",
        "mu_star": "mu*",
        "swing": "absolute swing",
    }[ranked_by]


def _importance(effect: InputEffect, result: SensitivityResult) -> str:
    if result.ranked_by in ("total", "full_first"):
        return _plain(effect.importance, ".3f")
    return _value(effect.importance, result)


def _share(value: float | None, interval: tuple[float, float] | None) -> str:
    if value is None:
        return "–"
    text = f"{value:.3f}"
    if interval is not None:
        text += f" [{interval[0]:.3f}, {interval[1]:.3f}]"
    return text


def _plain(value: float | None, spec: str) -> str:
    if value is None or value != value:
        return "–"
    return format(value, spec)


def _value(value: float | None, result: SensitivityResult, *, signed: bool = False) -> str:
    if value is None or value != value:
        return "–"
    if result.statistic_label is not None:
        return f"{value:+.1%}" if signed else f"{value:.1%}"
    from yubi.analysis.sensitivity import format_number

    text = format_number(value)
    return f"+{text}" if signed and value > 0 else text


def _interval(interval: tuple[float, float] | None, result: SensitivityResult) -> str:
    if interval is None:
        return ""
    return f"[{_value(interval[0], result)}, {_value(interval[1], result)}]"


def _unit(result: SensitivityResult) -> str:
    return "probability" if result.statistic_label is not None else result.unit
