"""One command line: CASE first everywhere, one letter per option, --version, -q/-v, completion."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yubi.cli import COMMANDS, app, load_command, main

HERE = Path(__file__).parent
SMALL_CASE = HERE / "small-case.yaml"

#: Commands that work on a case; every one must take CASE as its first positional argument.
CASE_COMMANDS = {
    "run", "validate", "check", "variant", "sensitivity", "brief", "update", "ach", "resolve",
    "score", "hindcast", "export", "evidence add", "evidence import", "evidence list",
    "evidence show", "evidence correct", "evidence retract", "evidence history",
    "forecast model", "forecast add", "forecast predict", "forecast list",
}
#: Commands with no case: the case file itself is what they write or print, or the store only.
CASELESS = {"schema", "cases", "new", "db upgrade", "db check", "upgrade", "serve", "user add",
            "user set", "user list", "token create", "token revoke"}


# Typer vendors its own click: its classes are recognised by their kind, not by isinstance.
def _arguments(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "argument"]


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option"]


def _leaves(name: str, command: Any) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        for sub, child in command.commands.items():
            yield from _leaves(f"{name} {sub}", child)
    else:
        yield name, command


def _all_commands() -> dict[str, Any]:
    return {path: command for name in COMMANDS
            for path, command in _leaves(name, load_command(name))}


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_command_is_classified() -> None:
    assert set(_all_commands()) == CASE_COMMANDS | CASELESS


@pytest.mark.parametrize("path", sorted(CASE_COMMANDS))
def test_case_is_the_first_positional_argument(path: str) -> None:
    command = _all_commands()[path]
    arguments = _arguments(command)
    assert arguments and arguments[0].name == "case", path
    assert not arguments[0].required, f"{path}: CASE must default to the bundled case"
    for option in _options(command):
        if "--case" in option.opts:
            assert option.hidden, f"{path}: --case is a hidden, deprecated alias"


def test_no_letter_means_two_options() -> None:
    commands = {"yubi": typer_root_command(), **_all_commands()}
    meaning: dict[str, set[str]] = defaultdict(set)
    for command in commands.values():
        for option in _options(command):
            if option.hidden:
                continue
            short = [o for o in option.opts if len(o) == 2]
            long = [o for o in option.opts if o.startswith("--")]
            for letter in short:
                meaning[letter].update(long)
    clashes = {letter: names for letter, names in meaning.items() if len(names) > 1}
    assert not clashes
    assert meaning["-o"] == {"--out"} and meaning["-n"] == {"--samples"}
    assert meaning["-s"] == {"--seed"} and meaning["-m"] == {"--month"}


def typer_root_command() -> Any:
    import typer.main

    return typer.main.get_command(app)


def test_version_and_completion(capsys: pytest.CaptureFixture[str]) -> None:
    from yubi import __version__

    code, out, _ = _cli(capsys, "--version")
    assert code == 0 and out == f"yubi {__version__}\n"
    options = {o for p in typer_root_command().params for o in p.opts}
    assert {"--install-completion", "--show-completion", "-q", "-v"} <= options
    code, out, _ = _cli(capsys, "--help")
    assert "--install-completion" in out and "--quiet" in out


def test_default_case_is_noted_once_and_quiet_silences_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _cli(capsys, "validate")
    assert code == 0 and out.startswith("ok:")
    assert err == "note: no CASE given: using the bundled case dprk-russia-2024\n"
    code, _, err = _cli(capsys, "validate", "dprk-russia-2024")
    assert code == 0 and err == ""
    code, _, err = _cli(capsys, "-q", "validate")
    assert code == 0 and err == ""


def test_verbose_logs_through_logging(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    assert main(["-vv", "validate", str(SMALL_CASE)]) == 0
    assert logging.getLogger("yubi").level == logging.DEBUG
    assert main(["-v", "validate", str(SMALL_CASE)]) == 0
    assert logging.getLogger("yubi").level == logging.INFO
    assert main(["validate", str(SMALL_CASE)]) == 0
    assert logging.getLogger("yubi").level == logging.WARNING
    capsys.readouterr()


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


def test_store_commands_take_case_positionally(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case, db = str(SMALL_CASE), ("--db", store)
    assert _cli(capsys, "evidence", "add", case, "--date", "2025-04-26", "--text", "Kursk",
                "--source", "MoD", "--reliability", "C", "--credibility", "2", "--indicator",
                "kursk_retaken", "--id", "kursk", *db)[0] == 0
    code, out, err = _cli(capsys, "evidence", "list", case, "--json", *db)
    assert code == 0 and err == "" and '"kursk"' in out
    assert _cli(capsys, "forecast", "add", case, "talks", "Talks by June?", "--close",
                "2025-06-30", *db)[0] == 0
    assert _cli(capsys, "forecast", "predict", case, "talks", "0.3", "--analyst", "kim",
                "--date", "2025-01-01", *db)[0] == 0
    code, out, err = _cli(capsys, "forecast", "list", case, "--json", *db)  # the example
    assert code == 0 and err == "" and '"kim": 0.3' in out
    assert _cli(capsys, "resolve", case, "talks", "yes", "--date", "2025-05-16", "--source",
                "Istanbul", *db)[0] == 0
    code, out, _ = _cli(capsys, "export", case, "forecasts", "-f", "json", *db)
    assert code == 0 and '"talks"' in out
    assert _cli(capsys, "evidence", "retract", case, "kursk", "--reason", "wrong", *db)[0] == 0
    code, out, _ = _cli(capsys, "evidence", "history", case, "kursk", *db)
    assert code == 0 and out.count('"version"') == 2


def test_deprecated_case_option_still_works_with_a_note(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(capsys, "forecast", "list", "--case", str(SMALL_CASE), "--db", store)
    assert code == 0
    assert err == "note: --case is deprecated; give the case as the first argument (CASE)\n"
    code, _, err = _cli(capsys, "forecast", "list", str(SMALL_CASE), "--case", str(SMALL_CASE),
                        "--db", store)
    assert code == 2 and "give the case once" in err


def test_missing_argument_after_case_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "resolve", "talks", "--date", "2025-05-16", "--source", "x")
    assert code == 2 and "missing argument ANSWER" in err and "[CASE] QUESTION ANSWER" in err


def test_evidence_for_other_scenarios_names_case(
    tmp_path: Path, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "harbour.csv"
    rows.write_text("date,text,source,reliability,credibility,lik_open,lik_closed\n"
                    "2025-01-01,ships seen,port log,B,2,0.8,0.2\n", encoding="utf-8")
    code, out, err = _cli(capsys, "evidence", "import", str(rows), "--db", store)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "note: no CASE given: using the bundled case dprk-russia-2024",
        f"error: the evidence in harbour.csv uses scenarios closed, open; CASE dprk-russia-2024 "
        f"({Path(err.split('(')[1].split(')')[0])}) has quick_kursk, protracted, russia_defeat; "
        "pass the case file as CASE (the first argument)",
    ]


def test_store_evidence_for_other_scenarios_names_case(
    tmp_path: Path, store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(capsys, "evidence", "add", str(SMALL_CASE), "--date", "2025-04-26", "--text",
                "Kursk", "--source", "MoD", "--reliability", "C", "--credibility", "2",
                "--lik", "quick_kursk=0.9", "--lik", "protracted=0.3", "--lik",
                "russia_defeat=0.1", "--db", store)[0] == 0
    # The same case id with a scenario renamed: the store's items speak of the old ids.
    edited = tmp_path / "edited.yaml"
    edited.write_text(SMALL_CASE.read_text(encoding="utf-8").replace("quick_kursk", "fast_kursk"),
                      encoding="utf-8")
    for command in (["update"], ["evidence", "list"], ["ach"]):
        code, out, err = _cli(capsys, *command, str(edited), "--db", store)
        assert code == 2 and out == ""
        assert ("the store's evidence for mini-kursk uses scenarios protracted, quick_kursk, "
                "russia_defeat; CASE mini-kursk") in err and "pass the case file as CASE" in err


def test_docs_table_lists_every_option_with_its_letter() -> None:
    """docs/cli.md's table: one row per option, its letter and the commands that have it."""
    import re

    table = (HERE.parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
        r"^\| `(--[a-z-]+)` \| (`-[a-z]`|–) \| ([^|]+) \|$", table, re.MULTILINE)}
    actual: dict[str, tuple[str, list[str]]] = {}
    for name, command in {"yubi": typer_root_command(), **_all_commands()}.items():
        for option in _options(command):
            if option.hidden:
                continue
            long = next(o for o in option.opts if o.startswith("--"))
            short = next((f"`{o}`" for o in option.opts if len(o) == 2), "–")
            actual.setdefault(long, (short, []))[1].append(name)
    assert set(documented) == set(actual)
    for long, (short, names) in actual.items():
        assert documented[long][0] == short, long
        assert documented[long][1].strip() == ", ".join(names), long


def test_sensitivity_old_o_still_names_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "sensitivity", "ishigami", "-o", "y", "-n", "64", "--json")
    assert code == 0 and json.loads(out)["output"]["id"] == "y"
    assert err == ("note: -o for the output is deprecated (-o is --out in every command); "
                   "use --output\n")
