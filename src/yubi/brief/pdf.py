"""Typesetting the brief's HTML as PDF with WeasyPrint: one core per document, started early.

WeasyPrint lays out a document on one core, and before its first page it spends about a
second importing itself and setting up fonts (fontconfig, the CJK face). A
:class:`Typesetter` forks its processes when the brief starts, so that second overlaps the
analyses, and typesets each language's PDF in its own process, in parallel.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yubi.brief.forking import can_fork

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = ["HARFBUZZ_PACKAGE", "WORD_JOINER", "Typesetter", "harfbuzz_subset_missing",
           "keep_korean_words", "write_pdf"]

#: Hangul (jamo, compatibility jamo, syllables) next to another non-space character.
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
_INSIDE_WORD = re.compile(f"(?<=[{_HANGUL}])(?=[^\\s<>])|(?<=[^\\s<>])(?=[{_HANGUL}])")
WORD_JOINER = "\u2060"
#: The Debian package of the library WeasyPrint subsets embedded fonts with.
HARFBUZZ_PACKAGE = "libharfbuzz-subset0"
#: The names WeasyPrint (weasyprint.text.ffi) opens it by, in its order.
_HARFBUZZ_SUBSET = ("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0",
                    "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib",
                    "libharfbuzz-subset-0.dll")
#: A page in the brief's fonts, typeset once to load them before the brief is ready.
_WARM_UP = ('<p style="font-family: \'Noto Sans CJK KR\', \'Noto Sans\', sans-serif">'
            "유비무환 <b>yubi</b> <code>0</code></p>")


def keep_korean_words(html: str) -> str:
    """Forbid line breaks inside Korean words, for WeasyPrint.

    Korean breaks lines between words (at spaces), as CSS ``word-break: keep-all`` asks and
    browsers do; WeasyPrint ignores ``keep-all`` and breaks between any two syllables. A WORD
    JOINER (U+2060, invisible, dropped from the PDF's text layer) between the characters of
    a word containing Hangul keeps it whole.
    """
    return _INSIDE_WORD.sub(WORD_JOINER, html)


def harfbuzz_subset_missing() -> bool:
    """Whether WeasyPrint will subset fonts in pure Python (fontTools) for want of HarfBuzz.

    Checked as WeasyPrint loads the library (the same names, through the dynamic loader);
    without it the Korean brief's CJK font takes some 30 s to subset instead of about one.
    """
    for name in _HARFBUZZ_SUBSET:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return False
    return True


def _weasyprint() -> Any:
    # yubi brief warns about HarfBuzz itself, in one line; WeasyPrint's warning would repeat it.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=UserWarning)
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint


def write_pdf(html: str, path: Path, fonts: Any = None) -> Path:
    """Typeset ``html`` on A4 pages with WeasyPrint and write it to ``path``.

    ``fonts``, a ``weasyprint.text.fonts.FontConfiguration`` already used, skips setting up
    the fonts again.
    """
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=keep_korean_words(html), base_url=None)
    document.write_pdf(path, font_config=fonts)
    return path


class Typesetter:
    """Processes that import WeasyPrint and load the fonts now, and typeset PDFs later.

    Parameters
    ----------
    documents
        How many PDFs will be asked for; one process each, up to the number of cores.
        Where ``fork`` is unavailable (or with one core) the PDFs are typeset in this process.
    """

    def __init__(self, documents: int) -> None:
        count = min(documents, os.cpu_count() or 1)
        self._workers: list[tuple[BaseProcess, Connection]] = []
        if not can_fork() or documents < 1:
            return
        context = multiprocessing.get_context("fork")
        for _ in range(max(count, 1)):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), daemon=True)
            process.start()
            theirs.close()
            self._workers.append((process, ours))

    def typeset(self, pages: Sequence[tuple[str, Path]]) -> list[Path]:
        """Write each ``(html, path)`` as a PDF; the paths, in order."""
        if not self._workers:
            return [write_pdf(html, path) for html, path in pages]
        rounds = [pages[i:i + len(self._workers)] for i in range(0, len(pages),
                                                                 len(self._workers))]
        for batch in rounds:  # one document per process at a time
            for (_, connection), job in zip(self._workers, batch, strict=False):
                connection.send(job)
            for (process, connection), _ in zip(self._workers, batch, strict=False):
                _answer(process, connection)
        return [path for _, path in pages]

    def close(self) -> None:
        """Stop the processes (they also end with this one)."""
        for process, connection in self._workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                connection.send(None)
            connection.close()
            process.join(timeout=1)
            if process.is_alive():  # still setting up (an error ended the brief early)
                process.terminate()
                process.join()
        self._workers = []

    def __enter__(self) -> Typesetter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _answer(process: BaseProcess, connection: Connection) -> None:
    try:
        status, detail = connection.recv()
    except EOFError:
        process.join()
        raise RuntimeError(f"the PDF process ended (exit code {process.exitcode})") from None
    if status != "ok":
        raise RuntimeError(f"in the PDF process: {detail}")


def _serve(connection: Connection) -> None:
    """A typesetting process: set up WeasyPrint, then typeset what arrives until ``None``."""
    import gc
    import io

    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    weasyprint.HTML(string=_WARM_UP).write_pdf(io.BytesIO(), font_config=fonts)
    # A layout's boxes are collected after its answer, not during it: the cyclic
    # collector's passes over WeasyPrint's objects cost 0.3-0.5 s of a brief's PDF, measured.
    gc.disable()
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        if job is None:
            return
        html, path = job
        try:
            write_pdf(html, path, fonts)
            connection.send(("ok", ""))
        except Exception as error:  # reported to the parent, which raises it
            connection.send(("error", f"{type(error).__name__}: {error}"))
        gc.collect()  # while the parent reads the answer
