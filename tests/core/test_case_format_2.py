"""``yubi: 2``: warnings for what is legal but almost surely wrong, ``yubi upgrade``, units.

Warnings are located lines on stderr with exit 0 (table-driven, as the errors of
``test_validation_errors.py``); the upgrade is tested on the bundled case's sibling
``harbour_v1.yaml`` (a ``yubi: 1`` file) and must not change a single number of the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from yubi.case.units import UnitError, parse_unit, unit_parts
from yubi.case.upgrade import upgrade_text
from yubi.errors import CaseError

from .core_cases import BASE, compile_text, edit, write

HARBOUR_V1 = Path(__file__).with_name("harbour_v1.yaml")
UNUSED_EVENT = "ceasefire: this event is never used"


@dataclass(frozen=True)
class Warned:
    text: str
    at: str  # a text on the line the warning must name
    message: str  # a text the warning must hold


WARNINGS = [
    pytest.param(Warned(
        edit(BASE, "    prior: 0.4\n", "    prior: 0.4\n    starts: {month: 6}\n"),
        at="starts: {month: 6}",
        message="surge: starts at month 6, after the horizon's last month 5 (2025-04): "
                "the scenario never takes effect"), id="start-after-horizon"),
    pytest.param(Warned(
        edit(BASE, "    prior: 0.4\n",
             "    prior: 0.4\n    starts: {month: \"2 to 12\", assumption: \"A guess.\"}\n"),
        at="2 to 12",
        message="surge: its start falls after the horizon's last month 5 (2025-04) in about"),
        id="start-can-fall-after-horizon"),
    pytest.param(Warned(BASE, at="    ceasefire:", message=UNUSED_EVENT), id="event-never-used"),
    pytest.param(Warned(
        edit(BASE, "    prior: 0.4\n",
             "    prior: 0.4\n    overrides:\n      rate: {value: 0.1, assumption: \"Same.\"}\n"),
        at="rate: {value: 0.1",
        message='surge: the override of "rate" equals its base definition: it changes nothing'),
        id="override-equal-to-base"),
    pytest.param(Warned(
        BASE + "indicators:\n  - id: flat\n    label: Flat\n    assumption: \"A guess.\"\n"
        "    likelihood: {steady: 0.5, surge: 0.5}\n",
        at="likelihood: {steady", message="flat: every scenario has the same likelihood (0.5)"),
        id="indicator-cannot-discriminate"),
]


@pytest.mark.parametrize("warned", WARNINGS)
def test_warnings_are_located_on_stderr_with_exit_0(warned: Warned, tmp_path: Path, cli) -> None:
    path = write(tmp_path / "case.yaml", warned.text)
    result = cli("validate", path)
    assert result.code == 0, result.err
    line = next(number for number, text in enumerate(warned.text.splitlines(), 1)
                if warned.at in text)
    found = [text for text in result.err.splitlines() if warned.message in text]
    assert found, result.err
    assert found[0].startswith(f"{path}:{line}:"), found[0]
    assert ": warning: " in found[0]


def test_a_case_without_surprises_has_no_warnings() -> None:
    case = compile_text(edit(BASE, "  revenue_usd:\n", "  ceasefire: {label: C}\n  revenue_usd:\n"))
    assert case.notes == ()


# -- yubi: 1 keeps working; yubi upgrade -----------------------------------------------------
def test_a_v1_field_gives_a_located_note_naming_its_replacement(tmp_path: Path, cli) -> None:
    result = cli("validate", HARBOUR_V1)
    assert result.code == 0, result.err
    line = next(n for n, text in enumerate(HARBOUR_V1.read_text().splitlines(), 1)
                if "for_regime:" in text)
    assert (f"{HARBOUR_V1}:{line}:5: note: calm: for_regime is renamed "
            "implications_for.regime in yubi: 2 (`yubi upgrade` rewrites the file)") in result.err


def test_upgrade_rewrites_in_place_keeping_comments_and_twice_changes_nothing(
    tmp_path: Path, cli
) -> None:
    path = write(tmp_path / "harbour.yaml", HARBOUR_V1.read_text(encoding="utf-8"))
    assert cli("upgrade", path, "--check").code == 1
    result = cli("upgrade", path)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"{path}: line 4: yubi: 1 → yubi: 2",
        f"{path}: line 65: scenario calm: for_regime → implications_for",
        f"{path}: added audiences: regime with the labels the brief gave them",
    ]
    upgraded = path.read_text(encoding="utf-8")
    assert upgraded.startswith("# A small, made-up test case")  # the file's comments survive
    assert upgraded.count("#") == HARBOUR_V1.read_text(encoding="utf-8").count("#") + 1
    assert "for_regime" not in upgraded and "implications_for:\n      regime:" in upgraded
    validated = cli("validate", path)
    assert validated.code == 0 and "note:" not in validated.err
    assert cli("upgrade", path, "--check").code == 0
    again = cli("upgrade", path)
    assert again.code == 0 and again.out == "" and path.read_text(encoding="utf-8") == upgraded


def test_upgrade_out_writes_elsewhere_and_leaves_the_case(tmp_path: Path, cli) -> None:
    path = write(tmp_path / "harbour.yaml", HARBOUR_V1.read_text(encoding="utf-8"))
    result = cli("upgrade", path, "--out", tmp_path / "v2.yaml")
    assert result.code == 0, result.err
    assert path.read_text(encoding="utf-8") == HARBOUR_V1.read_text(encoding="utf-8")
    assert (tmp_path / "v2.yaml").read_text(encoding="utf-8").count("yubi: 2") == 1


def test_the_upgraded_case_runs_to_the_same_numbers(tmp_path: Path, cli) -> None:
    old = write(tmp_path / "old.yaml", HARBOUR_V1.read_text(encoding="utf-8"))
    new = write(tmp_path / "new.yaml", upgrade_text(old.read_text(encoding="utf-8")).text)
    runs = []
    for path in (old, new):
        result = cli("run", path, "--json", "--samples", "300", "--seed", "4")
        assert result.code == 0, result.err
        document = json.loads(result.out)
        document.pop("case_sha256")
        runs.append(json.dumps(document, sort_keys=True).replace(str(path), "CASE"))
    assert runs[0] == runs[1]


def test_the_bundled_case_is_current(cli) -> None:
    result = cli("upgrade", "dprk-russia-2024", "--check")
    assert result.code == 0, result.err


# -- units -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "dimension", "scale", "parts"),
    [
        ("event/(1000 vessel)", "event/vessel", 0.001, ("event", ("1000*vessel",))),
        ("event per 1000 vessel", "event/vessel", 0.001, ("event", ("1000*vessel",))),
        ("event/1000 vessel", "event/vessel", 0.001, ("event", ("1000*vessel",))),
        ("KRW/soldier/year", "KRW/month/soldier", 1 / 12, ("KRW", ("soldier", "year"))),
        ("soldier*month", "month*soldier", 1.0, ("soldier*month", ())),
        ("(a b)^2/c", "a^2*b^2/c", 1.0, ("a^2*b^2", ("c",))),
    ],
)
def test_unit_syntax(text: str, dimension: str, scale: float, parts: object) -> None:
    unit = parse_unit(text)
    assert (unit.dimension_text(), unit.scale) == (dimension, pytest.approx(scale))
    assert unit_parts(text) == parts


@pytest.mark.parametrize("text", ["event/(1000*vessel", "a//b", "/a", "a $"])
def test_an_unreadable_unit_shows_the_accepted_forms(text: str) -> None:
    with pytest.raises(UnitError, match=r'"event/\(1000 vessel\)", "event per 1000 vessel"'):
        parse_unit(text)


def test_without_units_section_any_word_is_a_unit_as_in_v1() -> None:
    ships = "  ships:\n    label: Ships\n    unit: vessel\n    value: 3\n    source: report\n"
    case = compile_text(edit(BASE, "quantities:\n", "quantities:\n" + ships))
    assert "ships" in {v.name for v in case.variables}  # compiles: v1's implicit units
    declared = edit(BASE, "yubi: 1", "yubi: 2\nunits:\n  convoy: {en: convoy}")
    with pytest.raises(CaseError, match='unknown unit "vessel"'):
        compile_text(edit(declared, "quantities:\n", "quantities:\n" + ships))


# -- the schema and the starter ----------------------------------------------------------------
def test_the_schema_describes_every_property_and_has_an_id() -> None:
    from yubi.case.schema import SCHEMA_ID, json_schema

    schema = json_schema()
    assert schema["$id"] == SCHEMA_ID
    definitions = [*schema["$defs"].values(), schema]
    undescribed = [key for definition in definitions
                   for key, prop in definition.get("properties", {}).items()
                   if not prop.get("description")]
    assert undescribed == []
    assert schema["$defs"]["Quantity"]["examples"] and schema["properties"]["units"]["examples"]


def test_new_writes_a_generic_v2_starter_with_the_schema_line(tmp_path: Path, cli) -> None:
    from yubi.case.schema import SCHEMA_ID

    result = cli("new", tmp_path / "queue.yaml")
    assert result.code == 0, result.err
    text = (tmp_path / "queue.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_ID}"
    assert "yubi: 2" in text and "id: queue" in text
    for word in ("troop", "soldier", "regime", "South Korea", "deal"):
        assert word not in text
    validated = cli("validate", tmp_path / "queue.yaml")
    assert validated.code == 0 and validated.err == "", validated.err
