"""Saving a changed case as a variant: a case file whose diff against the original is the
changes, each changed quantity or prior saying who changed it, when and why.

The original file is edited through ruamel.yaml's round-trip mode, which keeps comments, key
order, quoting and flow style; the indentation that reproduces the original byte for byte is
found by trying the usual ones, so an unchanged line never shows up in the diff.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yubi.case.changes import Change, change_note, describe_definition
from yubi.errors import UsageError

if TYPE_CHECKING:
    from yubi.case import schema
    from yubi.case.compiled import Case

__all__ = ["save_variant", "variant_text"]

_DEFINITION_KEYS = ("value", "distribution", "expr", "truncate")
#: (mapping, sequence, offset) indentations tried, most common first.
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 4, 0))


def variant_text(
    case: Case, *, by: str | None = None, why: str | None = None, on: dt.date | None = None
) -> str:
    """The YAML of ``case`` (a changed case) written as an edit of its original file.

    Parameters
    ----------
    case
        A case with what-if changes (:meth:`~yubi.case.compiled.Case.with_changes`).
    by, why
        Who made the changes and why; written into each changed ``assumption:``.
    on
        The date of the change; today by default.
    """
    if case.text is None:
        raise UsageError("this case was not read from a case file; there is nothing to edit")
    if not case.changes:
        raise UsageError("no changes: give at least one --set KEY=VALUE")
    on = on or dt.date.today()
    original = case.text.raw.decode("utf-8")
    yaml, tree = _round_trip(original)
    last = {change.key: change for change in case.changes}  # a later change of a key wins
    for change in last.values():
        if change.kind == "quantity":
            _edit_quantity(tree, case, change, by=by, why=why, on=on)
    _edit_priors(tree, case, list(last.values()), by=by, why=why, on=on)
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


def save_variant(
    case: Case, out: str | Path, *, by: str | None = None, why: str | None = None,
    on: dt.date | None = None, overwrite: bool = False,
) -> Path:
    """Write :func:`variant_text` to ``out`` (``.yaml``); refuses to overwrite unless asked."""
    path = Path(out)
    if path.suffix not in (".yaml", ".yml"):
        raise UsageError(f"--out must end in .yaml, got {path.name!r}")
    if path.exists() and not overwrite:
        raise UsageError(f"{path} already exists; not overwriting it")
    if case.text is not None and path.resolve() == Path(case.path).resolve():
        raise UsageError("--out is the original case file; write the variant to a new file")
    if not path.parent.is_dir():
        raise UsageError(f"folder {path.parent} does not exist")
    text = variant_text(case, by=by, why=why, on=on)
    _check(text, str(path))
    path.write_text(text, encoding="utf-8")
    return path


def _check(text: str, display: str) -> None:
    """The variant must be a valid case: read and compile it before it is written."""
    from yubi.case.compiler import compile_case
    from yubi.case.loader import parse_case_text

    compile_case(parse_case_text(text.encode("utf-8"), display))


def _round_trip(text: str) -> tuple[Any, Any]:
    """A round-trip YAML object set up to reproduce ``text`` exactly, and its tree."""
    from ruamel.yaml import YAML

    reader = YAML(typ="rt")
    reader.preserve_quotes = True  # kept on the loaded nodes; indentation is the dumper's
    tree = reader.load(text)
    best: tuple[int, Any] | None = None
    for mapping, sequence, offset in _INDENTS:
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096  # never re-wrap a long line
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        buffer = io.StringIO()
        yaml.dump(tree, buffer)
        before, after = text.splitlines(), buffer.getvalue().splitlines()
        differing = sum(a != b for a, b in zip(before, after, strict=False))
        differing += abs(len(before) - len(after))
        if best is None or differing < best[0]:
            best = (differing, yaml)
        if differing == 0:
            break
    assert best is not None
    return best[1], tree


def _edit_quantity(
    tree: Any, case: Case, change: Change, *, by: str | None, why: str | None, on: dt.date
) -> None:
    assert case.text is not None
    name = change.target
    node = tree["quantities"][name]
    new = case.file.quantities[name]
    before = case.text.file.quantities[name]
    fields = _definition(new)
    keys = list(node.keys())
    position = next((keys.index(k) for k in _DEFINITION_KEYS if k in node), len(keys))
    for key in _DEFINITION_KEYS:
        if key in node and key not in fields:
            del node[key]
    for offset, (key, value) in enumerate(fields.items()):
        if key in node and _same(node[key], value):
            continue
        if key in node:
            node[key] = value
        else:
            node.insert(position + offset, key, value)
    note = change_note(change, describe_definition(before), by=by, on=on, why=why)
    _set_after(node, "assumption", note, after=("source", *fields))


def _definition(quantity: schema.Quantity) -> dict[str, Any]:
    """The definition keys of ``quantity`` as YAML nodes, in the case format's order."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    fields: dict[str, Any] = {}
    if isinstance(quantity.value, str):
        fields["value"] = DoubleQuotedScalarString(quantity.value)
    elif quantity.value is not None:
        fields["value"] = _number(quantity.value)
    if quantity.distribution is not None:
        flow = CommentedMap(
            (k, _number(v)) for k, v in quantity.distribution.model_dump(exclude_unset=True).items()
        )
        flow.fa.set_flow_style()
        fields["distribution"] = flow
    if quantity.expr is not None:
        fields["expr"] = DoubleQuotedScalarString(quantity.expr)
    if quantity.truncate is not None:
        bounds = CommentedSeq(_number(v) if v is not None else None for v in quantity.truncate)
        bounds.fa.set_flow_style()
        fields["truncate"] = bounds
    return fields


