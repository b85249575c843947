"""``yubi upgrade``: rewrite a ``yubi: 1`` case file as ``yubi: 2``, keeping its comments.

The file is edited as a ruamel.yaml round-trip tree, so comments, key order, quoting and
folded text survive; only what the upgrade table of ``docs/design/case-format-2.md`` names
changes. Upgrading a ``yubi: 2`` file changes nothing.
"""

from __future__ import annotations

import ast
import io
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from yubi.case.loader import parse_case_text
from yubi.case.schema import V1_AUDIENCES
from yubi.errors import CaseError, Location

__all__ = ["CURRENT_VERSION", "Upgrade", "upgrade_text"]

CURRENT_VERSION = 2


@dataclass(frozen=True)
class Upgrade:
    """The upgraded text and one line per rewrite (empty when the file was current)."""

    text: str
    rewrites: tuple[str, ...]
    #: Lines naming what the analyst should look at but the upgrade does not rewrite (outputs
    #: whose expression is a comparison: candidates for ``kind: event``).
    suggestions: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.rewrites)


def upgrade_text(text: str, display: str = "<case>") -> Upgrade:
    """Upgrade case YAML ``text`` to the current version.

    The file is validated first (a file that does not validate is not rewritten), then
    rewritten, then the result validated again.

    Raises
    ------
    CaseError
        If the file does not validate, before or after.
    """
    parse_case_text(text.encode("utf-8"), display)
    yaml = _yaml()
    tree = yaml.load(text)
    rewrites: list[str] = []
    version = tree.get("yubi", 1)
    suggestions = tuple(_event_candidates(tree))
    if version == CURRENT_VERSION:
        return Upgrade(text, (), suggestions)
    if "yubi" in tree:
        tree["yubi"] = CURRENT_VERSION
        rewrites.append(f"line {tree.lc.key('yubi')[0] + 1}: yubi: {version} → "
                        f"yubi: {CURRENT_VERSION}")
    else:
        tree.insert(0, "yubi", CURRENT_VERSION)
        rewrites.append(f"added yubi: {CURRENT_VERSION} at the top")
    used = _move_audiences(tree, rewrites)
    if used and "audiences" not in tree:
        audiences = CommentedMap()
        for audience in (a for a in V1_AUDIENCES if a in used):
            label = CommentedMap(V1_AUDIENCES[audience][1])
            label.fa.set_flow_style()
            entry = CommentedMap(label=label)
            entry.fa.set_flow_style()
            audiences[audience] = entry
        keys = list(tree)
        position = keys.index("sources") if "sources" in keys else len(keys)
        tree.insert(position, "audiences", audiences,
                    comment="who the scenarios' implications_for speak to")
        rewrites.append(f"added audiences: {', '.join(a for a in V1_AUDIENCES if a in used)} "
                        "with the labels the brief gave them")
    output = io.StringIO()
    yaml.dump(tree, output)
    upgraded = output.getvalue()
    try:
        parse_case_text(upgraded.encode("utf-8"), display)
    except CaseError as error:  # a bug of the upgrade, not of the file: say so
        raise CaseError(f"the upgraded file does not validate ({error.message}); "
                        "the file is left as it was", Location(display)) from None
    return Upgrade(upgraded, tuple(rewrites), suggestions)


def _event_candidates(tree: CommentedMap) -> list[str]:
    """Outputs without ``kind:`` whose expression is a comparison (or a test): 0 or 1 each
    month, so probably events; flagged for the analyst, never rewritten silently."""
    outputs = tree.get("outputs")
    if not isinstance(outputs, CommentedMap):
        return []
    events = (tree.get("dynamics") or {}).get("events") or {}
    found = []
    for output_id, output in outputs.items():
        if not isinstance(output, CommentedMap) or "kind" in output:
            continue
        expression = output.get("expr")
        if expression is None and output_id not in events:
            continue
        if expression is not None and not _is_test(str(expression)):
            continue
        line = outputs.lc.key(output_id)[0] + 1
        found.append(f"line {line}: output {output_id} is 0 or 1 each month "
                     f"({'a test' if expression is not None else 'an event'}); consider "
                     "kind: event, to report it as a probability (not rewritten)")
    return found


def _is_test(expression: str) -> bool:
    """Whether an expression is a comparison, and/or/not, or ``where(test, 1, 0)``."""
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return False
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "where" and len(node.args) == 3:
        ends = [ast.literal_eval(arg) if isinstance(arg, ast.Constant) else None
                for arg in node.args[1:]]
        return sorted(map(str, ends)) == ["0", "1"]
    return isinstance(node, ast.Compare | ast.BoolOp) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line the analyst wrote
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _move_audiences(tree: CommentedMap, rewrites: list[str]) -> set[str]:
    """``for_regime:`` / ``for_south_korea:`` → ``implications_for: {regime, south_korea}``."""
    used: set[str] = set()
    scenarios = tree.get("scenarios")
    if not isinstance(scenarios, CommentedSeq):
        return used
    for scenario in scenarios:
        if not isinstance(scenario, CommentedMap):
            continue
        old = [(a, field) for a, (field, _) in V1_AUDIENCES.items() if field in scenario]
        if not old:
            continue
        keys = list(scenario)
        position = min(keys.index(field) for _, field in old)
        line = scenario.lc.key(old[0][1])[0] + 1
        implications: Any = scenario.get("implications_for") or CommentedMap()
        for audience, field in old:
            implications[audience] = scenario[field]
            _carry_comment(scenario, field, implications, audience)
            del scenario[field]
            used.add(audience)
        if "implications_for" not in scenario:
            scenario.insert(position, "implications_for", implications)
        fields = " and ".join(field for _, field in old)
        rewrites.append(f"line {line}: scenario {scenario.get('id')}: {fields} → "
                        "implications_for")
    return used


def _carry_comment(source: CommentedMap, key: str, target: CommentedMap, new_key: str) -> None:
    """Keep a comment written after ``key``'s value (ruamel keeps it with the key)."""
    comment = source.ca.items.pop(key, None)
    if comment is not None:
        target.ca.items[new_key] = comment
