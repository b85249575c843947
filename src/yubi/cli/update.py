"""``yubi update`` (sequential Bayes over the store's evidence) and ``yubi ach`` (the ACH
matrix beside the posterior the same evidence gives)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from yubi.case import load_case
from yubi.cli import command_app
from yubi.cli.common import (
    CaseArgument,
    DeprecatedCaseOption,
    SeedOption,
    case_ref,
)
from yubi.cli.storeopts import (
    AsOfOption,
    DbOption,
    JsonOption,
    day_of,
    evidence_file,
    print_json,
    short,
    stored_items,
)
from yubi.evidence import ach as ach_analysis
from yubi.evidence.updating import SKIPPED_NOTE, EvidenceUpdate, update_case
from yubi.store import export as exporting
from yubi.store.database import (
    open_engine,
)
from yubi.text import console, shown

app = command_app()


@app.command()
def update(case: CaseArgument = None, as_of: AsOfOption = None, as_json: JsonOption = False,
           db: DbOption = None, old_case: DeprecatedCaseOption = None,
           samples: Annotated[int, typer.Option(
               "--samples", "-n", help="Trajectories for the effective sample size.")] = 10_000,
           seed: SeedOption = 0) -> None:
    """Scenario probabilities after each evidence item in date order (sequential Bayes)."""
    from yubi.engine.run import RunSettings
    from yubi.evidence.posterior import ess_warning, sequential_steps
    from yubi.evidence.terms import evidence_terms

    compiled = load_case(case_ref(case, old_case))
    day = day_of(as_of)
    items = stored_items(open_engine(db), compiled, day)
    result = update_case(compiled, items, day)
    # The run under this evidence reweights trajectories: how many they are worth after each.
    steps = sequential_steps(compiled, RunSettings(samples, seed), evidence_terms(compiled, items))
    ess = {step.item_id: step.effective_sample_size for step in steps}
    warning = ess_warning(steps[-1].effective_sample_size, samples) if steps else None
    if as_json:
        document = result.to_dict()
        document["samples"] = samples
        for step in document["steps"]:
            step["effective_sample_size"] = round(ess.get(step["item"], float(samples)), 3)
        print_json(document)
        return
    _print_update(result, ess, samples)
    if warning:
        console(stderr=True).print(warning, highlight=False, soft_wrap=True)


def _print_update(result: EvidenceUpdate, ess: dict[str, float], samples: int) -> None:
    terminal = console()
    ids = result.scenario_ids
    table = Table("date", "item", "grade", "w", *ids, "ESS",
                  title=f"{shown(result.case_id)}: scenario "
                  f"probabilities after each item" + (f" (known by {result.as_of})"
                                                      if result.as_of else ""),
                  title_justify="left")
    table.add_row("prior", "", "", "", *(f"{p:.1%}" for p in result.prior), f"{samples:,}")
    groups = result.counted_once()
    later = {i for members in groups.values() for i in members[1:]}
    for k, item in enumerate(result.items):
        mark = " ≡" if item.item_id in later else ""
        table.add_row(str(item.observed_on), shown(short(item.text, 48)) + mark,
                      f"{item.reliability}{item.credibility}", f"{result.weights[k]:.2f}",
                      *(f"{p:.1%}" for p in result.posteriors[k]),
                      f"{ess.get(item.item_id, samples):,.0f}")
    terminal.print(table)
    terminal.print("final: " + ", ".join(f"{s} {p:.1%}" for s, p in zip(ids, result.final,
                                                                       strict=True)))
    kl = result.kl_divergence()
    for k in result.movers():
        terminal.print(f"moved most: {result.items[k].observed_on} "
                       f"{shown(result.items[k].item_id)} (KL {kl[k]:.3f} nats) "
                       f"{shown(short(result.items[k].text, 70))}")
    for group, members in groups.items():
        terminal.print(f"note: {len(members)} items in group {shown(repr(group))} report one "
                       f"fact and were counted once (≡): {shown(', '.join(members))}")
    if result.skipped:
        terminal.print(f"note: {len(result.skipped)} observation(s) skipped here "
                       f"({shown(', '.join(item.item_id for item in result.skipped))}): "
                       f"{SKIPPED_NOTE}")


@app.command()
def ach(
    case: CaseArgument = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the matrix as CSV.")] = False,
    file: Annotated[Path | None, typer.Option(
        "--file", help="Analyze a PARC ACH 2.0 project (.achz) instead of the store.")] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    old_case: DeprecatedCaseOption = None,
) -> None:
    """ACH matrix: consistency ratings, Heuer's (weighted) inconsistency scores,
    diagnosticity, the items that would change the ranking, and the Bayesian posterior."""
    if file is not None:
        project = ach_analysis.read_achz(evidence_file(file))
        matrix, title = project.matrix, project.title
        posterior = _flat_prior_posterior(matrix)
    else:
        compiled = load_case(case_ref(case, old_case))
        day = day_of(as_of)
        items = stored_items(open_engine(db), compiled, day)
        matrix, title = ach_analysis.matrix_from_items(compiled, items), compiled.id
        posterior = update_case(compiled, items, day).final.tolist()
    document = _ach_document(matrix, title, posterior)
    if as_json:
        print_json(document)
    elif as_csv:
        sys.stdout.write(_ach_csv(matrix, document))
    else:
        _print_ach(matrix, document)


def _flat_prior_posterior(matrix: ach_analysis.AchMatrix) -> list[float]:
    """An imported project has no priors: start from equal odds, items untempered."""
    import numpy as np

    from yubi.evidence.updating import sequential_posteriors

    count = len(matrix.hypotheses)
    start = np.full(count, 1 / count)
    if not matrix.evidence:
        return start.tolist()
    posteriors, _ = sequential_posteriors(start, np.log(matrix.likelihoods()),
                                          [None] * len(matrix.evidence))
    return [float(p) for p in posteriors[-1]]


def _ach_document(matrix: ach_analysis.AchMatrix, title: str,
                  posterior: list[float]) -> dict[str, Any]:
    hypotheses = matrix.hypotheses
    return {
        "project": title, "hypotheses": list(hypotheses),
        "inconsistency": matrix.inconsistency(),
        "weighted_inconsistency": matrix.weighted_inconsistency(),
        "ranking": matrix.ranking(),
        "posterior": dict(zip(hypotheses, posterior, strict=True)),
        "evidence": matrix.to_rows(),
        "sensitive": [{"item": s.item, "if": s.change, "top_before": list(s.top_before),
                       "top_after": list(s.top_after)} for s in matrix.sensitivity()],
        "method": "PARC ACH: I = 1, II = 2 points; credibility and relevance weights High √2, "
                  "Medium 1, Low 1/√2; lowest score most likely. Posterior: the same evidence "
                  "through its likelihoods, as `yubi update` computes it (an imported project: "
                  "from equal priors, with the likelihoods its ratings stand for).",
    }


def _ach_csv(matrix: ach_analysis.AchMatrix, document: dict[str, Any]) -> str:
    rows = matrix.to_rows()
    blank = {key: "" for key in (rows[0] if rows else {"id": ""})}
    for name in ("inconsistency", "weighted_inconsistency", "posterior"):
        rows.append({**blank, "id": name,
                     **{h: f"{document[name][h]:.6g}" for h in matrix.hypotheses}})
    return exporting.render(rows, "csv")


def _print_ach(matrix: ach_analysis.AchMatrix, document: dict[str, Any]) -> None:
    terminal = console()
    # An imported .achz names its own hypotheses and items: all of it is data.
    table = Table("item", "date", "cred", "rel", "diag", *(shown(h) for h in matrix.hypotheses),
                  title=f"ACH: {shown(document['project'])}", title_justify="left")
    for row in document["evidence"]:
        table.add_row(shown(short(f"{row['id']} {row['text']}", 50)), shown(row["date"]),
                      shown(row["credibility"]), shown(row["relevance"]),
                      str(row["diagnosticity"]), *(shown(row[h]) for h in matrix.hypotheses))
    for name, label in (("inconsistency", "inconsistency score"),
                        ("weighted_inconsistency", "weighted inconsistency"),
                        ("posterior", "posterior (Bayes)")):
        fmt = "{:.1%}" if name == "posterior" else "{:.2f}"
        table.add_row(label, "", "", "", "", *(fmt.format(document[name][h])
                                               for h in matrix.hypotheses), style="bold")
    terminal.print(table)
    terminal.print("ranking (least inconsistent first): "
                   + shown(" > ".join(document["ranking"])))
    for entry in document["sensitive"]:
        terminal.print(f"sensitive: if {shown(entry['item'])} were {shown(entry['if'])}, the top "
                       f"hypothesis would be {shown(', '.join(entry['top_after']))} instead of "
                       f"{shown(', '.join(entry['top_before']))}")
