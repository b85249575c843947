"""Opening cases: from a path or a bundled name, compiled once per file content."""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

from yubi.case.loader import bundled_case_names, parse_case_text, read_case_file, resolve_case
from yubi.errors import CaseError, Location

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from yubi.case.compiled import Case

__all__ = ["CaseSummary", "list_cases", "open_case"]

#: Compiled cases kept, by (path, content hash): a compiled case is immutable, and keeping it
#: keeps its tabulated distributions, which a fresh compile would rebuild (~0.6 s).
CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, str], Case] = OrderedDict()
_lock = Lock()


@dataclass(frozen=True)
class CaseSummary:
    """A bundled case as listed: ``id`` opens it with :func:`open_case`."""

    id: str
    title: str
    path: str
    as_of: str
    scenarios: tuple[str, ...]
    outputs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "path": self.path, "as_of": self.as_of,
                "scenarios": list(self.scenarios), "outputs": list(self.outputs)}


def open_case(ref: str | Path | None = None) -> Case:
    """Load, validate and compile a case.

    Parameters
    ----------
    ref
        A path to a YAML case file or the name of a bundled case; ``None`` opens the bundled
        ``dprk-russia-2024``.

    Returns
    -------
    Case
        The compiled case. Opening the same file content again returns the same object.

    Raises
    ------
    yubi.errors.CaseError
        With ``file:line:column`` of the first problem.
    """
    path = resolve_case(ref)
    display = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CaseError(f"cannot read case file: {error.strerror}", Location(display)) from None
    key = (display, hashlib.sha256(raw).hexdigest())
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            log.debug("case %s already compiled (sha256 %s)", display, key[1][:12])
            return _cache[key]
    from yubi.case.compiler import compile_case  # SciPy: only when a case is compiled
    from yubi.case.loader import MAX_CASE_BYTES

    if len(raw) > MAX_CASE_BYTES:
        raise CaseError(f"case file larger than {MAX_CASE_BYTES} bytes", Location(display))
    case = compile_case(parse_case_text(raw, display))
    log.info("opened case %s from %s (sha256 %s)", case.id, display, key[1][:12])
    from yubi.case.checks import print_notes  # once per file content: opened cases are cached

    print_notes(case.notes)
    with _lock:
        _cache[key] = case
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return case


def list_cases() -> list[CaseSummary]:
    """The bundled cases, by name (read and checked, not compiled: no SciPy needed)."""
    summaries = []
    for name in bundled_case_names():
        path = resolve_case(name)
        file = read_case_file(path).file
        summaries.append(CaseSummary(
            name, file.title.en, str(path), file.as_of.isoformat(),
            tuple(s.id for s in file.scenarios), tuple(file.outputs),
        ))
    return summaries