def _edit_priors(
    tree: Any, case: Case, changes: list[Change], *, by: str | None, why: str | None,
    on: dt.date,
) -> None:
    assert case.text is not None
    keys = [c for c in changes if c.kind in ("prior", "off")]
    if not keys:
        return
    if case.crossed:
        _edit_branch_priors(tree, case, keys, by=by, why=why, on=on)
        return
    before = {s.id: s.prior for s in case.text.file.scenarios}
    for node in tree["scenarios"]:
        scenario = case.scenario(str(node["id"]))
        if scenario.prior == before[scenario.id]:
            continue
        node["prior"] = _number(scenario.prior)
        own = next((c for c in keys if c.target == scenario.id), None)
        reason = own or Change(", ".join(c.key for c in keys), "rescaled")
        note = change_note(reason, f"{before[scenario.id]:g}", by=by, on=on, why=why)
        if own is None:
            note = note.replace("= rescaled", "changed; this prior rescaled to "
                                f"{scenario.prior:.4g}", 1)
        _set_after(node, "prior_assumption", note, after=("prior_source", "prior"))


def _edit_branch_priors(
    tree: Any, case: Case, keys: list[Change], *, by: str | None, why: str | None,
    on: dt.date,
) -> None:
    """A crossed case's branch priors as the changed combinations imply them (a mapping per
    branch of the given dimension where the dimension has one)."""
    from yubi.case.dimensions import branch_priors

    assert case.text is not None and case.text.file.dimensions is not None
    written = case.text.file.dimensions.dimensions
    new = branch_priors(case)
    reason = Change(", ".join(c.key for c in keys), "rescaled")
    for dimension_id, node in tree["scenarios"]["dimensions"].items():
        for branch, branch_node in zip(written[dimension_id].branches, node["branches"],
                                       strict=True):
            value = new[branch.id]
            if _same_prior(value, branch.prior):
                continue
            branch_node["prior"] = (_number(value) if isinstance(value, float) else
                                    {g: _number(p) for g, p in value.items()})
            own = next((c for c in keys if c.target == branch.id), reason)
            note = change_note(own, str(branch.prior), by=by, on=on, why=why)
            _set_after(branch_node, "prior_assumption", note, after=("prior_source", "prior"))


def _same_prior(new: float | dict[str, float], old: object) -> bool:
    if isinstance(new, float):
        return isinstance(old, float | int) and abs(new - old) <= 1e-12
    return isinstance(old, dict) and all(abs(p - old[g]) <= 1e-12 for g, p in new.items())


def _set_after(node: Any, key: str, text: str, *, after: tuple[str, ...]) -> None:
    value = _folded(text)
    if key in node:
        node[key] = value
        return
    keys = list(node.keys())
    anchor = max((keys.index(k) for k in after if k in node), default=len(keys) - 1)
    node.insert(anchor + 1, key, value)


def _folded(text: str, width: int = 88) -> Any:
    """``text`` as a folded block scalar (``>-``) wrapped at ``width`` characters."""
    import textwrap

    from ruamel.yaml.scalarstring import FoldedScalarString

    lines = textwrap.wrap(" ".join(text.split()), width)
    folded = FoldedScalarString(" ".join(lines))
    ends = [sum(len(line) + 1 for line in lines[: i + 1]) - 1 for i in range(len(lines) - 1)]
    folded.fold_pos = ends  # fold at the spaces between the wrapped lines
    return folded


def _same(node: Any, value: Any) -> bool:
    return bool(node == value) and type(node) is type(value)


def _number(value: Any) -> Any:
    """Whole floats as ints (``20000``, not ``20000.0``); exact otherwise."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value
