"""Reading case files: YAML with line numbers → validated :class:`~yubi.case.schema.CaseFile`.

ruamel.yaml's round-trip loader keeps the line and column of every key and value, so any
error — YAML syntax, schema, or an expression deep inside — is reported as
``file:line:column: subject: what is wrong``. The round-trip loader builds only plain
mappings, sequences and scalars: YAML tags that construct objects are refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from yubi.case.schema import CaseFile
from yubi.errors import CaseError, Location, UsageError
from yubi.files import read_capped

__all__ = ["CaseText", "bundled_case_names", "bundled_case_path", "read_case_file", "resolve_case"]

#: About ten and three and a half times the bundled case (96 kB, 3,400 nodes). ruamel.yaml
#: parses only 2,000 to 20,000 nodes a second (busy to idle machine): these bounds keep any
#: file well under 10 s.
MAX_CASE_BYTES = 1024 * 1024
MAX_CASE_NODES = 12_000
BUNDLED_PACKAGE = "yubi.cases"


@dataclass(frozen=True)
class CaseText:
    """A case file as read: its validated content, raw bytes and a locator for errors."""

    file: CaseFile
    path: str
    raw: bytes
    tree: Any

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def locate(self, path: Sequence[str | int], *, value: bool = True) -> Location:
        """The location of the key path ``path`` (e.g. ``("quantities", "x", "expr")``)."""
        line, column = _position(self.tree, path, value=value)
        return Location(self.path, line, column)

    def expression_column(self, path: Sequence[str | int], offset: int) -> Location:
        """Location of character ``offset`` inside the string value at ``path``."""
        location = self.locate(path)
        node = _node_at(self.tree, path)
        quoted = isinstance(node, DoubleQuotedScalarString | SingleQuotedScalarString)
        if location.column is None:
            return location
        return Location(location.file, location.line, location.column + offset + int(quoted))


def bundled_case_names() -> list[str]:
    """Names of the cases shipped with yubi, e.g. ``["dprk-russia-2024"]``."""
    folder = resources.files(BUNDLED_PACKAGE)
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml") and not entry.name.startswith("_")
    )


def bundled_case_path(name: str) -> Path:
    return Path(str(resources.files(BUNDLED_PACKAGE).joinpath(f"{name}.yaml")))


def resolve_case(case: str | Path | None) -> Path:
    """A path from a path or a bundled case name; the default bundled case when ``None``."""
    if case is None:
        return bundled_case_path("dprk-russia-2024")
    candidate = Path(case)
    if candidate.exists():
        return candidate
    if str(case) in bundled_case_names():
        return bundled_case_path(str(case))
    raise CaseError(
        f"no case file or bundled case named {str(case)!r} "
        f"(bundled: {', '.join(bundled_case_names())})"
    )


def read_case_file(path: str | Path) -> CaseText:
    """Read and validate one case file.

    Raises
    ------
    CaseError
        Naming ``file:line:column`` for YAML syntax errors and schema violations.
    """
    display = str(path)
    try:
        raw = read_capped(path, MAX_CASE_BYTES, "case file")
    except UsageError as error:
        raise CaseError(str(error).removeprefix(f"{display}: "), Location(display)) from None
    return parse_case_text(raw, display)


def parse_case_text(raw: bytes, display: str = "<case>") -> CaseText:
    """Validate case YAML given as bytes; ``display`` names it in errors."""
    if len(raw) > MAX_CASE_BYTES:
        raise CaseError(f"case file larger than {MAX_CASE_BYTES:,} bytes", Location(display))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CaseError(f"not UTF-8 text (byte {error.start})", Location(display)) from None
    tree = _parse_yaml(text, display)
    if not isinstance(tree, CommentedMap):
        raise CaseError("a case file must be a YAML mapping (key: value)", Location(display, 1, 1))
    try:
        plain = _to_plain(tree, [0])
    except CaseError as error:  # too many nodes: name the file
        raise CaseError(error.message, Location(display)) from None
    try:
        case_file = CaseFile.model_validate(plain)
    except ValidationError as error:
        raise _schema_error(error, tree, display) from None
    return CaseText(case_file, display, raw, tree)


class _TooManyNodesError(Exception):
    """Raised by :class:`_CountingComposer` as soon as a file has too many YAML nodes."""


class _CountingComposer(Composer):
    """Counts nodes while the document is composed, so a huge list is refused early.

    Counting after parsing would first build the whole tree (a 4 MB list of two million
    elements takes minutes and gigabytes); aliases count too, each time they are used.
    """

    nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.nodes += 1
        if self.nodes > MAX_CASE_NODES:
            raise _TooManyNodesError
        return super().compose_node(parent, index)


class _BadDateError(ConstructorError):
    """A scalar that looks like a YAML timestamp but is no calendar date or time."""


class _StrictConstructor(RoundTripConstructor):
    """Round-trip construction whose impossible dates are located YAML errors.

    ``2024-02-30`` matches YAML's timestamp pattern but is no date: ruamel.yaml would raise a
    bare ``ValueError`` without a position.
    """

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError) as error:
            raise _BadDateError(
                None, None, f"{node.value!r} is not a valid date or time ({error})",
                node.start_mark) from None


_StrictConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _StrictConstructor.construct_yaml_timestamp
)


#: Case files at least this large keep their parsed tree in the cache folder.
PARSE_CACHE_BYTES = 16 * 1024


def _parse_yaml(text: str, display: str) -> Any:
    """The round-trip tree of ``text``, from the parse cache when this very text was
    parsed before.

    ruamel.yaml's round-trip parser is pure Python: 0.3 s for the bundled case (130 kB),
    half of what ``yubi validate`` takes. The tree it built (with every line and column the
    error messages need) is pickled under the SHA-256 of the text, ruamel.yaml's version and
    this module's source, so an edited file, or another parser, is parsed afresh; only
    trees that parsed without error are kept. The pickle is yubi's own, in the user's cache
    folder, as numba's compiled code beside it is."""
    cached = _parse_cache_path(text) if len(text) >= PARSE_CACHE_BYTES else None
    if cached is not None:
        try:
            return pickle.loads(cached.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                IndexError, TypeError, ValueError):
            pass  # missing or stale: parsed again below
    tree = _parse_yaml_text(text, display)
    if cached is not None:
        from yubi.cachedir import write_atomically

        with contextlib.suppress(OSError, pickle.PicklingError, RecursionError):
            write_atomically(cached, pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
    return tree


def _parse_cache_path(text: str) -> Path:
    import ruamel.yaml

    from yubi.cachedir import cache_folder, source_digest

    # The parser's version and this module's own text (not importlib.metadata: 75 ms).
    parser = f"{ruamel.yaml.__version__} {source_digest(__file__)[:16]}"
    digest = hashlib.sha256(f"{parser}\n{text}".encode()).hexdigest()[:40]
    return cache_folder() / "parsed" / f"{digest}.pickle"


def _parse_yaml_text(text: str, display: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.Composer = _CountingComposer
    yaml.Constructor = _StrictConstructor
    yaml.allow_duplicate_keys = False
    yaml.preserve_quotes = True  # expression_column() needs to know a value was quoted
    yaml.max_depth = 200
    try:
        return yaml.load(text)
    except RecursionError:
        raise CaseError("YAML nested too deeply", Location(display)) from None
    except MaxDepthExceededError as error:
        mark = error.problem_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        raise CaseError("YAML nested too deeply (over 200 levels)", where) from None
    except _TooManyNodesError:
        raise CaseError(f"case file has more than {MAX_CASE_NODES} YAML nodes",
                        Location(display)) from None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        prefix = "" if isinstance(error, _BadDateError) else "YAML syntax error: "
        raise CaseError(f"{prefix}{_explain_yaml(error, problem)}", where) from None
    except YAMLError as error:
        raise CaseError(f"YAML error: {error}", Location(display)) from None


def _explain_yaml(error: MarkedYAMLError, problem: str) -> str:
    """ruamel.yaml's words, with what an analyst should check (mostly indentation)."""
    mark, context = error.problem_mark, error.context_mark
    if problem.startswith("expected <block end>") and mark is not None and context is not None:
        return (f"line {mark.line + 1} is indented to column {mark.column + 1}, but the keys "
                f"of the mapping it continues (from line {context.line + 1}) start at column "
                f"{context.column + 1}: indent it like the keys it belongs with, or, if it is "
                f"inside the key above, by more than that key and like its siblings ({problem})")
    if problem == "mapping values are not allowed here" and mark is not None:
        return (f"a second \"key:\" on line {mark.line + 1}: check that line's indentation, "
                'or quote a text value that contains ": " (' + problem + ")")
    return problem


def _to_plain(node: Any, counter: list[int]) -> Any:
    """Round-trip YAML → plain dicts/lists/scalars, bounding size (alias bombs)."""
    counter[0] += 1
    if counter[0] > MAX_CASE_NODES:
        raise CaseError(f"case file has more than {MAX_CASE_NODES} YAML nodes")
    if isinstance(node, CommentedMap):
        return {str(key): _to_plain(value, counter) for key, value in node.items()}
    if isinstance(node, CommentedSeq):
        return [_to_plain(value, counter) for value in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool | int | float | dt.date) or node is None:
        return node
    return str(node)


def _schema_error(error: ValidationError, tree: Any, display: str) -> CaseError:
    first = error.errors()[0]
    path = [str(part) if not isinstance(part, int) else part for part in first["loc"]]
    if path[:1] == ["dimensions"]:  # CaseFile.dimensions is read from scenarios: {dimensions}
        path[0] = "scenarios"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        message = f'missing required key "{path[-1]}"'
        path = path[:-1]
    elif first["type"] == "extra_forbidden":
        message = f'unknown key "{path[-1]}"'
        line, column = _position(tree, path, value=False)
        return CaseError(message, Location(display, line, column), _subject(tree, path[:-1]))
    elif path and path[-1] == "[key]":  # a mapping key itself is wrong: point at the key
        path = path[:-1]
        line, column = _position(tree, path, value=False)
        return CaseError(message, Location(display, line, column), _subject(tree, path))
    elif first["type"] in ("literal_error", "string_type") and isinstance(
        first["input"], bool
    ):
        word = str(first["input"]).lower()
        message = (f"YAML reads {word} as a yes/no value, not as the word; quote it: "
                   f'{path[-1]}: "{word}" ({message})')
    elif first["type"] == "union_tag_invalid":
        message = f"unknown distribution type {first['input'].get('type')!r}; " + (
            "expected one of " + first["ctx"]["expected_tags"]
        )
    line, column = _position(tree, path, value=True)
    return CaseError(message, Location(display, line, column), _subject(tree, path))


def _subject(tree: Any, path: Sequence[str | int]) -> str:
    """A readable name for the key path, dropping union tags that are not real keys."""
    parts: list[str] = []
    node = tree
    for part in path:
        if isinstance(node, CommentedMap) and part in node:
            node = node[part]
            parts.append(str(part))
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            element = node[part]
            node = element
            element_id = element.get("id") if isinstance(element, CommentedMap) else None
            parts.append(str(element_id) if element_id else f"[{part}]")
    # quantities.troops_cap.expr → troops_cap.expr reads better; keep sections elsewhere.
    if len(parts) >= 2 and parts[0] in ("quantities", "outputs", "scenarios"):
        parts = parts[1:]
    return ".".join(parts) if parts else "case"


def _node_at(tree: Any, path: Sequence[str | int]) -> Any:
    node = tree
    for part in path:
        if (isinstance(node, CommentedMap) and part in node) or (
            isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
    return node


def _position(tree: Any, path: Sequence[str | int], *, value: bool) -> tuple[int, int]:
    """1-based (line, column) of the deepest existing key on ``path``."""
    node = tree
    line, column = node.lc.line, node.lc.col
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, CommentedMap) and part in node:
            if value or not last:
                line, column = node.lc.value(part)
            else:
                line, column = node.lc.key(part)
            if not (last and value) and not isinstance(node[part], CommentedMap | CommentedSeq):
                line, column = node.lc.key(part) if not last else (line, column)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line, column = node.lc.item(part)
            node = node[part]
    return line + 1, column + 1
